"""The competency framework table: the packaged one, and every problem of a user's own."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.core.capacity.framework import (
    LEVELS,
    REQUIRED_COLUMNS,
    CompetencyFramework,
)
from citydiplomacy.errors import ValidationError
from citydiplomacy.io.capacity import (
    load_framework,
    packaged_framework,
    published_figures,
    read_table,
)


def test_packaged_framework_shape() -> None:
    f = packaged_framework()
    assert len(f.domains) == 10
    assert f.roles == ("mayor", "director", "officer", "sector_staff")
    for d in f.domains:
        assert 3 <= len(f.in_domain(d.code)) <= 6, d.code
        assert d.sources, d.code
    for c in f.competencies:
        assert len(c.levels) == LEVELS and len(set(c.levels)) == LEVELS
        assert all(0 <= c.targets[r] <= LEVELS for r in f.roles)
    # The director of international affairs is expected at least as high as an officer.
    assert (f.targets("director") >= f.targets("officer")).all()
    assert not f.warnings


def test_round_trip_through_table() -> None:
    f = packaged_framework()
    again = CompetencyFramework.from_table(f.to_table().astype(str), "again", f.name)
    assert again == f


def _table() -> pd.DataFrame:
    return packaged_framework().to_table().astype(str)


def test_every_problem_is_located() -> None:
    t = _table()
    t.loc[0, "level_3"] = ""
    t.loc[1, "code"] = t.loc[0, "code"]
    t.loc[2, "target_mayor"] = "7"
    t.loc[3, "target_officer"] = "two"
    t.loc[5, "domain_name"] = "Another name"
    with pytest.raises(ValidationError) as exc:
        CompetencyFramework.from_table(t, "mine.csv")
    cols = {c: i + 1 for i, c in enumerate(t.columns)}
    where = {(p.row, p.column) for p in exc.value.errors}
    assert where == {
        (2, cols["level_3"]),
        (3, cols["code"]),
        (4, cols["target_mayor"]),
        (5, cols["target_officer"]),
        (7, cols["domain_name"]),
    }
    assert str(exc.value.errors[0]).startswith("mine.csv:2:")


def test_missing_columns_and_no_roles() -> None:
    t = _table().drop(
        columns=[
            "level_5",
            "target_mayor",
            "target_director",
            "target_officer",
            "target_sector_staff",
        ]
    )
    with pytest.raises(ValidationError) as exc:
        CompetencyFramework.from_table(t, "x.csv")
    messages = " ".join(p.message for p in exc.value.errors)
    assert "level_5" in messages and "target_<role>" in messages


def test_domain_must_name_its_sources() -> None:
    t = _table()
    first = t.index[t["domain"] == t.loc[0, "domain"]]
    t.loc[first, "domain_sources"] = ""
    with pytest.raises(ValidationError) as exc:
        CompetencyFramework.from_table(t, "x.csv")
    assert any("sources" in p.message for p in exc.value.errors)


def test_a_users_own_table_with_other_roles(tmp_path: Path) -> None:
    rows = []
    for d in ("A", "B"):
        for k in range(3):
            rows.append(
                {
                    "domain": d,
                    "domain_name": f"Domain {d}" if k == 0 else "",
                    "domain_sources": "my notes" if k == 0 else "",
                    "code": f"{d}{k}",
                    "name": f"skill {d}{k}",
                    "description": "does things",
                    **{f"level_{i}": f"level {i} of {d}{k}" for i in range(1, 6)},
                    "target_councillor": "2",
                }
            )
    path = tmp_path / "own.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    f = load_framework(path)
    assert f.roles == ("councillor",)
    assert f.domain("A").sources == "my notes"
    assert list(f.targets("councillor")) == [2.0] * 6


def test_blank_lines_keep_row_numbers() -> None:
    f = packaged_framework().to_table().astype(str)
    text = f.head(3).to_csv(index=False)
    lines = text.splitlines()
    lines.insert(2, "")  # a blank line after the first competency
    table = read_table("\n".join(lines).encode(), "blank.csv")
    table.loc[3, "target_mayor"] = "x"  # file line 5
    with pytest.raises(ValidationError) as exc:
        CompetencyFramework.from_table(table, "blank.csv")
    assert [p.row for p in exc.value.errors] == [5]


def test_unreadable_file_is_one_problem() -> None:
    with pytest.raises(ValidationError) as exc:
        read_table(b"PK\x03\x04 not really a zip", "broken.xlsx")
    assert exc.value.errors[0].row == 0


def test_published_figures_carry_sources() -> None:
    figures = published_figures()
    by = {(f.indicator, f.year): f for f in figures}
    assert by[("international_office", 2024)].value_percent == 84
    assert by[("staff_trained", 2024)].value_percent == 57
    assert by[("staff_trained", 2018)].value_percent == 19
    assert all(f.source_url.startswith("https://") and f.survey for f in figures)


cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 34), st.sampled_from(REQUIRED_COLUMNS), cell), max_size=6))
def test_hostile_cells_raise_validation_errors_only(edits: list[tuple[int, str, str]]) -> None:
    """Any edit either gives a framework or a ValidationError, never another exception."""
    t = _table()
    for row, column, value in edits:
        t.loc[row, column] = value
    try:
        f = CompetencyFramework.from_table(t, "fuzz.csv")
    except ValidationError as exc:
        assert exc.errors and all(p.row >= 1 for p in exc.errors)
    else:
        assert len(f.competencies) == len(t)


def test_csv_and_xlsx_read_alike(tmp_path: Path) -> None:
    t = _table()
    buf = io.BytesIO()
    t.to_excel(buf, index=False)
    from_xlsx = CompetencyFramework.from_table(read_table(buf.getvalue(), "f.xlsx"), "f")
    from_csv = CompetencyFramework.from_table(
        read_table(t.to_csv(index=False).encode(), "f.csv"), "f"
    )
    assert from_xlsx == from_csv


def test_one_rows_problems_come_in_the_order_of_its_columns() -> None:
    """The column checks report a row's problems in table order (domain, code, name,
    levels, targets, domain name), one problem per faulty cell."""
    t = _table()
    t.loc[4, "domain"] = "bad code!"
    t.loc[4, "name"] = ""
    t.loc[4, "level_2"] = t.loc[4, "level_1"]
    t.loc[4, "target_officer"] = "6"
    t.loc[4, "domain_sources"] = ""
    with pytest.raises(ValidationError) as exc:
        CompetencyFramework.from_table(t, "mine.csv")
    cols = {c: i + 1 for i, c in enumerate(t.columns)}
    got = [(p.row, p.column) for p in exc.value.errors if p.row == 6]
    assert got == [
        (6, cols["domain"]),
        (6, cols["name"]),
        (6, cols["level_2"]),
        (6, cols["target_officer"]),
        (6, cols["domain_sources"]),
    ]
    assert "repeats the text of a lower level" in exc.value.errors[2].message
