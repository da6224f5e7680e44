"""The comparison page (issue 19): its city fields are the city picker every form uses, and
its table downloads as CSV and XLSX equal to what the page shows, formulas neutralised."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.indicators import exports

pytestmark = pytest.mark.django_db


def _compare(query: str, client: Client | None = None) -> Any:
    response = (client or Client()).get(reverse("indicators:compare") + query)
    assert response.status_code == 200
    return response


def test_a_typed_name_or_a_pick_adds_a_city(cities: list[Any]) -> None:
    geneva, lyon, lausanne = cities[0], cities[1], cities[2]
    response = _compare(f"?city={geneva.pk}&n=1&add=Lyon")
    assert [c.name for c in response.context["cities"]] == ["Geneva", "Lyon"]
    # With JavaScript the picker sends the chosen id beside the label it shows.
    response = _compare(f"?city={geneva.pk}&n=1&add=Lausanne, Vaud (CH)&add_id={lausanne.pk}")
    assert [c.name for c in response.context["cities"]] == ["Geneva", "Lausanne"]
    assert response.context["picker"]["add"].value() is None  # empty again for the next
    response = _compare(f"?city={lyon.pk}&n=1&add=Atlantis")
    assert [c.name for c in response.context["cities"]] == ["Lyon"]
    assert any("Atlantis" in p for p in response.context["problems"])
    page = response.content.decode()
    assert 'data-city-picker=""' in page and 'name="add_id"' in page


def _rows(body: bytes, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False)
    return pd.read_excel(io.BytesIO(body), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_is_what_the_page_shows(cities: list[Any], fmt: str) -> None:
    query = "?" + "&".join(f"city={c.pk}" for c in cities[:3]) + "&year=2021"
    client = Client()  # the public: 2021 is published
    page = _compare(query, client).context
    response = client.get(reverse("indicators:compare-export", args=[fmt]) + query)
    assert response.status_code == 200
    assert 'filename="comparison-2021.' in response["Content-Disposition"]
    table = _rows(response.content, fmt)
    labels = [f"{s['city'].name} ({s['city'].country_id})" for s in page["shown"]]
    assert labels and all(label in table.columns for label in labels)
    results = table[table["table"] == "results"].iloc[1:]  # after the rank row
    assert list(results["name"]) == [r["name"] for r in page["summary"]]
    for (_, row), line in zip(results.iterrows(), page["summary"], strict=True):
        assert [row[label] for label in labels] == [c["score_text"] for c in line["cells"]]
    kpis = table[table["table"] == "KPIs"]
    shown_kpis = [r for g in page["kpi_groups"] for r in g["rows"]]
    assert list(kpis["code"]) == [r["code"] for r in shown_kpis]
    first = shown_kpis[0]["cells"][0]
    expected = (
        first["value_text"] if first["value_text"] != "–" or first["reported"] else "not reported"
    )
    assert kpis.iloc[0][labels[0]] == expected


def test_an_unpublished_year_is_not_exported_to_the_public(cities: list[Any]) -> None:
    query = "?" + "&".join(f"city={c.pk}" for c in cities[:2]) + "&year=2022"
    body = Client().get(reverse("indicators:compare-export", args=["csv"]) + query).content
    assert "2022" not in set(_rows(body, "csv")["year"])


def test_the_export_neutralises_formulas() -> None:
    context = {
        "year": 2021,
        "shown": [],
        "summary": [],
        "kpi_groups": [
            {
                "name": '=HYPERLINK("http://x")',
                "rows": [{"code": "K", "name": "+cmd", "unit": "@u", "cells": []}],
            }
        ],
    }
    frame = exports.compare_frame(context)
    for fmt in ("csv", "xlsx"):
        table = _rows(exports.table_response(frame, fmt, "c").content, fmt)
        for text in (table.iloc[0]["group"], table.iloc[0]["name"], table.iloc[0]["unit"]):
            assert text[0] not in "=+-@", text


def test_an_unknown_format_is_404(cities: list[Any]) -> None:
    assert Client().get("/compare/export.json").status_code == 404
