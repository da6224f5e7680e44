"""CSV and XLSX downloads of a city profile's tables (issue 19, item 2): the results by
dimension, the index per year, the KPI tables (every category in one download) and the data
coverage, each equal to the page this viewer sees (the same year, the same figures: public
ones for whoever may not see unpublished data), a year the viewer may not see a 404 as the
page, formulas guarded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from citydiplomacy.web.cities.models import City
from tests.web.export_checks import HOSTILE, assert_guarded, assert_no_formula, csv_rows, xlsx_rows
from tests.web.profiles.conftest import (
    ROLES,
    SEES_GENEVA_UNPUBLISHED,
    UNPUBLISHED_YEAR,
    Cohort,
    client_for,
)
from tests.web.profiles.html import Node, parse

pytestmark = pytest.mark.django_db

READS = (("csv", csv_rows), ("xlsx", xlsx_rows))
TABLES = ("results", "years", "kpis", "coverage")


def body_rows(page: Node, cls: str) -> list[Node]:
    """The body (and foot) rows of every ``<table class=cls>`` of the page, in order."""
    return [
        tr
        for table in page.find_all("table", cls=cls)
        for part in table.children
        if isinstance(part, Node) and part.tag in ("tbody", "tfoot")
        for tr in part.find_all("tr")
    ]


def cells(tr: Node) -> list[str]:
    return [c.text() for c in tr.children if isinstance(c, Node) and c.tag in ("th", "td")]


def export_links(page: Node) -> dict[str, list[str]]:
    """The profile-export links of the page's downloads lines, by table."""
    found: dict[str, list[str]] = {}
    for line in page.find_all("p", cls="downloads"):
        for a in line.find_all("a"):
            href = a.attrs["href"]
            if "/profile/tables/" in href and "download" in a.attrs:
                table = href.split("/profile/tables/")[1].split(".")[0]
                found.setdefault(table, []).append(href)
    return found


@pytest.mark.parametrize("who", ROLES)
def test_each_profile_table_downloads_as_the_page_shows_it(cohort: Cohort, who: str) -> None:
    client = client_for(cohort.users, who)
    geneva = cohort.geneva
    url = reverse("indicators:dashboard", args=[geneva.pk]) + "?year=2023"
    response = client.get(url)
    assert response.status_code == 200
    page = parse(response.content)
    links = export_links(page)
    assert sorted(links) == sorted(TABLES)
    for table, (csv_href, xlsx_href) in links.items():
        assert csv_href.endswith(f"/{table}.csv?year=2023")
        assert xlsx_href.endswith(f"/{table}.xlsx?year=2023")
    shown = {
        "results": [cells(tr) for tr in body_rows(page, "results")],
        "years": [cells(tr) for tr in body_rows(page, "years")],
        "kpis": [cells(tr) for tr in body_rows(page, "kpi-table")],
        "coverage": [cells(tr) for tr in body_rows(page, "coverage")],
    }
    for table, hrefs in links.items():
        for href, (fmt, read) in zip(hrefs, READS, strict=True):
            rows = read(client.get(href))
            assert len(rows) == len(shown[table]), (table, fmt)
            assert {r["city"] for r in rows} == {"Geneva"}
            assert_no_formula(rows)
            for row, cell in zip(rows, shown[table], strict=True):
                text = {k: "" if v is None else str(v) for k, v in row.items()}
                if table == "results":
                    assert cell[0].startswith(text["name"]) and cell[1] == text["score"], cell
                    assert text["band"] in cell[2], (cell, text)
                elif table == "years":
                    assert cell[0] == text["year"] and cell[1] == text["score"], cell
                    assert text["band"] in cell[2]
                elif table == "kpis":
                    assert text["code"] in cell[0] and text["name"] in cell[0], cell
                    assert cell[1] == text["value"] and cell[2] == text["unit"], (cell, text)
                    assert cell[3] == (text["target"] or "–"), (cell, text)
                    assert cell[4:6] == [text["target_source"], text["band"]], (cell, text)
                    assert cell[6].endswith(text["trend"]) and cell[7] == text["status"], cell
                else:
                    assert cell[:3] == [
                        text["dimension"],
                        text["kpis_reported"],
                        text["kpis_in_framework"],
                    ]
    # The KPI rows carry where the page puts them: dimension, sub-dimension and category.
    rows = csv_rows(client.get(links["kpis"][0]))
    assert all(r["dimension"] and r["sub_dimension"] and r["category"] for r in rows)
    verified = {r["code"]: r["status"] for r in rows}
    assert verified["EC-ICT-ICT-1C"] == "Verified"


@pytest.mark.parametrize("who", ROLES)
def test_an_unpublished_year_downloads_only_for_those_who_see_its_page(
    cohort: Cohort, who: str
) -> None:
    client = client_for(cohort.users, who)
    geneva = cohort.geneva
    page = client.get(reverse("indicators:dashboard", args=[geneva.pk]), {"year": UNPUBLISHED_YEAR})
    expected = 200 if who in SEES_GENEVA_UNPUBLISHED else 404
    assert page.status_code == expected
    for table in TABLES:
        for fmt in ("csv", "xlsx"):
            url = reverse("indicators:profile-export", args=[geneva.pk, table, fmt])
            response = client.get(url, {"year": UNPUBLISHED_YEAR})
            assert response.status_code == expected, (table, fmt)
    # Nantes publishes nothing: not even its latest year for the public.
    nantes = reverse("indicators:profile-export", args=[cohort.nantes.pk, "kpis", "csv"])
    assert client.get(nantes).status_code == (200 if who in {"analyst", "admin"} else 404)


def test_the_public_years_table_holds_published_years_only(cohort: Cohort) -> None:
    url = reverse("indicators:profile-export", args=[cohort.geneva.pk, "years", "csv"])
    public = csv_rows(client_for(cohort.users, "anonymous").get(url, {"year": 2023}))
    full = csv_rows(client_for(cohort.users, "analyst").get(url, {"year": 2023}))
    assert [r["year"] for r in public] == ["2021", "2022", "2023"]
    assert [r["year"] for r in full] == ["2021", "2022", "2023", str(UNPUBLISHED_YEAR)]


def test_unknown_tables_and_formats_are_not_found(cohort: Cohort) -> None:
    client = client_for(cohort.users, "anonymous")
    pk = cohort.geneva.pk
    tables = f"/cities/{pk}/profile/tables"
    assert client.get(f"{tables}/values.csv?year=2023").status_code == 404
    assert client.get(f"{tables}/kpis.json?year=2023").status_code == 404
    assert client.get("/cities/999999/profile/tables/kpis.csv").status_code == 404
    # The profile's report keeps its own address beside the tables'.
    report = client.get(f"/cities/{pk}/profile/report.json?year=2023")
    assert report.status_code == 200 and report["Content-Type"].startswith("application/json")


def test_a_city_name_like_a_formula_is_neutralised(cohort: Cohort) -> None:
    City.objects.filter(pk=cohort.geneva.pk).update(name=HOSTILE[0])
    client = client_for(cohort.users, "anonymous")
    for table in TABLES:
        for fmt, read in READS:
            url = reverse("indicators:profile-export", args=[cohort.geneva.pk, table, fmt])
            rows = read(client.get(url, {"year": 2023}))
            assert rows
            for row in rows:
                assert_guarded(row["city"], HOSTILE[0])
            assert_no_formula(rows)
