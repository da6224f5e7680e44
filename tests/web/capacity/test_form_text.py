"""The capacity page forms report a forbidden character or an over-long value at the field,
the form kept as typed, writing nothing (issue 14, item 3).

Before: a control character in any of these forms gave the middleware's generic 400 page (the
typed form lost), e.g. ``POST /capacity/modules/new/`` with ``title="bad\\x01char"``; the
session and joint-statement forms of the programme page answered a refused post with a
redirect and a one-line message; the office survey's priorities had no bound at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.capacity.forms import OfficeSurveyForm, SessionForm
from citydiplomacy.web.capacity.models import Module, OfficeSurvey, Programme, Session
from citydiplomacy.web.engagement.models import Declaration
from tests.web.capacity.conftest import client_for

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    """One page form: who posts, where, a valid post, the context name of its form, and what
    it must not change."""

    client: Client
    url: str
    data: dict[str, Any]
    form: str
    state: Callable[[], Any]


def _rows(*model: type[models.Model]) -> Callable[[], Any]:
    return lambda: [list(m._default_manager.order_by("pk").values()) for m in model]


def _case(name: str, cohort: dict[str, Any], users: dict[str, Any]) -> Case:
    organiser = client_for(cohort["who"]["organiser"])
    programme: Programme = cohort["programme"]
    if name in ("module-new", "module-edit"):
        url = reverse("capacity:module-new")
        if name == "module-edit":
            url = reverse("capacity:module-edit", args=["M1"])
        data = {
            "code": "Typed-1" if name == "module-new" else "M1",
            "title": "Typed title",
            "provider": "Typed provider",
            "format": "online",
            "hours": "4",
            "languages": "en fr",
            "url": "",
            "description": "Typed description",
            "competency_codes": [cohort["fw"].codes[0]],
        }
        return Case(organiser, url, data, "form", _rows(Module))
    if name == "programme-new":
        data = {
            "slug": "typed-programme",
            "name": "Typed name",
            "description": "Typed description",
            "start_date": "2026-04-01",
            "end_date": "2026-06-30",
        }
        return Case(organiser, reverse("capacity:programme-new"), data, "form", _rows(Programme))
    if name == "session":
        data = {
            "title": "Typed title",
            "starts_at": "2026-01-10 13:00",
            "ends_at": "2026-01-10 15:00",
            "place": "Typed place",
        }
        url = reverse("capacity:session-new", args=[programme.slug])
        return Case(organiser, url, data, "session_form", _rows(Session))
    if name == "statement":
        programme.organisers.add(users["admin"])
        url = reverse("capacity:statement", args=[programme.slug])
        data = {"title": "Typed title of the statement", "text": "Typed text"}
        state = _rows(Declaration, Programme)
        return Case(client_for(users["admin"]), url, data, "statement_form", state)
    assert name == "survey"
    data = {
        "year": "2024",
        "international_office": "true",
        "networks": "4",
        "priorities": "Typed priorities",
    }
    url = reverse("capacity:city-survey", args=[cohort["geneva"].pk])
    return Case(client_for(cohort["who"]["manager"]), url, data, "form", _rows(OfficeSurvey))


#: Each form: a field to spoil with a control character, and a field with its bound.
FORMS = {
    "module-new": ("title", "description", 5_000),
    "module-edit": ("provider", "title", 200),
    "programme-new": ("description", "name", 200),
    "session": ("place", "title", 200),
    "statement": ("text", "title", 300),
    "survey": ("priorities", "priorities", 5_000),
}


def _check(response: Any, case: Case, field: str, expected: str, before: Any) -> None:
    assert response.status_code == 422, response.content.decode()[:500]
    form = response.context[case.form]
    assert field in form.errors, "the error is at the field, not the generic 400 page"
    assert expected in " ".join(form.errors[field])
    html = response.content.decode()
    assert expected in html
    assert f'name="{field}"' in html, "the form is shown again"
    for name, value in case.data.items():
        if name != field and isinstance(value, str) and value.startswith("Typed"):
            assert value in html, f"{name} is kept as typed"
    assert case.state() == before, "nothing is written"


@pytest.mark.parametrize("name", list(FORMS))
@pytest.mark.parametrize(
    ("character", "expected"),
    [
        ("\x01", "a control character (U+0001) at position 4"),
        ("\x00", "a control character (U+0000) at position 4"),
        ("\ufffe", "a noncharacter (U+FFFE) at position 4"),
    ],
)
def test_a_control_character_is_an_error_at_the_field(
    cohort: dict[str, Any], users: dict[str, Any], name: str, character: str, expected: str
) -> None:
    case = _case(name, cohort, users)
    field = FORMS[name][0]
    before = case.state()
    response = case.client.post(case.url, {**case.data, field: f"bad{character}char"})
    _check(response, case, field, expected, before)


@pytest.mark.parametrize("name", list(FORMS))
def test_an_over_long_value_is_an_error_at_the_field(
    cohort: dict[str, Any], users: dict[str, Any], name: str
) -> None:
    case = _case(name, cohort, users)
    _bad_field, field, length = FORMS[name]
    before = case.state()
    response = case.client.post(case.url, {**case.data, field: "x" * (length + 1)})
    _check(response, case, field, f"at most {length} characters (it has {length + 1})", before)


@pytest.mark.parametrize("name", list(FORMS))
def test_the_valid_post_still_saves(
    cohort: dict[str, Any], users: dict[str, Any], name: str
) -> None:
    """The same posts, unspoilt, are accepted: the checks refuse only what they must."""
    case = _case(name, cohort, users)
    before = case.state()
    response = case.client.post(case.url, case.data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert case.state() != before


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("module-new", "code"),
        ("module-new", "languages"),
        ("programme-new", "slug"),
        ("session", "starts_at"),
        ("survey", "international_office"),
    ],
)
def test_other_fields_refuse_the_character_at_the_field(
    cohort: dict[str, Any], users: dict[str, Any], name: str, field: str
) -> None:
    """Codes, slugs, dates and the survey's yes/no selects: an error at the field too (a
    yes/no select's unknown value would otherwise be read as 'not answered')."""
    case = _case(name, cohort, users)
    before = case.state()
    response = case.client.post(case.url, {**case.data, field: "en\x07fr"})
    assert response.status_code == 422
    form = response.context[case.form]
    assert field in form.errors
    assert case.state() == before


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: SessionForm({"title": "\ud800"}), "title"),
        (lambda: OfficeSurveyForm({"year": "2024", "priorities": "\ud800"}), "priorities"),
    ],
)
def test_a_lone_surrogate_is_an_error_at_the_field(make: Callable[[], Any], field: str) -> None:
    """A browser cannot send a lone surrogate, so the forms are tested directly."""
    form = make()
    assert not form.is_valid()
    assert "a lone UTF-16 surrogate (U+D800) at position 1" in " ".join(form.errors[field])
