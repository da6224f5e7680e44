"""The one ranking of city search (services.rank_cities) and the typed-name resolver."""

from __future__ import annotations

import pytest
from django.test import Client

from citydiplomacy.web.cities import services
from citydiplomacy.web.cities.models import City
from tests.web.cities.conftest import (
    CHUR,
    GENERAL_SANTOS,
    GENEVA,
    GENEVA_IL,
    LAUSANNE,
    SPRINGFIELD_IL,
    SPRINGFIELD_MO,
    ZURICH,
)


def ids(text: str, country: str = "") -> list[int]:
    return [c.pk for c in services.rank_cities(text, country)]


def test_accented_prefix_puts_geneva_before_general_santos(registry: None) -> None:
    assert ids("Genè")[:2] == [GENEVA, GENERAL_SANTOS]
    assert ids("Genève")[0] == GENEVA
    # Without the accent both start with "gene": the larger city first.
    assert ids("gene")[:2] == [GENERAL_SANTOS, GENEVA]


@pytest.mark.parametrize("query", ["CH", "CHE", "Suisse", "Switzerland", "schweiz", "Svizzera"])
def test_a_country_code_or_name_filters_to_that_country(registry: None, query: str) -> None:
    found = ids(query)
    assert set(found) == {GENEVA, CHUR, ZURICH, LAUSANNE}
    assert found[0] == ZURICH  # largest first


def test_lower_case_letters_are_a_name_being_typed(registry: None) -> None:
    # "ch" starts Chur's own name (first) and some alternate names; not every Swiss city.
    found = ids("ch")
    assert found[0] == CHUR and GENEVA not in found and LAUSANNE not in found


@pytest.mark.parametrize(
    "query", ["Geneva CH", "Geneva, Switzerland", "Genève (Suisse)", "geneva CHE"]
)
def test_a_trailing_country_filters(registry: None, query: str) -> None:
    assert ids(query) == [GENEVA]


def test_exact_before_prefix_and_any_script(registry: None) -> None:
    assert ids("Geneva")[:2] == [GENEVA, GENEVA_IL]
    assert ids("Женева")[0] == GENEVA
    assert ids("日内瓦")[0] == GENEVA
    assert ids("Geneva", "US") == [GENEVA_IL]


def test_nothing_asked_finds_nothing(registry: None) -> None:
    assert ids("") == [] and ids("   ") == []


def test_cities_with_a_published_profile_are_marked(registry: None) -> None:
    from citydiplomacy.web.indicators.models import Publication

    Publication.objects.create(city_id=GENEVA, year=2024)
    marked = {c.pk: c.has_profile for c in services.rank_cities("Gene")}
    assert marked == {GENEVA: True, GENEVA_IL: False, GENERAL_SANTOS: False}


def test_resolve_one_city_by_name(registry: None) -> None:
    city, candidates = services.resolve_city("Lausanne")
    assert city is not None and city.pk == LAUSANNE and candidates == []
    assert services.resolve_city("Geneva CH")[0] == City.objects.get(pk=GENEVA)
    assert services.resolve_city(str(GENEVA))[0] == City.objects.get(pk=GENEVA)


def test_resolve_an_ambiguous_name_lists_the_candidates(registry: None) -> None:
    city, candidates = services.resolve_city("Geneva")
    assert city is None
    assert [c.pk for c in candidates] == [GENEVA, GENEVA_IL]
    city, candidates = services.resolve_city("Springfield")
    assert city is None and {c.pk for c in candidates} == {SPRINGFIELD_IL, SPRINGFIELD_MO}


def test_a_label_resolves_back_to_its_city(registry: None) -> None:
    for pk in (GENEVA, GENEVA_IL, SPRINGFIELD_IL, SPRINGFIELD_MO):
        city = City.objects.select_related("country").get(pk=pk)
        assert services.resolve_city(services.city_label(city))[0] == city


def test_unknown_names_and_ids_resolve_to_nothing(registry: None) -> None:
    assert services.resolve_city("Atlantis") == (None, [])
    assert services.resolve_city("999999999") == (None, [])


def test_search_page_autocomplete_and_api_share_the_ranking(client: Client, registry: None) -> None:
    expected = ids("Genè")
    auto = client.get("/cities/autocomplete/", {"q": "Genè"}).json()["results"]
    assert [r["id"] for r in auto] == expected
    api = client.get("/api/cities", {"search": "Genè"}).json()
    assert [r["id"] for r in api["results"]] == expected
    page = client.get("/cities/", {"q": "Genè"}).content.decode()
    assert page.index(f"/cities/{GENEVA}/") < page.index(f"/cities/{GENERAL_SANTOS}/")
    swiss = client.get("/api/cities", {"search": "CH"}).json()
    assert {r["id"] for r in swiss["results"]} == {GENEVA, CHUR, ZURICH, LAUSANNE}


GENOA = 3176219


@pytest.fixture
def with_genoa(registry: None) -> None:
    """The ranking registry plus Genoa, a larger city whose GeoNames variants include "Genès"
    (its French name is Gênes)."""
    from tests.web.cities.conftest import city_source, country_source

    services.seed_registry(
        cities=[city_source(i) for i in (GENEVA, GENEVA_IL, GENERAL_SANTOS, GENOA)],
        countries=[country_source(c) for c in ("CH", "US", "PH", "IT")],
    )


def test_the_french_name_as_typed_ranks_before_a_larger_citys_variant(
    client: Client, with_genoa: None
) -> None:
    """ "Genè": Genève (Geneva's French name, the page's) before Genoa's variant "Genès", which
    keeps the accent too; the search page, the autocomplete and the API agree."""
    genoa = City.objects.get(pk=GENOA)
    assert genoa.population > City.objects.get(pk=GENEVA).population
    assert genoa.names.filter(name="Genès").exists()
    found = ids("Genè")
    assert found[0] == GENEVA and found.index(GENOA) > 0
    auto = client.get("/cities/autocomplete/", {"q": "Genè"}).json()["results"]
    assert [r["id"] for r in auto] == found
    api = client.get("/api/cities", {"search": "Genè"}).json()
    assert [r["id"] for r in api["results"]] == found
    page = client.get("/cities/", {"q": "Genè"}).content.decode()
    assert page.index(f"/cities/{GENEVA}/") < page.index(f"/cities/{GENOA}/")
