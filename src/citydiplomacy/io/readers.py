"""Read KPI data files (CSV, XLSX, Parquet; long or wide) into located tables.

A *long* table has one row per observation: ``city, country, year, kpi, value`` and optionally
``geonames_id, data_point, unit, source, note, verified``. A *wide* table has one row per
city and year and one column per KPI code (``KPI:data point`` for a part of a multi-part KPI).
Both become a :class:`~citydiplomacy.core.validate.LocatedTable` that remembers the file row
and column of every value, so validation can say ``file:row:column``.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.validate import (
    LONG_OPTIONAL,
    LONG_REQUIRED,
    GeoNamesResolver,
    LocatedTable,
    ValidatedData,
    validate_long,
)
from citydiplomacy.errors import Problem, ValidationError
from citydiplomacy.io import reader_problems
from citydiplomacy.io.diagnose import encoding_problem, oversized_problem, ragged_problem
from citydiplomacy.io.limits import (
    DEFAULT_LIMITS,
    ReadLimits,
    check_file_size,
    check_table,
    check_time,
    check_unpacked,
)
from citydiplomacy.io.safe_text import unguard_columns
from citydiplomacy.io.xlsx import read_xlsx

ID_COLUMNS = ("city", "country", "geonames_id", "year")
ALIASES = {
    "kpi_code": "kpi",
    "indicator": "kpi",
    "code": "kpi",
    "datapoint": "data_point",
    "data point": "data_point",
    "country_code": "country",
    "iso": "country",
    "iso2": "country",
    "geonameid": "geonames_id",
    "geoname_id": "geonames_id",
    "city_name": "city",
    "name": "city",
}


def _canonical(name: object) -> str:
    key = re.sub(r"\s+", " ", str(name).strip().lower())
    return ALIASES.get(key, key.replace(" ", "_"))


NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
TEXT_COLUMNS = (
    "city", "country", "geonames_id", "year", "kpi", "data_point", "unit", "source", "note",
    "verified",
)  # fmt: skip


def split_values(series: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Split a column of cells into numbers and the text of the cells that are not numbers.

    Returns
    -------
    tuple
        ``(values, text)``: float64 values (NaN for empty and non-numeric cells), and a
        Series of the non-numeric cells' text indexed by row position. Parsing runs in Arrow's
        compute kernels, so ten million cells take well under a second.
    """
    if pd.api.types.is_bool_dtype(series.dtype):  # true/false answers of yes/no KPIs
        return series.astype("float64").to_numpy(na_value=np.nan), pd.Series(dtype=object)
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(np.isinf(values))
        # Infinities are not data: hand them on as text, to be reported.
        texts = pd.Series([str(v) for v in values[bad]], index=bad, dtype=object)
        if len(bad):
            values = values.copy()  # Arrow-backed columns give read-only arrays
            values[bad] = np.nan
        return values, texts
    if isinstance(series.dtype, pd.CategoricalDtype) or series.dtype == object:
        series = series.astype("string")
    arr = pa.array(series, type=pa.string(), from_pandas=True)
    trimmed = pc.utf8_trim_whitespace(arr)
    numeric = pc.fill_null(pc.match_substring_regex(trimmed, NUMBER), False)
    values = pc.cast(pc.if_else(numeric, trimmed, pa.scalar(None, pa.string())), pa.float64())
    out = values.to_numpy(zero_copy_only=False).astype(np.float64)
    # "1e400" looks like a number but overflows: report it like any other non-number.
    overflow = pa.array(np.isinf(out))
    numeric = pc.and_(numeric, pc.invert(overflow))
    out[np.isinf(out)] = np.nan
    is_text = pc.and_(pc.invert(numeric), pc.not_equal(pc.fill_null(trimmed, ""), ""))
    positions = np.flatnonzero(is_text.to_numpy(zero_copy_only=False))
    texts = pc.take(arr, pa.array(positions)).to_pylist()
    return out, pd.Series(texts, index=positions, dtype=object)


def present_values(series: pd.Series) -> tuple[NDArray[np.intp], np.ndarray, pd.Series]:
    """The cells of a wide table's value column that hold something, and what they hold.

    Returns
    -------
    tuple
        ``(present, values, text)``: row positions of the cells that are neither missing nor
        blank, the column's float64 values (NaN where not a number) and the text of the
        cells that are not numbers, as :func:`split_values` gives them. A column of numbers
        (the usual Parquet or CSV column) is never turned into text to find its empty cells:
        its missing cells are its empty ones.
    """
    values, text = split_values(series)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        present = np.flatnonzero(series.notna().to_numpy())
    else:
        # A cell holds something when it is a number or a text that is not blank (the same
        # trimming as split_values: whitespace alone is an empty cell).
        mask = ~np.isnan(values)
        mask[text.index.to_numpy(dtype=np.intp)] = True
        present = np.flatnonzero(mask)
    return present, values, text


def _blank_lines(path: Path, block: int = 1 << 19) -> np.ndarray:
    """1-based numbers of the empty lines of a text file (Arrow's CSV reader skips them).

    Block by block into one reused buffer (plain reads, not a memory map: a mapped file counts
    towards the process's memory as it is read, a whole gigabyte of CSV at the end; and a
    fresh buffer per block costs as much in page faults as the scan). A block with no empty
    line, the usual case, only has its newlines counted, in a few passes over reused boolean
    arrays; one with an empty line is scanned for their positions: the positions of the
    newlines, then the pairs of newlines one apart (or two, with a carriage return between).
    Half-megabyte blocks stay in the processor's cache from one pass to the next: a gigabyte
    takes a third of a second, where 16 MB blocks took three times as long.
    """
    found: list[NDArray[np.int64]] = []
    block = max(block, 2)
    buffer = bytearray(block)
    view = memoryview(buffer)
    whole = np.frombuffer(buffer, dtype=np.uint8)
    newline = np.empty(block, dtype=bool)  # reused: no fresh pages per block
    pair = np.empty(block, dtype=bool)
    with path.open("rb") as fh:
        head = fh.read(2)
        if head[:1] == b"\n" or head == b"\r\n":
            found.append(np.ones(1, dtype=np.int64))
        fh.seek(0)
        base = 0  # file offset of the block
        before = 0  # newlines before the block
        last_newline = -1  # file offset of the last newline before the block (-1: none)
        last_byte = 0
        tail = b""  # the previous block's last two bytes
        while size := fh.readinto(buffer):
            # An empty line is "\n\n" or "\n\r\n", possibly across the block boundary.
            seam = tail + bytes(view[: min(size, 2)])
            nl = np.equal(whole[:size], 10, out=newline[:size])
            empty_inside = bool(np.logical_and(nl[1:], nl[:-1], out=pair[: size - 1]).any())
            if not empty_inside and buffer.find(b"\r", 0, size) >= 0:
                cr = np.equal(whole[1 : size - 1], 13, out=pair[: max(size - 2, 0)])
                cr &= nl[:-2]
                cr &= nl[2:]
                empty_inside = bool(cr.any())
            if not empty_inside and b"\n\n" not in seam and b"\n\r\n" not in seam:
                count = int(np.count_nonzero(nl))
                if count:
                    before += count
                    last_newline = base + buffer.rfind(b"\n", 0, size)
            else:
                chunk = whole[:size]
                newlines = np.flatnonzero(chunk == 10).astype(np.int64) + base
                if len(newlines):
                    # The newline that ends the line before an empty one: its index k among
                    # all newlines makes the empty line number k + 2.
                    first = before
                    if last_newline >= 0:
                        newlines = np.concatenate(([last_newline], newlines))
                        first -= 1
                    gap = np.diff(newlines)
                    blank = gap == 1
                    two = np.flatnonzero(gap == 2)
                    if len(two):
                        middle = newlines[two] + 1 - base
                        inside = middle >= 0
                        byte = np.full(len(two), last_byte, dtype=np.uint8)
                        byte[inside] = chunk[middle[inside]]
                        blank[two] = byte == 13
                    found.append(np.flatnonzero(blank).astype(np.int64) + first + 2)
                    before = first + len(newlines)
                    last_newline = int(newlines[-1])
            last_byte = buffer[size - 1]
            tail = (tail + bytes(view[max(0, size - 2) : size]))[-2:]
            base += size
    if not found:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(found))


def record_rows(n_records: int, blanks: np.ndarray) -> np.ndarray:
    """File line of each data record, given the empty lines (the header is the first line)."""
    last = n_records + 1 + len(blanks)
    if len(blanks) == 0:
        return np.arange(2, n_records + 2, dtype=row_dtype(last))
    lines = np.setdiff1d(
        np.arange(1, last + 1, dtype=row_dtype(last)), blanks.astype(row_dtype(last))
    )
    return lines[1 : n_records + 1]


def row_dtype(last_row: int) -> type[np.signedinteger[Any]]:
    """Type of file row numbers up to ``last_row``: 32-bit for any file that fits in memory.

    Half the memory of 64-bit numbers: 45 MB less for ten million rows.
    """
    return np.int32 if last_row < 2**31 else np.int64


def _header(path: Path, delimiter: str) -> list[str]:
    with path.open("rb") as fh:
        # Bytes, decoded leniently: a file that is not UTF-8 further on is reported, located,
        # when Arrow reads it, not here.
        first = fh.readline().decode("utf-8-sig", errors="replace").rstrip("\r\n")
    try:
        return next(csv.reader([first], delimiter=delimiter), [])
    except csv.Error:  # a lone carriage return in the header: Arrow will say what is wrong
        return first.split(delimiter)


def read_frame(
    path: Path, *, source: str | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file as it is (no type guessing beyond numbers).

    In CSV files the id and text columns are read as dictionary-encoded strings (pandas
    categoricals) and ``value`` as text, so that nothing is lost to type guessing.

    Parameters
    ----------
    path
        The file.
    source
        Name of the file in messages (the user's file name; default ``path.name``).
    limits
        What reading may cost (:mod:`citydiplomacy.io.limits`): checked before parsing where
        the file says (zip member sizes, Parquet footer, file size) and while reading.

    Raises
    ------
    ValidationError
        When the file cannot be read at all (missing, wrong format, bad encoding, ragged
        rows), located at its row and column where it can be, or is over a limit.
    """
    source = source or path.name
    suffix = path.suffix.lower()
    try:
        if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet"):
            raise ValidationError([reader_problems.unsupported_type(source, suffix)])
        size = check_file_size(path, source, limits)
        deadline = limits.deadline()
        if suffix in (".csv", ".txt", ".tsv"):
            delimiter = "\t" if suffix == ".tsv" else ","
            if size == 0:
                raise ValidationError([reader_problems.empty_file(source)])
            frame = _read_csv(path, source, delimiter)
            check_table(source, len(frame), len(frame.columns), limits)
            check_time(source, deadline)
            return frame
        if suffix in (".xlsx", ".xlsm"):
            return read_xlsx(path, source, limits, deadline)
        metadata = pq.read_metadata(path)
        check_table(source, metadata.num_rows, metadata.num_columns, limits)
        unpacked = sum(
            metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)
        )
        check_unpacked(source, unpacked, limits)
        frame = _read_parquet(path)
        check_time(source, deadline)
        return frame
    except FileNotFoundError:
        raise ValidationError([Problem(source, 0, 0, f"no such file: {path}")]) from None
    except (pa.ArrowInvalid, ValueError, OSError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise ValidationError(
            [Problem(source, 0, 0, f"cannot read the file as {suffix[1:].upper()}: {exc}")]
        ) from None


def _read_csv(path: Path, source: str, delimiter: str) -> pd.DataFrame:
    """A CSV file as a data frame; a file Arrow cannot parse is reported at its row and column
    where the cause can be found (not UTF-8, a row of the wrong width)."""
    parse = pacsv.ParseOptions(delimiter=delimiter)
    types: dict[str, pa.DataType] = {}
    value_columns: list[str] = []
    problem = encoding_problem(path, source, delimiter) if _suspect_encoding(path) else None
    if problem is not None:
        raise ValidationError([problem])
    for name in _header(path, delimiter):
        canon = _canonical(name)
        if canon in TEXT_COLUMNS:
            types[name] = pa.dictionary(pa.int32(), pa.string())
        elif canon == "value":
            value_columns.append(name)

    def read(value_type: pa.DataType) -> pa.Table:
        for name in value_columns:
            types[name] = value_type
        convert = pacsv.ConvertOptions(
            strings_can_be_null=True,
            null_values=[""],  # "n/a", "NA"... are reported, not silently dropped
            auto_dict_encode=True,
            auto_dict_max_cardinality=100_000,
            column_types=types,
        )
        return pacsv.read_csv(path, parse_options=parse, convert_options=convert)

    try:
        # Numbers parse fastest as numbers; text among them (yes/no) needs the second pass.
        try:
            table = read(pa.float64())
            # "NaN" and "inf" parse as floats: re-read as text so they are reported.
            if any(_non_finite(table.column(name)) for name in value_columns):
                raise pa.ArrowInvalid("non-finite numbers")
        except pa.ArrowInvalid as exc:
            if "parse error" in str(exc) or "UTF8" in str(exc):
                raise
            table = read(pa.string())
        if not value_columns:
            # A wide table: Arrow guesses its KPI columns' types, and a "NaN" cell in a
            # column of numbers would pass for an empty one. Such columns are read as
            # text, so that the cell is reported as in a long table.
            odd = [
                name
                for name, column in zip(table.column_names, table.columns, strict=True)
                if name not in types and pa.types.is_floating(column.type) and _non_finite(column)
            ]
            if odd:
                types.update(dict.fromkeys(odd, pa.string()))
                table = read(pa.string())
        if any(_is_binary(t) for t in table.schema.types):
            # Arrow takes a column of bytes that are not UTF-8 for binary data.
            raise pa.ArrowInvalid("invalid UTF8 data")
        # Handed over with no reference left here, so its columns are freed one by one.
        tables = [table]
        del table
        return _frame_of(tables.pop())
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        # Not UTF-8 text shows when Arrow converts a column (or its dictionary) to text.
        found = (
            encoding_problem(path, source, delimiter)
            or oversized_problem(path, source, delimiter)
            or ragged_problem(path, source, delimiter)
        )
        if found is not None:
            raise ValidationError([found]) from None
        raise ValidationError(
            [Problem(source, 0, 0, f"cannot read the file as CSV: {_arrow_message(exc)}")]
        ) from None


def _is_binary(kind: pa.DataType) -> bool:
    """Bytes rather than text (a dictionary of bytes too)."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_binary(kind) or pa.types.is_large_binary(kind))


def _suspect_encoding(path: Path) -> bool:
    """Whether the file starts with a byte order mark of UTF-16/32 or NUL bytes (which Arrow
    reads as garbled text rather than refusing)."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head


def _arrow_message(exc: Exception) -> str:
    """Arrow's message without its internal prefixes."""
    text = str(exc).strip()
    for prefix in ("CSV parse error: ",):
        text = text.replace(prefix, "")
    return text


def _read_parquet(path: Path) -> pd.DataFrame:
    """A Parquet file as a data frame, converted column by column.

    Only one column at a time is held in Arrow's form as well as in pandas', so the peak
    memory is about the frame's own size. Text and id columns come as categoricals.
    """
    schema = pq.read_schema(path)
    names = schema.names
    # Columns that hold a data frame's index (pandas' metadata names them) are not data.
    index_columns: set[str] = set()
    pandas_meta = (schema.metadata or {}).get(b"pandas")
    if pandas_meta:
        index_columns = {
            c for c in json.loads(pandas_meta).get("index_columns", []) if isinstance(c, str)
        }
    if len(set(names)) != len(names):  # repeated names cannot be read one by one
        table = pq.read_table(
            path, read_dictionary=[c for c in names if _canonical(c) in TEXT_COLUMNS]
        )
        tables = [table.drop_columns([c for c in index_columns if c in names])]
        del table
        return _frame_of(tables.pop())
    wanted = [c for c in names if c not in index_columns]
    dictionary = [c for c in wanted if _canonical(c) in TEXT_COLUMNS]

    def read(name: str) -> pd.Series:
        # Each thread has its own reader: a ParquetFile is not meant to be shared.
        parquet = pq.ParquetFile(path, read_dictionary=dictionary)
        return _series(parquet.read(columns=[name], use_threads=False).column(0), name)

    # Two columns at a time: decoding runs in Arrow without the GIL.
    with ThreadPoolExecutor(max_workers=2) as pool:
        columns = dict(zip(wanted, pool.map(read, wanted), strict=True))
    return pd.DataFrame(columns, copy=False)


def _non_finite(column: pa.ChunkedArray) -> bool:
    """Whether a float column holds NaN or an infinity (which CSV text cannot mean)."""
    odd = pc.or_(pc.is_nan(column), pc.is_inf(column))
    return bool(pc.any(pc.fill_null(odd, False)).as_py())


def _frame_of(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a data frame, each column converted by :func:`_series`.

    Each Arrow column is released as soon as it is converted, so the peak memory is about the
    table plus one column rather than the table plus the frame.
    """
    names = table.column_names
    if len(set(names)) != len(names):
        frame: pd.DataFrame = table.to_pandas()
        return frame
    arrow = dict(zip(names, table.columns, strict=True))
    del table
    columns: dict[str, pd.Series] = {}
    for name in names:
        columns[name] = _series(arrow.pop(name), name)
    return pd.DataFrame(columns, copy=False)


#: Arrow integer types and the pandas nullable types that keep them whole when cells are empty.
_NULLABLE: dict[pa.DataType, pd.api.extensions.ExtensionDtype] = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}


def _series(column: pa.ChunkedArray, name: str) -> pd.Series:
    """One Arrow column as a pandas Series: categoricals for dictionaries, plain numbers.

    Integers with empty cells become nullable integers (not floats, which would need parsing
    again); without empty cells they stay plain numpy integers, the cheapest form.
    """
    if pa.types.is_dictionary(column.type):
        categorical = _categorical(column)
        if categorical is not None:
            return pd.Series(categorical, name=name, copy=False)
    if pa.types.is_integer(column.type) and column.null_count:
        nullable: pd.Series = column.to_pandas(types_mapper=_NULLABLE.get).rename(name)
        return nullable
    series: pd.Series = column.to_pandas().rename(name)
    return series


def _categorical(column: pa.ChunkedArray) -> pd.Categorical | None:
    """A dictionary column as a pandas categorical, as ``to_pandas`` makes it, but faster.

    The chunks' dictionaries (one per Parquet row group or CSV block) are unified once, then
    the indices are copied straight into the smallest integer codes; ``None`` when the
    dictionary is not plain text without repeats (left to ``to_pandas``).
    """
    if column.num_chunks == 0 or not (
        pa.types.is_string(column.type.value_type)
        or pa.types.is_large_string(column.type.value_type)
    ):
        return None
    first = column.chunk(0).dictionary
    if not all(chunk.dictionary.equals(first) for chunk in column.chunks[1:]):
        column = column.unify_dictionaries()
        first = column.chunk(0).dictionary
    if first.null_count:
        return None
    categories = pd.Index(first.to_pandas())
    if not categories.is_unique:
        return None
    n = len(categories)
    dtype = np.int8 if n < 2**7 else np.int16 if n < 2**15 else np.int32
    codes: NDArray[np.signedinteger[Any]] = np.empty(len(column), dtype=dtype)
    start = 0
    for chunk in column.chunks:
        indices = chunk.indices
        part = codes[start : start + len(indices)]
        if indices.null_count:
            np.copyto(part, pc.fill_null(indices, 0).to_numpy(), casting="unsafe")
            part[indices.is_null().to_numpy(zero_copy_only=False)] = -1
        else:
            np.copyto(part, indices.to_numpy(), casting="unsafe")
        start += len(indices)
    return pd.Categorical.from_codes(codes, categories, validate=False)


def is_long(frame: pd.DataFrame) -> bool:
    """A table with ``kpi`` and ``value`` columns is long; anything else is wide."""
    cols = {_canonical(c) for c in frame.columns}
    return {"kpi", "value"} <= cols


def located_long(
    frame: pd.DataFrame, source: str, rows: np.ndarray | None = None
) -> tuple[LocatedTable, list[Problem]]:
    """Wrap a long frame; unknown columns are reported as warnings and ignored."""
    names = [_canonical(c) for c in frame.columns]
    known = set(LONG_REQUIRED) | set(LONG_OPTIONAL)
    warnings = [
        reader_problems.unused_column(source, i + 1, str(c))
        for i, (c, k) in enumerate(zip(frame.columns, names, strict=True))
        if k not in known
    ]
    repeated = [k for k in dict.fromkeys(names) if k in known and names.count(k) > 1]
    if repeated:
        raise ValidationError(
            [
                reader_problems.repeated_column(source, i + 1, str(c), k)
                for k in repeated
                for i, (c, name) in enumerate(zip(frame.columns, names, strict=True))
                if name == k and names.index(k) != i
            ]
        )
    positions = {k: i + 1 for i, k in enumerate(names) if k in known}
    rows = _rows_of(frame, rows)
    frame = frame.set_axis(names, axis=1)
    frame = frame.loc[:, [k for k in dict.fromkeys(names) if k in known]]
    frame, rows = _drop_empty_rows(frame, rows)
    if frame.empty:
        raise ValidationError([reader_problems.no_data_rows(source)])
    text = None
    if "value" in frame.columns:
        raw = frame["value"]
        values, text = split_values(raw)
        if raw.dtype != np.float64 or len(text):  # else the column is already what it gives
            # A Series is taken as it is; a bare array would be copied.
            frame = frame.assign(value=pd.Series(values, index=frame.index, copy=False))
    return LocatedTable(source, frame, rows, positions, text), warnings


def _rows_of(frame: pd.DataFrame, rows: np.ndarray | None) -> np.ndarray:
    """File row of each frame row: as given (CSV with empty lines), else header + 1 onwards."""
    if rows is not None and len(rows) == len(frame):
        rows = np.asarray(rows)
        return rows if rows.dtype in (np.int32, np.int64) else rows.astype(np.int64)
    return np.arange(2, len(frame) + 2, dtype=row_dtype(len(frame) + 1))


def _drop_empty_rows(frame: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Leave out rows whose every cell is empty (spreadsheets keep them), keeping row numbers.

    Column by column, and only over the rows still empty so far: a column without empty
    cells (the usual case: the first) settles it in one pass, without copying the frame.
    """
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        frame = frame.reset_index(drop=True)
    candidates: np.ndarray | None = None  # positions of rows empty in every column so far
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if candidates is None:
            candidates = np.flatnonzero(column.isna().to_numpy())
        else:
            candidates = candidates[column.iloc[candidates].isna().to_numpy()]
        if len(candidates) == 0:
            return frame, rows
    if candidates is None:  # no columns: every row is empty
        candidates = np.arange(len(frame))
    keep = np.ones(len(frame), dtype=bool)
    keep[candidates] = False
    return frame.loc[keep].reset_index(drop=True), rows[keep]


def located_wide(
    frame: pd.DataFrame, source: str, framework: Framework, rows: np.ndarray | None = None
) -> tuple[LocatedTable, list[Problem]]:
    """Melt a wide frame (one column per KPI code) into a located long table.

    Header cells that are neither an id column nor a KPI code (or ``KPI:data point``) are
    errors: a misspelt code must not be silently dropped.
    """
    names = [str(c).strip() for c in frame.columns]
    problems: list[Problem] = []
    id_pos: dict[str, int] = {}
    value_cols: list[tuple[int, str, str]] = []
    kpi_codes = {c.lower(): c for c in framework.nodes.index if framework.level(c) <= 1}
    for i, name in enumerate(names):
        canon = _canonical(name)
        if canon in ID_COLUMNS:
            if canon in id_pos:
                problems.append(reader_problems.repeated_column(source, i + 1, name, canon))
            id_pos[canon] = i + 1
            continue
        kpi, _, part = name.partition(":")
        code = kpi_codes.get(name.lower()) or kpi_codes.get(kpi.strip().lower())
        if code is None:
            problems.append(
                reader_problems.not_a_column(source, i + 1, name, framework.closest(kpi.strip()))
            )
            continue
        if framework.level(code) == 0:
            value_cols.append((i + 1, code, ""))
        else:
            value_cols.append((i + 1, code, part.strip()))
    if "year" not in id_pos:
        problems.append(reader_problems.no_year_column(source))
    if problems:
        raise ValidationError(problems)
    file_rows = _rows_of(frame, rows)
    frame, file_rows = _drop_empty_rows(frame, file_rows)
    # The cells that hold something, a column at a time; the long table is then built once,
    # in the file's reading order (row by row, left to right), so each city's values are
    # together (validation checks a city's identity once per run of its rows) and the first of
    # two cells of one city, year and KPI is the one read first.
    taken: list[NDArray[np.intp]] = []
    numbers: list[np.ndarray] = []
    texts: list[pd.Series] = []
    pieces: list[tuple[int, str, str]] = []  # (file column, code, data point)
    offset = 0
    for pos, code, part in value_cols:
        present, values, text = present_values(frame.iloc[:, pos - 1])
        if not len(present):
            continue
        taken.append(present)
        numbers.append(values if len(present) == len(values) else values[present])
        if len(text):
            # Indexed by the frame row: re-indexed by the cell's place among ``taken``.
            at = offset + np.searchsorted(present, text.index.to_numpy(dtype=np.intp))
            texts.append(pd.Series(text.to_numpy(dtype=object), index=at, dtype=object))
        pieces.append((pos, code, part))
        offset += len(present)
    if not pieces:
        raise ValidationError([reader_problems.no_values(source)])
    counts = np.array([len(t) for t in taken], dtype=np.int64)
    frame_row = np.concatenate(taken)
    # Cells gathered column by column, put in reading order: by row, then column (stable).
    order = np.argsort(frame_row, kind="stable")
    where = frame_row[order]
    piece_of = np.repeat(np.arange(len(pieces), dtype=np.int32), counts)[order]
    id_frame = frame.iloc[:, [p - 1 for p in id_pos.values()]].set_axis(list(id_pos), axis=1)
    long = id_frame.take(where).reset_index(drop=True)
    codes = list(dict.fromkeys(code for _, code, _ in pieces))
    parts = list(dict.fromkeys(part for _, _, part in pieces))
    kpi_of_piece = np.array([codes.index(c) for _, c, _ in pieces], dtype=np.int32)
    dp_of_piece = np.array([parts.index(d) for _, _, d in pieces], dtype=np.int32)
    long["kpi"] = pd.Categorical.from_codes(
        kpi_of_piece[piece_of], categories=pd.Index(codes, dtype=object)
    )
    long["data_point"] = pd.Categorical.from_codes(
        dp_of_piece[piece_of], categories=pd.Index(parts, dtype=object)
    )
    long["value"] = np.concatenate(numbers)[order]
    value_text = pd.Series(dtype=object)
    if texts:
        gathered = pd.concat(texts)
        place = np.empty_like(order)
        place[order] = np.arange(len(order), dtype=order.dtype)
        value_text = pd.Series(
            gathered.to_numpy(dtype=object),
            index=place[gathered.index.to_numpy(dtype=np.intp)],
            dtype=object,
        ).sort_index()
    row_arr = file_rows[where]
    col_arr = np.array([pos for pos, _, _ in pieces], dtype=np.int64)[piece_of]
    positions: dict[str, int | np.ndarray] = {k: v for k, v in id_pos.items()}
    positions.update(kpi=col_arr, data_point=col_arr, value=col_arr)
    return LocatedTable(source, long, row_arr, positions, value_text), []


def read_kpi_data(
    path: str | Path,
    framework: Framework,
    *,
    resolve_geonames: GeoNamesResolver | None = None,
    source: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> ValidatedData:
    """Read and validate a KPI data file, long or wide.

    Parameters
    ----------
    path
        A ``.csv``, ``.tsv``, ``.xlsx`` or ``.parquet`` file.
    framework
        Framework whose KPI codes the file uses.
    resolve_geonames
        GeoNames look-up; defaults to the packaged GeoNames registry.
    source
        Name used in messages (the user's file name); defaults to the file name.
    limits
        What reading the file may cost (bytes unpacked, rows, cells, time); the web platform
        passes :data:`citydiplomacy.io.limits.UPLOAD_LIMITS`.

    Raises
    ------
    ValidationError
        With every problem found, each as ``file:row:column: message``.
    """
    path = Path(path)
    label = source or path.name
    if resolve_geonames is None:
        from citydiplomacy.io.geonames import resolve_geonames_id

        resolve_geonames = resolve_geonames_id
    frame = read_frame(path, source=label, limits=limits)
    rows = None
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        rows = record_rows(len(frame), _blank_lines(path))
    if frame.empty and len(frame.columns) == 0:
        raise ValidationError([Problem(label, 0, 0, "the file is empty")])
    if is_long(frame):
        table, warnings = located_long(frame, label, rows)
    else:
        table, warnings = located_wide(frame, label, framework, rows)
    try:
        result = validate_long(table, framework, resolve_geonames=resolve_geonames)
    except ValidationError as exc:
        raise ValidationError(warnings + exc.problems) from None
    result.warnings[:0] = warnings
    # A note or source exported by the platform was guarded against formulas ("'=..."): an
    # upload of that export must read the text as it was, not as a change.
    result.long = unguard_columns(result.long, ("source", "note"))
    # One category, not ten million copies of the same text.
    result.long["file"] = pd.Categorical.from_codes(
        np.zeros(len(result.long), dtype=np.int8), categories=pd.Index([label])
    )
    return result
