"""The one spreadsheet guard (``io.safe_text``) and the io writers that use it."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.core.text import forbidden_character
from citydiplomacy.io.safe_text import FORMULA_PREFIXES, safe_arrow, safe_cell, safe_frame
from citydiplomacy.io.writers import write_chunks, write_csv, write_table

ATTACKS = [
    '=HYPERLINK("https://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+41 22 418 00 00",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]
#: Each attack as written: an apostrophe first, and after a carriage return that starts a
#: formula (a reader that breaks rows at a lone carriage return sees a new cell there).
GUARDED = {a: "'" + a for a in ATTACKS} | {"\r=1+1": "'\r'=1+1"}


@pytest.mark.parametrize("text", ATTACKS)
def test_a_text_cell_that_starts_like_a_formula_gets_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == GUARDED[text]


@pytest.mark.parametrize("value", ["Genève", "", "Москва", 12.5, -3, None, True, pd.NA])
def test_other_cells_are_unchanged(value: object) -> None:
    assert safe_cell(value) is value


@given(st.text())
def test_no_text_cell_starts_a_formula_and_nothing_else_changes(text: str) -> None:
    cleaned = safe_cell(text)
    # nor does any row a reader starts at a lone carriage return (CSV does not quote those)
    for part in re.split("\r(?!\n)", cleaned):
        assert not part.startswith(FORMULA_PREFIXES), (text, cleaned)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", cleaned)  # XML can hold it
    if "\r" not in text and forbidden_character(text) is None:
        assert cleaned in (text, "'" + text)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Checked\r=cmd|' /C calc'!A0", "Checked\r'=cmd|' /C calc'!A0"),
        ("a\r\r@SUM(A1)", "a\r'\r'@SUM(A1)"),
        ("line\r\n=1+1", "line\r\n=1+1"),  # CSV quotes a cell with a line feed
        ("see annex \uffff", "see annex \ufffd"),
    ],
)
def test_carriage_returns_and_characters_xml_cannot_hold(text: str, written: str) -> None:
    assert safe_cell(text) == written


def test_a_lone_carriage_return_cannot_start_a_formula_row_in_a_csv() -> None:
    frame = pd.DataFrame({"note": ["Checked\r=cmd|' /C calc'!A0"], "value": [1.0]})
    # pandas (the web's exports) quotes a cell with a line feed, not one with a lone CR
    text = safe_frame(frame).to_csv(index=False)
    assert "\r" in text
    rows = list(csv.reader(io.StringIO(text.replace("\r", "\n"))))  # the most naive reader
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_PREFIXES)]


def test_an_xlsx_export_of_a_noncharacter_is_written(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_table(pd.DataFrame({"note": ["see annex \uffff", "\x01bell"]}), path, "xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert [c.value for c in sheet["A"][1:]] == ["see annex \ufffd", "\ufffdbell"]


@given(st.lists(st.one_of(st.text(max_size=12), st.none()), min_size=1, max_size=30))
def test_arrow_and_frame_guards_agree_with_the_cell_guard(texts: list[str | None]) -> None:
    expected = [None if t is None else safe_cell(t) for t in texts]
    plain = safe_arrow(pa.table({"t": pa.array(texts, pa.string())}))
    assert plain.column("t").to_pylist() == expected
    coded = safe_arrow(pa.table({"t": pa.array(texts, pa.string()).dictionary_encode()}))
    assert coded.column("t").to_pylist() == expected
    frame = safe_frame(pd.DataFrame({"t": pd.Series(texts, dtype=object)}))
    assert [None if v is None or v != v else v for v in frame["t"]] == expected


def test_frame_numbers_stay_numbers() -> None:
    frame = pd.DataFrame(
        {
            "value": [-5.0, 3.5],
            "count": [-1, 2],
            "mixed": pd.Series([-2.5, "=1+2"], dtype=object),
            "city": pd.Categorical(["=evil", "Lyon"]),
        }
    )
    safe = safe_frame(frame)
    assert safe["value"].tolist() == [-5.0, 3.5] and safe["value"].dtype == np.float64
    assert safe["count"].tolist() == [-1, 2]
    assert safe["mixed"].tolist() == [-2.5, "'=1+2"]
    assert safe["city"].tolist() == ["'=evil", "Lyon"]
    assert frame["city"].tolist() == ["=evil", "Lyon"]  # the original is not changed


def _attack_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city": ATTACKS,
            "source": pd.Categorical(ATTACKS),
            "value": np.arange(len(ATTACKS), dtype=np.float64) - 3,
        }
    )


def test_xlsx_tables_hold_no_formula(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_table(_attack_frame(), path, "xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    assert [c.value for c in sheet["A"][1:]] == [GUARDED[a] for a in ATTACKS]
    assert [c.value for c in sheet["C"][1:]] == list(range(-3, len(ATTACKS) - 3))


@pytest.mark.parametrize("as_mapping", [False, True])
def test_csv_tables_hold_no_formula(tmp_path: Path, as_mapping: bool) -> None:
    frame = _attack_frame()
    chunk = {c: frame[c].to_numpy() if c == "value" else frame[c].array for c in frame}
    path = tmp_path / "out.csv"
    write_chunks([chunk if as_mapping else frame], path, "csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert [r["city"] for r in rows] == [GUARDED[a] for a in ATTACKS]
    assert [r["source"] for r in rows] == [GUARDED[a] for a in ATTACKS]
    assert [float(r["value"]) for r in rows] == list(range(-3, len(ATTACKS) - 3))
    out = io.BytesIO()
    write_csv([frame], out)  # standard output gets the same text
    assert out.getvalue() == path.read_bytes()


def test_parquet_keeps_the_data_as_they_are(tmp_path: Path) -> None:
    """Parquet is not opened by a spreadsheet: it keeps the exact text."""
    path = tmp_path / "out.parquet"
    write_chunks([_attack_frame()], path, "parquet")
    assert pd.read_parquet(path)["city"].tolist() == ATTACKS
