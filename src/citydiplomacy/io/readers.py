"""Read KPI data files (CSV, XLSX, Parquet; long or wide) into located tables.

A *long* table has one row per observation: ``city, country, year, kpi, value`` and optionally
``geonames_id, data_point, unit, source, note, verified``. A *wide* table has one row per
city and year and one column per KPI code (``KPI:data point`` for a part of a multi-part KPI).
Both become a :class:`~citydiplomacy.core.validate.LocatedTable` that remembers the file row
and column of every value, so validation can say ``file:row:column``.
"""

from __future__ import annotations

import csv
import mmap
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


def _blank_lines(path: Path) -> np.ndarray:
    """1-based numbers of the empty lines of a text file (Arrow's CSV reader skips them).

    One pass of ``mmap.find`` per pattern: a file without empty lines, the usual case, costs
    a scan at memory speed and no Python loop.
    """
    if path.stat().st_size == 0:
        return np.zeros(0, dtype=np.int64)
    starts: list[int] = []  # byte offsets of the newline that ends the line before an empty one
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        blank_first = mm[:1] == b"\n" or mm[:2] == b"\r\n"
        for pattern in (b"\n\n", b"\n\r\n"):
            pos = mm.find(pattern)
            while pos >= 0:
                starts.append(pos)
                pos = mm.find(pattern, pos + 1)
        found = [1] if blank_first else []
        line, last = 1, 0
        for pos in sorted(starts):
            line += mm[last : pos + 1].count(b"\n")
            last = pos + 1
            found.append(line)  # the empty line is the one that starts after this newline
    return np.unique(np.asarray(found, dtype=np.int64))


def record_rows(n_records: int, blanks: np.ndarray) -> np.ndarray:
    """File line of each data record, given the empty lines (the header is the first line)."""
    if len(blanks) == 0:
        return np.arange(2, n_records + 2, dtype=np.int64)
    lines = np.setdiff1d(np.arange(1, n_records + 2 + len(blanks), dtype=np.int64), blanks)
    return lines[1 : n_records + 1]


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
                # "NaN" and "inf" parse as floats: re-read as text so they are reported.
                for name in value_columns:
                    col = table.column(name)
                    odd = pc.or_(pc.is_nan(col), pc.is_inf(col))
                    if pc.any(pc.fill_null(odd, False)).as_py():
                        raise pa.ArrowInvalid("non-finite numbers")
            except pa.ArrowInvalid:
                table = read(pa.string())
            frame: pd.DataFrame = table.to_pandas()
            return frame
        if suffix in (".xlsx", ".xlsm"):
            # Only empty cells are missing: "NA" is Namibia and "n/a" a value to report.
            return pd.read_excel(
                path, dtype=object, engine="openpyxl", keep_default_na=False, na_values=[""]
            )
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


def located_long(
    frame: pd.DataFrame, source: str, rows: np.ndarray | None = None
) -> tuple[LocatedTable, list[Problem]]:
    """Wrap a long frame; unknown columns are reported as warnings and ignored."""
    names = [_canonical(c) for c in frame.columns]
    known = set(LONG_REQUIRED) | set(LONG_OPTIONAL)
    warnings = [
        Problem(source, 1, i + 1, f"column {str(c)!r} is not used and was ignored", "warning")
        for i, (c, k) in enumerate(zip(frame.columns, names, strict=True))
        if k not in known
    ]
    repeated = [k for k in dict.fromkeys(names) if k in known and names.count(k) > 1]
    if repeated:
        raise ValidationError(
            [
                Problem(source, 1, i + 1, f"column {str(c)!r} repeats the {k!r} column")
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
        raise ValidationError([Problem(source, 0, 0, "the file has a header but no data rows")])
    text = None
    if "value" in frame.columns:
        values, text = split_values(frame["value"])
        frame = frame.assign(value=values)
    return LocatedTable(source, frame, rows, positions, text), warnings


def _rows_of(frame: pd.DataFrame, rows: np.ndarray | None) -> np.ndarray:
    """File row of each frame row: as given (CSV with empty lines), else header + 1 onwards."""
    if rows is not None and len(rows) == len(frame):
        return np.asarray(rows, dtype=np.int64)
    return np.arange(2, len(frame) + 2, dtype=np.int64)


def _drop_empty_rows(frame: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Leave out rows whose every cell is empty (spreadsheets keep them), keeping row numbers."""
    empty = frame.isna().all(axis=1).to_numpy()
    if not empty.any():
        return frame.reset_index(drop=True), rows
    return frame.loc[~empty].reset_index(drop=True), rows[~empty]


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
                problems.append(
                    Problem(source, 1, i + 1, f"column {name!r} repeats the {canon!r} column")
                )
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
    file_rows = _rows_of(frame, rows)
    frame, file_rows = _drop_empty_rows(frame, file_rows)
    pieces: list[pd.DataFrame] = []
    row_parts: list[np.ndarray] = []
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
        row_parts.append(file_rows[present])
        cols.append(np.full(int(present.sum()), pos, dtype=np.int64))
    if not pieces:
        raise ValidationError([Problem(source, 0, 0, "the table holds no values")])
    long = pd.concat(pieces, ignore_index=True)
    text_all = long.pop("_text")
    value_text = text_all[text_all.notna()]
    row_arr = np.concatenate(row_parts)
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
    rows = None
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        rows = record_rows(len(frame), _blank_lines(path))
    if frame.empty and len(frame.columns) == 0:
        raise ValidationError([Problem(label, 0, 0, "the file is empty")])
    if is_long(frame):
        table, warnings = located_long(frame, label, rows)
    else:
        table, warnings = located_wide(frame, label, framework, rows)
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
