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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pycountry
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
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
        File row (1-based, header = 1) of each frame row.
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
    rows: NDArray[np.int64]
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
            return c[idx]
        return np.full(len(idx), c, dtype=np.int64)

    def add_rows(
        self,
        mask: NDArray[np.bool_],
        column: str,
        message: Callable[[int], str] | str,
        severity: str = "error",
    ) -> None:
        idx = np.flatnonzero(mask)
        if len(idx) == 0:
            return
        room = max(self.limit - len(self.problems), 0)
        self.dropped += max(len(idx) - room, 0)
        idx = idx[:room]
        rows = self.table.rows[idx]
        cols = self.col(column, idx)
        for i, r, c in zip(idx.tolist(), rows.tolist(), cols.tolist(), strict=True):
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


def _strings(series: pd.Series) -> tuple[NDArray[np.int64], list[str]]:
    """Codes of a column's distinct values and their stripped text; missing -> ''.

    Categorical columns (what the CSV reader produces) are not re-hashed: their codes are used
    as they are, so a column of ten million rows costs one array copy.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int64)
        uniques: list[object] = list(series.cat.categories)
    else:
        raw, values = pd.factorize(series, use_na_sentinel=True)
        codes = raw.astype(np.int64)
        uniques = list(values)
    texts = ["" if u is None or u is pd.NA or u != u else str(u).strip() for u in uniques]
    texts.append("")  # code -1 (missing) maps to the last entry
    codes[codes < 0] = len(texts) - 1
    return codes, texts


def _dense_codes(
    keys: NDArray[np.int64], space: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Codes of non-negative integer keys below ``space``, in ascending key order.

    For small key spaces (pairs of category codes) a lookup table beats hashing ten million
    keys; large spaces fall back to :func:`_factorize`.
    """
    if space > 4 * len(keys) + 1_000_000:
        return _factorize(keys)
    present = np.zeros(space, dtype=bool)
    present[keys] = True
    uniques = np.flatnonzero(present)
    lookup = np.full(space, -1, dtype=np.int64)
    lookup[uniques] = np.arange(len(uniques))
    return lookup[keys], uniques.astype(np.int64)


def _factorize(keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Hash-based (O(n)) codes of integer keys, in order of first appearance."""
    codes, uniques = pd.factorize(keys)
    return codes.astype(np.int64), np.asarray(uniques, dtype=np.int64)


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


def validate_long(
    table: LocatedTable,
    framework: Framework,
    *,
    resolve_geonames: GeoNamesResolver | None = None,
    max_problems: int = 10_000,
) -> ValidatedData:
    """Check a long table of KPI observations against a framework.

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
    bad = np.zeros(n, dtype=bool)
    nodes = framework.nodes

    # ---- city identity: GeoNames id, or name + ISO country
    gid = np.full(n, -1, dtype=np.int64)
    gcol = df["geonames_id"] if "geonames_id" in df.columns else None
    if gcol is not None and pd.api.types.is_integer_dtype(gcol.dtype):
        # Integer ids (Parquet, Excel) need no parsing; only non-positive ones are wrong.
        gid = gcol.to_numpy(dtype=np.float64, na_value=np.nan)
        negative = (gid <= 0) | (gid > MAX_GEONAMES_ID)
        out.add_rows(
            negative,
            "geonames_id",
            lambda i: f"GeoNames id must be positive and below 2^31, got {gid[i]:g}",
        )
        bad |= negative
        gid = np.where(np.isnan(gid) | negative, -1, gid).astype(np.int64)
    elif gcol is not None:
        codes, texts = _strings(gcol)
        parsed = np.full(len(texts), -1, dtype=np.int64)
        invalid = np.zeros(len(texts), dtype=bool)
        for i, t in enumerate(texts):
            if not t:
                continue
            try:
                number = float(t)
                if number != int(number) or not 0 < number <= MAX_GEONAMES_ID:
                    raise ValueError
                parsed[i] = int(number)
            except (ValueError, OverflowError):
                invalid[i] = True
        gid = parsed[codes]
        mask = invalid[codes]
        out.add_rows(
            mask,
            "geonames_id",
            lambda i: f"GeoNames id must be a whole number, got {texts[codes[i]]!r}",
        )
        bad |= mask
    # Cities and countries stay as integer codes into small lists of distinct texts.
    city_texts: list[str] = [""]
    city_code = np.zeros(n, dtype=np.int64)
    if "city" in df.columns:
        city_code, city_texts = _strings(df["city"])
    country_texts: list[str] = [""]  # ISO alpha-2 codes; '' = none
    country_code = np.zeros(n, dtype=np.int64)
    if "country" in df.columns:
        ccodes, ctexts = _strings(df["country"])
        iso = [_country_code(t) for t in ctexts]
        country_texts = sorted({c for c in iso if c} | {""})
        position = {c: i for i, c in enumerate(country_texts)}
        country_code = np.asarray([position[c or ""] for c in iso], dtype=np.int64)[ccodes]
        unknown = np.asarray([bool(t) and c is None for t, c in zip(ctexts, iso, strict=True)])[
            ccodes
        ]
        out.add_rows(
            unknown,
            "country",
            lambda i: (
                f"unknown country {ctexts[ccodes[i]]!r}; "
                "expected an ISO 3166 code such as 'CH' or 'CHE'"
            ),
        )
        bad |= unknown
    city_empty = np.asarray([t == "" for t in city_texts])[city_code]
    country_empty = np.asarray([c == "" for c in country_texts])[country_code]
    has_gid = gid > 0
    if resolve_geonames is not None and has_gid.any():
        # Everything is decided once per distinct id, then spread to rows by code.
        gcode, gids = _dense_codes(gid + 1, int(gid.max()) + 2)
        gids = gids - 1
        found = [resolve_geonames(int(g)) if g > 0 else None for g in gids.tolist()]
        unknown_id = has_gid & np.asarray([f is None for f in found], dtype=bool)[gcode]
        # The registry holds cities of 15,000+; a smaller town is fine when named.
        named = unknown_id & ~city_empty & ~country_empty
        out.add_rows(
            named,
            "geonames_id",
            lambda i: (
                f"GeoNames id {gid[i]} is not among the registry's cities of 15,000 or more; "
                "kept with the name and country given"
            ),
            "warning",
        )
        unknown_id &= ~named
        out.add_rows(
            unknown_id,
            "geonames_id",
            lambda i: f"unknown GeoNames id {gid[i]}; look the city up on geonames.org",
        )
        bad |= unknown_id
        # Fill name and country from GeoNames; a contradicting country is an error.
        city_pos = {t: i for i, t in enumerate(city_texts)}
        country_pos = {t: i for i, t in enumerate(country_texts)}
        g_city = np.full(len(gids), -1, dtype=np.int64)
        g_country = np.full(len(gids), -1, dtype=np.int64)
        for k, hit in enumerate(found):
            if hit is None:
                continue
            name, cc = hit
            if name not in city_pos:
                city_pos[name] = len(city_texts)
                city_texts.append(name)
            if cc not in country_pos:
                country_pos[cc] = len(country_texts)
                country_texts.append(cc)
            g_city[k] = city_pos[name]
            g_country[k] = country_pos[cc]
        known_gid = has_gid & np.asarray([f is not None for f in found], dtype=bool)[gcode]
        lookup_city = g_city[gcode]
        lookup_country = g_country[gcode]
        fill_city = known_gid & city_empty
        city_code = np.where(fill_city, lookup_city, city_code)
        given = known_gid & ~country_empty
        clash_rows = given & (country_code != lookup_country)
        out.add_rows(
            clash_rows,
            "country",
            lambda i: (
                f"country {country_texts[country_code[i]]!r} disagrees with GeoNames id "
                f"{gid[i]} ({city_texts[lookup_city[i]]}, {country_texts[lookup_country[i]]})"
            ),
        )
        bad |= clash_rows
        country_code = np.where(known_gid & country_empty, lookup_country, country_code)
        del gcode, fill_city, given, clash_rows, known_gid
        city_empty = np.asarray([t == "" for t in city_texts])[city_code]
        country_empty = np.asarray([c == "" for c in country_texts])[country_code]
    no_city = city_empty & ~has_gid
    out.add_rows(no_city, "city", "city is empty; give a city name and country, or a GeoNames id")
    raw_country_empty = country_empty
    if "country" in df.columns:
        raw_country_empty = np.asarray([t == "" for t in ctexts])[ccodes]
    no_country = country_empty & raw_country_empty & ~has_gid & ~no_city
    out.add_rows(no_country, "country", "country is empty; give the ISO 3166 code, e.g. 'FR'")
    bad |= no_city | no_country

    # ---- year
    ycol = df["year"]
    if pd.api.types.is_numeric_dtype(ycol.dtype) and not pd.api.types.is_bool_dtype(ycol.dtype):
        year_num = ycol.to_numpy(dtype=np.float64, na_value=np.nan)
        ycodes, ytexts = np.zeros(0, dtype=np.int64), [""]

        def year_shown(i: int) -> str:
            return "" if np.isnan(year_num[i]) else f"{year_num[i]:g}"
    else:
        ycodes, ytexts = _strings(ycol)
        year_values = pd.to_numeric(pd.Series(ytexts, dtype=object), errors="coerce").to_numpy(
            dtype=np.float64
        )
        year_num = year_values[ycodes]

        def year_shown(i: int) -> str:
            return str(ytexts[ycodes[i]])

    year_bad = ~np.isfinite(year_num) | (np.mod(year_num, 1) != 0)
    year_bad |= (year_num < YEAR_RANGE[0]) | (year_num > YEAR_RANGE[1])
    out.add_rows(
        year_bad,
        "year",
        lambda i: (
            f"year must be a whole number between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}, "
            f"got {year_shown(i)!r}"
        ),
    )
    bad |= year_bad

    # ---- KPI code and data point -> measure
    kpi_codes, kpi_texts = _strings(df["kpi"])
    printed = {
        str(p).strip().lower(): c
        for c, p in zip(
            nodes.index, nodes.get("code_as_printed", pd.Series(dtype=str)), strict=False
        )
        if str(p).strip()
    }
    upper_index = {str(c).lower(): str(c) for c in nodes.index if framework.level(str(c)) <= 1}
    resolved: list[str | None] = []
    for t in kpi_texts:
        lowered_code = t.lower()
        resolved.append(upper_index.get(lowered_code) or printed.get(lowered_code))
    unknown_kpi = np.asarray([r is None for r in resolved])[kpi_codes]
    empty_kpi = np.asarray([t == "" for t in kpi_texts])[kpi_codes]
    out.add_rows(empty_kpi, "kpi", "KPI code is empty")
    out.add_rows(
        unknown_kpi & ~empty_kpi,
        "kpi",
        lambda i: (
            f"unknown KPI code {kpi_texts[kpi_codes[i]]!r} in framework "
            f"'{framework.name}'{framework.suggest(kpi_texts[kpi_codes[i]])}"
        ),
    )
    bad |= unknown_kpi
    if "data_point" in df.columns:
        dp_codes, dp_texts = _strings(df["data_point"])
    else:
        dp_codes, dp_texts = np.zeros(n, dtype=np.intp), [""]
    # Measures are resolved per distinct (kpi, data point) pair.
    pair = kpi_codes.astype(np.int64) * (len(dp_texts) + 1) + dp_codes
    pair_inv, pairs = _dense_codes(pair, len(kpi_texts) * (len(dp_texts) + 1))
    pair_measure: list[str | None] = []
    pair_msg: list[str] = []
    for p in pairs.tolist():
        kc, dc = divmod(p, len(dp_texts) + 1)
        kpi = resolved[kc]
        dp = dp_texts[dc]
        measure: str | None = None
        msg = ""
        if kpi is not None:
            level = framework.level(kpi)
            points = framework.data_points(kpi) if level == 1 else {}
            if level == 0:  # the kpi column already names a data point ("KPI:part")
                measure = kpi
                if dp and dp.lower() != str(nodes.at[kpi, "data_point"]).lower():
                    msg = f"data point {dp!r} contradicts KPI code {kpi!r}"
            elif points:
                measure = points.get(dp.lower())
                if measure is None:
                    options = ", ".join(
                        repr(str(nodes.at[c, "data_point"])) for c in points.values()
                    )
                    msg = (
                        f"KPI {kpi} needs a data point (one of {options})"
                        if not dp
                        else f"unknown data point {dp!r} for KPI {kpi}; expected one of {options}"
                    )
            elif dp:
                msg = f"KPI {kpi} has no data points, got {dp!r}; leave data_point empty"
            else:
                measure = kpi
        pair_measure.append(measure if not msg else None)
        pair_msg.append(msg)
    pair_msg_code = pair_inv
    dp_bad = np.asarray([bool(m) for m in pair_msg], dtype=bool)[pair_inv]
    out.add_rows(
        dp_bad,
        "data_point" if "data_point" in df.columns else "kpi",
        lambda i: pair_msg[pair_msg_code[i]],
    )
    bad |= dp_bad
    measure_pos = {m: i for i, m in enumerate(framework.measures)}
    pair_mcode = np.asarray(
        [-1 if m is None else measure_pos[m] for m in pair_measure], dtype=np.int64
    )
    mcode = pair_mcode[pair_inv]
    del pair, pair_inv, dp_bad
    known = mcode >= 0
    measure_names = [*framework.measures, ""]

    def measure_of(i: int) -> str:
        return str(measure_names[mcode[i]])

    # ---- values
    measure_cat = pd.Categorical.from_codes(mcode, categories=pd.Index(list(framework.measures)))
    vtype = framework.column("value_type")
    is_yesno_measure = vtype == "yesno"
    row_yesno = np.zeros(n, dtype=bool)
    row_yesno[mcode >= 0] = is_yesno_measure[mcode[mcode >= 0]]
    raw_value = df["value"]
    if pd.api.types.is_numeric_dtype(raw_value.dtype):
        value = raw_value.to_numpy(dtype=np.float64, na_value=np.nan)
        # Readers pass the text of non-numeric cells aside (yes/no answers and mistakes).
        text_cells = table.value_text if table.value_text is not None else pd.Series(dtype=object)
        text_pos = text_cells.index.to_numpy(dtype=np.int64)
        text_of = dict(zip(text_pos.tolist(), map(str, text_cells.tolist()), strict=True))
        is_text = np.zeros(n, dtype=bool)
        is_text[text_pos] = True
        empty = np.isnan(value) & ~is_text
        lowered = np.asarray([text_of[i].strip().lower() for i in text_pos.tolist()], dtype=object)
        yn_text = np.asarray(
            [1.0 if t in YES else 0.0 if t in NO else np.nan for t in lowered], dtype=np.float64
        )
        yn_vals = np.full(n, np.nan)
        yn_vals[text_pos] = yn_text
        numeric_yesno = row_yesno & ~is_text & ~np.isnan(value)
        yn_num = numeric_yesno & ~np.isin(value, (0.0, 1.0))
        out.add_rows(
            yn_num,
            "value",
            lambda i: f"{measure_of(i)} is a yes/no KPI; expected yes/no or 1/0, got {value[i]:g}",
        )
        bad |= yn_num
        value = np.where(row_yesno & is_text, yn_vals, value)
        nonnum = is_text & np.isnan(value)

        def shown(i: int) -> str:
            return text_of.get(i, "")
    else:
        vcodes, vtexts = _strings(raw_value)
        num = pd.to_numeric(pd.Series(vtexts, dtype=object), errors="coerce").to_numpy(
            dtype=np.float64
        )
        lowered_v = [t.lower() for t in vtexts]
        yes_no = np.asarray(
            [1.0 if t in YES else 0.0 if t in NO else np.nan for t in lowered_v], dtype=np.float64
        )
        empty = np.asarray([t == "" for t in vtexts])[vcodes]
        yn_row = yes_no[vcodes]
        value = np.where(row_yesno, yn_row, num[vcodes])
        nonnum = ~empty & np.isnan(value)
        yn_num = row_yesno & ~empty & ~np.isnan(num[vcodes]) & np.isnan(yn_row)
        value = np.where(yn_num, num[vcodes], value)
        nonnum &= ~yn_num
        out.add_rows(
            yn_num & ~np.isin(value, (0.0, 1.0)),
            "value",
            lambda i: f"{measure_of(i)} is a yes/no KPI; expected yes/no or 1/0, got {value[i]:g}",
        )
        bad |= yn_num & ~np.isin(value, (0.0, 1.0))

        def shown(i: int) -> str:
            return str(vtexts[vcodes[i]])

    out.add_rows(
        empty & known, "value", "value is empty; leave the row out if the KPI is not reported"
    )
    bad |= empty
    ynbad = nonnum & row_yesno & known
    out.add_rows(
        ynbad,
        "value",
        lambda i: f"{measure_of(i)} is a yes/no KPI; expected yes or no, got {shown(i)!r}",
    )
    nnbad = nonnum & ~row_yesno & known
    out.add_rows(nnbad, "value", lambda i: f"expected a number, got {shown(i)!r}")
    bad |= nonnum
    if "unit" in df.columns:
        ucodes, utexts = _strings(df["unit"])
        upair = mcode * (len(utexts) + 1) + ucodes
        uinv, upairs = _dense_codes(
            upair + (len(utexts) + 1), (len(framework.measures) + 1) * (len(utexts) + 1)
        )
        upairs = upairs - (len(utexts) + 1)
        factors = np.ones(len(upairs))
        umsg: list[str] = []
        uok = np.ones(len(upairs), dtype=bool)
        for j, p in enumerate(upairs.tolist()):
            mc, uc = divmod(p, len(utexts) + 1)
            if mc < 0 or mc >= len(framework.measures):
                umsg.append("")
                continue
            m = framework.measures[mc]
            check = check_unit(utexts[uc], str(nodes.at[m, "unit"]), str(nodes.at[m, "unit_key"]))
            factors[j] = check.factor
            uok[j] = check.ok
            umsg.append(check.message)
        row_ok = uok[uinv]
        out.add_rows(~row_ok & known, "unit", lambda i: umsg[uinv[i]])
        bad |= ~row_ok
        converted = row_ok & (factors[uinv] != 1.0) & known
        out.add_rows(converted, "unit", lambda i: umsg[uinv[i]], "warning")
        if (factors != 1.0).any():
            with np.errstate(over="ignore"):
                value = value * factors[uinv]
            # A finite value can overflow when converted (1e308 per 1,000 -> per 100,000).
            overflow = converted & ~np.isfinite(value) & ~np.isnan(value)
            out.add_rows(
                overflow,
                "value",
                lambda i: "value is too large once converted to the KPI's unit",
            )
            bad |= overflow
        del ucodes, upair, uinv, row_ok, converted

    # ---- ranges by value type
    valid_m = (mcode >= 0) & ~np.isnan(value)
    mt = np.where(valid_m, mcode, 0)
    type_names = list(dict.fromkeys(vtype.tolist()))
    type_code = np.asarray([type_names.index(t) for t in vtype.tolist()], dtype=np.int64)
    row_type = np.where(valid_m, type_code[mt], -1)

    def is_type(*names: str) -> NDArray[np.bool_]:
        wanted = [type_names.index(t) for t in names if t in type_names]
        return np.isin(row_type, wanted) if wanted else np.zeros(n, dtype=bool)

    pct_bad = is_type("percent") & ((value < 0) | (value > 100))
    out.add_rows(pct_bad, "value", lambda i: f"percentage must be within 0-100, got {value[i]:g}")
    coef_bad = is_type("coefficient") & ((value < 0) | (value > 1))
    out.add_rows(coef_bad, "value", lambda i: f"coefficient must be within 0-1, got {value[i]:g}")
    neg = is_type("count", "rate", "quantity", "ratio") & (value < 0)
    out.add_rows(neg, "value", lambda i: f"{measure_of(i)} cannot be negative, got {value[i]:g}")
    count_rows = np.flatnonzero(is_type("count"))
    count_frac = np.zeros(n, dtype=bool)
    count_frac[count_rows[np.mod(value[count_rows], 1) != 0]] = True
    out.add_rows(count_frac, "value", lambda i: f"a count must be a whole number, got {value[i]:g}")
    bad |= pct_bad | coef_bad | neg | count_frac
    del pct_bad, coef_bad, neg, count_frac
    pmin = framework.column("plausible_min").astype(np.float64)
    pmax = framework.column("plausible_max").astype(np.float64)
    # Only the few measures with a plausibility range are looked at, row by row.
    ranged = np.flatnonzero((np.isfinite(pmin) | np.isfinite(pmax))[mt] & valid_m & ~bad)
    sub_value = value[ranged]
    lo, hi = pmin[mt[ranged]], pmax[mt[ranged]]
    outside = ((sub_value < lo) & ~np.isnan(lo)) | ((sub_value > hi) & ~np.isnan(hi))
    implausible = np.zeros(n, dtype=bool)
    implausible[ranged[outside]] = True
    psrc = framework.column("plausible_source")
    out.add_rows(
        implausible,
        "value",
        lambda i: f"{measure_of(i)} = {value[i]:g} is unusual ({psrc[mt[i]]}); check it",
        "warning",
    )

    # ---- verified flag
    verified = np.zeros(n, dtype=bool)
    if "verified" in df.columns:
        vc, vt = _strings(df["verified"])
        flag = np.asarray(
            [
                True if t.lower() in YES else False if (t.lower() in NO or not t) else None
                for t in vt
            ],
            dtype=object,
        )
        vbad = np.asarray([f is None for f in flag])[vc]
        out.add_rows(
            vbad, "verified", lambda i: f"verified must be yes/no or true/false, got {vt[vc[i]]!r}"
        )
        bad |= vbad
        verified = np.asarray([bool(f) for f in flag])[vc]

    # ---- duplicates of (city, year, measure)
    # A city is its GeoNames id, else its case-folded name with its country.
    folded = [t.casefold() for t in city_texts]
    fold_pos = {t: i for i, t in enumerate(dict.fromkeys(folded))}
    fold_code = np.asarray([fold_pos[t] for t in folded], dtype=np.int64)[city_code]
    name_key = fold_code * (len(country_texts) + 1) + country_code
    identity = np.where(has_gid, gid, -1 - name_key)
    if has_gid.any() and not has_gid.all():
        # A row naming a city that other rows identify by GeoNames id is that same city.
        by_name = pd.Series(gid[has_gid]).groupby(name_key[has_gid]).agg(["min", "max"])
        single = by_name[by_name["min"] == by_name["max"]]["min"]
        lookup = pd.Index(single.index).get_indexer(pd.Index(name_key[~has_gid]))
        rows_without = np.flatnonzero(~has_gid)
        hit = lookup >= 0
        identity[rows_without[hit]] = single.to_numpy()[lookup[hit]]
    unit_code, unit_ids = _factorize(identity)
    year_i = np.nan_to_num(year_num, nan=0.0).astype(np.int64)
    considered = known & ~year_bad & ~no_city
    present_years = np.flatnonzero(
        np.bincount(np.clip(year_i[considered] - YEAR_RANGE[0], 0, 200), minlength=1)
    )
    first_year = YEAR_RANGE[0] + int(present_years.min()) if considered.any() else 0
    span = (YEAR_RANGE[0] + int(present_years.max()) - first_year + 1) if considered.any() else 1
    year_code = np.clip(year_i - first_year, 0, span - 1)
    key = (unit_code * span + year_code) * (len(framework.measures) + 1) + (mcode + 1)
    space = (int(unit_code.max(initial=0)) + 1) * span * (len(framework.measures) + 1) + 1
    if space <= 4 * n + 10_000_000:
        # Counting keys in a dense table is O(n) and cache-friendly; hashing is not.
        counts = np.bincount(key[considered], minlength=space)
        dup_key = counts[np.where(considered, key, 0)] > 1
        suspect = np.flatnonzero(considered & dup_key)
    else:
        suspect = np.flatnonzero(considered)
    dup = np.zeros(n, dtype=bool)
    first_of: dict[int, int] = {}
    if len(suspect):
        keys = pd.Series(key[suspect])
        later = keys.duplicated(keep="first").to_numpy()
        dup[suspect[later]] = True
        first_index = pd.Series(suspect).groupby(keys.to_numpy()).first()
        first_of = {
            int(i): int(first_index.loc[key[i]]) for i in suspect[later][: max_problems + 1]
        }
    out.add_rows(
        dup,
        "value",
        lambda i: (
            f"duplicate of row {table.rows[first_of[i]]}: same city, year, KPI and data point"
        ),
    )
    bad |= dup
    del identity, year_code, key, fold_code

    problems = out.finish()
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    # Per city: the first row's spelling of its name, its country and GeoNames id.
    first_row = pd.Series(np.arange(n)).groupby(unit_code).first().to_numpy()
    unit_keys = [
        f"geonames:{u}" if u > 0 else f"{folded[city_code[r]]}|{country_texts[country_code[r]]}"
        for u, r in zip(unit_ids.tolist(), first_row.tolist(), strict=True)
    ]
    unit_city = [city_texts[city_code[r]] for r in first_row.tolist()]
    unit_country = [country_texts[country_code[r]] for r in first_row.tolist()]
    city_cats = list(dict.fromkeys(unit_city))
    country_cats = list(dict.fromkeys(unit_country))
    city_idx = {c: i for i, c in enumerate(city_cats)}
    nodes_dp = [
        framework.text(m, "data_point") if framework.level(m) == 0 else ""
        for m in framework.measures
    ]
    kpis = list(framework.kpis)
    kpi_idx = {k: i for i, k in enumerate(kpis)}
    kpi_of_measure = np.asarray([kpi_idx[framework.kpi_of(m)] for m in framework.measures])
    dp_cats = list(dict.fromkeys(nodes_dp))
    dp_of_measure = np.asarray([dp_cats.index(d) for d in nodes_dp])
    long = pd.DataFrame(
        {
            "unit": pd.Categorical.from_codes(unit_code, categories=pd.Index(unit_keys)),
            "city": pd.Categorical.from_codes(
                np.asarray([city_idx[c] for c in unit_city], dtype=np.int64)[unit_code],
                categories=pd.Index(city_cats),
            ),
            "country": pd.Categorical.from_codes(
                np.asarray([country_cats.index(c) for c in unit_country], dtype=np.int64)[
                    unit_code
                ],
                categories=pd.Index(country_cats),
            ),
            "geonames_id": pd.array(np.where(has_gid, gid, 0), dtype="Int64"),
            "year": year_i,
            "measure": measure_cat,
            "kpi": pd.Categorical.from_codes(kpi_of_measure[mcode], categories=pd.Index(kpis)),
            "data_point": pd.Categorical.from_codes(
                dp_of_measure[mcode], categories=pd.Index(dp_cats)
            ),
            "value": value,
        }
    )
    if not has_gid.all():
        long.loc[~has_gid, "geonames_id"] = pd.NA
    for extra in ("source", "note"):
        if extra in df.columns:
            ecodes, etexts = _strings(df[extra])
            cats = list(dict.fromkeys(etexts))
            remap = np.asarray([cats.index(t) for t in etexts], dtype=np.int64)
            long[extra] = pd.Categorical.from_codes(remap[ecodes], categories=pd.Index(cats))
        else:
            long[extra] = pd.Categorical.from_codes(
                np.zeros(n, dtype=np.int64), categories=pd.Index([""])
            )
    long["verified"] = verified
    long["row"] = table.rows
    return ValidatedData(long, [p for p in problems if p.severity == "warning"])
