"""CSV and XLSX downloads of the city registry's tables (issue 19, item 2): the search page's
results (every page, with the same search and country) and the city page's "From open data"
table, each equal to what the page shows in its language, formulas neutralised, and no
unpublished KPI profile marked."""

from __future__ import annotations

import html as html_module
import re
from typing import Any

import pytest
from django.test import Client

from citydiplomacy.io.safe_text import unguard_cell
from citydiplomacy.web.cities.models import City, CityFact
from citydiplomacy.web.indicators.models import CityScore, Publication, ScoreSnapshot
from tests.web import factories
from tests.web.cities.conftest import SAMPLE_IDS
from tests.web.export_checks import (
    HOSTILE,
    assert_guarded,
    assert_no_formula,
    csv_rows,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

GENEVA, ZURICH, LAUSANNE, NYC, SF, TOKYO, SAO_PAULO, RIO, LYON, FRANKFURT = SAMPLE_IDS
READERS = (("csv", csv_rows), ("xlsx", xlsx_rows))
WHO = ("anonymous", "public", "editor", "analyst", "admin")


def client_for(who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(factories.user(None if who == "public" else who))
    return client


def _text(fragment: str) -> str:
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def _result_rows(page: str) -> list[dict[str, Any]]:
    """Each row of the search page's results table: id, name, matched name, profile mark,
    country cell, population and coordinates, as the page shows them."""
    table = page[page.index('<table class="city-results">') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        head = re.search(r'<th scope="row"><a href="/cities/(\d+)/">(.*?)</a>(.*?)</th>', row, re.S)
        assert head is not None, row
        cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rest = head.group(3)
        matched = re.search(r'<span class="matched"[^>]*>\((.*?)\)</span>', rest, re.S)
        rows.append(
            {
                "id": int(head.group(1)),
                "name": _text(head.group(2)),
                "matched": _text(matched.group(1)) if matched else "",
                "profile": _text(m.group(1))
                if (m := re.search(r'<span class="profile-mark">(.*?)</span>', rest))
                else "",
                "country": cells[0],
                "population": re.sub(r"\D", "", cells[1]),  # separators are the language's
                "coordinates": cells[2],
            }
        )
    return rows


def _all_pages(client: Client, query: str, **headers: str) -> tuple[str, list[dict[str, Any]]]:
    """The first page's HTML and the result rows of every page of a search."""
    first = html = client.get(f"/cities/?{query}", **headers).content.decode()
    rows = _result_rows(first)
    page = 1
    while 'rel="next"' in html:
        page += 1
        html = client.get(f"/cities/?{query}&page={page}", **headers).content.decode()
        rows += _result_rows(html)
    return first, rows


def _as_written(row: dict[str, Any]) -> dict[str, Any]:
    """An export row in the page's terms."""
    return {
        "id": int(row["geonames_id"]),
        "name": row["city"],
        "matched": f"also “{row['also_matched_as']}”" if row["also_matched_as"] else "",
        "profile": row["kpi_profile"] or "",
        "country": f"{row['country']} ({row['country_code']})",
        "population": str(int(row["population"])),
        "coordinates": row["coordinates"],
    }


# ------------------------------------------------------------------ search results
@pytest.mark.parametrize("who", WHO)
def test_the_search_export_is_every_page_of_the_results_table(seeded: Any, who: str) -> None:
    for i in range(30):
        factories.city(f"Sanville {i:02d}", "JP", population=100_000 + i)
    client = client_for(who)
    page, shown = _all_pages(client, "q=sanville")
    assert len(shown) == 30 and len(_result_rows(page)) == 25  # two pages on the page
    assert 'href="/cities/export.csv?q=sanville" download' in page
    for fmt, read in READERS:
        rows = read(client.get(f"/cities/export.{fmt}?q=sanville"))
        assert [_as_written(r) for r in rows] == shown, (who, fmt)
        assert all(r["country_code"] == "JP" for r in rows)


def test_the_search_export_keeps_the_country_filter_and_the_matched_name(seeded: Any) -> None:
    client = Client()
    page, shown = _all_pages(client, "q=s&country=BR")
    assert SAO_PAULO in {r["id"] for r in shown} and {r["country"] for r in shown} == {
        "Brazil (BR)"
    }
    assert 'href="/cities/export.xlsx?q=s&amp;country=BR" download' in page
    for fmt, read in READERS:
        rows = read(client.get(f"/cities/export.{fmt}?q=s&country=BR"))
        assert [_as_written(r) for r in rows] == shown
        everywhere = read(client.get(f"/cities/export.{fmt}?q=s"))
        assert len(everywhere) > len(rows)
    page, shown = _all_pages(client, "q=%D0%96%D0%B5%D0%BD%D0%B5%D0%B2%D0%B0")  # Женева
    (row,) = csv_rows(client.get("/cities/export.csv?q=Женева"))
    assert row["also_matched_as"] == "Женева" and [_as_written(row)] == shown


def test_names_and_marks_follow_the_pages_language(seeded: Any) -> None:
    client = Client()
    _, shown = _all_pages(client, "country=CH", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Genève" in {r["name"] for r in shown}
    Publication.objects.create(city_id=ZURICH, year=2023)
    _, shown = _all_pages(client, "country=CH", HTTP_ACCEPT_LANGUAGE="fr")
    for fmt, read in READERS:
        rows = read(client.get(f"/cities/export.{fmt}?country=CH", HTTP_ACCEPT_LANGUAGE="fr"))
        assert [_as_written(r) for r in rows] == shown
        marks = {int(r["geonames_id"]): r["kpi_profile"] for r in rows}
        assert marks[ZURICH] and marks[ZURICH] != "KPI profile"  # in French, as the page
        assert not marks[GENEVA]


def test_an_unpublished_profile_is_not_marked(seeded: Any) -> None:
    snap = ScoreSnapshot.objects.create(data_version=1, framework="u4ssc", spec={}, provenance={})
    CityScore.objects.create(snapshot=snap, city_id=GENEVA, nodes={"2024": {}})
    Publication.objects.create(city_id=ZURICH, year=2023)
    for who in WHO:
        client = client_for(who)
        _, shown = _all_pages(client, "country=CH")
        rows = csv_rows(client.get("/cities/export.csv?country=CH"))
        marks = {int(r["geonames_id"]): r["kpi_profile"] for r in rows}
        assert marks[ZURICH] == "KPI profile" and not marks[GENEVA], who
        assert [_as_written(r) for r in rows] == shown


def test_no_search_no_table_no_export(seeded: Any) -> None:
    client = Client()
    assert "/cities/export." not in client.get("/cities/").content.decode()
    assert client.get("/cities/export.csv").status_code == 400
    assert client.get("/cities/export.csv?q=%20").status_code == 400
    assert client.get("/cities/export.pdf?q=gen").status_code == 404
    assert "/cities/export." not in client.get("/cities/?q=xqzv").content.decode()
    response = client.get("/cities/export.csv?q=xqzv")
    assert csv_rows(response) == [] and response.content.decode().startswith("city,")


def test_a_search_the_form_refuses_shows_no_results_and_no_download(seeded: Any) -> None:
    """The page ran no search on what was left of a refused query, so it offers no download
    of another search (it used to list the country's cities and link a name search)."""
    client = Client()
    for query in ("q=Gen%1F&country=CH", "q=" + "G" * 300 + "&country=CH", "q=gen&country=ZZ"):
        response = client.get(f"/cities/?{query}")
        page = response.content.decode()
        assert response.status_code == 400, query
        assert '<table class="city-results">' not in page and "/cities/export." not in page
    response = client.get("/cities/export.csv?q=gen&country=ZZ")
    assert response.status_code == 400
    assert "The search has errors (country:" in response.content.decode()


def test_a_download_holds_at_most_the_cap_and_says_so(
    seeded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citydiplomacy.web.cities import exports, views

    monkeypatch.setattr(exports, "SEARCH_EXPORT_MAX", 2)
    monkeypatch.setattr(views, "SEARCH_EXPORT_MAX", 2)
    client = Client()
    page = client.get("/cities/?country=CH").content.decode()  # Zurich, Geneva, Lausanne
    assert "/cities/export." not in page
    assert "Too many cities to download at once (a download holds at most 2)" in page
    response = client.get("/cities/export.xlsx?country=CH")
    assert response.status_code == 400
    assert "More than 2 cities match" in response.content.decode()
    two = client.get("/cities/export.csv?q=zurich")
    assert [r["geonames_id"] for r in csv_rows(two)] == [str(ZURICH)]
    fr = client.get("/cities/export.csv?country=CH", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Plus de 2 villes" in fr.content.decode()


def test_search_cells_that_start_like_formulas_are_neutralised(db: Any) -> None:
    for i, text in enumerate(HOSTILE):
        factories.city(text, "US", population=50_000 + i, alternate_names=(f"Hostile {i}",))
    client = Client()
    for fmt, read in READERS:
        rows = read(client.get(f"/cities/export.{fmt}?country=US"))
        assert len(rows) == len(HOSTILE)
        for row in rows:
            original = City.objects.get(pk=int(row["geonames_id"])).name
            assert_guarded(row["city"], original)
        assert_no_formula(rows)


# ------------------------------------------------------------------ open-data facts
def _fact_rows(page: str) -> list[list[str]]:
    table = page[page.index('<table class="open-facts">') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _fact_as_written(row: dict[str, Any]) -> list[str]:
    value = row["value"]
    figure = f"{round(float(value)):,}" if value not in (None, "") else row["text"]
    if row["record_type"]:
        figure += f" ({row['record_type']})"
    if row["city_document"]:
        figure += " the city's document"
    source = row["source"] + (f", {row['licence']}" if row["licence"] else "")
    if row["listed_there_as"]:
        source += f" (listed there as “{row['listed_there_as']}”)"
    year = str(int(row["year"])) if row["year"] not in (None, "") else "—"
    return [row["what"], figure, year, source]


@pytest.fixture
def facts(geneva: Any) -> list[CityFact]:
    return [
        CityFact.objects.create(
            city=geneva,
            kind=CityFact.Kind.POPULATION_CITY_PROPER,
            source="undata",
            year=2015,
            value=194565.0,
            source_name="UNdata",
            source_url="https://data.un.org/",
            licence="UN terms",
            matched_as="GENEVA",
        ),
        CityFact.objects.create(
            city=geneva,
            kind=CityFact.Kind.NET_ZERO_TARGET,
            source="nzt",
            year=2050,
            text="Net zero",
            detail={
                "reliability": "high",
                "record_type": "Target",
                "target_source_url": "https://example.org/plan.pdf",
            },
            source_name="Net Zero Tracker",
        ),
    ]


@pytest.mark.parametrize("who", WHO)
def test_the_facts_export_is_the_city_pages_open_data_table(
    facts: list[CityFact], geneva: Any, who: str
) -> None:
    client = client_for(who)
    page = client.get(f"/cities/{geneva.pk}/").content.decode()
    assert f'href="/cities/{geneva.pk}/facts.csv" download' in page
    shown = _fact_rows(page)
    assert len(shown) == 2
    for fmt, read in READERS:
        rows = read(client.get(f"/cities/{geneva.pk}/facts.{fmt}"))
        assert [_fact_as_written(r) for r in rows] == shown, (who, fmt)
    (target,) = [r for r in csv_rows(client.get(f"/cities/{geneva.pk}/facts.csv")) if r["text"]]
    assert target["city_document"] == "https://example.org/plan.pdf"


def test_the_facts_export_is_in_the_pages_language(facts: list[CityFact], geneva: Any) -> None:
    client = Client()
    page = client.get(f"/cities/{geneva.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    rows = xlsx_rows(client.get(f"/cities/{geneva.pk}/facts.xlsx", HTTP_ACCEPT_LANGUAGE="fr"))
    assert [r[0] for r in _fact_rows(page)] == [r["what"] for r in rows]
    assert "Population (city proper)" not in {r["what"] for r in rows}


def test_a_city_without_facts_has_no_table_and_a_header_only_file(lyon: Any) -> None:
    client = Client()
    assert "facts.csv" not in client.get(f"/cities/{lyon.pk}/").content.decode()
    response = client.get(f"/cities/{lyon.pk}/facts.csv")
    assert csv_rows(response) == [] and response.content.decode().startswith("what,value,")
    assert client.get("/cities/999999/facts.csv").status_code == 404
    assert client.get(f"/cities/{lyon.pk}/facts.json").status_code == 404


def test_fact_cells_that_start_like_formulas_are_neutralised(geneva: Any) -> None:
    for i, text in enumerate(HOSTILE[:3]):
        CityFact.objects.create(
            city=geneva,
            kind=list(CityFact.Kind)[i],
            source=f"s{i}",
            text=text,
            source_name=HOSTILE[3 + i],
            matched_as=text,
        )
    for fmt, read in READERS:
        rows = read(Client().get(f"/cities/{geneva.pk}/facts.{fmt}"))
        for row in rows:
            fact = CityFact.objects.get(city=geneva, source_name=unguard_cell(row["source"]))
            assert_guarded(row["text"], fact.text)
            assert_guarded(row["source"], fact.source_name)
            assert_guarded(row["listed_there_as"], fact.matched_as)
        assert_no_formula(rows)
