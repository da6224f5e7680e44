"""Validate KPI observations: collect every problem, raise once, name ``source:row:column``.

The checks run column by column on whole arrays (categorical columns are checked once per
distinct value), so a file of ten million rows validates in about a second.

Errors (the data are refused): missing columns, unknown city country or GeoNames id, bad year,
unknown KPI code or data point, non-numeric value, yes/no KPI with another value, unit
mismatch, percentage outside 0-100, coefficient outside 0-1, negative count or rate, bad
``verified`` flag, duplicate (city, year, KPI, data point).

Warnings (accepted): values outside a KPI's plausibility range, unit conversions applied,
ignored columns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
import pycountry
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.text import forbidden_character
from citydiplomacy.core.units import check_unit
from citydiplomacy.errors import Problem, ValidationError

#: Columns of a long table; ``city`` or ``geonames_id`` identifies the city.
LONG_REQUIRED = ("year", "kpi", "value")
LONG_OPTIONAL = (
    "city",
    "country",
    "geonames_id",
    "data_point",
    "unit",
    "source",
    "note",
    "verified",
)
YEAR_RANGE = (1900, 2100)
#: GeoNames ids are positive 32-bit integers (about 12 million today).
MAX_GEONAMES_ID = 2**31 - 1
YES = frozenset({"yes", "y", "true", "1", "1.0", "oui", "sí", "si", "ja"})
NO = frozenset({"no", "n", "false", "0", "0.0", "non", "nein", "nej"})

#: A function that maps a GeoNames id to ``(name, ISO country code)``, or ``None`` if unknown.
GeoNamesResolver = Callable[[int], "tuple[str, str] | None"]


@dataclass(frozen=True)
class LocatedTable:
    """Raw values and where each came from.

    Attributes
    ----------
    source
        Name shown in messages (a file name or ``<upload>``).
    frame
        Columns named as in :data:`LONG_REQUIRED` / :data:`LONG_OPTIONAL` (lower case),
        values as read (strings, numbers or categoricals); extra columns are carried along.
    rows
        File row (1-based, header = 1) of each frame row: int32 (int64 for a file of more
        than 2**31 - 1 lines).
    columns
        File column (1-based) of each field: one number, or an array with one per row (a
        wide table's values come from many columns).
    value_text
        When ``frame['value']`` is numeric: the text of the cells that were not numbers
        (yes/no answers and mistakes), indexed by row position; such cells are NaN in
        ``frame['value']``.
    """

    source: str
    frame: pd.DataFrame
    rows: NDArray[np.int32] | NDArray[np.int64]
    columns: Mapping[str, int | NDArray[np.int64]]
    value_text: pd.Series | None = None


@dataclass
class ValidatedData:
    """The outcome of a successful validation.

    Attributes
    ----------
    long
        One row per observation: ``unit, city, country, geonames_id, year, measure, kpi,
        data_point, value, source, note, verified, row`` (``value`` converted to the
        measure's unit; ``row`` the source row).
    warnings
        Problems that did not stop the data.
    """

    long: pd.DataFrame
    warnings: list[Problem] = field(default_factory=list)


#: Identity checks that are errors (the others are warnings).
IDENTITY_ERRORS = frozenset(
    {"country_unknown", "geonames_unknown", "country_clash", "no_city", "no_country"}
)
#: Rows per pass. Checks run on one slice of the table at a time, so their temporaries stay a
#: few megabytes (cache-friendly) and memory does not grow with the file.
CHUNK_ROWS = 1 << 20
#: Integer key spaces up to this size are coded with a lookup table instead of hashing.
DENSE_KEYS = 1 << 24
#: Key spaces up to this size record the keys met by counting them.
SMALL_KEYS = 1 << 16
#: Tables of at least this many rows check units and ranges on a second thread.
PARALLEL_ROWS = 1 << 18


def _beside(work: Callable[[], None], rows: int) -> Future[None] | None:
    """Start ``work`` on a thread for a table of ``rows`` rows, or do it now for a small one.

    Returns the running work (whose ``result()`` waits for it), or ``None`` once done.
    """
    if rows < PARALLEL_ROWS:
        work()
        return None
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="validate")
    try:
        return pool.submit(work)
    finally:
        pool.shutdown(wait=False)  # the work submitted still runs to its end


class _Collector:
    """Collects problems up to a limit, then counts the rest."""

    def __init__(self, table: LocatedTable, limit: int) -> None:
        self.table = table
        self.limit = limit
        self.problems: list[Problem] = []
        self.dropped = 0

    def col(self, name: str, idx: NDArray[np.int64]) -> NDArray[np.int64]:
        c = self.table.columns.get(name, 0)
        if isinstance(c, np.ndarray):
            return np.asarray(c[idx], dtype=np.int64)
        return np.full(len(idx), c, dtype=np.int64)

    def add_rows(
        self,
        rows: NDArray[np.int64],
        column: str,
        message: Callable[[int], str] | str,
        severity: str = "error",
    ) -> None:
        """Add one problem per row position in ``rows`` (ascending), up to the limit."""
        if len(rows) == 0:
            return
        room = max(self.limit - len(self.problems), 0)
        self.dropped += max(len(rows) - room, 0)
        idx = rows[:room]
        file_rows = self.table.rows[idx]
        cols = self.col(column, idx)
        for i, r, c in zip(idx.tolist(), file_rows.tolist(), cols.tolist(), strict=True):
            text = message(i) if callable(message) else message
            self.problems.append(Problem(self.table.source, r, c, text, severity))

    def add(self, row: int, column: int, message: str, severity: str = "error") -> None:
        if len(self.problems) < self.limit:
            self.problems.append(Problem(self.table.source, row, column, message, severity))
        else:
            self.dropped += 1

    def finish(self) -> list[Problem]:
        self.problems.sort(key=lambda p: (p.row, p.column))
        if self.dropped:
            self.problems.append(
                Problem(self.table.source, 0, 0, f"... and {self.dropped} more problem(s)")
            )
        return self.problems


class _Hits:
    """Row positions each check caught, gathered slice by slice."""

    def __init__(self) -> None:
        self._parts: dict[str, list[NDArray[np.int64]]] = {}

    def add(self, check: str, mask: NDArray[np.bool_], start: int) -> None:
        self.add_index(check, np.flatnonzero(mask), start)

    def add_index(self, check: str, idx: NDArray[np.intp], start: int) -> None:
        """Record positions ``idx`` (ascending) of the slice that starts at ``start``."""
        if len(idx):
            self._parts.setdefault(check, []).append(idx + start)

    def __getitem__(self, check: str) -> NDArray[np.int64]:
        parts = self._parts.get(check)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


class _Distinct:
    """Distinct non-negative integer keys met over slices, then a dense code for each.

    Small key spaces (pairs of category codes, GeoNames ids) use a presence table, larger
    ones hashing. Codes come from binary search for a few keys and from a lookup table,
    built on first need, for many.
    """

    def __init__(self, space: int) -> None:
        self.space = space
        self._present: NDArray[np.bool_] | None = (
            np.zeros(space, dtype=bool) if space <= DENSE_KEYS else None
        )
        self._parts: list[NDArray[np.int64]] = []
        self._lookup: NDArray[np.int32] | None = None
        self.keys = np.zeros(0, dtype=np.int64)

    def add(self, keys: NDArray[np.integer]) -> None:
        if self._present is not None:
            if self.space <= SMALL_KEYS:
                # Counting is faster than scattering, and its table is small.
                self._present |= np.bincount(keys, minlength=self.space) > 0
            else:
                self._present[keys] = True
        else:
            self._parts.append(np.asarray(pd.unique(np.asarray(keys, dtype=np.int64))))

    def finish(self) -> NDArray[np.int64]:
        """The distinct keys, ascending; their positions are the codes."""
        if self._present is not None:
            self.keys = np.flatnonzero(self._present).astype(np.int64)
            self._present = None
        elif self._parts:
            self.keys = np.unique(np.concatenate(self._parts))
            self._parts = []
        return self.keys

    def codes(self, keys: NDArray[np.integer]) -> NDArray[np.integer]:
        """Code of each key; -1 for a key that was never added."""
        if self._lookup is None and len(keys) > 4096 and self.space <= DENSE_KEYS:
            lookup = np.full(self.space, -1, dtype=np.int32)
            lookup[self.keys] = np.arange(len(self.keys), dtype=np.int32)
            self._lookup = lookup  # published whole
        if self._lookup is not None:
            codes: NDArray[np.integer] = self._lookup[keys]  # int32: as good an index as intp
            return codes
        if len(self.keys) == 0:
            return np.full(len(keys), -1, dtype=np.intp)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.asarray(np.where(self.keys[pos] == keys, pos, -1), dtype=np.intp)


class _Pairs:
    """Distinct pairs of codes ``(a, b)`` met over slices, then a dense code for each pair.

    ``a`` indexes ``rows`` things and ``b`` ``cols`` things; -1 stands for the last of each
    (how missing cells and unknown measures are coded), as numpy's negative indexing reads it.
    A pair's key is ``a * cols + b``, computed in place in the key type (three element-wise
    passes, three times faster than two table lookups and an addition); the few -1 codes
    are then moved to the last row or column.
    """

    def __init__(self, rows: int, cols: int) -> None:
        self.rows, self.cols = rows, cols
        self._key_type = np.int32 if rows * cols < 2**31 else np.int64
        self._distinct = _Distinct(rows * cols)

    def keys(self, a: NDArray[np.integer], b: NDArray[np.integer]) -> NDArray[np.integer]:
        # the product in the key type, whatever the codes' own (int8 would overflow)
        key = cast(NDArray[np.int64], np.multiply(a, self.cols, dtype=self._key_type))
        np.add(key, b, out=key, casting="same_kind")
        if len(key):
            if a.min() < 0:  # -1: the last row, (rows - 1) * cols + b
                key[a < 0] += self.rows * self.cols
            if b.min() < 0:  # -1: the last column, cols - 1
                key[b < 0] += self.cols
        return key

    def add(self, a: NDArray[np.integer], b: NDArray[np.integer]) -> None:
        self._distinct.add(self.keys(a, b))

    def finish(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The distinct pairs as two arrays (``a`` ascending, then ``b``); codes index them."""
        a, b = np.divmod(self._distinct.finish(), self.cols)
        return a, b

    def codes(self, a: NDArray[np.integer], b: NDArray[np.integer]) -> NDArray[np.integer]:
        """Code of each pair; -1 for a pair that was never added."""
        return self._distinct.codes(self.keys(a, b))


def _strings(series: pd.Series) -> tuple[NDArray[np.integer], list[str]]:
    """Codes of a column's distinct values and their stripped text.

    Missing cells have code -1, which indexes the last entry of the texts: an empty string
    appended for them. Categorical columns (what the readers produce) are not re-hashed and
    their codes are not copied.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes: NDArray[np.integer] = series.cat.codes.to_numpy()
        uniques: list[object] = list(series.cat.categories)
    else:
        codes, values = pd.factorize(series, use_na_sentinel=True)
        uniques = list(values)
    texts = ["" if u is None or u is pd.NA or u != u else str(u).strip() for u in uniques]
    texts.append("")
    return codes, texts


def _code_dtype(size: int) -> type[np.signedinteger[Any]]:
    """The smallest signed integer type that holds codes ``-1 .. size - 1``."""
    return np.int8 if size < 2**7 else np.int16 if size < 2**15 else np.int32


def _blank(n: int) -> NDArray[np.int8]:
    """Codes of an absent column: every cell missing (code -1), without allocating ``n``."""
    return np.broadcast_to(np.int8(-1), (n,))


def _lut(values: list[bool] | list[int] | list[float], dtype: type) -> NDArray[Any]:
    return np.asarray(values, dtype=dtype)


def _country_code(text: str) -> str | None:
    if not text:
        return None
    t = text.strip().upper()
    hit = pycountry.countries.get(alpha_2=t) if len(t) == 2 else None
    if hit is None and len(t) == 3:
        hit = pycountry.countries.get(alpha_3=t)
    if hit is None and t == "XK":  # Kosovo: user-assigned, used by GeoNames and the EU
        return "XK"
    return None if hit is None else str(hit.alpha_2)


def _measure_of_pair(framework: Framework, kpi: str | None, dp: str) -> tuple[str | None, str]:
    """The measure a (KPI, data point) pair names, or ``None`` and why not."""
    if kpi is None:
        return None, ""
    nodes = framework.nodes
    level = framework.level(kpi)
    points = framework.data_points(kpi) if level == 1 else {}
    if level == 0:  # the kpi column already names a data point ("KPI:part")
        if dp and dp.lower() != str(nodes.at[kpi, "data_point"]).lower():
            return None, f"data point {dp!r} contradicts KPI code {kpi!r}"
        return kpi, ""
    if points:
        measure = points.get(dp.lower())
        if measure is None:
            options = ", ".join(repr(str(nodes.at[c, "data_point"])) for c in points.values())
            if not dp:
                return None, f"KPI {kpi} needs a data point (one of {options})"
            return None, f"unknown data point {dp!r} for KPI {kpi}; expected one of {options}"
        return measure, ""
    if dp:
        return None, f"KPI {kpi} has no data points, got {dp!r}; leave data_point empty"
    return kpi, ""


def validate_long(
    table: LocatedTable,
    framework: Framework,
    *,
    resolve_geonames: GeoNamesResolver | None = None,
    max_problems: int = 10_000,
) -> ValidatedData:
    """Check a long table of KPI observations against a framework.

    Every text column is decided once per distinct value (its categorical codes index small
    lookup tables); the rows are then checked in slices of :data:`CHUNK_ROWS`, each check
    recording the rows it catches, and the messages are written at the end for at most
    ``max_problems`` rows.

    Parameters
    ----------
    table
        Raw values with their positions.
    framework
        The indicator framework the KPI codes belong to.
    resolve_geonames
        Looks up GeoNames ids; without it, ids are accepted as given but a name and country
        are then required.
    max_problems
        Stop listing after this many problems (the rest are counted).

    Returns
    -------
    ValidatedData
        The clean long table and the warnings.

    Raises
    ------
    ValidationError
        With every problem (errors and warnings) when any error was found.
    """
    out = _Collector(table, max_problems)
    df = table.frame
    n = len(df)
    missing = [c for c in LONG_REQUIRED if c not in df.columns]
    if "city" not in df.columns and "geonames_id" not in df.columns:
        missing.append("city (or geonames_id)")
    if missing:
        out.add(
            1,
            0,
            f"missing column(s) {', '.join(missing)}; a long table needs city, country, "
            "year, kpi, value (or geonames_id instead of city and country)",
        )
        raise ValidationError(out.finish())
    if n == 0:
        out.add(0, 0, "the table has no data rows")
        raise ValidationError(out.finish())
    nodes = framework.nodes
    measures = framework.measures
    n_measures = len(measures)
    spans = [(s, min(s + CHUNK_ROWS, n)) for s in range(0, n, CHUNK_ROWS)]
    hits = _Hits()
    bad = np.zeros(n, dtype=bool)

    # ---- distinct values of every text column, each decided once
    gcol = df["geonames_id"] if "geonames_id" in df.columns else None
    g_int = gcol is not None and pd.api.types.is_integer_dtype(gcol.dtype)
    gcodes: NDArray[np.integer] = _blank(n)
    gtexts = [""]
    g_parsed = np.full(1, -1, dtype=np.int64)
    g_invalid = np.zeros(1, dtype=bool)
    if gcol is not None and not g_int:
        gcodes, gtexts = _strings(gcol)
        g_parsed = np.full(len(gtexts), -1, dtype=np.int64)
        g_invalid = np.zeros(len(gtexts), dtype=bool)
        for i, t in enumerate(gtexts):
            if not t:
                continue
            try:
                number = float(t)
                if number != int(number) or not 0 < number <= MAX_GEONAMES_ID:
                    raise ValueError
                g_parsed[i] = int(number)
            except (ValueError, OverflowError):
                g_invalid[i] = True
    # Cities and countries stay integer codes into small lists of distinct texts.
    city_raw, city_texts = _strings(df["city"]) if "city" in df.columns else (_blank(n), [""])
    city_index = np.arange(len(city_texts), dtype=np.int32)  # raw code -1 -> the '' entry
    ccodes, ctexts = _strings(df["country"]) if "country" in df.columns else (_blank(n), [""])
    iso = [_country_code(t) for t in ctexts]
    country_texts = sorted({c for c in iso if c} | {""})  # ISO alpha-2 codes; '' = none
    position = {c: i for i, c in enumerate(country_texts)}
    country_of = _lut([position[c or ""] for c in iso], np.int32)
    unknown_country = _lut([bool(t) and c is None for t, c in zip(ctexts, iso, strict=True)], bool)
    raw_country_empty = _lut([t == "" for t in ctexts], bool)
    any_unknown_country = bool(unknown_country.any())

    ycol = df["year"]
    year_numeric = pd.api.types.is_numeric_dtype(ycol.dtype) and not pd.api.types.is_bool_dtype(
        ycol.dtype
    )
    year_ints = ycol.dtype.kind in "iu" and isinstance(ycol.dtype, np.dtype)
    year_array = ycol.to_numpy() if year_ints else np.zeros(0, dtype=np.int64)
    ycodes: NDArray[np.integer] = _blank(n)
    ytexts = [""]
    year_values = np.full(1, np.nan)
    if not year_numeric:
        ycodes, ytexts = _strings(ycol)
        year_values = pd.to_numeric(pd.Series(ytexts, dtype=object), errors="coerce").to_numpy(
            dtype=np.float64
        )

    kpi_codes, kpi_texts = _strings(df["kpi"])
    printed = {
        str(p).strip().lower(): c
        for c, p in zip(
            nodes.index, nodes.get("code_as_printed", pd.Series(dtype=str)), strict=False
        )
        if str(p).strip()
    }
    upper_index = {str(c).lower(): str(c) for c in nodes.index if framework.level(str(c)) <= 1}
    resolved = [upper_index.get(t.lower()) or printed.get(t.lower()) for t in kpi_texts]
    unknown_kpi = _lut([r is None for r in resolved], bool)
    empty_kpi = _lut([t == "" for t in kpi_texts], bool)
    dp_codes, dp_texts = (
        _strings(df["data_point"]) if "data_point" in df.columns else (_blank(n), [""])
    )
    n_dp = len(dp_texts)

    vtype = framework.column("value_type")
    yesno_of = np.append(vtype == "yesno", False)  # index -1: unknown measure
    raw_value = df["value"]
    value_numeric = pd.api.types.is_numeric_dtype(raw_value.dtype)
    text_pos = np.zeros(0, dtype=np.int64)
    text_of: dict[int, str] = {}
    yn_text = np.zeros(0)
    vcodes: NDArray[np.integer] = _blank(n)
    vtexts = [""]
    if value_numeric:
        raw_numbers = raw_value.to_numpy(dtype=np.float64, na_value=np.nan)
        # Readers pass the text of non-numeric cells aside (yes/no answers and mistakes).
        text_cells = table.value_text if table.value_text is not None else pd.Series(dtype=object)
        order = np.argsort(text_cells.index.to_numpy(dtype=np.int64), kind="stable")
        text_pos = text_cells.index.to_numpy(dtype=np.int64)[order]
        text_list = [str(t) for t in np.asarray(text_cells.to_numpy(dtype=object))[order]]
        text_of = dict(zip(text_pos.tolist(), text_list, strict=True))
        yn_text = np.asarray(
            [1.0 if t.strip().lower() in YES else 0.0 if t.strip().lower() in NO else np.nan
             for t in text_list],
            dtype=np.float64,
        )  # fmt: skip
    else:
        raw_numbers = np.zeros(0)
        vcodes, vtexts = _strings(raw_value)
    v_number = pd.to_numeric(pd.Series(vtexts, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64
    )
    v_yesno = _lut([1.0 if t.lower() in YES else 0.0 if t.lower() in NO else np.nan
                    for t in vtexts], np.float64)  # fmt: skip
    v_empty = _lut([t == "" for t in vtexts], bool)

    has_unit = "unit" in df.columns
    ucodes, utexts = _strings(df["unit"]) if has_unit else (_blank(n), [""])
    n_units_text = len(utexts)

    # ---- pass 1: GeoNames ids parsed, (KPI, data point) pairs seen
    gid: NDArray[np.int32] | None = None  # ids are below 2^31; -1 = none or invalid
    if gcol is not None:
        gid = np.empty(n, dtype=np.int32)
    plain_ints = gcol is not None and gcol.dtype in (np.dtype(np.int64), np.dtype(np.int32))
    pairs = _Pairs(len(kpi_texts), n_dp)
    with np.errstate(invalid="ignore"):
        for s, e in spans:
            if gid is not None and gcol is not None:
                if plain_ints:  # no missing cells, no parsing
                    g_vals = gcol.to_numpy()[s:e]
                    out_of_range = (g_vals <= 0) | (g_vals > MAX_GEONAMES_ID)
                    gid[s:e] = g_vals
                    if out_of_range.any():
                        hits.add("geonames_range", out_of_range, s)
                        bad[s:e] |= out_of_range
                        gid[s:e][out_of_range] = -1
                elif g_int and not np.asarray(gcol.array[s:e].isna()).any():
                    g_vals = gcol.array[s:e].to_numpy(dtype=np.int64)
                    out_of_range = (g_vals <= 0) | (g_vals > MAX_GEONAMES_ID)
                    hits.add("geonames_range", out_of_range, s)
                    bad[s:e] |= out_of_range
                    gid[s:e] = np.where(out_of_range, -1, g_vals)
                elif g_int:
                    g = gcol.array[s:e].to_numpy(dtype=np.float64, na_value=np.nan)
                    out_of_range = (g <= 0) | (g > MAX_GEONAMES_ID)
                    hits.add("geonames_range", out_of_range, s)
                    bad[s:e] |= out_of_range
                    gid[s:e] = np.where(np.isnan(g) | out_of_range, -1, g)
                else:
                    gc = gcodes[s:e]
                    gid[s:e] = g_parsed[gc]
                    hits.add("geonames_text", g_invalid[gc], s)
                    bad[s:e] |= g_invalid[gc]
            pairs.add(kpi_codes[s:e], dp_codes[s:e])

    # Every distinct GeoNames id is looked up once.
    gids = np.zeros(0, dtype=np.int64)
    geo: _Distinct | None = None
    if gid is not None and gid.max(initial=-1) > 0:
        geo = _Distinct(int(gid.max()) + 1)
        for s, e in spans:
            gs = gid[s:e]
            geo.add(gs[gs > 0])
        gids = geo.finish()
    resolving = resolve_geonames is not None and geo is not None
    found: list[tuple[str, str] | None] = []
    if resolving and resolve_geonames is not None:
        found = [resolve_geonames(g) for g in gids.tolist()]
    # Index -1 (no id, or not looked up) reads the sentinel at the end of each table.
    found_of = _lut([f is not None for f in found] + [False], bool)
    city_pos = {t: i for i, t in enumerate(city_texts)}
    country_pos = {t: i for i, t in enumerate(country_texts)}
    g_city_list: list[int] = []
    g_country_list: list[int] = []
    for hit in found:
        if hit is None:
            g_city_list.append(-1)
            g_country_list.append(-1)
            continue
        hit_city, hit_country = hit
        if hit_city not in city_pos:
            city_pos[hit_city] = len(city_texts)
            city_texts.append(hit_city)
        if hit_country not in country_pos:
            country_pos[hit_country] = len(country_texts)
            country_texts.append(hit_country)
        g_city_list.append(city_pos[hit_city])
        g_country_list.append(country_pos[hit_country])
    g_city = _lut([*g_city_list, -1], np.int32)
    g_country = _lut([*g_country_list, -1], np.int32)
    found_by_gid = dict(zip(gids.tolist(), found, strict=False))
    city_empty_of = _lut([t == "" for t in city_texts], bool)
    country_empty_of = _lut([c == "" for c in country_texts], bool)

    # Measures are resolved once per distinct (KPI, data point) pair.
    pair_kpi, pair_dp = pairs.finish()
    pair_measure: list[int] = []
    pair_msg: list[str] = []
    measure_pos = {m: i for i, m in enumerate(measures)}
    for kc, dc in zip(pair_kpi.tolist(), pair_dp.tolist(), strict=True):
        measure, msg = _measure_of_pair(framework, resolved[kc], dp_texts[dc])
        pair_measure.append(-1 if measure is None or msg else measure_pos[measure])
        pair_msg.append(msg)
    pair_mcode = _lut(pair_measure, _code_dtype(n_measures))
    pair_bad = _lut([bool(m) for m in pair_msg], bool)
    any_bad_pair = bool(pair_bad.any())
    # Only codes that occur matter: an unused category must not cost a pass.
    used_kpi = np.unique(pair_kpi)
    any_bad_kpi = bool((unknown_kpi[used_kpi] | empty_kpi[used_kpi]).any())

    def identity(
        gv: NDArray[np.int32] | None, craw: NDArray[np.integer], cc: NDArray[np.integer]
    ) -> tuple[
        NDArray[np.integer],
        NDArray[np.integer],
        NDArray[np.bool_],
        list[tuple[str, NDArray[np.bool_]]],
    ]:
        """City and country codes of rows (or runs of rows), the rows without a city, checks."""
        flagged: list[tuple[str, NDArray[np.bool_]]] = []
        country_s = country_of[cc]
        if any_unknown_country:
            flagged.append(("country_unknown", unknown_country[cc]))
        city_s = city_index[craw]
        city_empty = city_empty_of[city_s]
        country_empty = country_empty_of[country_s]
        has_gid = gv > 0 if gv is not None else np.zeros(len(cc), dtype=bool)
        if resolving and geo is not None and gv is not None:
            gc = geo.codes(np.maximum(gv, 0))
            known_gid = found_of[gc]
            unknown_id = has_gid & ~known_gid
            # The registry holds cities of 15,000+; a smaller town is fine when named.
            named = unknown_id & ~city_empty & ~country_empty
            flagged.append(("geonames_named", named))
            flagged.append(("geonames_unknown", unknown_id & ~named))
            # Fill name and country from GeoNames; a contradicting country is an error.
            looked_country = g_country[gc]
            city_s = np.where(known_gid & city_empty, g_city[gc], city_s)
            flagged.append(
                ("country_clash", known_gid & ~country_empty & (country_s != looked_country))
            )
            country_s = np.where(known_gid & country_empty, looked_country, country_s)
            city_empty = city_empty_of[city_s]
            country_empty = country_empty_of[country_s]
        no_city = city_empty & ~has_gid
        flagged.append(("no_city", no_city))
        no_country = country_empty & raw_country_empty[cc] & ~has_gid & ~no_city
        flagged.append(("no_country", no_country))
        return city_s, country_s, no_city, flagged

    # ---- pass 2: identity, year, measure, value
    city_code = np.empty(n, dtype=_code_dtype(len(city_texts)))
    country_code = np.empty(n, dtype=_code_dtype(len(country_texts)))
    year_out = np.empty(n, dtype=np.int16)  # years are within YEAR_RANGE (0 where bad)
    mcode = np.empty(n, dtype=_code_dtype(n_measures))
    # The values, once one changes (a yes/no answer in words, a unit conversion); until then
    # the input's own numbers, so that a clean file costs no copy.
    value: NDArray[np.float64] | None = None
    considered = np.empty(n, dtype=bool)  # rows that take part in the duplicate check
    year_min, year_max = YEAR_RANGE[1] + 1, YEAR_RANGE[0] - 1
    unit_pairs = _Pairs(n_measures + 1, n_units_text)  # row -1: unknown measure
    # Per slice: the runs of rows of one city (starts, lengths), or None (checked by row).
    runs: list[tuple[NDArray[np.intp], NDArray[np.intp]] | None] = []
    with np.errstate(invalid="ignore"):
        for s, e in spans:
            m = e - s
            bad_s = bad[s:e]
            cc = ccodes[s:e]
            craw = city_raw[s:e]
            gv = gid[s:e] if gid is not None else None
            # Rows come grouped by city: the identity checks run once per run of rows with
            # the same id, name and country, and their verdicts are spread over the run.
            change = craw[1:] != craw[:-1]
            change |= cc[1:] != cc[:-1]
            if gv is not None:
                change |= gv[1:] != gv[:-1]
            starts = np.flatnonzero(np.concatenate(([True], change)))
            if len(starts) * 4 <= m:
                lengths = np.diff(np.append(starts, m))
                runs.append((starts, lengths))
                city_s, country_s, no_city, checks = identity(
                    gv[starts] if gv is not None else None, craw[starts], cc[starts]
                )
                city_code[s:e] = np.repeat(city_s, lengths)
                country_code[s:e] = np.repeat(country_s, lengths)
                no_city = np.repeat(no_city, lengths) if no_city.any() else no_city[:0]
                for check, run_mask in checks:
                    if run_mask.any():
                        row_mask = np.repeat(run_mask, lengths)
                        hits.add(check, row_mask, s)
                        if check in IDENTITY_ERRORS:
                            bad_s |= row_mask
            else:
                runs.append(None)
                city_s, country_s, no_city, checks = identity(gv, craw, cc)
                city_code[s:e] = city_s
                country_code[s:e] = country_s
                for check, row_mask in checks:
                    if row_mask.any():
                        hits.add(check, row_mask, s)
                        if check in IDENTITY_ERRORS:
                            bad_s |= row_mask
                no_city = no_city if no_city.any() else no_city[:0]

            if year_ints:  # whole numbers without missing cells: only the range to check
                year_num = year_array[s:e]
                year_bad = (year_num < YEAR_RANGE[0]) | (year_num > YEAR_RANGE[1])
            else:
                if year_numeric:
                    year_num = ycol.array[s:e].to_numpy(dtype=np.float64, na_value=np.nan)
                else:
                    year_num = year_values[ycodes[s:e]]
                year_bad = ~np.isfinite(year_num) | (np.mod(year_num, 1) != 0)
                year_bad |= (year_num < YEAR_RANGE[0]) | (year_num > YEAR_RANGE[1])
            hits.add("year", year_bad, s)
            bad_s |= year_bad
            year_s = np.where(year_bad, 0, year_num).astype(np.int16)
            year_out[s:e] = year_s

            kc = kpi_codes[s:e]
            if any_bad_kpi:
                kpi_empty = empty_kpi[kc]
                kpi_unknown = unknown_kpi[kc]
                hits.add("kpi_empty", kpi_empty, s)
                hits.add("kpi_unknown", kpi_unknown & ~kpi_empty, s)
                bad_s |= kpi_unknown
            pc = pairs.codes(kc, dp_codes[s:e])
            if any_bad_pair:
                hits.add("data_point", pair_bad[pc], s)
                bad_s |= pair_bad[pc]
            mc = pair_mcode[pc]
            mcode[s:e] = mc
            known = mc >= 0
            considered_s = known & ~year_bad
            if len(no_city):
                considered_s &= ~no_city
            considered[s:e] = considered_s
            if considered_s.any():
                years_seen = year_s[considered_s]
                year_min = min(year_min, int(years_seen.min()))
                year_max = max(year_max, int(years_seen.max()))

            row_yesno = yesno_of[mc]
            if value_numeric and not (
                text_pos[-1] >= s and text_pos[0] < e if len(text_pos) else False
            ):
                # Numbers only: the usual case, checked on the yes/no rows alone.
                v = raw_numbers[s:e]
                empty = np.isnan(v)
                yes_no_rows = np.flatnonzero(row_yesno)
                answers = v[yes_no_rows]
                yn_num = yes_no_rows[(answers == answers) & (answers != 0.0) & (answers != 1.0)]
                hits.add_index("yesno_number", yn_num, s)
                bad_s[yn_num] = True
                nonnum = None
                changed = False
            elif value_numeric:
                v = raw_numbers[s:e]
                lo, hi = np.searchsorted(text_pos, [s, e])
                local = text_pos[lo:hi] - s
                is_text = np.zeros(m, dtype=bool)
                is_text[local] = True
                yn_vals = np.full(m, np.nan)
                yn_vals[local] = yn_text[lo:hi]
                empty = np.isnan(v) & ~is_text
                yn_num = row_yesno & ~is_text & ~np.isnan(v) & (v != 0.0) & (v != 1.0)
                hits.add("yesno_number", yn_num, s)
                bad_s |= yn_num
                v = np.where(row_yesno & is_text, yn_vals, v)
                nonnum = is_text & np.isnan(v)
                changed = True
            else:
                vc = vcodes[s:e]
                empty = v_empty[vc]
                yn_row = v_yesno[vc]
                number = v_number[vc]
                v = np.where(row_yesno, yn_row, number)
                nonnum = ~empty & np.isnan(v)
                yn_num = row_yesno & ~empty & ~np.isnan(number) & np.isnan(yn_row)
                v = np.where(yn_num, number, v)
                nonnum &= ~yn_num
                yn_wrong = yn_num & (v != 0.0) & (v != 1.0)
                hits.add("yesno_number", yn_wrong, s)
                bad_s |= yn_wrong
                changed = True
            hits.add("empty", empty & known, s)
            bad_s |= empty
            if nonnum is not None:
                hits.add("yesno_text", nonnum & row_yesno & known, s)
                hits.add("not_number", nonnum & ~row_yesno & known, s)
                bad_s |= nonnum
            if changed:
                if value is None:
                    value = raw_numbers.copy() if value_numeric else np.empty(n, dtype=np.float64)
                value[s:e] = v
            if has_unit:
                unit_pairs.add(mc, ucodes[s:e])

    # Units are checked once per distinct (measure, unit) pair.
    unit_measure, unit_text = unit_pairs.finish()
    factors = np.ones(len(unit_measure))
    unit_ok = np.ones(len(unit_measure), dtype=bool)
    unit_msg: list[str] = []
    for j, (mc_j, uc) in enumerate(zip(unit_measure.tolist(), unit_text.tolist(), strict=True)):
        if mc_j == n_measures:  # unknown measure: reported already
            unit_msg.append("")
            continue
        meas = measures[mc_j]
        verdict = check_unit(
            utexts[uc], str(nodes.at[meas, "unit"]), str(nodes.at[meas, "unit_key"])
        )
        factors[j] = verdict.factor
        unit_ok[j] = verdict.ok
        unit_msg.append(verdict.message)
    converting = bool((factors != 1.0).any())
    all_units_ok = bool(unit_ok.all())

    type_names = list(dict.fromkeys(vtype.tolist()))
    type_of = _lut([type_names.index(t) for t in vtype.tolist()] + [-1], np.int16)

    def type_code(name: str) -> int:
        return type_names.index(name) if name in type_names else -2

    t_percent, t_coef = type_code("percent"), type_code("coefficient")
    nonnegative = np.append(np.isin(vtype, ["count", "rate", "quantity", "ratio"]), False)
    is_count = np.append(vtype == "count", False)
    pmin = framework.column("plausible_min").astype(np.float64)
    pmax = framework.column("plausible_max").astype(np.float64)
    # Per-measure bounds (index -1: unknown measure, never out of range): the value type's
    # hard range, the plausibility range, and the narrower of the two.
    lower_hard = np.where(
        nonnegative[:-1] | np.isin(vtype, ["percent", "coefficient"]), 0.0, -np.inf
    )
    upper_hard = np.where(vtype == "percent", 100.0, np.where(vtype == "coefficient", 1.0, np.inf))
    lower_plausible = np.where(np.isnan(pmin), -np.inf, pmin)
    upper_plausible = np.where(np.isnan(pmax), np.inf, pmax)
    lower_hard, upper_hard, lower_plausible, upper_plausible = (
        np.append(b, edge)
        for b, edge in (
            (lower_hard, -np.inf),
            (upper_hard, np.inf),
            (lower_plausible, -np.inf),
            (upper_plausible, np.inf),
        )
    )
    lower_any = np.maximum(lower_hard, lower_plausible)
    upper_any = np.minimum(upper_hard, upper_plausible)
    psrc = framework.column("plausible_source")
    vflag_codes: NDArray[np.integer] = _blank(n)
    vflag_texts = [""]
    if "verified" in df.columns and pd.api.types.is_bool_dtype(df["verified"].dtype):
        # True/False as booleans: codes 1/0 into ["false", "true"], missing -> "".
        flag_col = df["verified"]
        vflag_texts = ["false", "true", ""]
        if isinstance(flag_col.dtype, np.dtype):  # plain booleans: nothing missing
            vflag_codes = flag_col.to_numpy().view(np.int8)
        else:
            vflag_codes = np.where(
                flag_col.isna().to_numpy(), -1, flag_col.to_numpy(dtype=bool, na_value=False)
            ).astype(np.int8)
    elif "verified" in df.columns:
        vflag_codes, vflag_texts = _strings(df["verified"])
    flags = [
        True if t.lower() in YES else False if (t.lower() in NO or not t) else None
        for t in vflag_texts
    ]
    flag_bad = _lut([f is None for f in flags], bool)
    flag_true = _lut([bool(f) for f in flags], bool)
    any_bad_flag = bool(flag_bad.any())
    verified = np.empty(n, dtype=bool)

    # ---- pass 3: units, ranges by value type, plausibility, verified flag
    def units_ranges_flags() -> None:
        """Pass 3. It runs beside pass 4: neither reads what the other writes."""
        nonlocal value
        with np.errstate(invalid="ignore", over="ignore"):
            for s, e in spans:
                bad_s = bad[s:e]
                mc = mcode[s:e]
                known = mc >= 0
                v = (value if value is not None else raw_numbers)[s:e]
                if has_unit:
                    upc = unit_pairs.codes(mc, ucodes[s:e])
                    row_ok = unit_ok[upc]
                    if not all_units_ok:
                        hits.add("unit", ~row_ok & known, s)
                        bad_s |= ~row_ok
                    if converting:
                        factor = factors[upc]
                        converted = row_ok & (factor != 1.0) & known
                        hits.add("unit_converted", converted, s)
                        v = v * factor
                        # A finite value can overflow when converted (1e308 per 1,000 -> 100,000).
                        overflow = converted & ~np.isfinite(v) & ~np.isnan(v)
                        hits.add("overflow", overflow, s)
                        bad_s |= overflow
                        if value is None:
                            value = raw_numbers.copy()
                        value[s:e] = v
                # One comparison with per-measure bounds finds every value out of its type's
                # range or its plausibility range; the few found are then told apart.
                out_rows = np.flatnonzero((v < lower_any[mc]) | (v > upper_any[mc]))
                if len(out_rows):
                    fv, fm = v[out_rows], mc[out_rows]
                    hard = (fv < lower_hard[fm]) | (fv > upper_hard[fm])
                    for check, tcode in (("percent", t_percent), ("coefficient", t_coef)):
                        hits.add_index(check, out_rows[hard & (type_of[fm] == tcode)], s)
                    hits.add_index("negative", out_rows[hard & nonnegative[fm]], s)
                    bad_s[out_rows[hard]] = True
                count_rows = np.flatnonzero(is_count[mc])
                if len(count_rows):
                    cv = v[count_rows]
                    fraction = count_rows[(np.mod(cv, 1) != 0) & ~np.isnan(cv)]
                    hits.add_index("count_fraction", fraction, s)
                    bad_s[fraction] = True
                if len(out_rows):
                    soft = (fv < lower_plausible[fm]) | (fv > upper_plausible[fm])
                    hits.add_index("implausible", out_rows[soft & ~bad_s[out_rows]], s)
                vf = vflag_codes[s:e]
                if any_bad_flag:
                    hits.add("verified", flag_bad[vf], s)
                    bad_s |= flag_bad[vf]
                verified[s:e] = flag_true[vf]

    # Pass 3 on a thread for large tables, while this one runs pass 4 (numpy releases the GIL).
    pass3 = _beside(units_ranges_flags, n)

    # ---- pass 4: one identity per city, and duplicates of (city, year, measure)
    # A city is its GeoNames id, else its case-folded name with its country.
    folded = [t.casefold() for t in city_texts]
    fold_pos = {t: i for i, t in enumerate(dict.fromkeys(folded))}
    fold_of = _lut([fold_pos[t] for t in folded], np.int64)
    n_country = len(country_texts) + 1
    n_gids = len(gids)

    Rows = slice | NDArray[np.intp]  # a slice of rows, or the first rows of its runs

    def rows_of(i: int, s: int, e: int) -> Rows:
        run = runs[i]
        return slice(s, e) if run is None else run[0] + s

    def name_keys(at: Rows) -> NDArray[np.int64]:
        return np.asarray(fold_of[city_code[at]] * n_country + country_code[at], dtype=np.int64)

    def gid_codes(at: Rows) -> NDArray[np.integer]:
        if geo is None or gid is None:
            return np.full(len(city_code[at]), -1, dtype=np.intp)
        return geo.codes(np.maximum(gid[at], 0))

    names = _Distinct(len(fold_pos) * n_country)
    for i, (s, e) in enumerate(spans if gid is None or (gid <= 0).any() else ()):
        at = rows_of(i, s, e)
        names.add(name_keys(at)[gid_codes(at) < 0])
    name_list = names.finish()
    # A row naming a city that other rows identify by GeoNames id is that same city.
    identity_of = np.arange(n_gids + len(name_list), dtype=np.int64)
    if len(name_list) and n_gids:
        named_gid = _Distinct(len(fold_pos) * n_country * n_gids)
        for i, (s, e) in enumerate(spans):
            at = rows_of(i, s, e)
            gc = gid_codes(at)
            with_id = gc >= 0
            named_gid.add(name_keys(at)[with_id] * n_gids + gc[with_id])
        both = named_gid.finish()
        key_of, gid_of = np.divmod(both, n_gids)
        uniq, first, count = np.unique(key_of, return_index=True, return_counts=True)
        single = count == 1
        code = names.codes(uniq[single])
        use = code >= 0
        identity_of[n_gids + code[use]] = gid_of[first[single][use]]
    n_ident = len(identity_of)
    first_row = np.full(n_ident, n, dtype=np.int64)
    ident = np.empty(n, dtype=_code_dtype(n_ident))
    seen = np.zeros(n_ident, dtype=bool)
    span = year_max - year_min + 1 if year_max >= year_min else 1
    base = year_min if year_max >= year_min else 0
    stride = n_measures + 1
    space = n_ident * span * stride
    # A dense table of keys is O(n) and cache-friendly; hashing ten million keys is not.
    dense = space < 2**31 - 1 and space <= 4 * n + 10_000_000

    def dup_keys_of(s: int, e: int) -> NDArray[np.int64]:
        key = (ident[s:e].astype(np.int64) * span + (year_out[s:e] - base)) * stride
        key += mcode[s:e] + 1
        key[~considered[s:e]] = space  # a slot for the rows left out of the check
        return key

    for i, (s, e) in enumerate(spans):
        at = rows_of(i, s, e)
        gc = gid_codes(at)
        if len(name_list):
            code = identity_of[np.where(gc >= 0, gc, n_gids + names.codes(name_keys(at)))]
        else:  # every row has a GeoNames id: the id is the identity
            code = gc
        run = runs[i]
        if run is None:
            ident[s:e] = code
            # A city's first row starts a run of equal codes: only run starts are looked at.
            starts = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
        else:
            ident[s:e] = np.repeat(code, run[1])
            starts = np.arange(len(code))
            code_rows = run[0]
        fresh = starts[~seen[code[starts]]]
        if len(fresh):
            first_rows = fresh if run is None else code_rows[fresh]
            np.minimum.at(first_row, code[fresh], first_rows + s)
            seen[code[fresh]] = True
    dup = np.zeros(0, dtype=np.int64)
    first_of: dict[int, int] = {}
    if dense:
        # owner[key]: a row holding the key. A row whose key an earlier slice holds, or that
        # loses the key to another row of its own slice, is a duplicate: its key is "hot".
        owner = np.full(space + 1, -1, dtype=np.int32)
        hot = np.zeros(space + 1, dtype=bool)
        for s, e in spans:
            key = dup_keys_of(s, e)
            slice_rows = np.arange(s, e, dtype=np.int32)
            clash = owner[key] >= 0
            owner[key] = slice_rows
            clash |= owner[key] != slice_rows
            hot[key[clash]] = True
        del owner
        hot[space] = False
        suspect = np.concatenate([np.flatnonzero(hot[dup_keys_of(s, e)]) + s for s, e in spans])
        del hot
    else:
        suspect = np.flatnonzero(considered)
    if len(suspect):
        dup_keys = pd.Series(
            (ident[suspect].astype(np.int64) * span + (year_out[suspect] - base)) * stride
            + mcode[suspect]
            + 1
        )
        later = dup_keys.duplicated(keep="first").to_numpy()
        dup = suspect[later]
        first_index = pd.Series(suspect).groupby(dup_keys.to_numpy()).first()
        first_of = {
            int(i): int(first_index.loc[dup_keys.iloc[j]])
            for j, i in zip(np.flatnonzero(later)[: max_problems + 1].tolist(),
                            dup[: max_problems + 1].tolist(), strict=True)
        }  # fmt: skip

    if pass3 is not None:
        pass3.result()  # raises what pass 3 raised
    # ---- messages, in the order of the checks
    values = value if value is not None else raw_numbers

    def measure_of(i: int) -> str:
        return str(measures[mcode[i]]) if mcode[i] >= 0 else ""

    def shown(i: int) -> str:
        return text_of.get(i, "") if value_numeric else str(vtexts[vcodes[i]])

    def year_shown(i: int) -> str:
        if year_numeric:
            cell = ycol.iloc[i]
            y = np.nan if pd.isna(cell) else float(cell)
            return "" if np.isnan(y) else f"{y:g}"
        return str(ytexts[ycodes[i]])

    def clash_message(i: int) -> str:
        assert gid is not None
        hit = found_by_gid.get(int(gid[i]))
        name, cc = hit if hit is not None else ("", "")
        return (
            f"country {country_texts[country_code[i]]!r} disagrees with GeoNames id "
            f"{gid[i]} ({name}, {cc})"
        )

    def pair_message(i: int) -> str:
        code = pairs.codes(np.asarray([kpi_codes[i]]), np.asarray([dp_codes[i]]))
        return pair_msg[int(code[0])]

    def unit_message(i: int) -> str:
        code = unit_pairs.codes(np.asarray([mcode[i]]), np.asarray([ucodes[i]]))
        return unit_msg[int(code[0])]

    add = out.add_rows
    add(
        hits["geonames_range"],
        "geonames_id",
        lambda i: (
            f"GeoNames id must be positive and below 2^31, got {float(df['geonames_id'].iloc[i]):g}"
        ),
    )
    add(
        hits["geonames_text"],
        "geonames_id",
        lambda i: f"GeoNames id must be a whole number, got {gtexts[gcodes[i]]!r}",
    )
    add(
        hits["country_unknown"],
        "country",
        lambda i: (
            f"unknown country {ctexts[ccodes[i]]!r}; "
            "expected an ISO 3166 code such as 'CH' or 'CHE'"
        ),
    )
    add(
        hits["geonames_named"],
        "geonames_id",
        lambda i: (
            f"GeoNames id {gid[i] if gid is not None else ''} is not among the registry's "
            "cities of 15,000 or more; kept with the name and country given"
        ),
        "warning",
    )
    add(
        hits["geonames_unknown"],
        "geonames_id",
        lambda i: (
            f"unknown GeoNames id {gid[i] if gid is not None else ''}; "
            "look the city up on geonames.org"
        ),
    )
    add(hits["country_clash"], "country", clash_message)
    add(
        hits["no_city"],
        "city",
        "city is empty; give a city name and country, or a GeoNames id",
    )
    add(hits["no_country"], "country", "country is empty; give the ISO 3166 code, e.g. 'FR'")
    add(
        hits["year"],
        "year",
        lambda i: (
            f"year must be a whole number between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}, "
            f"got {year_shown(i)!r}"
        ),
    )
    add(hits["kpi_empty"], "kpi", "KPI code is empty")
    add(
        hits["kpi_unknown"],
        "kpi",
        lambda i: (
            f"unknown KPI code {kpi_texts[kpi_codes[i]]!r} in framework "
            f"'{framework.name}'{framework.suggest(kpi_texts[kpi_codes[i]])}"
        ),
    )
    add(
        hits["data_point"],
        "data_point" if "data_point" in df.columns else "kpi",
        pair_message,
    )
    add(
        hits["yesno_number"],
        "value",
        lambda i: f"{measure_of(i)} is a yes/no KPI; expected yes/no or 1/0, got {values[i]:g}",
    )
    add(
        hits["empty"],
        "value",
        "value is empty; leave the row out if the KPI is not reported",
    )
    add(
        hits["yesno_text"],
        "value",
        lambda i: f"{measure_of(i)} is a yes/no KPI; expected yes or no, got {shown(i)!r}",
    )
    add(hits["not_number"], "value", lambda i: f"expected a number, got {shown(i)!r}")
    add(hits["unit"], "unit", unit_message)
    add(hits["unit_converted"], "unit", unit_message, "warning")
    add(
        hits["overflow"],
        "value",
        lambda i: "value is too large once converted to the KPI's unit",
    )
    add(
        hits["percent"],
        "value",
        lambda i: f"percentage must be within 0-100, got {values[i]:g}",
    )
    add(
        hits["coefficient"],
        "value",
        lambda i: f"coefficient must be within 0-1, got {values[i]:g}",
    )
    add(
        hits["negative"],
        "value",
        lambda i: f"{measure_of(i)} cannot be negative, got {values[i]:g}",
    )
    add(
        hits["count_fraction"],
        "value",
        lambda i: f"a count must be a whole number, got {values[i]:g}",
    )
    add(
        hits["implausible"],
        "value",
        lambda i: f"{measure_of(i)} = {values[i]:g} is unusual ({psrc[mcode[i]]}); check it",
        "warning",
    )
    add(
        hits["verified"],
        "verified",
        lambda i: f"verified must be yes/no or true/false, got {vflag_texts[vflag_codes[i]]!r}",
    )
    add(
        dup,
        "value",
        lambda i: (
            f"duplicate of row {table.rows[first_of[i]]}: same city, year, KPI and data point"
        ),
    )
    # Free text is stored as given: a character no database can store (NUL, which PostgreSQL
    # refuses; a lone surrogate, which has no UTF-8) is an error at its cell, decided once per
    # distinct text, rather than a failure when the values are written.
    for extra in ("source", "note"):
        if extra in df.columns:
            ecodes, etexts = _strings(df[extra])
            reasons = [forbidden_character(t) for t in etexts]
            if any(reasons):
                flagged = _lut([r is not None for r in reasons], bool)
                add(np.flatnonzero(flagged[ecodes]), extra, _text_message(extra, ecodes, reasons))
    problems = out.finish()
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    return ValidatedData(
        _clean_long(
            framework,
            df,
            table.rows,
            ident=ident,
            first_row=first_row,
            seen=seen,
            gids=gids,
            gid=gid,
            city_code=city_code,
            city_texts=city_texts,
            folded=folded,
            country_code=country_code,
            country_texts=country_texts,
            year=year_out,
            mcode=mcode,
            value=values,
            verified=verified,
        ),
        [p for p in problems if p.severity == "warning"],
    )


def _text_message(
    column: str, codes: NDArray[np.integer], reasons: list[str | None]
) -> Callable[[int], str]:
    """The message of a free-text cell (row position ``i``) holding a forbidden character."""

    def message(i: int) -> str:
        return f"the {column} contains {reasons[int(codes[i])]}; remove it"

    return message


def _categorical(codes: NDArray[np.integer], categories: list[str]) -> pd.Categorical[Any]:
    """A categorical from codes known to be valid, in the dtype pandas keeps (no re-check)."""
    return pd.Categorical.from_codes(
        codes.astype(_code_dtype(len(categories)), copy=False),
        dtype=pd.CategoricalDtype(pd.Index(categories)),
        validate=False,
    )


def _clean_long(
    framework: Framework,
    df: pd.DataFrame,
    rows: NDArray[np.int32] | NDArray[np.int64],
    *,
    ident: NDArray[np.int32],
    first_row: NDArray[np.int64],
    seen: NDArray[np.bool_],
    gids: NDArray[np.int64],
    gid: NDArray[np.int32] | None,
    city_code: NDArray[np.integer],
    city_texts: list[str],
    folded: list[str],
    country_code: NDArray[np.integer],
    country_texts: list[str],
    year: NDArray[np.int16],
    mcode: NDArray[np.integer],
    value: NDArray[np.float64],
    verified: NDArray[np.bool_],
) -> pd.DataFrame:
    """The validated long table; units (cities) numbered in order of first appearance."""
    present = np.flatnonzero(seen)
    order = present[np.argsort(first_row[present], kind="stable")]
    unit_type = _code_dtype(len(order))
    unit_of_ident = np.full(len(seen), -1, dtype=unit_type)
    unit_of_ident[order] = np.arange(len(order), dtype=unit_type)
    unit_code = unit_of_ident[ident]
    firsts = first_row[order].tolist()
    n_gids = len(gids)
    # Per city: the first row's spelling of its name, its country and GeoNames id.
    unit_keys = [
        f"geonames:{gids[u]}"
        if u < n_gids
        else f"{folded[city_code[r]]}|{country_texts[country_code[r]]}"
        for u, r in zip(order.tolist(), firsts, strict=True)
    ]
    unit_city = [city_texts[city_code[r]] for r in firsts]
    unit_country = [country_texts[country_code[r]] for r in firsts]
    city_cats = list(dict.fromkeys(unit_city))
    country_cats = list(dict.fromkeys(unit_country))
    city_idx = {c: i for i, c in enumerate(city_cats)}
    country_idx = {c: i for i, c in enumerate(country_cats)}
    measures = framework.measures
    nodes_dp = [
        framework.text(m, "data_point") if framework.level(m) == 0 else "" for m in measures
    ]
    kpis = list(framework.kpis)
    kpi_idx = {k: i for i, k in enumerate(kpis)}
    # Lookup tables in the codes' final dtype, so that each column is one gather, no cast.
    kpi_of_measure = _lut([kpi_idx[framework.kpi_of(m)] for m in measures], _code_dtype(len(kpis)))
    dp_cats = list(dict.fromkeys(nodes_dp))
    dp_of_measure = _lut([dp_cats.index(d) for d in nodes_dp], _code_dtype(len(dp_cats)))
    n = len(value)
    if gid is not None:
        gid_array = pd.arrays.IntegerArray(gid, gid <= 0)  # -1 (none) is masked
    else:
        gid_array = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int32), np.ones(n, dtype=bool))
    columns: dict[str, Any] = {
        "unit": _categorical(unit_code, unit_keys),
        "city": _categorical(
            _lut([city_idx[c] for c in unit_city], _code_dtype(len(city_cats)))[unit_code],
            city_cats,
        ),
        "country": _categorical(
            _lut([country_idx[c] for c in unit_country], _code_dtype(len(country_cats)))[unit_code],
            country_cats,
        ),
        "geonames_id": gid_array,
        "year": year,
        "measure": _categorical(mcode, list(measures)),
        "kpi": _categorical(kpi_of_measure[mcode], kpis),
        "data_point": _categorical(dp_of_measure[mcode], dp_cats),
        "value": value,
    }
    for extra in ("source", "note"):
        if extra in df.columns:
            ecodes, etexts = _strings(df[extra])
            cats = list(dict.fromkeys(etexts))
            if cats == etexts and ecodes.min(initial=0) >= 0:  # already distinct, none missing
                columns[extra] = _categorical(ecodes, cats)
            else:
                remap = _lut([cats.index(t) for t in etexts], np.int32)
                columns[extra] = _categorical(remap[ecodes], cats)
        else:
            columns[extra] = _categorical(np.zeros(n, dtype=np.int8), [""])
    columns["verified"] = verified
    columns["row"] = rows
    return pd.DataFrame(columns, copy=False)
