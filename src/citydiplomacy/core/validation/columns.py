"""The input's columns, each decided once per distinct value (step 0 of the validation).

A file of ten million rows holds a few hundred distinct KPI codes, units, years and
countries. Each text column becomes integer codes into its distinct values, and every check
of a value (is this a country? a KPI code? a number? yes or no?) is answered once per
distinct value, in a small lookup table that the passes then index with the codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pycountry
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.validation.keys import blank, lut, strings

#: GeoNames ids are positive 32-bit integers (about 12 million today).
MAX_GEONAMES_ID = 2**31 - 1
YES = frozenset({"yes", "y", "true", "1", "1.0", "oui", "sí", "si", "ja"})
NO = frozenset({"no", "n", "false", "0", "0.0", "non", "nein", "nej"})


@dataclass
class GeoNamesColumn:
    """``geonames_id``: integers as they are, or text parsed once per distinct value."""

    column: pd.Series | None
    integers: bool  # an integer dtype (nullable or not)
    plain: bool  # int32/int64 without missing cells: no parsing, no masks
    codes: NDArray[np.integer]
    texts: list[str]
    parsed: NDArray[np.int64]  # per distinct text: the id, -1 for none
    invalid: NDArray[np.bool_]  # per distinct text: not a valid id


@dataclass
class PlaceColumns:
    """``city`` and ``country``: codes into distinct texts; countries as ISO alpha-2 codes.

    ``city_texts`` and ``country_texts`` grow when the GeoNames look-up names cities and
    countries the file did not (:mod:`.identity`).
    """

    city_raw: NDArray[np.integer]
    city_texts: list[str]
    city_index: NDArray[np.int32]  # raw code -> city text position (-1 -> the '' entry)
    country_raw: NDArray[np.integer]
    country_raw_texts: list[str]
    country_texts: list[str]  # ISO alpha-2 codes; '' = none
    country_of: NDArray[np.int32]  # raw code -> position in country_texts
    unknown_country: NDArray[np.bool_]  # raw code -> text given but no country
    raw_country_empty: NDArray[np.bool_]
    any_unknown_country: bool


@dataclass
class YearColumn:
    column: pd.Series
    numeric: bool
    integers: bool  # plain integers: only the range to check
    array: NDArray[np.integer]
    codes: NDArray[np.integer]
    texts: list[str]
    values: NDArray[np.float64]  # per distinct text: the number, NaN if none


@dataclass
class KpiColumns:
    """``kpi`` and ``data_point``: codes, and each distinct KPI text resolved once."""

    kpi_codes: NDArray[np.integer]
    kpi_texts: list[str]
    resolved: list[str | None]  # per distinct text: the framework code, or None
    unknown_kpi: NDArray[np.bool_]
    empty_kpi: NDArray[np.bool_]
    dp_codes: NDArray[np.integer]
    dp_texts: list[str]


@dataclass
class ValueColumn:
    """``value``: numbers as they are (with the text of non-numeric cells aside), or text
    decided once per distinct value (number, yes/no, empty)."""

    numeric: bool
    numbers: NDArray[np.float64]  # the input's numbers (numeric column), else empty
    text_pos: NDArray[np.int64]  # rows whose cell was text (numeric column), ascending
    text_of: dict[int, str]
    yes_no_text: NDArray[np.float64]  # per text cell: 1, 0 or NaN
    codes: NDArray[np.integer]
    texts: list[str]
    as_number: NDArray[np.float64]  # per distinct text
    as_yes_no: NDArray[np.float64]  # per distinct text: 1, 0 or NaN
    empty: NDArray[np.bool_]  # per distinct text
    yesno_measure: NDArray[np.bool_]  # per measure code (index -1: unknown measure)


@dataclass
class UnitColumn:
    present: bool
    codes: NDArray[np.integer]
    texts: list[str]


@dataclass
class Columns:
    """Every column of the input, decided once per distinct value."""

    geonames: GeoNamesColumn
    place: PlaceColumns
    year: YearColumn
    kpi: KpiColumns
    value: ValueColumn
    unit: UnitColumn


def country_code(text: str) -> str | None:
    """The ISO alpha-2 code of an alpha-2 or alpha-3 code (``XK`` for Kosovo), else None."""
    if not text:
        return None
    t = text.strip().upper()
    hit = pycountry.countries.get(alpha_2=t) if len(t) == 2 else None
    if hit is None and len(t) == 3:
        hit = pycountry.countries.get(alpha_3=t)
    if hit is None and t == "XK":  # Kosovo: user-assigned, used by GeoNames and the EU
        return "XK"
    return None if hit is None else str(hit.alpha_2)


def geonames_column(df: pd.DataFrame, n: int) -> GeoNamesColumn:
    column = df["geonames_id"] if "geonames_id" in df.columns else None
    integers = column is not None and pd.api.types.is_integer_dtype(column.dtype)
    plain = column is not None and column.dtype in (np.dtype(np.int64), np.dtype(np.int32))
    codes: NDArray[np.integer] = blank(n)
    texts = [""]
    parsed = np.full(1, -1, dtype=np.int64)
    invalid = np.zeros(1, dtype=bool)
    if column is not None and not integers:
        codes, texts = strings(column)
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
    return GeoNamesColumn(column, integers, plain, codes, texts, parsed, invalid)


def place_columns(df: pd.DataFrame, n: int) -> PlaceColumns:
    # Cities and countries stay integer codes into small lists of distinct texts.
    city_raw, city_texts = strings(df["city"]) if "city" in df.columns else (blank(n), [""])
    city_index = np.arange(len(city_texts), dtype=np.int32)  # raw code -1 -> the '' entry
    raw, raw_texts = strings(df["country"]) if "country" in df.columns else (blank(n), [""])
    iso = [country_code(t) for t in raw_texts]
    country_texts = sorted({c for c in iso if c} | {""})
    position = {c: i for i, c in enumerate(country_texts)}
    unknown = lut([bool(t) and c is None for t, c in zip(raw_texts, iso, strict=True)], bool)
    return PlaceColumns(
        city_raw=city_raw,
        city_texts=city_texts,
        city_index=city_index,
        country_raw=raw,
        country_raw_texts=raw_texts,
        country_texts=country_texts,
        country_of=lut([position[c or ""] for c in iso], np.int32),
        unknown_country=unknown,
        raw_country_empty=lut([t == "" for t in raw_texts], bool),
        any_unknown_country=bool(unknown.any()),
    )


def year_column(df: pd.DataFrame, n: int) -> YearColumn:
    column = df["year"]
    numeric = pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
        column.dtype
    )
    integers = column.dtype.kind in "iu" and isinstance(column.dtype, np.dtype)
    array = column.to_numpy() if integers else np.zeros(0, dtype=np.int64)
    codes: NDArray[np.integer] = blank(n)
    texts = [""]
    values = np.full(1, np.nan)
    if not numeric:
        codes, texts = strings(column)
        values = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").to_numpy(
            dtype=np.float64
        )
    return YearColumn(column, numeric, integers, array, codes, texts, values)


def kpi_columns(df: pd.DataFrame, n: int, framework: Framework) -> KpiColumns:
    nodes = framework.nodes
    kpi_codes, kpi_texts = strings(df["kpi"])
    printed = {
        str(p).strip().lower(): c
        for c, p in zip(
            nodes.index, nodes.get("code_as_printed", pd.Series(dtype=str)), strict=False
        )
        if str(p).strip()
    }
    upper_index = {str(c).lower(): str(c) for c in nodes.index if framework.level(str(c)) <= 1}
    resolved = [upper_index.get(t.lower()) or printed.get(t.lower()) for t in kpi_texts]
    dp_codes, dp_texts = (
        strings(df["data_point"]) if "data_point" in df.columns else (blank(n), [""])
    )
    return KpiColumns(
        kpi_codes=kpi_codes,
        kpi_texts=kpi_texts,
        resolved=resolved,
        unknown_kpi=lut([r is None for r in resolved], bool),
        empty_kpi=lut([t == "" for t in kpi_texts], bool),
        dp_codes=dp_codes,
        dp_texts=dp_texts,
    )


def _yes_no(text: str) -> float:
    t = text.strip().lower()
    return 1.0 if t in YES else 0.0 if t in NO else np.nan


def value_column(
    df: pd.DataFrame, n: int, framework: Framework, value_text: pd.Series | None
) -> ValueColumn:
    raw = df["value"]
    numeric = pd.api.types.is_numeric_dtype(raw.dtype)
    text_pos = np.zeros(0, dtype=np.int64)
    text_of: dict[int, str] = {}
    yes_no_text = np.zeros(0)
    codes: NDArray[np.integer] = blank(n)
    texts = [""]
    if numeric:
        numbers = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        # Readers pass the text of non-numeric cells aside (yes/no answers and mistakes).
        text_cells = value_text if value_text is not None else pd.Series(dtype=object)
        order = np.argsort(text_cells.index.to_numpy(dtype=np.int64), kind="stable")
        text_pos = text_cells.index.to_numpy(dtype=np.int64)[order]
        text_list = [str(t) for t in np.asarray(text_cells.to_numpy(dtype=object))[order]]
        text_of = dict(zip(text_pos.tolist(), text_list, strict=True))
        yes_no_text = np.asarray([_yes_no(t) for t in text_list], dtype=np.float64)
    else:
        numbers = np.zeros(0)
        codes, texts = strings(raw)
    as_number = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64
    )
    return ValueColumn(
        numeric=numeric,
        numbers=numbers,
        text_pos=text_pos,
        text_of=text_of,
        yes_no_text=yes_no_text,
        codes=codes,
        texts=texts,
        as_number=as_number,
        as_yes_no=lut([_yes_no(t) for t in texts], np.float64),
        empty=lut([t == "" for t in texts], bool),
        yesno_measure=np.append(framework.column("value_type") == "yesno", False),
    )


def unit_column(df: pd.DataFrame, n: int) -> UnitColumn:
    if "unit" not in df.columns:
        return UnitColumn(False, blank(n), [""])
    codes, texts = strings(df["unit"])
    return UnitColumn(True, codes, texts)


def decode_columns(df: pd.DataFrame, framework: Framework, value_text: pd.Series | None) -> Columns:
    """Every column of ``df`` as codes into its distinct values, each decided once."""
    n = len(df)
    return Columns(
        geonames=geonames_column(df, n),
        place=place_columns(df, n),
        year=year_column(df, n),
        kpi=kpi_columns(df, n, framework),
        value=value_column(df, n, framework, value_text),
        unit=unit_column(df, n),
    )
