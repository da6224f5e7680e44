"""Every form that takes a city takes it by name (the city picker): no GeoNames id asked."""

from __future__ import annotations

from typing import Any

from django.test import Client

from citydiplomacy.web.partners.models import Partnership


def test_find_partners_with_a_typed_name_and_no_pick(users: dict[str, Any], lyon: Any) -> None:
    # Before: 400 "This field is required" (the hidden id was empty); Compare took the name.
    response = Client().get("/partners/suggest/", {"city": "Geneva"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required" not in html and "GeoNames id" not in html
    assert 'name="city_id" value="2660646"' in html  # resolved: the page shows its results
    assert "Suggestions for Geneva" in html


def test_find_partners_with_an_unknown_name_says_so(users: dict[str, Any]) -> None:
    response = Client().get("/partners/suggest/", {"city": "Atlantis"})
    assert response.status_code == 400
    assert "No city “Atlantis”" in response.content.decode()


def test_partnerships_filter_by_typed_name(users: dict[str, Any], lyon: Any) -> None:
    html = Client().get("/partners/", {"city": "Genève"}).content.decode()
    assert 'name="city"' in html and "GeoNames id" not in html
    assert 'name="city_id" value="2660646"' in html


def test_propose_a_partnership_by_names(users: dict[str, Any], lyon: Any, db: Any) -> None:
    client = Client()
    client.force_login(users["admin"])
    form = client.get("/partners/propose/").content.decode()
    assert "GeoNames id" not in form
    response = client.post(
        "/partners/propose/",
        {"city": "Geneva", "partner": "Lyon", "others": "", "kind": "twinning"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    p = Partnership.objects.get()
    assert sorted(p.parties.values_list("city_id", flat=True)) == [2660646, 2996944]


def test_representative_form_takes_a_city_by_name(users: dict[str, Any]) -> None:
    # Before: "Geneva" gave "City: expected the GeoNames id of a registry city".
    from citydiplomacy.web.engagement.models import Representative

    client = Client()
    client.force_login(users["admin"])
    page = client.get("/representatives/").content.decode()
    assert "GeoNames id" not in page and "data-city-picker" in page
    response = client.post(
        "/representatives/",
        {"username": "geneva-editor", "city": "Geneva", "title": "Mayor", "capacity": "x"},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Representative.objects.get().city_id == 2660646


def test_new_declaration_takes_participating_cities_by_name(users: dict[str, Any]) -> None:
    from citydiplomacy.web.engagement.models import Declaration

    client = Client()
    client.force_login(users["admin"])
    assert "GeoNames id" not in client.get("/declarations/new/").content.decode()
    response = client.post(
        "/declarations/new/",
        {"title": "By names", "text": "t", "kind": "declaration", "cities_text": "Genève\nLyon"},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    declaration = Declaration.objects.get(title="By names")
    assert set(declaration.participants.values_list("pk", flat=True)) == {2660646, 2996944}
