"""Write result tables (CSV, XLSX, Parquet), whole or chunk by chunk.

CSV and XLSX are read by spreadsheets: their text cells go through
:mod:`citydiplomacy.io.safe_text` (a cell starting like a formula is written with a leading
apostrophe). Parquet and Arrow files keep the data as they are.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from citydiplomacy.io.safe_text import safe_arrow, safe_frame


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded to plain strings (CSV has no dictionaries)."""
    columns = [
        pc.cast(col, col.type.value_type) if pa.types.is_dictionary(col.type) else col
        for col in table.columns
    ]
    return pa.table(columns, names=table.column_names)


def write_table(
    table: pd.DataFrame, path: Path, fmt: str, metadata: dict[str, Any] | None = None
) -> None:
    """Write ``table`` to ``path`` as ``csv``, ``xlsx`` or ``parquet``."""
    if fmt == "xlsx":
        safe_frame(table).to_excel(path, index=False, engine="openpyxl")
        return
    write_chunks([table], path, fmt, metadata)


def _arrow_chunk(chunk: pd.DataFrame | Mapping[str, Any]) -> pa.Table:
    """A chunk as an Arrow table: a data frame, or a mapping of column name to array.

    Arrays (numpy, pandas categoricals, nullable integers) convert column by column as
    ``Table.from_pandas`` would convert them (NaN becomes null, categoricals dictionaries),
    without building a data frame first; numpy number columns are not copied.
    """
    if isinstance(chunk, pd.DataFrame):
        mixed = [c for c in chunk.columns if chunk[c].dtype == object]
        if mixed:  # numbers and text in one column: Arrow needs one type, so text it is
            chunk = chunk.astype(dict.fromkeys(mixed, "string"))
        return pa.Table.from_pandas(chunk, preserve_index=False)
    names = list(chunk)
    # The pandas metadata (what ``to_pandas`` restores) as Table.from_pandas writes it.
    empty = pd.DataFrame({name: chunk[name][:0] for name in names})
    schema = pa.Schema.from_pandas(empty, preserve_index=False)
    arrays = [_arrow_array(chunk[f.name], f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def _arrow_array(values: Any, kind: pa.DataType) -> pa.Array:
    """One column as Arrow's ``from_pandas`` conversion makes it, faster for big columns."""
    if isinstance(values, np.ndarray) and values.dtype == np.float64 and values.ndim == 1:
        if len(values) and values.strides == (0,) and np.isnan(values[0]):
            # One NaN repeated (a method's empty points, a read-only broadcast): all null.
            return pa.nulls(len(values), pa.float64())
        # A buffer needs contiguous numbers (a view may have strides).
        values = np.ascontiguousarray(values)
        # NaN becomes null; the data buffer is shared, only the validity bitmap is new.
        missing = np.isnan(values)
        if not missing.any():
            return pa.array(values)
        valid = np.packbits(~missing, bitorder="little")
        return pa.Array.from_buffers(
            pa.float64(), len(values), [pa.py_buffer(valid), pa.py_buffer(values)]
        )
    if isinstance(values, pd.arrays.IntegerArray) and pa.types.is_integer(kind):
        # A nullable integer column: its numbers and its mask are numpy arrays inside
        # pandas' array. The mask packed into a bitmap with numpy takes a thirtieth of the
        # time of Arrow's conversion of a boolean mask (a fallback if pandas changes them).
        data, mask = getattr(values, "_data", None), getattr(values, "_mask", None)
        if (
            isinstance(data, np.ndarray)
            and isinstance(mask, np.ndarray)
            and data.ndim == 1
            and mask.shape == data.shape
            and pa.from_numpy_dtype(data.dtype) == kind
        ):
            bitmap = None if not mask.any() else pa.py_buffer(np.packbits(~mask, bitorder="little"))
            return pa.Array.from_buffers(kind, len(data), [bitmap, pa.py_buffer(data)])
    if isinstance(values, pd.Categorical) and pa.types.is_dictionary(kind):
        codes = values.codes
        missing = codes < 0
        indices = pa.array(codes, mask=missing) if missing.any() else pa.array(codes)
        return pa.DictionaryArray.from_arrays(indices, _dictionary(values.categories, kind))
    return pa.array(values, type=kind, from_pandas=True)


_DICTIONARIES: dict[int, tuple[pd.Index, pa.Array]] = {}


def _dictionary(categories: pd.Index, kind: pa.DictionaryType) -> pa.Array:
    """Arrow values of a categorical's categories, converted once per categories object."""
    hit = _DICTIONARIES.get(id(categories))
    if hit is not None and hit[0] is categories and hit[1].type == kind.value_type:
        return hit[1]
    if len(_DICTIONARIES) > 64:
        _DICTIONARIES.clear()
    dictionary = pa.array(categories, type=kind.value_type, from_pandas=True)
    # The entry holds the categories themselves, so their id cannot be reused meanwhile.
    _DICTIONARIES[id(categories)] = (categories, dictionary)
    return dictionary


def write_chunks(
    chunks: Iterable[pd.DataFrame | Mapping[str, Any]],
    path: Path,
    fmt: str,
    metadata: dict[str, Any] | None = None,
) -> int:
    """Stream tables with the same columns into one file; return the number of rows.

    A chunk is a data frame or a mapping of column name to array (see
    :meth:`citydiplomacy.core.score.ScoreResult.columns`).

    ``fmt`` is ``csv``, ``parquet`` or ``arrow`` (the Arrow IPC file format, also known as
    Feather v2: no encoding work, so the fastest to write and to read back).

    Parquet files carry ``metadata`` (e.g. a result's provenance) as JSON in the schema's
    key-value metadata under ``citydiplomacy``.
    """
    if fmt == "csv":
        return write_csv(chunks, path)
    writer: pq.ParquetWriter | ipc.RecordBatchFileWriter | None = None
    schema: pa.Schema | None = None
    rows = 0
    # Writing (in Arrow, without the GIL) runs on a thread while the next chunk is computed.
    pool = ThreadPoolExecutor(max_workers=1)
    pending: Future[None] | None = None
    try:
        for chunk in chunks:
            arrow = _arrow_chunk(chunk)
            if schema is None:
                schema = arrow.schema
                if fmt == "parquet":
                    meta = dict(schema.metadata or {})
                    if metadata:
                        meta[b"citydiplomacy"] = json.dumps(metadata).encode()
                    schema = schema.with_metadata(meta)
                    # Dictionary-encode only the text columns: floats gain little and cost much.
                    text_columns = [f.name for f in schema if pa.types.is_dictionary(f.type)]
                    writer = pq.ParquetWriter(
                        path, schema, use_dictionary=text_columns, write_statistics=False
                    )
                elif fmt == "arrow":
                    # An IPC file holds one dictionary per column: chunks must share theirs.
                    meta = dict(schema.metadata or {})
                    if metadata:
                        meta[b"citydiplomacy"] = json.dumps(metadata).encode()
                    schema = schema.with_metadata(meta)
                    writer = ipc.new_file(path, schema)
                else:
                    raise ValueError(f"unknown format {fmt!r}; use csv, parquet or arrow")
            arrow = arrow.cast(schema)
            assert writer is not None
            if pending is not None:
                pending.result()  # one chunk in flight at most; raises what the write raised
            pending = pool.submit(writer.write_table, arrow)
            rows += arrow.num_rows
        if pending is not None:
            pending.result()
    finally:
        if pending is not None:
            wait([pending])
        pool.shutdown()
        if writer is not None:
            writer.close()
    return rows


#: Rows of CSV text formatted at a time (about 28 MB of text for a result table).
CSV_SLICE_ROWS = 1 << 17


def _csv_text(table: pa.Table, header: bool) -> pa.Buffer:
    """A table as CSV text (Arrow's writer), with or without the header line.

    Dictionary columns are decoded here, a slice at a time: decoded whole, a result's long
    label texts (target sources) would take hundreds of megabytes per chunk. Text cells that
    start like a formula are guarded (:func:`~citydiplomacy.io.safe_text.safe_arrow`).
    """
    sink = pa.BufferOutputStream()
    options = pacsv.WriteOptions(include_header=header)
    # Text from users' data (city names, sources) must not run as a spreadsheet formula.
    safe = safe_arrow(table)
    pacsv.write_csv(_plain(safe), sink, write_options=options)  # CSV has no dictionaries
    return sink.getvalue()


def write_csv(chunks: Iterable[pd.DataFrame | Mapping[str, Any]], target: Path | BinaryIO) -> int:
    """Stream chunks as CSV text, formatted on two threads; return the number of rows.

    ``target`` is a file path (created at the first chunk: no chunk, no file) or an open
    binary stream such as standard output (written to as it is, and left open).

    Formatting numbers as text is the costly part, and Arrow does it without the GIL: slices
    of :data:`CSV_SLICE_ROWS` rows are formatted on a pool of threads while the next chunk is
    built, and their text is written in order. The text is the one Arrow's ``CSVWriter``
    writes: the same formatter, the header once.
    """
    threads = min(2, os.cpu_count() or 1)
    rows = slices = 0
    schema: pa.Schema | None = None
    opened = isinstance(target, Path)
    fh: BinaryIO | None = None if isinstance(target, Path) else target
    pending: deque[Future[pa.Buffer]] = deque()
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="csv")
    try:
        for chunk in chunks:
            table = _arrow_chunk(chunk)
            if schema is None:
                schema = table.schema
                if isinstance(target, Path):
                    fh = target.open("wb")
            table = table.cast(schema)
            for start in range(0, max(table.num_rows, 1), CSV_SLICE_ROWS):
                header = not slices  # the file's first slice, even an empty one
                pending.append(pool.submit(_csv_text, table.slice(start, CSV_SLICE_ROWS), header))
                slices += 1
                while len(pending) > 2 * threads:  # bounded text in memory
                    assert fh is not None
                    fh.write(pending.popleft().result())
            rows += table.num_rows
        while pending:
            assert fh is not None
            fh.write(pending.popleft().result())
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        if fh is not None:
            if opened:
                fh.close()
            else:
                fh.flush()
    return rows
