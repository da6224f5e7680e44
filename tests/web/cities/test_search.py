"""Search: the queryset, the page and the autocomplete endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citydiplomacy.core.text import forbidden_character
from citydiplomacy.web.cities.models import City, name_tails, normalise_name, prefix_range
from tests.web import factories
from tests.web.cities.conftest import SAMPLE_IDS, Tags

GENEVA, ZURICH, LAUSANNE, NYC, SF, TOKYO, SAO_PAULO, RIO, LYON, FRANKFURT = SAMPLE_IDS


def ids(query: str) -> list[int]:
    return list(City.objects.search(query).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Geneva", GENEVA),
        ("gene", GENEVA),  # prefix
        ("GENEVE", GENEVA),  # case
        ("Genève", GENEVA),  # accents in the query
        ("zurich", ZURICH),  # accents in the name
        ("Zürich", ZURICH),
        ("Женева", GENEVA),  # Cyrillic alternate name
        ("Жене", GENEVA),  # Cyrillic prefix
        ("ジュネーヴ", GENEVA),  # Japanese
        ("東京", TOKYO),  # Chinese characters
        ("sao paulo", SAO_PAULO),
        ("francisco", SF),  # a later word
        ("york", NYC),
        ("janeiro", RIO),
        ("de jan", RIO),  # a later word and what follows
        ("am main", FRANKFURT),
        ("new y", NYC),
        ("Genf", GENEVA),
    ],
)
def test_search_finds(seeded: Any, query: str, expected: int) -> None:
    assert expected in ids(query)


def test_search_is_by_prefix_not_substring(seeded: Any) -> None:
    assert GENEVA not in ids("eneva")
    assert ids("xqzv") == []
    assert ids("") == [] and ids("   ") == []


@pytest.mark.parametrize("query", ["CH", "ch", "CHE", "che", "Switzerland", "switzerland"])
def test_search_by_country(seeded: Any, query: str) -> None:
    found = ids(query)
    assert {GENEVA, ZURICH, LAUSANNE} <= set(found)


def test_search_orders_by_population(seeded: Any) -> None:
    found = City.objects.search("CH")
    assert [c.pk for c in found][:3] == [ZURICH, GENEVA, LAUSANNE]
    populations = list(City.objects.search("s").values_list("population", flat=True))
    assert populations == sorted(populations, reverse=True)


def test_suggest_puts_own_names_first(seeded: Any) -> None:
    found = City.objects.suggest("lyon")
    assert found[0].pk == LYON
    assert len(City.objects.suggest("s", limit=2)) == 2
    assert City.objects.suggest("") == []


def test_search_page_lists_results_in_a_table(client: Client, seeded: Any) -> None:
    response = client.get(reverse("cities:search"), {"q": "Женева"})
    assert response.status_code == 200
    html = response.content.decode()
    page = Tags(html)
    assert page.find("a", href=reverse("cities:detail", args=[GENEVA]))
    assert "Switzerland" in page.plain and "201,741" in page.plain
    assert "46.2022° N, 6.1457° E" in page.plain
    assert "also “Женева”" in page.plain  # why an alternate name matched
    headers = [a for t, a in page.tags if t == "th" and a.get("scope") == "col"]
    assert len(headers) == 4
    assert "GeoNames (CC BY 4.0)" in page.plain


def test_search_page_form_is_labelled(client: Client, seeded: Any) -> None:
    page = Tags(client.get(reverse("cities:search")).content.decode())
    labelled = {a["for"] for a in page.find("label")}
    fields = [a for t, a in page.tags if t in ("input", "select") and a.get("type") != "hidden"]
    assert fields and all(a["id"] in labelled for a in fields)
    search_input = page.find("input", name="q")[0]
    assert search_input["data-autocomplete-url"] == reverse("cities:autocomplete")
    assert page.find("script", src="/static/js/autocomplete.js")
    assert page.find("option", value="CH")


def test_search_page_filters_by_country(client: Client, seeded: Any) -> None:
    response = client.get(reverse("cities:search"), {"q": "gen", "country": "US"})
    assert GENEVA not in [c.pk for c in response.context["cities"]]
    response = client.get(reverse("cities:search"), {"country": "CH"})
    assert [c.pk for c in response.context["cities"]] == [ZURICH, GENEVA, LAUSANNE]
    response = client.get(reverse("cities:search"), {"q": "gen", "country": "ZZ"})
    assert response.status_code == 400  # a query its form refuses, as the history's filters
    assert "ZZ" in response.content.decode()  # the invalid choice is reported


def test_search_page_paginates_by_25(client: Client, db: Any) -> None:
    for i in range(30):
        factories.city(f"Pagetown {i:02d}", "FR", population=1_000 + i)
    response = client.get(reverse("cities:search"), {"q": "pagetown"})
    page = response.context["page_obj"]
    assert page.paginator.count == 30 and page.paginator.num_pages == 2
    assert [c.population for c in page.object_list][:2] == [1_029, 1_028]
    html = response.content.decode()
    assert "Page 1 of 2" in html and "?q=pagetown&amp;page=2" in html
    second = client.get(reverse("cities:search"), {"q": "pagetown", "page": 2})
    assert len(second.context["cities"]) == 5
    beyond = client.get(reverse("cities:search"), {"q": "pagetown", "page": 99})
    assert beyond.context["page_obj"].number == 2


def test_search_page_without_match(client: Client, seeded: Any) -> None:
    response = client.get(reverse("cities:search"), {"q": "qqqqq"})
    assert "No city in the registry matches" in response.content.decode()


def test_autocomplete_json(client: Client, seeded: Any) -> None:
    response = client.get(reverse("cities:autocomplete"), {"q": "gen"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    results = response.json()["results"]
    assert results[0] == {
        "id": GENEVA,
        "name": "Geneva",
        "country": "CH",
        "country_name": "Switzerland",
        "population": 201741,
        "has_profile": False,
        "label": "Geneva, GE, Switzerland",
        "url": reverse("cities:detail", args=[GENEVA]),
    }
    assert "max-age=300" in response["Cache-Control"]


def test_autocomplete_limit_and_country(client: Client, db: Any) -> None:
    for i in range(15):
        factories.city(f"Limitville {i}", "DE")
    factories.city("Limitville", "FR")
    results = client.get(reverse("cities:autocomplete"), {"q": "limitv"}).json()["results"]
    assert len(results) == 10
    results = client.get(reverse("cities:autocomplete"), {"q": "limitv", "country": "fr"}).json()
    assert [r["country"] for r in results["results"]] == ["FR"]
    assert client.get(reverse("cities:autocomplete")).json() == {"results": []}
    assert client.post(reverse("cities:autocomplete")).status_code == 405


@given(st.text(max_size=40))
def test_normalise_name_is_idempotent(text: str) -> None:
    once = normalise_name(text)
    assert normalise_name(once) == once


@given(st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu")), max_size=20))
def test_normalise_name_ignores_accents(text: str) -> None:
    import unicodedata

    accented = "".join(ch + "\u0301" for ch in unicodedata.normalize("NFC", text))
    assert normalise_name(accented) == normalise_name(text)
    assert normalise_name(unicodedata.normalize("NFC", accented)) == normalise_name(text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_search_never_raises(seeded: Any, query: str) -> None:
    list(City.objects.search(query)[:5])
    City.objects.suggest(query)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_search_views_never_fail(client: Client, seeded: Any, query: str) -> None:
    # A control character is refused before any view (HostileTextMiddleware): 400, not 500.
    expected = 400 if forbidden_character(query) else 200
    assert client.get(reverse("cities:search"), {"q": query}).status_code == expected
    assert client.get(reverse("cities:autocomplete"), {"q": query}).status_code == expected


def _bounds(prefix: str) -> tuple[str, str | None]:
    bounds = dict(prefix_range("x", prefix).children)
    return bounds["x__gte"], bounds.get("x__lt")


@given(st.text(max_size=8), st.text(min_size=1, max_size=4))
def test_prefix_range_is_startswith(text: str, prefix: str) -> None:
    low, high = _bounds(prefix)
    inside = low <= text and (high is None or text < high)
    assert inside == text.startswith(prefix)


def test_prefix_range_edges() -> None:
    assert _bounds("gen") == ("gen", "geo")
    assert _bounds("a\ud7ff") == ("a\ud7ff", "a\ue000")  # past the surrogates
    assert _bounds("\U0010ffff") == ("\U0010ffff", None)
    assert _bounds("z\U0010ffff") == ("z\U0010ffff", "{")


def test_name_tails() -> None:
    assert name_tails("rio de janeiro") == ["de janeiro", "janeiro"]
    assert name_tails("saint-denis") == ["denis"]
    assert name_tails("l'aquila") == ["aquila"]
    assert name_tails("tokyo") == [] and name_tails("-x") == []
