"""``/api/cities``: search, country filter, pages, and one city's details."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.web import factories

CITY_KEYS = {"id", "name", "country", "country_name", "latitude", "longitude", "population"}


@pytest.fixture
def registry(geneva: Any, lyon: Any) -> list[Any]:
    return [
        geneva,
        lyon,
        factories.city("Zurich", "CH", population=420_000, alternate_names=("Zürich",)),
        factories.city("Tokyo", "JP", population=9_000_000, alternate_names=("東京",)),
        factories.city("Genk", "DE", population=60_000),
    ]


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["name"] for c in response.json()["results"]]


def test_list_is_largest_first_with_all_fields(client: Client, registry: list[Any]) -> None:
    r = client.get("/api/cities")
    body = r.json()
    assert (body["count"], body["page"], body["page_size"], body["pages"]) == (5, 1, 20, 1)
    assert names(r) == ["Tokyo", "Lyon", "Zurich", "Geneva", "Genk"]
    lyon = body["results"][1]
    assert set(lyon) == CITY_KEYS
    assert lyon == {
        "id": 2996944, "name": "Lyon", "country": "FR", "country_name": "France",
        "latitude": 45.75, "longitude": 4.85, "population": 522_000,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gen", ["Geneva", "Genk"]),
        ("GENÈVE", ["Geneva"]),
        ("ジュネーヴ", ["Geneva"]),
        ("zur", ["Zurich"]),
        ("東京", ["Tokyo"]),
        ("CH", ["Zurich", "Geneva"]),  # a country code (in capitals: "ch" is a name's start)
        ("France", ["Lyon"]),  # a country name
        ("nowhere", []),
        ("   ", ["Tokyo", "Lyon", "Zurich", "Geneva", "Genk"]),  # blank: no filter
    ],
)
def test_search(client: Client, registry: list[Any], query: str, expected: list[str]) -> None:
    assert names(client.get("/api/cities", {"search": query})) == expected


def test_country_filter_combines_with_search(client: Client, registry: list[Any]) -> None:
    assert names(client.get("/api/cities", {"country": "ch"})) == ["Zurich", "Geneva"]
    assert names(client.get("/api/cities", {"country": "CH", "search": "gen"})) == ["Geneva"]
    assert names(client.get("/api/cities", {"country": "US"})) == []


def test_pages(client: Client, registry: list[Any]) -> None:
    seen = []
    for page in (1, 2, 3):
        r = client.get("/api/cities", {"page": page, "page_size": 2})
        body = r.json()
        assert (body["count"], body["pages"], body["page"]) == (5, 3, page)
        seen += names(r)
    assert seen == ["Tokyo", "Lyon", "Zurich", "Geneva", "Genk"]
    r = client.get("/api/cities", {"page": 4, "page_size": 2})
    assert r.status_code == 404
    assert r.json()["error"]["message"] == (
        "page 4 does not exist: 5 result(s) make 3 page(s) of 2"
    )
    empty = client.get("/api/cities?search=nowhere&page=1")
    assert empty.status_code == 200
    assert (empty.json()["count"], empty.json()["pages"], empty.json()["results"]) == (0, 0, [])
    assert client.get("/api/cities?search=nowhere&page=2").status_code == 404


def test_city_detail(client: Client, registry: list[Any]) -> None:
    r = client.get("/api/cities/2660646")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == CITY_KEYS | {
        "continent", "continent_name", "region", "admin1_code", "timezone", "geonames_url",
        "profile_years",
    }  # fmt: skip
    assert body["name"] == "Geneva"
    assert (body["continent"], body["continent_name"]) == ("EU", "Europe")
    assert body["geonames_url"] == "https://www.geonames.org/2660646"
    assert body["profile_years"] == []
    missing = client.get("/api/cities/1")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "no city with GeoNames id 1 in the registry"
