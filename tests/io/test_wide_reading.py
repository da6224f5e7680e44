"""Reading a wide table: numbers stay numbers, and wide and long readings of the same data
validate identically (the same observations, the same problems at the same cells)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import Problem, ValidationError
from citydiplomacy.io.readers import located_wide, read_frame, read_kpi_data

#: Columns of the generated wide tables: KPIs of several kinds (percentages, a yes/no KPI,
#: counts, data points of a multi-part KPI).
HEADERS = [
    "EC-ICT-ICT-1C",  # percentage
    "EC-ICT-ICT-4C:3G",  # data point
    "EC-ICT-ICT-4C:4G",
    "SC-SH-SA-3A",  # yes/no
    "EN-EN-AQ-1C:PM10",
    "SC-SH-HO-1C",
]
CITIES = [("Geneva", "CH"), ("Lyon", "FR"), ("Testville07", "NO"), ("Казань", "RU")]
TEXT_CELLS = ["yes", "no", "Yes ", "abc", "n/a", "1e400", "12,5", " 7 ", "inf", "NaN", ""]
numbers = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.integers(min_value=-10, max_value=300).map(float),
)
#: A cell: empty (None), a number, or text (an answer, a mistake, blank).
cell = st.one_of(st.none(), numbers, st.sampled_from(TEXT_CELLS))


@st.composite
def wide_tables(draw: st.DrawFn) -> pd.DataFrame:
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(CITIES), st.integers(2020, 2023)),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    headers = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5, unique=True))
    frame: dict[str, list[Any]] = {
        "city": [c for (c, _), _ in keys],
        "country": [cc for (_, cc), _ in keys],
        "year": [y for _, y in keys],
    }
    for header in headers:
        column = draw(st.lists(cell, min_size=len(keys), max_size=len(keys)))
        if draw(st.booleans()):  # a column of numbers only, as Parquet types it
            column = [c if isinstance(c, float) else None for c in column]
        frame[header] = column
    return pd.DataFrame(frame)


def _empty(cell: Any) -> bool:
    """An empty cell (pandas holds None as NaN in a column of numbers)."""
    return cell is None or (isinstance(cell, float) and np.isnan(cell))


def _as_text(cell: Any) -> str:
    return "" if cell is None else repr(cell) if isinstance(cell, float) else str(cell)


def _long_of(wide: pd.DataFrame) -> pd.DataFrame:
    """The same observations as a long table, in reading order, cells as text; the cells a
    wide table leaves out (empty or blank) are not rows."""
    rows = []
    for _, r in wide.iterrows():
        for header in wide.columns[3:]:
            cell = r[header]
            if _empty(cell):
                continue
            if isinstance(cell, str) and not cell.strip():
                continue
            kpi, _, part = header.partition(":")
            rows.append([r["city"], r["country"], r["year"], kpi, part, _as_text(cell)])
    return pd.DataFrame(rows, columns=["city", "country", "year", "kpi", "data_point", "value"])


def _outcome(
    path: Path, fw: Framework, cell_of: Any
) -> tuple[bool, set[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Valid or not, the problems by the cell they concern, and the observations read."""
    try:
        data = read_kpi_data(path, fw)
    except ValidationError as exc:
        return False, {(*cell_of(p), p.message, p.severity) for p in exc.problems}, []
    problems = {(*cell_of(p), p.message, p.severity) for p in data.warnings}
    long = data.long
    observations = sorted(
        zip(
            long["city"].astype(str),
            long["year"].astype(int),
            long["measure"].astype(str),
            long["value"].astype(float),
            strict=True,
        )
    )
    return True, problems, observations


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(wide=wide_tables(), suffix=st.sampled_from([".parquet", ".csv"]))
@example(  # "NaN" among numbers in CSV: Arrow reads a float NaN, which looked like no value
    wide=pd.DataFrame(
        {
            "city": ["Lyon", "Oslo"],
            "country": ["FR", "NO"],
            "year": [2022, 2022],
            "EC-ICT-ICT-1C": ["12.5", "NaN"],
        }
    ),
    suffix=".csv",
)
def test_wide_and_long_readings_validate_identically(
    u4ssc: Framework, tmp_path: Path, wide: pd.DataFrame, suffix: str
) -> None:
    long = _long_of(wide)
    if long.empty:  # nothing but empty cells: both readings refuse it, with their own words
        return
    wide_path = tmp_path / f"wide{suffix}"
    # A column holding any text is a text column (numbers written as their text), as a
    # spreadsheet exported to Parquet has it; a column of numbers stays numbers.
    typed = wide.copy()
    for c in wide.columns[3:]:
        if wide[c].map(type).eq(str).any():
            typed[c] = [None if _empty(v) else _as_text(v) for v in wide[c]]
    if suffix == ".parquet":
        typed.to_parquet(wide_path, index=False)
    else:
        typed.to_csv(wide_path, index=False)
    long_path = tmp_path / "long.csv"
    long.to_csv(long_path, index=False)

    def wide_cell(p: Problem) -> tuple[Any, ...]:
        r = wide.iloc[p.row - 2] if p.row >= 2 else None
        key = (r["city"], int(r["year"])) if r is not None else (None, None)
        header = wide.columns[p.column - 1] if p.column > 3 else None
        return (*key, header)

    def long_cell(p: Problem) -> tuple[Any, ...]:
        r = long.iloc[p.row - 2] if p.row >= 2 else None
        if r is None:
            return (None, None, None)
        header = r["kpi"] + (f":{r['data_point']}" if r["data_point"] else "")
        return (r["city"], int(r["year"]), header if p.column >= 4 else None)

    a = _outcome(wide_path, u4ssc, wide_cell)
    b = _outcome(long_path, u4ssc, long_cell)
    assert a[0] == b[0]
    assert a[1] == b[1]
    assert a[2] == b[2]  # numbers written as repr() read back exactly


def test_numbers_are_not_turned_into_text(
    u4ssc: Framework, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wide table of numbers is read without converting any number column to text (which
    took about a second for 10,000 x 92): the values are checked as numbers."""
    rng = np.random.default_rng(0)
    wide = pd.DataFrame(
        {
            "city": ["Geneva", "Lyon"] * 50,
            "country": ["CH", "FR"] * 50,
            "year": np.repeat(np.arange(1950, 2000), 2),
            **{h: rng.uniform(0, 100, 100) for h in HEADERS if h != "SC-SH-SA-3A"},
        }
    )
    path = tmp_path / "wide.parquet"
    wide.to_parquet(path, index=False)
    frame = read_frame(path)
    original = pd.Series.astype

    def astype(self: pd.Series, dtype: Any, *args: Any, **kwargs: Any) -> pd.Series:
        if pd.api.types.is_float_dtype(self.dtype) and dtype in (str, "str", "string", object):
            raise AssertionError(f"column {self.name!r} of numbers turned into text")
        return original(self, dtype, *args, **kwargs)

    monkeypatch.setattr(pd.Series, "astype", astype)
    table, _ = located_wide(frame, "wide.parquet", u4ssc)
    assert len(table.frame) == 100 * 5
    assert table.value_text is not None and table.value_text.empty


def test_wide_reading_order_is_the_file_order(u4ssc: Framework, tmp_path: Path) -> None:
    """Row by row, left to right: a city whose first KPI cell is empty keeps its place, and
    of two cells of one city, year and KPI, the later in the file is the duplicate."""
    path = tmp_path / "wide.csv"
    path.write_text(
        "city,country,year,EC-ICT-ICT-1C,EC-ICT-ICT-2C,EC-ICT-ICT-1C\n"
        "Geneva,CH,2022,,50,10\n"
        "Lyon,FR,2022,40,60,\n"
        "Geneva,CH,2022,30,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as caught:
        read_kpi_data(path, u4ssc)
    assert [str(p) for p in caught.value.errors] == [
        "wide.csv:4:4: duplicate of row 2: same city, year, KPI and data point"
    ]
    path.write_text(
        "city,country,year,EC-ICT-ICT-1C,EC-ICT-ICT-2C\nGeneva,CH,2022,,50\nLyon,FR,2022,40,60\n",
        encoding="utf-8",
    )
    long = read_kpi_data(path, u4ssc).long
    assert list(dict.fromkeys(long["city"].astype(str))) == ["Geneva", "Lyon"]
