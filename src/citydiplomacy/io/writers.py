"""Write result tables (CSV, JSON, XLSX, Parquet)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def write_table(
    table: pd.DataFrame, path: Path, fmt: str, metadata: dict[str, Any] | None = None
) -> None:
    """Write ``table`` to ``path`` as ``csv``, ``xlsx`` or ``parquet``.

    Parquet files carry ``metadata`` (e.g. the result's provenance) as JSON in the schema's
    key-value metadata under ``citydiplomacy``.
    """
    if fmt == "parquet":
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        if metadata:
            meta = dict(arrow.schema.metadata or {})
            meta[b"citydiplomacy"] = json.dumps(metadata).encode()
            arrow = arrow.replace_schema_metadata(meta)
        pq.write_table(arrow, path)
    elif fmt == "xlsx":
        table.to_excel(path, index=False, engine="openpyxl")
    else:
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        pacsv.write_csv(arrow, path)
