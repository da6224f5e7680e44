"""Exports of the tables the pages show (issue 19, item 2): equal to the page (all its pages,
its filters), unpublished data never in a public export, formulas guarded."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pandas as pd
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


@pytest.mark.parametrize("shape", ["long", "wide"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_upload_template_validates_once_filled(cohort: Cohort, shape: str, fmt: str) -> None:
    """Download the blank template, fill every value with a plausible number, run the real
    upload validation (services.check_file): no problem."""
    from citydiplomacy.synthetic import synthetic_long, synthetic_wide
    from citydiplomacy.web.indicators import exports, services

    geneva = cohort.geneva
    url = reverse("indicators:upload-template", args=[geneva.pk, shape, fmt])
    response = client_for(cohort.users, "anonymous").get(url, {"year": 2020})
    assert response.status_code == 200
    if fmt == "csv":
        blank = pd.read_csv(io.BytesIO(response.content), dtype=str, keep_default_na=False)
    else:
        blank = pd.read_excel(io.BytesIO(response.content), dtype=str, keep_default_na=False)
    expected = exports.template_frame(geneva, 2020, shape)
    assert list(blank.columns) == list(expected.columns) and len(blank) == len(expected)
    # Nothing filled in the blank one.
    value_columns = ["value"] if shape == "long" else list(blank.columns[4:])
    assert (blank[value_columns] == "").all().all()
    # Fill it with values the framework accepts (the synthetic generator's, for this city).
    cities = pd.DataFrame(
        {
            "city": [geneva.name],
            "country": [geneva.country_id],
            "geonames_id": pd.array([geneva.pk], dtype="Int64"),
            "population": [geneva.population or 100_000],
            "latitude": [geneva.latitude],
            "longitude": [geneva.longitude],
        }
    )
    fw = services.framework()
    if shape == "long":
        values = synthetic_long(fw, cities=cities, years=[2020], coverage=1.0, seed=5)
        blank["value"] = values["value"].astype(str).to_numpy()
    else:
        values = synthetic_wide(fw, cities=cities, years=[2020], coverage=1.0, seed=5)
        for column in value_columns:
            blank[column] = values[column].astype(str).to_numpy()
    buffer = io.BytesIO()
    if fmt == "csv":
        blank.to_csv(buffer, index=False)
    else:
        blank.to_excel(buffer, index=False)
    checked = services.check_file(cohort.users["admin"], f"filled.{fmt}", buffer.getvalue())
    assert checked.ok, [str(p) for p in checked.problems][:10]
    assert checked.city_ids == [geneva.pk] and len(checked.rows) > 0


def test_upload_template_refuses_bad_shapes_and_cities(cohort: Cohort) -> None:
    client = client_for(cohort.users, "anonymous")
    assert client.get(f"/cities/{cohort.geneva.pk}/data/template-tall.csv").status_code == 404
    assert client.get(f"/cities/{cohort.geneva.pk}/data/template-long.pdf").status_code == 404
    assert client.get("/cities/1/data/template-long.csv").status_code == 404


def test_city_data_page_links_the_templates(cohort: Cohort) -> None:
    html = client_for(cohort.users, "editor").get(f"/cities/{cohort.geneva.pk}/data/")
    text = html.content.decode()
    assert f"/cities/{cohort.geneva.pk}/data/template-long.csv" in text
    assert f"/cities/{cohort.geneva.pk}/data/template-wide.xlsx" in text


def _bundle(client: Any) -> dict[str, bytes]:
    import zipfile

    response = client.get(reverse("indicators:cohort-bundle"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        return {name: bundle.read(name) for name in bundle.namelist()}


@pytest.mark.parametrize("who", ["anonymous", "public", "editor", "analyst"])
def test_cohort_bundle_holds_only_what_the_viewer_may_see(cohort: Cohort, who: str) -> None:
    files = _bundle(client_for(cohort.users, who))
    assert set(files) == {
        "data.csv",
        "scores.csv",
        "framework.csv",
        "data_dictionary.csv",
        "LICENCE.txt",
        "SOURCES.md",
    }
    data = pd.read_csv(io.BytesIO(files["data.csv"]))
    scores = pd.read_csv(io.BytesIO(files["scores.csv"]))
    unpublished_year_seen = UNPUBLISHED_YEAR in set(data["year"])
    nantes_seen = "Nantes" in set(data["city"]) or "Nantes" in set(scores["city"])
    if who in ("anonymous", "public"):
        assert not unpublished_year_seen and not nantes_seen
        assert set(scores["ranking"]) <= {"published profiles"}
    if who == "analyst":
        assert unpublished_year_seen and nantes_seen
    assert "GeoNames" in files["LICENCE.txt"].decode()
    assert len(pd.read_csv(io.BytesIO(files["framework.csv"]))) > 50


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("public", 403), ("editor", 403), ("analyst", 200), ("admin", 200)],
)
def test_history_export_permissions(cohort: Cohort, who: str, status: int) -> None:
    url = reverse("indicators:history-export", args=["csv"])
    assert client_for(cohort.users, who).get(url).status_code == status


def test_history_export_equals_the_filtered_history(cohort: Cohort) -> None:
    from citydiplomacy.web.indicators.models import KpiValueChange

    client = client_for(cohort.users, "analyst")
    url = reverse("indicators:history-export", args=["csv"])
    everything = rows_of(client.get(url))
    assert len(everything) == KpiValueChange.objects.count() > 0
    geneva = rows_of(client.get(url, {"city": cohort.geneva.pk}))
    page = client.get(reverse("indicators:history"), {"city": cohort.geneva.pk})
    assert len(geneva) == page.context["page"].paginator.count
    assert {r["city"] for r in geneva} == {"Geneva"}
    kpi = everything[0]["kpi"]
    some = rows_of(client.get(url, {"kpi": kpi}))
    assert some and all(r["kpi"].startswith(kpi) for r in some)
    assert [int(r["change_id"]) for r in everything] == sorted(
        (int(r["change_id"]) for r in everything), reverse=True
    )


def test_history_filter_takes_a_city_by_name(cohort: Cohort) -> None:
    client = client_for(cohort.users, "analyst")
    by_id = client.get(reverse("indicators:history"), {"city": cohort.geneva.pk})
    by_name = client.get(reverse("indicators:history"), {"city": "Genève"})
    assert by_name.status_code == 200 and "GeoNames id" not in by_name.content.decode()
    assert by_name.context["page"].paginator.count == by_id.context["page"].paginator.count > 0
    assert client.get(reverse("indicators:history"), {"city": "Atlantis"}).status_code == 400
