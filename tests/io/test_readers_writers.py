"""Readers and writers on their own: column types, no needless copies, chunked writing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.io import writers
from citydiplomacy.io.readers import (
    _blank_lines,
    located_long,
    read_frame,
    read_kpi_data,
    record_rows,
    row_dtype,
)
from citydiplomacy.io.writers import _arrow_array, write_chunks


def long_frame(geonames: list[int | None]) -> pd.DataFrame:
    n = len(geonames)
    return pd.DataFrame(
        {
            "city": ["Lyon", "Nice", "Lyon"][:n],
            "country": ["FR"] * n,
            "geonames_id": pd.array(geonames, dtype="Int64"),
            "year": [2022] * n,
            "kpi": ["EC-ICT-ICT-1C"] * n,
            "value": [40.0, 50.0, 60.0][:n],
        },
        index=pd.Index(list(range(10, 10 + n)), name="position"),
    )


def test_parquet_columns_come_as_cheap_types(tmp_path: Path) -> None:
    whole, gaps = tmp_path / "whole.parquet", tmp_path / "gaps.parquet"
    long_frame([2996944, 2990440, 2996944]).to_parquet(whole)  # index stored as a column
    long_frame([2996944, None, 2996944]).to_parquet(gaps)
    frame = read_frame(whole)
    assert list(frame.columns) == ["city", "country", "geonames_id", "year", "kpi", "value"]
    assert frame["geonames_id"].dtype == np.int64  # no empty cell: plain integers
    assert isinstance(frame["city"].dtype, pd.CategoricalDtype)
    assert list(frame["city"]) == ["Lyon", "Nice", "Lyon"]
    with_gaps = read_frame(gaps)["geonames_id"]
    assert with_gaps.dtype == "Int64" and with_gaps.isna().tolist() == [False, True, False]


def test_locating_a_long_frame_copies_no_column(tmp_path: Path) -> None:
    path = tmp_path / "long.parquet"
    long_frame([2996944, 2990440, 2996944]).to_parquet(path)
    frame = read_frame(path)
    table, warnings = located_long(frame, "long.parquet")
    assert not warnings
    for column in ("value", "year", "geonames_id"):
        assert np.shares_memory(table.frame[column].to_numpy(), frame[column].to_numpy())
    assert list(table.rows) == [2, 3, 4]


def test_row_numbers_are_32_bit_through_to_the_validated_table(
    tmp_path: Path, u4ssc: Framework
) -> None:
    # Ten million rows: 40 MB of row numbers instead of 80, in the located and validated tables.
    parquet, csv = tmp_path / "long.parquet", tmp_path / "blank.csv"
    frame = long_frame([2996944, 2990440, 2996944]).assign(year=[2021, 2021, 2022])
    frame.to_parquet(parquet)
    frame.to_csv(csv, index=False)
    csv.write_text(csv.read_text().replace("\n", "\n\n", 2))  # blank lines 2 and 4
    for path, expected in ((parquet, [2, 3, 4]), (csv, [3, 5, 6])):
        table, _ = located_long(read_frame(path), path.name, record_rows(3, _blank_lines(path)))
        assert table.rows.dtype == np.int32
        long = read_kpi_data(path, u4ssc).long
        assert long["row"].dtype == np.int32
        assert sorted(long["row"]) == expected
    assert record_rows(2, np.array([3])).tolist() == [2, 4]
    assert row_dtype(2**31 - 1) is np.int32 and row_dtype(2**31) is np.int64


def blank_lines_oracle(data: bytes) -> list[int]:
    """Lines ended by a newline that hold nothing (or only a carriage return), 1-based."""
    return [i + 1 for i, line in enumerate(data.split(b"\n")[:-1]) if line in (b"", b"\r")]


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"a", b"\n", b"\r", b"\r\n", b"bc,d"]), max_size=40).map(
        b"".join
    ),
    block=st.integers(min_value=1, max_value=9),
)
def test_blank_lines_match_a_line_by_line_count(tmp_path_factory: pytest.TempPathFactory,
                                                data: bytes, block: int) -> None:  # fmt: skip
    # Every block size, so that empty lines fall across block boundaries too.
    path = tmp_path_factory.mktemp("blank") / "data.csv"
    path.write_bytes(data)
    assert _blank_lines(path, block=block).tolist() == blank_lines_oracle(data)
    assert _blank_lines(path).tolist() == blank_lines_oracle(data)


def test_rows_empty_in_every_column_are_left_out_with_their_numbers() -> None:
    frame = pd.DataFrame(
        {
            "city": ["Lyon", None, None, "Nice"],
            "year": [2022, np.nan, 2023, 2022],
            "kpi": ["EC-ICT-ICT-1C", None, None, "EC-ICT-ICT-1C"],
            "value": ["1", None, None, "2"],
        }
    )
    table, _ = located_long(frame, "gaps.xlsx")
    assert list(table.rows) == [2, 4, 5]
    assert list(table.frame["year"]) == [2022, 2023, 2022]


def test_the_source_file_column_is_one_category(tmp_path: Path, u4ssc: Framework) -> None:
    path = tmp_path / "long.parquet"
    long_frame([2996944, 2990440, 2996944]).assign(year=[2021, 2021, 2022]).to_parquet(path)
    long = read_kpi_data(path, u4ssc).long
    assert isinstance(long["file"].dtype, pd.CategoricalDtype)
    assert list(long["file"]) == ["long.parquet"] * 3


def result_like(year: int) -> dict[str, object]:
    return {
        "city": pd.Categorical.from_codes([0, 1, 1], categories=pd.Index(["Lyon", "Nice"])),
        "year": np.full(3, year, dtype=np.int64),
        "score": np.array([1.5, np.nan, 3.0]),
        "band": pd.Categorical.from_codes(
            np.array([0, 1, -1], dtype=np.int8), categories=pd.Index(["", "top"])
        ),
        "geonames_id": pd.array([2996944, None, 2990440], dtype="Int64"),
    }


@pytest.mark.parametrize("fmt", ["arrow", "parquet", "csv"])
def test_array_chunks_write_what_data_frames_write(tmp_path: Path, fmt: str) -> None:
    meta = {"provenance": {"framework": "u4ssc"}}
    arrays = tmp_path / f"arrays.{fmt}"
    frames = tmp_path / f"frames.{fmt}"
    assert write_chunks((result_like(y) for y in (2022, 2023)), arrays, fmt, meta) == 6
    write_chunks((pd.DataFrame(result_like(y)) for y in (2022, 2023)), frames, fmt, meta)
    if fmt == "csv":
        assert arrays.read_text() == frames.read_text()
        return
    read = feather.read_table if fmt == "arrow" else pq.read_table
    got, expected = read(arrays), read(frames)
    assert got.schema.equals(expected.schema, check_metadata=True)
    assert got.equals(expected)
    assert got.column("score").null_count == 2  # NaN is written as null, as pandas does


@pytest.mark.parametrize("slice_rows", [1, 2, 4, 1 << 17])
def test_csv_formatted_in_slices_on_threads_is_arrows_own_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_rows: int
) -> None:
    # Slices formatted on threads and written in order give the text Arrow's CSV writer
    # gives for the same chunks: one header, every row once, in order, empty chunks too.
    monkeypatch.setattr(writers, "CSV_SLICE_ROWS", slice_rows)
    sizes = [0, 3, 1, 0, 2]
    chunks = [
        {name: column[:size] for name, column in result_like(2020 + i).items()}
        for i, size in enumerate(sizes)
    ]
    path = tmp_path / "sliced.csv"
    assert write_chunks(iter(chunks), path, "csv") == sum(sizes)
    reference = tmp_path / "reference.csv"
    tables = [writers._plain(writers._arrow_chunk(chunk)) for chunk in chunks]
    with pacsv.CSVWriter(reference, tables[0].schema) as writer:
        for table in tables:
            writer.write_table(table.cast(tables[0].schema))
    assert path.read_bytes() == reference.read_bytes()
    assert path.read_text().count("city") == 1


def test_csv_of_no_chunks_writes_no_file(tmp_path: Path) -> None:
    path = tmp_path / "none.csv"
    assert write_chunks(iter([]), path, "csv") == 0
    assert not path.exists()


@pytest.mark.parametrize("fmt", ["arrow", "csv"])
def test_a_failed_write_is_raised_and_the_file_closed(tmp_path: Path, fmt: str) -> None:
    def chunks() -> object:
        yield result_like(2022)
        bad = result_like(2023)
        bad["year"] = np.array(["x", "y", "z"])  # cannot become the file's int64 column
        yield bad

    with pytest.raises((pa.ArrowInvalid, ValueError)):
        write_chunks(chunks(), tmp_path / f"bad.{fmt}", fmt)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from([np.int8, np.int16, np.int32, np.int64]),
    cells=st.lists(st.one_of(st.none(), st.integers(-100, 100)), max_size=40),
    start=st.integers(0, 5),
)
def test_nullable_integers_convert_as_arrow_converts_them(
    kind: type[np.integer], cells: list[int | None], start: int
) -> None:
    # The fast path packs the mask itself; the result must be Arrow's own conversion.
    array = pd.array(cells, dtype=pd.api.types.pandas_dtype(kind).name.capitalize())[start:]
    arrow_type = pa.from_numpy_dtype(kind)
    converted = _arrow_array(array, arrow_type)
    assert converted.type == arrow_type
    assert converted.equals(pa.array(array, type=arrow_type))
    assert converted.to_pylist() == cells[start:]


@settings(max_examples=100, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), st.floats(allow_nan=False)), max_size=40))
def test_floats_with_nan_convert_as_arrow_converts_them(cells: list[float | None]) -> None:
    values = np.asarray([np.nan if c is None else c for c in cells], dtype=np.float64)
    converted = _arrow_array(values, pa.float64())
    assert converted.equals(pa.array(values, from_pandas=True))


def test_float_views_with_strides_convert_too() -> None:
    empty = np.broadcast_to(np.float64(np.nan), (3, 4)).reshape(-1)  # one NaN, stride 0
    assert _arrow_array(empty, pa.float64()).equals(pa.nulls(12, pa.float64()))
    every_other = np.arange(10, dtype=np.float64)[::2]
    converted = _arrow_array(every_other, pa.float64())
    assert converted.to_pylist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    same = np.broadcast_to(np.float64(2.5), (3,))
    assert _arrow_array(same, pa.float64()).to_pylist() == [2.5, 2.5, 2.5]
