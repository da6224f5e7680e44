"""Partnership, recognition, notification and log-in page forms report a forbidden character
or an over-long value at the field, the form kept as typed, writing nothing, on SQLite and
PostgreSQL alike (issue 14, item 3).

Before: a control character in any of these forms gave the middleware's generic 400 page (the
typed form lost), e.g. ``POST /partners/propose/`` with ``title="bad\\x01char"``; a partnership's
description, an activity's outcome and a membership's commitments had no bound at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from citydiplomacy.web import views as site_views
from citydiplomacy.web.notifications import forms as notification_forms
from citydiplomacy.web.notifications import invitations
from citydiplomacy.web.notifications.models import EditorInvitation, ReportingDeadline
from citydiplomacy.web.partners import forms as partner_forms
from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import (
    Activity,
    Document,
    Kind,
    Membership,
    Network,
    Partnership,
)
from citydiplomacy.web.recognition import forms as recognition_forms
from citydiplomacy.web.recognition.models import Document as TextDocument
from citydiplomacy.web.recognition.models import Version
from tests.web import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-enough-passphrase-42"
#: A synthetic text for the recognition upload (test data).
TEXT = b"The General Assembly,\n\n1. Encourages cities to act (synthetic test text).\n"


@dataclass
class Case:
    """One page form: who posts, where, a valid post, and what it must not change."""

    client: Client
    url: str
    data: dict[str, Any]
    state: Callable[[], Any]


def _client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _rows(*model: type[models.Model]) -> Callable[[], Any]:
    return lambda: [list(m._default_manager.order_by("pk").values()) for m in model]


@pytest.fixture
def bonn(db: Any) -> Any:
    return factories.city("Bonn", "DE", geonames_id=2946447, population=330_000)


@pytest.fixture
def proposed(users: dict[str, Any], geneva: Any, lyon: Any) -> Partnership:
    """Geneva's editor proposed a partnership with Lyon (synthetic)."""
    return services.propose(
        users["editor"],
        services.Proposal(
            city_ids=[geneva.pk, lyon.pk], kind=Kind.TECHNICAL, title="Energy (synthetic)"
        ),
    )


def _case(name: str, users: dict[str, Any], request: pytest.FixtureRequest) -> Case:
    geneva = request.getfixturevalue("geneva")
    if name == "propose":
        return Case(
            _client(users["editor"]),
            reverse("partners:propose"),
            {
                "city": geneva.pk,
                "partner": "Lyon",
                "kind": "friendship",
                "title": "Typed title",
                "description": "Typed description",
            },
            _rows(Partnership),
        )
    if name in ("edit", "activity", "document"):
        p = request.getfixturevalue("proposed")
        state = _rows(Partnership, Activity, Document)
        client = _client(users["editor"])
        if name == "edit":
            data = {"kind": "technical", "title": "Typed title", "description": "Typed text"}
            return Case(client, reverse("partners:edit", args=[p.pk]), data, state)
        if name == "activity":
            data = {
                "kind": "delegation",
                "title": "Typed title",
                "start": "2024-05-01",
                "outcome": "Typed outcome",
            }
            return Case(client, reverse("partners:add_activity", args=[p.pk]), data, state)
        data = {"title": "Typed title", "url": "https://example.org/typed"}
        return Case(client, reverse("partners:add_document", args=[p.pk]), data, state)
    if name == "membership":
        Network.objects.create(slug="iclei", name="ICLEI (synthetic)")
        return Case(
            _client(users["editor"]),
            reverse("partners:add_membership", args=["iclei"]),
            {"city": geneva.pk, "role": "member", "commitments": "Typed commitment"},
            _rows(Membership),
        )
    if name == "upload":
        return Case(
            _client(users["analyst"]),
            reverse("recognition:upload"),
            {
                "symbol": "A/TEST/9",
                "title": "Typed title",
                "version": "zero draft",
                "stage": "draft",
                "lang": "en",
                "source_url": "",
            },
            _rows(TextDocument, Version),
        )
    if name in ("deadline-new", "deadline-edit"):
        data = {"year": "2026", "due_date": "2027-03-31", "notice_days": "21", "note": "Typed"}
        url = reverse("notifications:reporting-deadline-new")
        if name == "deadline-edit":
            d = ReportingDeadline.objects.create(
                year=2026, due_date=dt.date(2027, 1, 31), notice_days=14, note="kept"
            )
            url = reverse("notifications:reporting-deadline-edit", args=[d.pk])
        return Case(_client(users["admin"]), url, data, _rows(ReportingDeadline))
    if name == "invite":
        bonn = request.getfixturevalue("bonn")
        return Case(
            _client(users["admin"]),
            reverse("notifications:invite", args=[bonn.pk]),
            {"email": "typed@bonn.example", "name": "Typed name"},
            _rows(EditorInvitation),
        )
    assert name == "accept"
    bonn = request.getfixturevalue("bonn")
    _inv, token = invitations.invite(users["admin"], bonn, "x@bonn.example", "", lambda t: t)
    return Case(
        Client(),
        reverse("notifications:accept-invitation", args=[token]),
        {"username": "typed-user", "password1": PASSWORD, "password2": PASSWORD},
        _rows(get_user_model(), EditorInvitation),
    )


#: Each form: a field to spoil with a control character, and a field with its bound.
FORMS = {
    "propose": ("title", "description", 5_000),
    "edit": ("title", "description", 5_000),
    "activity": ("outcome", "outcome", 5_000),
    "document": ("title", "title", 200),
    "membership": ("role", "commitments", 5_000),
    "upload": ("title", "version", 120),
    "deadline-new": ("note", "note", 500),
    "deadline-edit": ("note", "note", 500),
    "invite": ("name", "name", 150),
    "accept": ("username", "username", 150),
}


def _post(case: Case, data: dict[str, Any], upload: bool) -> Any:
    if upload:
        data = {**data, "file": SimpleUploadedFile("t.txt", TEXT, content_type="text/plain")}
    return case.client.post(case.url, data)


def _check(response: Any, case: Case, field: str, expected: str, before: Any) -> None:
    assert response.status_code == 400, response.content.decode()[:500]
    form = response.context["form"]
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
        ("\x9f", "a control character (U+009F) at position 4"),
    ],
)
def test_a_control_character_is_an_error_at_the_field(
    users: dict[str, Any],
    request: pytest.FixtureRequest,
    name: str,
    character: str,
    expected: str,
) -> None:
    case = _case(name, users, request)
    field = FORMS[name][0]
    before = case.state()
    bad = f"bad{character}char"
    response = _post(case, {**case.data, field: bad}, name == "upload")
    _check(response, case, field, expected, before)


@pytest.mark.parametrize("name", list(FORMS))
def test_an_over_long_value_is_an_error_at_the_field(
    users: dict[str, Any], request: pytest.FixtureRequest, name: str
) -> None:
    case = _case(name, users, request)
    _bad_field, field, length = FORMS[name]
    before = case.state()
    response = _post(case, {**case.data, field: "x" * (length + 1)}, name == "upload")
    expected = f"at most {length} characters (it has {length + 1})"
    _check(response, case, field, expected, before)


@pytest.mark.parametrize("name", list(FORMS))
def test_the_valid_post_still_saves(
    users: dict[str, Any], request: pytest.FixtureRequest, name: str
) -> None:
    """The same posts, unspoilt, are accepted: the checks refuse only what they must."""
    case = _case(name, users, request)
    before = case.state()
    response = _post(case, case.data, name == "upload")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert case.state() != before


@pytest.mark.parametrize("field", ["partner", "others"])
def test_a_city_picker_refuses_the_character_before_the_lookup(
    users: dict[str, Any], request: pytest.FixtureRequest, field: str
) -> None:
    """The picker looks its text up in the registry: on PostgreSQL a NUL there was a 500."""
    case = _case("propose", users, request)
    before = case.state()
    response = _post(case, {**case.data, field: "Ly\x00on"}, False)
    _check(response, case, field, "a control character (U+0000) at position 3", before)


def test_the_secretariats_city_picker_refuses_the_character(
    users: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    case = _case("membership", users, request)
    case.client = _client(users["admin"])
    before = case.state()
    response = _post(case, {**case.data, "city": "Gen\x07eva"}, False)
    _check(response, case, "city", "a control character (U+0007) at position 4", before)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda u: partner_forms.PartnershipForm(u, {"title": "\ud800"}), "title"),
        (lambda u: partner_forms.MembershipForm(u, {"role": "\ud800"}), "role"),
        (lambda u: partner_forms.ActivityForm({"title": "\ud800"}), "title"),
        (lambda u: partner_forms.DocumentForm({"title": "\ud800"}), "title"),
        (lambda u: recognition_forms.UploadForm({"title": "\ud800"}), "title"),
        (lambda u: notification_forms.ReportingDeadlineForm({"note": "\ud800"}), "note"),
        (lambda u: notification_forms.InvitationForm({"name": "\ud800"}), "name"),
        (lambda u: notification_forms.AcceptInvitationForm({"username": "\ud800"}), "username"),
        (lambda u: site_views.LoginForm(None, {"username": "\ud800"}), "username"),
    ],
)
def test_a_lone_surrogate_is_an_error_at_the_field(
    users: dict[str, Any], make: Callable[[Any], Any], field: str
) -> None:
    """A browser cannot send a lone surrogate (Django decodes invalid UTF-8 to U+FFFD), so
    the forms are tested directly: a client in Python could hand one over."""
    form = make(users["editor"])
    assert not form.is_valid()
    assert "a lone UTF-16 surrogate (U+D800) at position 1" in " ".join(form.errors[field])


# ------------------------------------------------------------------ log-in
@pytest.mark.parametrize(
    ("data", "field", "expected"),
    [
        ({"username": "admin\x00", "password": PASSWORD}, "username", "(U+0000) at position 6"),
        ({"username": "admin", "password": "pass\x1bword"}, "password", "(U+001B) at position 5"),
        ({"username": "a" * 151, "password": PASSWORD}, "username", "at most 150 characters"),
        ({"username": "admin", "password": "p" * 4097}, "password", "at most 4096 characters"),
    ],
)
def test_the_login_form_errors_at_the_field_and_counts_no_failure(
    users: dict[str, Any], data: dict[str, str], field: str, expected: str
) -> None:
    admin = users["admin"]
    admin.set_password(PASSWORD)
    admin.save()
    client = Client()
    for _attempt in range(6):  # more than the lock-out limit (5)
        response = client.post(reverse("login"), data)
        assert response.status_code == 200
        form = response.context["form"]
        assert expected in " ".join(form.errors[field])
        html = response.content.decode()
        assert expected in html and 'name="password"' in html
        assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()
    admin.refresh_from_db()
    assert admin.last_login is None
    ok = client.post(reverse("login"), {"username": "admin", "password": PASSWORD})
    assert ok.status_code == 302, "no lock-out was counted"
