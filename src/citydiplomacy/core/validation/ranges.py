"""Pass 3: units (converted where a safe factor exists), ranges by value type, plausibility
ranges and the ``verified`` flag.

Units are checked once per distinct (measure, unit) pair, ranges with one comparison against
per-measure bounds. Pass 3 reads ``mcode`` and ``value`` and writes ``value`` (conversions)
and ``verified``; it may run on a thread beside pass 4, which reads neither.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.units import check_unit
from citydiplomacy.core.validation.columns import NO, YES, Columns
from citydiplomacy.core.validation.keys import Pairs, blank, lut, strings
from citydiplomacy.core.validation.state import Work
from citydiplomacy.errors import Words


@dataclass
class UnitVerdicts:
    """Per distinct (measure, unit) pair: conversion factor, accepted, message."""

    pairs: Pairs
    factors: NDArray[np.float64]
    ok: NDArray[np.bool_]
    messages: list[str | Words]
    converting: bool
    all_ok: bool


def unit_verdicts(framework: Framework, cols: Columns, pairs: Pairs) -> UnitVerdicts:
    """Units checked once per distinct (measure, unit) pair."""
    nodes, measures = framework.nodes, framework.measures
    unit_measure, unit_text = pairs.finish()
    factors = np.ones(len(unit_measure))
    ok = np.ones(len(unit_measure), dtype=bool)
    messages: list[str | Words] = []
    for j, (mc, uc) in enumerate(zip(unit_measure.tolist(), unit_text.tolist(), strict=True)):
        if mc == len(measures):  # unknown measure: reported already
            messages.append("")
            continue
        meas = measures[mc]
        verdict = check_unit(
            cols.unit.texts[uc], str(nodes.at[meas, "unit"]), str(nodes.at[meas, "unit_key"])
        )
        factors[j] = verdict.factor
        ok[j] = verdict.ok
        messages.append(verdict.worded or verdict.message)
    return UnitVerdicts(pairs, factors, ok, messages, bool((factors != 1.0).any()), bool(ok.all()))


@dataclass
class Bounds:
    """Per measure (index -1: unknown measure, never out of range): the value type's hard
    range, the plausibility range and the narrower of the two; the type of each measure."""

    lower_hard: NDArray[np.float64]
    upper_hard: NDArray[np.float64]
    lower_plausible: NDArray[np.float64]
    upper_plausible: NDArray[np.float64]
    lower_any: NDArray[np.float64]
    upper_any: NDArray[np.float64]
    type_of: NDArray[np.int16]
    percent: int  # type code of percentages (-2: none in the framework)
    coefficient: int
    nonnegative: NDArray[np.bool_]
    is_count: NDArray[np.bool_]
    source: NDArray[np.object_]  # where each plausibility range comes from


def value_bounds(framework: Framework) -> Bounds:
    vtype = framework.column("value_type")
    type_names = list(dict.fromkeys(vtype.tolist()))

    def type_code(name: str) -> int:
        return type_names.index(name) if name in type_names else -2

    nonnegative = np.append(np.isin(vtype, ["count", "rate", "quantity", "ratio"]), False)
    pmin = framework.column("plausible_min").astype(np.float64)
    pmax = framework.column("plausible_max").astype(np.float64)
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
    return Bounds(
        lower_hard=lower_hard,
        upper_hard=upper_hard,
        lower_plausible=lower_plausible,
        upper_plausible=upper_plausible,
        lower_any=np.maximum(lower_hard, lower_plausible),
        upper_any=np.minimum(upper_hard, upper_plausible),
        type_of=lut([type_names.index(t) for t in vtype.tolist()] + [-1], np.int16),
        percent=type_code("percent"),
        coefficient=type_code("coefficient"),
        nonnegative=nonnegative,
        is_count=np.append(vtype == "count", False),
        source=framework.column("plausible_source"),
    )


@dataclass
class Flags:
    """``verified``: codes into distinct texts, each decided once."""

    codes: NDArray[np.integer]
    texts: list[str]
    bad: NDArray[np.bool_]
    true: NDArray[np.bool_]
    any_bad: bool


def verified_flags(df: pd.DataFrame) -> Flags:
    n = len(df)
    codes: NDArray[np.integer] = blank(n)
    texts = [""]
    if "verified" in df.columns and pd.api.types.is_bool_dtype(df["verified"].dtype):
        # True/False as booleans: codes 1/0 into ["false", "true"], missing -> "".
        column = df["verified"]
        texts = ["false", "true", ""]
        if isinstance(column.dtype, np.dtype):  # plain booleans: nothing missing
            codes = column.to_numpy().view(np.int8)
        else:
            codes = np.where(
                column.isna().to_numpy(), -1, column.to_numpy(dtype=bool, na_value=False)
            ).astype(np.int8)
    elif "verified" in df.columns:
        codes, texts = strings(df["verified"])
    flags = [
        True if t.lower() in YES else False if (t.lower() in NO or not t) else None for t in texts
    ]
    bad = lut([f is None for f in flags], bool)
    return Flags(codes, texts, bad, lut([bool(f) for f in flags], bool), bool(bad.any()))


def _units_of_slice(
    work: Work, cols: Columns, units: UnitVerdicts, v: NDArray[np.float64], s: int, e: int
) -> NDArray[np.float64]:
    """Unit checks and conversions of rows ``s:e``; returns their values, converted."""
    bad_s = work.bad[s:e]
    mc = work.mcode[s:e]
    known = mc >= 0
    upc = units.pairs.codes(mc, cols.unit.codes[s:e])
    row_ok = units.ok[upc]
    if not units.all_ok:
        work.hits.add("unit", ~row_ok & known, s)
        bad_s |= ~row_ok
    if units.converting:
        factor = units.factors[upc]
        converted = row_ok & (factor != 1.0) & known
        work.hits.add("unit_converted", converted, s)
        v = v * factor
        # A finite value can overflow when converted (1e308 per 1,000 -> 100,000).
        overflow = converted & ~np.isfinite(v) & ~np.isnan(v)
        work.hits.add("overflow", overflow, s)
        bad_s |= overflow
        if work.value is None:
            work.value = cols.value.numbers.copy()
        work.value[s:e] = v
    return v


def _ranges_of_slice(work: Work, bounds: Bounds, v: NDArray[np.float64], s: int, e: int) -> None:
    """Values of rows ``s:e`` outside their type's range or their plausibility range."""
    bad_s = work.bad[s:e]
    mc = work.mcode[s:e]
    b = bounds
    # One comparison with per-measure bounds finds every value out of its type's range or
    # its plausibility range; the few found are then told apart.
    out_rows = np.flatnonzero((v < b.lower_any[mc]) | (v > b.upper_any[mc]))
    if len(out_rows):
        fv, fm = v[out_rows], mc[out_rows]
        hard = (fv < b.lower_hard[fm]) | (fv > b.upper_hard[fm])
        for check, tcode in (("percent", b.percent), ("coefficient", b.coefficient)):
            work.hits.add_index(check, out_rows[hard & (b.type_of[fm] == tcode)], s)
        work.hits.add_index("negative", out_rows[hard & b.nonnegative[fm]], s)
        bad_s[out_rows[hard]] = True
    count_rows = np.flatnonzero(b.is_count[mc])
    if len(count_rows):
        cv = v[count_rows]
        fraction = count_rows[(np.mod(cv, 1) != 0) & ~np.isnan(cv)]
        work.hits.add_index("count_fraction", fraction, s)
        bad_s[fraction] = True
    if len(out_rows):
        soft = (fv < b.lower_plausible[fm]) | (fv > b.upper_plausible[fm])
        work.hits.add_index("implausible", out_rows[soft & ~bad_s[out_rows]], s)


def check_units_ranges_flags(
    work: Work, cols: Columns, units: UnitVerdicts, bounds: Bounds, flags: Flags
) -> None:
    """Pass 3. It may run beside pass 4: neither reads what the other writes."""
    work.verified = np.empty(work.n, dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        for s, e in work.spans:
            v = (work.value if work.value is not None else cols.value.numbers)[s:e]
            if cols.unit.present:
                v = _units_of_slice(work, cols, units, v, s, e)
            _ranges_of_slice(work, bounds, v, s, e)
            vf = flags.codes[s:e]
            if flags.any_bad:
                work.hits.add("verified", flags.bad[vf], s)
                work.bad[s:e] |= flags.bad[vf]
            work.verified[s:e] = flags.true[vf]
