"""A guarded export read back: the apostrophe the spreadsheet guard added is not data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.text import forbidden_character
from citydiplomacy.io.readers import read_kpi_data
from citydiplomacy.io.safe_text import safe_cell, safe_frame, unguard_cell, unguard_columns


@given(st.text(max_size=30).filter(lambda t: forbidden_character(t) is None))
@example("'=x")
@example("Checked\r=cmd")
@example("\r'=x")
@example("a\r\r'\r=x")
@example("'- n/a")
@example("''")
@example("'")
def test_unguard_inverts_the_guard(text: str) -> None:
    assert unguard_cell(safe_cell(text)) == text


def test_unguard_columns_on_categories_and_text() -> None:
    frame = pd.DataFrame(
        {
            "note": pd.Categorical(["'- see annex", "plain", "'=1+1", "=1+1"]),
            "source": ["'@city office", "'quoted on purpose", None, "x"],
            "city": ["'=keep", "a", "b", "c"],
        }
    )
    out = unguard_columns(frame, ("note", "source"))
    assert list(out["note"].astype(object)) == ["- see annex", "plain", "=1+1", "=1+1"]
    source = list(out["source"])
    assert [source[0], source[1], source[3]] == ["@city office", "'quoted on purpose", "x"]
    assert pd.isna(source[2])
    assert list(out["city"]) == ["'=keep", "a", "b", "c"]  # not asked for
    unchanged = pd.DataFrame({"note": ["a", "b"]})
    assert unguard_columns(unchanged, ("note",)) is unchanged


def test_an_exported_note_starting_with_a_dash_reads_back_unchanged(
    tmp_path: Path, u4ssc: Framework
) -> None:
    frame = pd.DataFrame(
        {
            "city": ["Geneva", "Geneva"],
            "country": ["CH", "CH"],
            "year": [2021, 2022],
            "kpi": ["EC-ICT-ICT-1C", "EC-ICT-ICT-1C"],
            "value": [93, 95],
            "unit": ["%", "%"],
            "source": ['=HYPERLINK("x")', "city office"],
            "note": ["- provisional, see annex", "'-' marks a value not applicable"],
        }
    )
    path = tmp_path / "export.csv"
    safe_frame(frame).to_csv(path, index=False)
    assert "'- provisional" in path.read_text()  # the export is guarded ...
    long = read_kpi_data(path, u4ssc).long.sort_values("year")
    # ... and reads back as the text that was exported
    assert list(long["note"].astype(object)) == [
        "- provisional, see annex",
        "'-' marks a value not applicable",
    ]
    assert list(long["source"].astype(object)) == ['=HYPERLINK("x")', "city office"]
