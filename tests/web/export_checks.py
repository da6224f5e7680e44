"""Shared checks of the tables' CSV and XLSX downloads (issue 19, item 2): read a download
back, and the hostile texts whose formula prefixes an export must neutralise."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from citydiplomacy.io.safe_text import safe_cell

#: Texts that start like spreadsheet formulas (= + - @ tab CR), all synthetic.
HOSTILE = (
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
)


def csv_rows(response: Any) -> list[dict[str, str]]:
    """The rows of a CSV download (asserting it is one)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline="")))


def xlsx_rows(response: Any) -> list[dict[str, Any]]:
    """The rows of an XLSX download (asserting it is one)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def assert_guarded(value: Any, original: str) -> None:
    """``value`` is ``original`` as the project's one guard writes it: a leading apostrophe
    that keeps it from running (and one after a carriage return that precedes a formula)."""
    assert isinstance(value, str) and value.startswith("'"), (value, original)
    assert value == safe_cell(original), (value, original)


def assert_no_formula(rows: list[dict[str, Any]]) -> None:
    """No text cell of ``rows`` starts like a formula."""
    for row in rows:
        for value in row.values():
            if isinstance(value, str):
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
