"""Every web export (CSV and XLSX) neutralises text that a spreadsheet would run as a formula.

The public KPI export carried a committed source ``=HYPERLINK(...)`` and a note
``=cmd|' /C calc'!A0`` as live formulas (XLSX) and raw text (CSV).
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import KpiValue

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("https://evil.example","details")'
CMD = "=cmd|' /C calc'!A0"


@pytest.fixture
def published(users: dict[str, Any], geneva: Any) -> Any:
    body = (
        "city,country,year,kpi,value,source,note\n"
        f'Geneva,CH,2023,EC-ICT-ICT-1C,84,"{HYPERLINK.replace(chr(34), 2 * chr(34))}",'
        f'"{CMD}"\n'
        "Geneva,CH,2023,EC-ICT-ICT-2C,3,@SUM(A1),+41 22\n"
    )
    sub = services.upload(users["editor"], "g.csv", body.encode())
    services.commit(users["editor"], sub)
    services.publish(users["admin"], geneva, 2023)
    return geneva


def test_public_csv_export_holds_no_formula(published: Any) -> None:
    response = Client().get(reverse("indicators:export", args=[published.pk, "csv"]))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    by_kpi = {r["kpi"]: r for r in rows}
    first, second = by_kpi["EC-ICT-ICT-1C"], by_kpi["EC-ICT-ICT-2C"]
    assert first["source"] == "'" + HYPERLINK and first["note"] == "'" + CMD
    assert second["source"] == "'@SUM(A1)" and second["note"] == "'+41 22"
    assert float(first["value"]) == 84 and float(second["value"]) == 3  # numbers stay numbers


def test_public_xlsx_export_holds_no_formula(published: Any) -> None:
    response = Client().get(reverse("indicators:export", args=[published.pk, "xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert {"'" + HYPERLINK, "'" + CMD, "'@SUM(A1)", "'+41 22"} <= texts
    assert 3 in {c.value for c in cells if c.data_type == "n"}  # a number, not text


def test_capacity_and_recognition_exports_use_the_guard() -> None:
    """The other exporters found (capacity tables, recognition references) go through the
    same guard as the KPI export and signatures.csv."""
    import pandas as pd

    from citydiplomacy.web.capacity.services import _table_bytes, csv_text
    from citydiplomacy.web.recognition.views import _csv_cell

    table = pd.DataFrame({"name": [CMD, "Lyon"], "level": [-1, 2]})
    assert _table_bytes(table, "csv", "t").decode().splitlines()[1:] == [
        "'=cmd|' /C calc'!A0,-1",
        "Lyon,2",
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(_table_bytes(table, "xlsx", "t"))).active
    assert sheet is not None and sheet["A2"].value == "'" + CMD and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -1
    assert csv_text([["@x", 3]]) == "'@x,3\n"
    assert _csv_cell(HYPERLINK) == "'" + HYPERLINK


def _naive_cells(text: str) -> list[str]:
    """Every cell of a CSV read as a spreadsheet that breaks rows at a lone CR reads it."""
    return [c for row in csv.reader(io.StringIO(text.replace("\r", "\n"))) for c in row]


def test_a_carriage_return_inside_a_note_cannot_start_a_formula_row(published: Any) -> None:
    # The API stores a note with a carriage return as sent; pandas does not quote that cell.
    KpiValue.objects.filter(city=published, kpi="EC-ICT-ICT-2C").update(
        note="Checked\r=cmd|' /C calc'!A0"
    )
    response = Client().get(reverse("indicators:export", args=[published.pk, "csv"]))
    assert response.status_code == 200
    cells = _naive_cells(response.content.decode("utf-8"))
    assert cells and not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    bundle = Client().get(reverse("indicators:cohort-bundle"))
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                text = archive.read(name).decode("utf-8")
                formulas = [c for c in _naive_cells(text) if c.startswith(("=", "+", "@"))]
                assert not formulas, (name, formulas[:3])


def test_a_stored_noncharacter_does_not_break_the_xlsx_export(published: Any) -> None:
    # Stored before the API refused U+FFFF: the export writes U+FFFD rather than failing.
    KpiValue.objects.filter(city=published, kpi="EC-ICT-ICT-2C").update(note="see \uffff")
    response = Client().get(reverse("indicators:export", args=[published.pk, "xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert "see \ufffd" in {c.value for row in sheet.iter_rows() for c in row}
