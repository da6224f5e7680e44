"""Validation checks rows slice by slice: its verdict must not depend on the slice size.

Each table is validated with the default slice size and with slices of one, two and three
rows, so duplicates, first appearances and text cells that straddle a slice boundary are
exercised, and runs of rows of one city (checked once per run in large slices) are compared
with row-by-row checks; problems and the clean table must be identical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citydiplomacy.core import validate
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import ValidationError
from citydiplomacy.io.geonames import resolve_geonames_id
from citydiplomacy.io.readers import located_long

KPIS = [
    "EC-ICT-ICT-1C",
    "EC-ICT-ICT-4C",
    "SC-SH-SA-3A",
    "SC-EH-H-3C",
    "EC-ICT-PS-2A",
    "XX-1",
    "",
    "ec-ict-ict-1c",
    "EC-ICT-ICT-4C:3G",
]
CITIES = ["Lyon", "Geneva", "lyon", "", None, "Zürich", "Smalltown"]
COUNTRIES = ["FR", "CH", "fra", "XX", "", None]
GEONAMES = [None, 2996944, 2660646, 123, -5, 2657896]
YEARS: list[object] = [2020, 2021, 2022, 1800, None]
VALUES: list[object] = [1.0, 0.0, 50.0, 150.0, -3.0, 2.5, None, 7.0, "yes", "no", "abc"]
UNITS = ["", "%", "per 1000 inhabitants", "per 100,000 inhabitants", "kg", None]

ROW = st.fixed_dictionaries(
    {
        "city": st.sampled_from(CITIES),
        "country": st.sampled_from(COUNTRIES),
        "geonames_id": st.sampled_from(GEONAMES),
        "year": st.sampled_from(YEARS),
        "kpi": st.sampled_from(KPIS),
        "data_point": st.sampled_from(["", "3G", "4G", "5G", None]),
        "value": st.sampled_from(VALUES),
        "unit": st.sampled_from(UNITS),
        "verified": st.sampled_from(["yes", "no", "", "maybe", None]),
        "source": st.sampled_from(["a", "b", None]),
    }
)


def outcome(
    frame: pd.DataFrame, fw: Framework, resolver: validate.GeoNamesResolver | None
) -> tuple[list[str], pd.DataFrame | None]:
    table, _ = located_long(frame.copy(), "t.csv")
    try:
        result = validate.validate_long(table, fw, resolve_geonames=resolver, max_problems=40)
    except ValidationError as exc:
        return [str(p) for p in exc.problems], None
    return [str(p) for p in result.warnings], result.long


def frame_of(rows: list[dict[str, object]], kind: str, numeric_value: bool) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    if kind == "categorical":  # as the CSV and Parquet readers give them
        for column in ("city", "country", "kpi", "data_point", "unit", "verified", "source"):
            frame[column] = frame[column].astype("category")
    if kind == "integers":
        frame["geonames_id"] = pd.array(frame["geonames_id"], dtype="Int64")
        frame["year"] = pd.array(
            [y if isinstance(y, int) else None for y in frame["year"]], dtype="Int64"
        )
    else:
        frame["geonames_id"] = frame["geonames_id"].astype(object)
        frame["year"] = frame["year"].astype(object)
    if numeric_value:
        numbers = frame["value"].replace({"yes": 1.0, "no": 0.0, "abc": np.nan})
        frame["value"] = pd.to_numeric(numbers, errors="coerce")
    else:
        frame["value"] = frame["value"].astype(object)
    return frame


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(ROW, min_size=1, max_size=25),
    resolve=st.booleans(),
    kind=st.sampled_from(["categorical", "objects", "integers"]),
    numeric_value=st.booleans(),
    slice_rows=st.sampled_from([1, 2, 3]),
    repeat=st.integers(min_value=1, max_value=5),
)
def test_verdict_does_not_depend_on_the_slice_size(
    rows: list[dict[str, object]],
    resolve: bool,
    kind: str,
    numeric_value: bool,
    slice_rows: int,
    repeat: int,
    u4ssc: Framework,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Repeated rows form runs of one city: whole slices check identity once per run,
    # slices of one to three rows check it row by row.
    frame = frame_of([r for r in rows for _ in range(repeat)], kind, numeric_value)
    resolver = resolve_geonames_id if resolve else None
    whole_messages, whole_long = outcome(frame, u4ssc, resolver)
    with monkeypatch.context() as patch:
        patch.setattr(validate, "CHUNK_ROWS", slice_rows)
        sliced_messages, sliced_long = outcome(frame, u4ssc, resolver)
    assert sliced_messages == whole_messages
    if whole_long is None:
        assert sliced_long is None
    else:
        assert sliced_long is not None
        pd.testing.assert_frame_equal(sliced_long, whole_long)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(ROW, min_size=1, max_size=25),
    kind=st.sampled_from(["categorical", "objects", "integers"]),
    numeric_value=st.booleans(),
    slice_rows=st.sampled_from([1, 3, 1 << 20]),
)
def test_verdict_is_the_same_with_units_checked_on_a_thread(
    rows: list[dict[str, object]],
    kind: str,
    numeric_value: bool,
    slice_rows: int,
    u4ssc: Framework,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Large tables check units and ranges (pass 3) on a thread beside the duplicates (pass 4).
    frame = frame_of(rows, kind, numeric_value)
    with monkeypatch.context() as patch:
        patch.setattr(validate, "CHUNK_ROWS", slice_rows)
        inline = outcome(frame, u4ssc, resolve_geonames_id)
        patch.setattr(validate, "PARALLEL_ROWS", 0)
        threaded = outcome(frame, u4ssc, resolve_geonames_id)
    assert threaded[0] == inline[0]
    if inline[1] is None:
        assert threaded[1] is None
    else:
        assert threaded[1] is not None
        pd.testing.assert_frame_equal(threaded[1], inline[1])


def test_work_beside_runs_on_a_thread_for_large_tables_and_raises_its_error() -> None:
    import threading

    where: list[str] = []

    def work() -> None:
        where.append(threading.current_thread().name)
        raise RuntimeError("unit table broken")

    with pytest.raises(RuntimeError, match="unit table broken"):
        validate._beside(work, validate.PARALLEL_ROWS - 1)  # small: done at once, here
    running = validate._beside(work, validate.PARALLEL_ROWS)
    assert running is not None
    with pytest.raises(RuntimeError, match="unit table broken"):
        running.result()
    assert where[0] == threading.current_thread().name
    assert where[1].startswith("validate")


def test_duplicates_across_slices_point_at_the_first_row(
    u4ssc: Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        {"city": "Lyon", "country": "FR", "year": 2022, "kpi": "EC-ICT-ICT-1C", "value": v}
        for v in (10.0, 20.0, 30.0)
    ]
    rows.insert(1, {"city": "Geneva", "country": "CH", "year": 2022, "kpi": "EC-ICT-ICT-1C"})
    rows[1]["value"] = 5.0
    monkeypatch.setattr(validate, "CHUNK_ROWS", 1)
    messages, _ = outcome(pd.DataFrame(rows), u4ssc, None)
    assert messages == [
        "t.csv:4:5: duplicate of row 2: same city, year, KPI and data point",
        "t.csv:5:5: duplicate of row 2: same city, year, KPI and data point",
    ]


def test_cities_keep_the_order_they_first_appear_in(
    u4ssc: Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    cities = [("Zürich", "CH"), ("Lyon", "FR"), ("Zürich", "CH"), ("Bern", "CH"), ("Lyon", "FR")]
    rows = [
        {"city": c, "country": cc, "year": 2020 + i, "kpi": "EC-ICT-ICT-1C", "value": 50.0}
        for i, (c, cc) in enumerate(cities)
    ]
    monkeypatch.setattr(validate, "CHUNK_ROWS", 2)
    _, long = outcome(pd.DataFrame(rows), u4ssc, None)
    assert long is not None
    assert list(long["unit"].cat.categories) == ["zürich|CH", "lyon|FR", "bern|CH"]
    assert long["city"].tolist() == [c for c, _ in cities]
