"""Write result tables (CSV, XLSX, Parquet), whole or chunk by chunk."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq


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
        table.to_excel(path, index=False, engine="openpyxl")
        return
    write_chunks([table], path, fmt, metadata)


def write_chunks(
    chunks: Iterable[pd.DataFrame],
    path: Path,
    fmt: str,
    metadata: dict[str, Any] | None = None,
) -> int:
    """Stream tables with the same columns into one file; return the number of rows.

    ``fmt`` is ``csv``, ``parquet`` or ``arrow`` (the Arrow IPC file format, also known as
    Feather v2: no encoding work, so the fastest to write and to read back).

    Parquet files carry ``metadata`` (e.g. a result's provenance) as JSON in the schema's
    key-value metadata under ``citydiplomacy``.
    """
    writer: pq.ParquetWriter | pacsv.CSVWriter | ipc.RecordBatchFileWriter | None = None
    schema: pa.Schema | None = None
    rows = 0
    try:
        for chunk in chunks:
            mixed = [c for c in chunk.columns if chunk[c].dtype == object]
            if mixed:  # numbers and text in one column: Arrow needs one type, so text it is
                chunk = chunk.astype(dict.fromkeys(mixed, "string"))
            arrow = pa.Table.from_pandas(chunk, preserve_index=False)
            if fmt == "csv":
                arrow = _plain(arrow)  # CSV has no dictionaries
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
                    writer = pacsv.CSVWriter(path, schema)
            arrow = arrow.cast(schema)
            assert writer is not None
            writer.write_table(arrow)
            rows += arrow.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows
