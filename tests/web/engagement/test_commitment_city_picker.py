"""Issue 19, item 1: the secretariat records a commitment for any city by typing or choosing
its name with the city picker; the form never asks anyone for a GeoNames id."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from citydiplomacy.web.engagement.models import Commitment
from tests.web import factories
from tests.web.engagement.conftest import client_for

pytestmark = pytest.mark.django_db


def pledge(city: str, **extra: str) -> dict[str, str]:
    return {
        "city": city,
        "title": "More green area",
        "origin": "own",
        "measure": "EN-EN-PSN-1C",
        "baseline_year": "2020",
        "baseline_value": "100",
        "target_year": "2030",
        "target_value": "200",
        **extra,
    }


def test_the_secretariat_s_form_offers_the_city_picker_not_an_id_box(
    users: dict[str, Any],
) -> None:
    html = client_for(users["admin"]).get(reverse("engagement:commitment-new")).content.decode()
    assert "GeoNames id" not in html
    assert "data-city-picker" in html
    assert 'name="city_id"' in html


def test_an_editor_still_chooses_among_their_own_cities(users: dict[str, Any], geneva: Any) -> None:
    html = client_for(users["editor"]).get(reverse("engagement:commitment-new")).content.decode()
    assert f'<option value="{geneva.pk}"' in html
    assert "data-city-picker" not in html


@pytest.mark.parametrize("typed", ["Geneva", "Genève", "Geneva, Switzerland (CH)"])
def test_a_typed_name_that_means_one_city_records_without_a_pick(
    users: dict[str, Any], geneva: Any, typed: str
) -> None:
    response = client_for(users["admin"]).post(reverse("engagement:commitment-new"), pledge(typed))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Commitment.objects.get().city == geneva


def test_a_pick_from_the_suggestions_wins_over_the_typed_text(
    users: dict[str, Any], geneva: Any, lyon: Any
) -> None:
    data = pledge("Lyo", city_id=str(lyon.pk))
    response = client_for(users["admin"]).post(reverse("engagement:commitment-new"), data)
    assert response.status_code == 302
    assert Commitment.objects.get().city == lyon


def test_an_ambiguous_or_unknown_name_is_an_error_at_the_city_and_records_nothing(
    users: dict[str, Any], geneva: Any
) -> None:
    factories.city("Springfield", "US", population=160_000, latitude=39.8, longitude=-89.6)
    factories.city("Springfield", "US", population=150_000, latitude=37.2, longitude=-93.3)
    admin = client_for(users["admin"])
    response = admin.post(reverse("engagement:commitment-new"), pledge("Springfield"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "matches several cities" in html
    # namesakes of one country are told apart by their population, in the list and the choices
    assert "Springfield, United States (US), 160,000 inhabitants" in html
    assert "Springfield, United States (US), 150,000 inhabitants" in html
    assert html.count('type="radio" name="city_id"') == 2
    response = admin.post(reverse("engagement:commitment-new"), pledge("Atlantis"))
    assert response.status_code == 400
    assert "No city “Atlantis” in the registry" in response.content.decode()
    assert not Commitment.objects.exists()


def test_the_secretariat_arriving_from_a_city_page_finds_it_chosen(
    users: dict[str, Any], geneva: Any
) -> None:
    response = client_for(users["admin"]).get(
        reverse("engagement:commitment-new"), {"city": geneva.pk}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Geneva" in html and f'value="{geneva.pk}"' in html


def test_namesakes_are_told_apart_in_french_too(users: dict[str, Any], geneva: Any) -> None:
    factories.city("Saint-Denis", "FR", population=1_300_000, latitude=48.9, longitude=2.4)
    factories.city("Saint-Denis", "FR", population=0, latitude=-20.9, longitude=55.5)
    admin = client_for(users["admin"])
    response = admin.post(
        reverse("engagement:commitment-new"), pledge("Saint-Denis"), HTTP_ACCEPT_LANGUAGE="fr"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "1\u202f300\u202f000 habitants" in html or "1\xa0300\xa0000 habitants" in html, html
    assert "population inconnue" in html
