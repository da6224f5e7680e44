"""Exports of the tables the pages show (issue 19, item 2): equal to the page (all its pages,
its filters), unpublished data never in a public export, formulas guarded."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from citydiplomacy.web.indicators.models import CityYearScore
from tests.web.profiles.conftest import UNPUBLISHED_YEAR, Cohort, client_for

pytestmark = pytest.mark.django_db


def rows_of(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:500]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def page_rows(client: Any, year: int) -> list[tuple[str, str]]:
    """(city, rank) of every row of every page of the ranking page."""
    out: list[tuple[str, str]] = []
    page = 1
    while True:
        response = client.get(reverse("indicators:ranking"), {"year": year, "page": page})
        out += [(r["row"].city.name, r["rank_text"]) for r in response.context["rows"]]
        if not response.context["page"].has_next():
            return out
        page += 1


@pytest.mark.parametrize("who", ["anonymous", "public", "editor", "analyst", "admin"])
def test_ranking_export_equals_the_page(cohort: Cohort, who: str) -> None:
    client = client_for(cohort.users, who)
    exported = rows_of(
        client.get(reverse("indicators:ranking-export", args=["csv"]), {"year": 2023})
    )
    shown = page_rows(client, 2023)
    assert [(r["city"], str(int(float(r["rank"])))) for r in exported] == shown


def test_public_ranking_export_leaves_out_unpublished_profiles(cohort: Cohort) -> None:
    url = reverse("indicators:ranking-export", args=["csv"])
    public = rows_of(client_for(cohort.users, "anonymous").get(url, {"year": 2023}))
    full = rows_of(client_for(cohort.users, "analyst").get(url, {"year": 2023}))
    assert len(full) == CityYearScore.objects.filter(snapshot=cohort.snapshot, year=2023).count()
    assert "Nantes" in {r["city"] for r in full} and "Nantes" not in {r["city"] for r in public}
    assert {r["ranking"] for r in public} == {"published profiles"}
    # A year with no published profile: not for the public (404), there for the analyst.
    assert (
        client_for(cohort.users, "anonymous").get(url, {"year": UNPUBLISHED_YEAR}).status_code
        == 404
    )
    assert (
        client_for(cohort.users, "public").get(url, {"year": UNPUBLISHED_YEAR}).status_code == 404
    )
    assert rows_of(client_for(cohort.users, "analyst").get(url, {"year": UNPUBLISHED_YEAR}))


def test_ranking_xlsx_holds_the_same_rows(cohort: Cohort) -> None:
    client = client_for(cohort.users, "analyst")
    csv_rows = rows_of(
        client.get(reverse("indicators:ranking-export", args=["csv"]), {"year": 2023})
    )
    response = client.get(reverse("indicators:ranking-export", args=["xlsx"]), {"year": 2023})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(csv_rows[0].keys())
    assert [row[1] for row in values[1:]] == [r["city"] for r in csv_rows]


def test_other_formats_are_404(cohort: Cohort) -> None:
    client = client_for(cohort.users, "analyst")
    assert client.get(reverse("indicators:ranking-export", args=["html"])).status_code == 404
    assert (
        client.get(reverse("indicators:ranking-export", args=["csv"]), {"year": "x"}).status_code
        == 404
    )


def test_the_ranking_page_links_its_exports(cohort: Cohort) -> None:
    html = client_for(cohort.users, "anonymous").get(reverse("indicators:ranking")).content.decode()
    assert "/ranking/export.csv?year=" in html and "/ranking/export.xlsx?year=" in html
