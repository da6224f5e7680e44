"""A search or filter page whose query holds a character no text may hold answers with the
error at its field, the rest of the page as usual (the city search, the change history):
the middleware lets their query values through because their forms check them
(``checks_query_text``); every other page keeps the middleware's 400 page, and parameter
*names* are refused there for these pages too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from citydiplomacy.web.forms import QUERY_TEXT_CHECKED
from citydiplomacy.web.middleware import request_problem
from tests.web.engagement.conftest import client_for

pytestmark = pytest.mark.django_db

CHARACTERS = ["%00", "%01", "%1B", "%7F", "%1F"]


@pytest.mark.parametrize("character", CHARACTERS)
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_the_city_search_reports_the_character_at_its_field(
    geneva: Any, character: str, where: str
) -> None:
    q = {"start": character + "Gen", "middle": "Ge" + character + "n", "end": "Gen" + character}
    response = Client().get(f"/cities/?q={q[where]}")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_q_errors"' in page
    code = f"U+{int(character[1:], 16):04X}"
    assert code in page and "Remove a control character" in page
    assert 'value="Gen"' in page  # the rest as typed
    assert "Search results" not in page and "Geneva, " not in page
    assert chr(int(character[1:], 16)) not in page


def test_a_bad_country_choice_is_reported_without_quoting_the_character(geneva: Any) -> None:
    response = Client().get("/cities/?q=Gen&country=C%00H")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_country_errors"' in page and "U+0000" in page
    assert "\x00" not in page


def test_the_city_search_in_french_says_it_in_french(geneva: Any) -> None:
    response = Client().get("/cities/?q=Gen%01", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "Supprimez un caractère de contrôle (U+0001)" in response.content.decode()


def test_an_ordinary_search_is_unchanged(geneva: Any) -> None:
    response = Client().get("/cities/?q=Gen%C3%A8ve")
    assert response.status_code == 200
    assert 'id="id_q_errors"' not in response.content.decode()
    assert "Geneva" in response.content.decode()


def test_a_bad_parameter_name_is_still_the_middleware_s_400(geneva: Any) -> None:
    response = Client().get("/cities/?q%00=Gen")
    assert response.status_code == 400
    assert "The name of a query parameter contains a control character" in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("query", "field_id"),
    [("kpi=EN%00", "kpi-error"), ("city=Gen%01eva", "id_city"), ("kpi=%1FEN", "kpi-error")],
)
def test_the_change_history_reports_the_character_at_its_field(
    users: dict[str, Any], geneva: Any, query: str, field_id: str
) -> None:
    response = client_for(users["analyst"]).get(f"/history/?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Remove a control character" in page
    assert field_id in page
    assert "\x00" not in page and "\x01" not in page and "\x1f" not in page


def test_the_history_is_still_closed_to_others_whatever_the_query(users: dict[str, Any]) -> None:
    assert client_for(users["editor"]).get("/history/?kpi=EN%00").status_code == 403
    response = Client().get("/history/?kpi=EN%00")
    assert response.status_code == 302  # to the log-in page, as any anonymous visit


def test_only_the_marked_views_let_query_values_through(rf: Any) -> None:
    """Every other page (here the events list, its export and the history's export) keeps
    the middleware's refusal."""
    for url in ("/events/?tag=a%00", "/history/export.csv?kpi=a%00", "/cities/export.csv?q=a%00"):
        assert request_problem(rf.get(url)) is not None, url
    for url in ("/cities/?q=a%00", "/history/?kpi=a%00"):
        assert request_problem(rf.get(url)) is None, url
    # a form post to a page marked for its query only is still refused
    assert request_problem(rf.post("/cities/?q=x", {"q": "a\x00"})) is not None
    from citydiplomacy.web.cities.views import search

    assert getattr(search, QUERY_TEXT_CHECKED)
