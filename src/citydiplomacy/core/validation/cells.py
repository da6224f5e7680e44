"""Pass 2: each row's city and country, year, measure and value.

Writes ``city_code``, ``country_code``, ``year``, ``mcode``, ``considered``, ``runs`` and
(once a value changes) ``value`` of :class:`~.state.Work`, and meets the (measure, unit)
pairs that pass 3 checks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from citydiplomacy.core.validation.columns import Columns
from citydiplomacy.core.validation.identity import (
    IDENTITY_ERRORS,
    IdentityCheck,
    PairMeasures,
)
from citydiplomacy.core.validation.keys import Pairs, code_dtype
from citydiplomacy.core.validation.state import Work

YEAR_RANGE = (1900, 2100)


def _identity_of_slice(
    work: Work, cols: Columns, check: IdentityCheck, s: int, e: int
) -> NDArray[np.bool_]:
    """City and country of rows ``s:e``; returns the rows without a city (empty if none).

    Rows come grouped by city: the identity checks run once per run of rows with the same
    id, name and country, and their verdicts are spread over the run.
    """
    m = e - s
    bad_s = work.bad[s:e]
    cc = cols.place.country_raw[s:e]
    craw = cols.place.city_raw[s:e]
    gv = work.gid[s:e] if work.gid is not None else None
    change = craw[1:] != craw[:-1]
    change |= cc[1:] != cc[:-1]
    if gv is not None:
        change |= gv[1:] != gv[:-1]
    starts = np.flatnonzero(np.concatenate(([True], change)))
    if len(starts) * 4 <= m:
        lengths = np.diff(np.append(starts, m))
        work.runs.append((starts, lengths))
        city_s, country_s, no_city, checks = check(
            gv[starts] if gv is not None else None, craw[starts], cc[starts]
        )
        work.city_code[s:e] = np.repeat(city_s, lengths)
        work.country_code[s:e] = np.repeat(country_s, lengths)
        no_city = np.repeat(no_city, lengths) if no_city.any() else no_city[:0]
        for name, run_mask in checks:
            if run_mask.any():
                row_mask = np.repeat(run_mask, lengths)
                work.hits.add(name, row_mask, s)
                if name in IDENTITY_ERRORS:
                    bad_s |= row_mask
        return no_city
    work.runs.append(None)
    city_s, country_s, no_city, checks = check(gv, craw, cc)
    work.city_code[s:e] = city_s
    work.country_code[s:e] = country_s
    for name, row_mask in checks:
        if row_mask.any():
            work.hits.add(name, row_mask, s)
            if name in IDENTITY_ERRORS:
                bad_s |= row_mask
    return no_city if no_city.any() else no_city[:0]


def _year_of_slice(
    work: Work, cols: Columns, s: int, e: int
) -> tuple[NDArray[np.int16], NDArray[np.bool_]]:
    """Years of rows ``s:e`` (0 where bad) and the bad ones."""
    year = cols.year
    if year.integers:  # whole numbers without missing cells: only the range to check
        year_num = year.array[s:e]
        year_bad = (year_num < YEAR_RANGE[0]) | (year_num > YEAR_RANGE[1])
    else:
        if year.numeric:
            year_num = year.column.array[s:e].to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            year_num = year.values[year.codes[s:e]]
        year_bad = ~np.isfinite(year_num) | (np.mod(year_num, 1) != 0)
        year_bad |= (year_num < YEAR_RANGE[0]) | (year_num > YEAR_RANGE[1])
    work.hits.add("year", year_bad, s)
    work.bad[s:e] |= year_bad
    year_s = np.where(year_bad, 0, year_num).astype(np.int16)
    work.year[s:e] = year_s
    return year_s, year_bad


def _measure_of_slice(
    work: Work, cols: Columns, measures: PairMeasures, s: int, e: int
) -> NDArray[np.integer]:
    """Measure codes of rows ``s:e`` (-1 where the KPI or data point is wrong)."""
    kpi = cols.kpi
    bad_s = work.bad[s:e]
    kc = kpi.kpi_codes[s:e]
    if measures.any_bad_kpi:
        kpi_empty = kpi.empty_kpi[kc]
        kpi_unknown = kpi.unknown_kpi[kc]
        work.hits.add("kpi_empty", kpi_empty, s)
        work.hits.add("kpi_unknown", kpi_unknown & ~kpi_empty, s)
        bad_s |= kpi_unknown
    pc = measures.pairs.codes(kc, kpi.dp_codes[s:e])
    if measures.any_bad_pair:
        work.hits.add("data_point", measures.bad[pc], s)
        bad_s |= measures.bad[pc]
    mc: NDArray[np.integer] = measures.mcode[pc]
    work.mcode[s:e] = mc
    return mc


def _values_of_slice(work: Work, cols: Columns, mc: NDArray[np.integer], s: int, e: int) -> None:
    """Values of rows ``s:e``: empty cells, text that is not a number, yes/no answers."""
    val = cols.value
    m = e - s
    bad_s = work.bad[s:e]
    known = mc >= 0
    row_yesno = val.yesno_measure[mc]
    text_pos = val.text_pos
    nonnum: NDArray[np.bool_] | None
    if val.numeric and not (text_pos[-1] >= s and text_pos[0] < e if len(text_pos) else False):
        # Numbers only: the usual case, checked on the yes/no rows alone.
        v = val.numbers[s:e]
        empty = np.isnan(v)
        yes_no_rows = np.flatnonzero(row_yesno)
        answers = v[yes_no_rows]
        yn_num = yes_no_rows[(answers == answers) & (answers != 0.0) & (answers != 1.0)]
        work.hits.add_index("yesno_number", yn_num, s)
        bad_s[yn_num] = True
        nonnum = None
        changed = False
    elif val.numeric:
        v = val.numbers[s:e]
        lo, hi = np.searchsorted(text_pos, [s, e])
        local = text_pos[lo:hi] - s
        is_text = np.zeros(m, dtype=bool)
        is_text[local] = True
        yn_vals = np.full(m, np.nan)
        yn_vals[local] = val.yes_no_text[lo:hi]
        empty = np.isnan(v) & ~is_text
        yn_bad = row_yesno & ~is_text & ~np.isnan(v) & (v != 0.0) & (v != 1.0)
        work.hits.add("yesno_number", yn_bad, s)
        bad_s |= yn_bad
        v = np.where(row_yesno & is_text, yn_vals, v)
        nonnum = is_text & np.isnan(v)
        changed = True
    else:
        vc = val.codes[s:e]
        empty = val.empty[vc]
        yn_row = val.as_yes_no[vc]
        number = val.as_number[vc]
        v = np.where(row_yesno, yn_row, number)
        nonnum = ~empty & np.isnan(v)
        yn_is_num = row_yesno & ~empty & ~np.isnan(number) & np.isnan(yn_row)
        v = np.where(yn_is_num, number, v)
        nonnum &= ~yn_is_num
        yn_wrong = yn_is_num & (v != 0.0) & (v != 1.0)
        work.hits.add("yesno_number", yn_wrong, s)
        bad_s |= yn_wrong
        changed = True
    work.hits.add("empty", empty & known, s)
    bad_s |= empty
    if nonnum is not None:
        work.hits.add("yesno_text", nonnum & row_yesno & known, s)
        work.hits.add("not_number", nonnum & ~row_yesno & known, s)
        bad_s |= nonnum
    if changed:
        if work.value is None:
            work.value = val.numbers.copy() if val.numeric else np.empty(work.n, dtype=np.float64)
        work.value[s:e] = v


def check_cells(
    work: Work, cols: Columns, check: IdentityCheck, measures: PairMeasures, n_measures: int
) -> Pairs:
    """Pass 2: identity, year, measure and value of every row; returns the (measure, unit)
    pairs met (row ``n_measures``: unknown measure)."""
    place, n = cols.place, work.n
    work.city_code = np.empty(n, dtype=code_dtype(len(place.city_texts)))
    work.country_code = np.empty(n, dtype=code_dtype(len(place.country_texts)))
    work.year = np.empty(n, dtype=np.int16)  # years are within YEAR_RANGE (0 where bad)
    work.mcode = np.empty(n, dtype=code_dtype(n_measures))
    work.considered = np.empty(n, dtype=bool)  # rows that take part in the duplicate check
    year_min, year_max = YEAR_RANGE[1] + 1, YEAR_RANGE[0] - 1
    unit_pairs = Pairs(n_measures + 1, len(cols.unit.texts))  # row -1: unknown measure
    with np.errstate(invalid="ignore"):
        for s, e in work.spans:
            no_city = _identity_of_slice(work, cols, check, s, e)
            year_s, year_bad = _year_of_slice(work, cols, s, e)
            mc = _measure_of_slice(work, cols, measures, s, e)
            considered_s = (mc >= 0) & ~year_bad
            if len(no_city):
                considered_s &= ~no_city
            work.considered[s:e] = considered_s
            if considered_s.any():
                years_seen = year_s[considered_s]
                year_min = min(year_min, int(years_seen.min()))
                year_max = max(year_max, int(years_seen.max()))
            _values_of_slice(work, cols, mc, s, e)
            if cols.unit.present:
                unit_pairs.add(mc, cols.unit.codes[s:e])
    work.year_min, work.year_max = year_min, year_max
    return unit_pairs
