"""The one city-name matcher: by name and country, by name within a continent, and by label
and coordinates (the open partnership files)."""

from __future__ import annotations

from typing import Any

import pytest

from citydiplomacy.web.cities import services
from citydiplomacy.web.cities.matching import CityMatcher, name_variants
from tests.web import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db: Any) -> dict[str, Any]:
    return {
        "frankfurt_main": factories.city(
            "Frankfurt am Main",
            "DE",
            population=700_000,
            latitude=50.11,
            longitude=8.68,
            alternate_names=("Frankfurt",),
        ),
        "frankfurt_oder": factories.city(
            "Frankfurt (Oder)",
            "DE",
            population=57_000,
            latitude=52.34,
            longitude=14.55,
            alternate_names=("Frankfurt",),
        ),
        "geneva": factories.city("Geneva", "CH", alternate_names=("Genève", "Genf")),
        "geneva_us": factories.city("Geneva", "US", latitude=41.8, longitude=-88.3),
    }


def test_the_cities_services_matcher_is_the_one_matcher() -> None:
    assert services.CityMatcher is CityMatcher


def test_named_prefers_the_own_name_and_narrows_by_country_or_continent(
    places: dict[str, Any],
) -> None:
    m = CityMatcher()
    ids, own = m.named("Genf", country="CH")
    assert (ids, own) == ([places["geneva"].pk], False)
    ids, own = m.named("geneva", continent="EU")
    assert (ids, own) == ([places["geneva"].pk], True)
    ids, own = m.named("Geneva")
    assert sorted(ids) == sorted([places["geneva"].pk, places["geneva_us"].pk]) and own
    ids, _ = m.named("Frankfurt", country="DE")
    assert sorted(ids) == sorted([places["frankfurt_main"].pk, places["frankfurt_oder"].pk])
    assert m.named("  ") == ([], False)


def test_locate_takes_the_named_city_near_the_coordinates(places: dict[str, Any]) -> None:
    m = CityMatcher()
    assert m.locate("Frankfurt", 52.3, 14.5) == (places["frankfurt_oder"].pk, "")
    assert m.locate("City of Frankfurt", 50.1, 8.7) == (places["frankfurt_main"].pk, "")
    # too far from either: by name in the country, where it is shared
    assert m.locate("Frankfurt", 48.0, 11.0, "de") == (
        None,
        "name shared by several registry cities",
    )
    assert m.locate("Genf", None, None, "CH") == (places["geneva"].pk, "")
    assert m.locate("Genf", None, None) == (
        None,
        "no registry city (15,000+ inhabitants) of that name in the country",
    )


def test_name_variants_strip_regions_and_prefixes() -> None:
    assert name_variants("Ville de Porcia, Friuli") == {
        "ville de porcia, friuli",
        "ville de porcia",
        "porcia, friuli",
        "porcia",
    }
