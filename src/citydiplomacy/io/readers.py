"""Read KPI data files (CSV, XLSX, Parquet; long or wide) into located tables.

A *long* table has one row per observation: ``city, country, year, kpi, value`` and optionally
``geonames_id, data_point, unit, source, note, verified``. A *wide* table has one row per
city and year and one column per KPI code (``KPI:data point`` for a part of a multi-part KPI).
Both become a :class:`~citydiplomacy.core.validate.LocatedTable` that remembers the file row
and column of every value, so validation can say ``file:row:column``.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

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
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), pd.Series(dtype=object)
    if isinstance(series.dtype, pd.CategoricalDtype) or series.dtype == object:
        series = series.astype("string")
    arr = pa.array(series, type=pa.string(), from_pandas=True)
    trimmed = pc.utf8_trim_whitespace(arr)
    numeric = pc.fill_null(pc.match_substring_regex(trimmed, NUMBER), False)
    values = pc.cast(pc.if_else(numeric, trimmed, pa.scalar(None, pa.string())), pa.float64())
    out = values.to_numpy(zero_copy_only=False).astype(np.float64)
    is_text = pc.and_(pc.invert(numeric), pc.not_equal(pc.fill_null(trimmed, ""), ""))
    positions = np.flatnonzero(is_text.to_numpy(zero_copy_only=False))
    texts = pc.take(arr, pa.array(positions)).to_pylist()
    return out, pd.Series(texts, index=positions, dtype=object)


def _header(path: Path, delimiter: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
    return next(csv.reader([first], delimiter=delimiter), [])


def read_frame(path: Path) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file as it is (no type guessing beyond numbers).

    In CSV files the id and text columns are read as dictionary-encoded strings (pandas
    categoricals) and ``value`` as text, so that nothing is lost to type guessing.

    Raises
    ------
    ValidationError
        When the file cannot be read at all (missing, wrong format, bad encoding).
    """
    source = path.name
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            delimiter = "\t" if suffix == ".tsv" else ","
            parse = pacsv.ParseOptions(delimiter=delimiter)
            types: dict[str, pa.DataType] = {}
            value_columns: list[str] = []
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

            # Numbers parse fastest as numbers; text among them (yes/no) needs the second pass.
            try:
                table = read(pa.float64())
            except pa.ArrowInvalid:
                table = read(pa.string())
            frame: pd.DataFrame = table.to_pandas()
            return frame
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=object, engine="openpyxl")
        if suffix == ".parquet":
            names = pq.read_schema(path).names
            dictionary = [c for c in names if _canonical(c) in TEXT_COLUMNS]
            parquet: pd.DataFrame = pq.read_table(path, read_dictionary=dictionary).to_pandas()
            return parquet
    except FileNotFoundError:
        raise ValidationError([Problem(source, 0, 0, f"no such file: {path}")]) from None
    except (pa.ArrowInvalid, ValueError, OSError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise ValidationError(
            [Problem(source, 0, 0, f"cannot read the file as {suffix[1:].upper()}: {exc}")]
        ) from None
    raise ValidationError(
        [Problem(source, 0, 0, f"unsupported file type {suffix!r}; use .csv, .xlsx or .parquet")]
    )


def is_long(frame: pd.DataFrame) -> bool:
    """A table with ``kpi`` and ``value`` columns is long; anything else is wide."""
    cols = {_canonical(c) for c in frame.columns}
    return {"kpi", "value"} <= cols


def located_long(frame: pd.DataFrame, source: str) -> tuple[LocatedTable, list[Problem]]:
    """Wrap a long frame; unknown columns are reported as warnings and ignored."""
    names = [_canonical(c) for c in frame.columns]
    known = set(LONG_REQUIRED) | set(LONG_OPTIONAL)
    warnings = [
        Problem(source, 1, i + 1, f"column {str(c)!r} is not used and was ignored", "warning")
        for i, (c, k) in enumerate(zip(frame.columns, names, strict=True))
        if k not in known
    ]
    positions = {k: i + 1 for i, k in enumerate(names) if k in known}
    frame = frame.set_axis(names, axis=1)
    frame = frame.loc[:, [k for k in dict.fromkeys(names) if k in known]]
    rows = np.arange(2, len(frame) + 2, dtype=np.int64)
    frame = frame.reset_index(drop=True)
    text = None
    if "value" in frame.columns:
        values, text = split_values(frame["value"])
        frame = frame.assign(value=values)
    return LocatedTable(source, frame, rows, positions, text), warnings


def located_wide(
    frame: pd.DataFrame, source: str, framework: Framework
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
            id_pos[canon] = i + 1
            continue
        kpi, _, part = name.partition(":")
        code = kpi_codes.get(name.lower()) or kpi_codes.get(kpi.strip().lower())
        if code is None:
            problems.append(
                Problem(
                    source,
                    1,
                    i + 1,
                    f"column {name!r} is neither city/country/geonames_id/year nor a KPI code"
                    f"{framework.suggest(kpi.strip())}",
                )
            )
            continue
        if framework.level(code) == 0:
            value_cols.append((i + 1, code, ""))
        else:
            value_cols.append((i + 1, code, part.strip()))
    if "year" not in id_pos:
        problems.append(Problem(source, 1, 0, "a wide table needs a 'year' column"))
    if problems:
        raise ValidationError(problems)
    n_rows = len(frame)
    pieces: list[pd.DataFrame] = []
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    id_frame = frame.iloc[:, [p - 1 for p in id_pos.values()]].set_axis(list(id_pos), axis=1)
    for pos, code, part in value_cols:
        values = frame.iloc[:, pos - 1]
        present = ~(values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
        if not present.any():
            continue
        piece = id_frame.loc[present].copy()
        piece["kpi"] = code
        piece["data_point"] = part
        numbers, text = split_values(values[present].reset_index(drop=True))
        piece["value"] = numbers
        piece["_text"] = pd.Series(text).reindex(range(len(piece))).to_numpy(dtype=object)
        pieces.append(piece)
        rows.append(np.arange(2, n_rows + 2, dtype=np.int64)[present])
        cols.append(np.full(int(present.sum()), pos, dtype=np.int64))
    if not pieces:
        raise ValidationError([Problem(source, 0, 0, "the table holds no values")])
    long = pd.concat(pieces, ignore_index=True)
    text_all = long.pop("_text")
    value_text = text_all[text_all.notna()]
    row_arr = np.concatenate(rows)
    col_arr = np.concatenate(cols)
    positions: dict[str, int | np.ndarray] = {k: v for k, v in id_pos.items()}
    positions.update(kpi=col_arr, data_point=col_arr, value=col_arr)
    return LocatedTable(source, long, row_arr, positions, value_text), []


def read_kpi_data(
    path: str | Path,
    framework: Framework,
    *,
    resolve_geonames: GeoNamesResolver | None = None,
    source: str | None = None,
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
        Name used in messages; defaults to the file name.

    Raises
    ------
    ValidationError
        With every problem found, each as ``file:row:column: message``.
    """
    path = Path(path)
    label = source or path.name
    frame = read_frame(path)
    if frame.empty and len(frame.columns) == 0:
        raise ValidationError([Problem(label, 0, 0, "the file is empty")])
    if is_long(frame):
        table, warnings = located_long(frame, label)
    else:
        table, warnings = located_wide(frame, label, framework)
    if resolve_geonames is None:
        from citydiplomacy.io.geonames import resolve_geonames_id

        resolve_geonames = resolve_geonames_id
    try:
        result = validate_long(table, framework, resolve_geonames=resolve_geonames)
    except ValidationError as exc:
        raise ValidationError(warnings + exc.problems) from None
    result.warnings[:0] = warnings
    result.long["file"] = label
    return result
