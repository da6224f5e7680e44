"""Validate KPI observations: collect every problem, raise once, name ``source:row:column``.

The checks run column by column on whole arrays (categorical columns are checked once per
distinct value), so a file of ten million rows validates in about a second.

Errors (the data are refused): missing columns, unknown city country or GeoNames id, bad year,
unknown KPI code or data point, non-numeric value, yes/no KPI with another value, unit
mismatch, percentage outside 0-100, coefficient outside 0-1, negative count or rate, bad
``verified`` flag, duplicate (city, year, KPI, data point).

Warnings (accepted): values outside a KPI's plausibility range, unit conversions applied,
ignored columns.

:func:`validate_long` is a pipeline over shared columns (:class:`~.validation.state.Work`),
each step a module of :mod:`citydiplomacy.core.validation`:

0. :mod:`~.validation.columns`: every column decided once per distinct value;
1. :mod:`~.validation.identity`: GeoNames ids read and looked up, measures of the (KPI, data
   point) pairs resolved;
2. :mod:`~.validation.cells`: each row's city, country, year, measure and value;
3. :mod:`~.validation.ranges`: units, ranges by value type, plausibility, ``verified``
   (on a thread beside pass 4 for large tables);
4. :mod:`~.validation.duplicates`: one identity per city, duplicates of (city, year, measure);
5. :mod:`~.validation.messages`: the problems, in the order of the checks, and
   :mod:`~.validation.clean`: the validated long table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.text import forbidden_character
from citydiplomacy.core.validation.cells import YEAR_RANGE, check_cells
from citydiplomacy.core.validation.clean import clean_long
from citydiplomacy.core.validation.columns import MAX_GEONAMES_ID, NO, YES, decode_columns
from citydiplomacy.core.validation.duplicates import check_duplicates
from citydiplomacy.core.validation.identity import (
    IDENTITY_ERRORS,
    GeoNamesResolver,
    IdentityCheck,
    look_up_ids,
    read_ids_and_pairs,
    resolve_measures,
)
from citydiplomacy.core.validation.keys import DENSE_KEYS, SMALL_KEYS, lut, strings
from citydiplomacy.core.validation.keys import Distinct as _Distinct
from citydiplomacy.core.validation.keys import Pairs as _Pairs
from citydiplomacy.core.validation.messages import Collector, Findings, write_messages
from citydiplomacy.core.validation.ranges import (
    check_units_ranges_flags,
    unit_verdicts,
    value_bounds,
    verified_flags,
)
from citydiplomacy.core.validation.state import Work
from citydiplomacy.errors import Problem, ValidationError, gettext_noop, words

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


#: Rows per pass. Checks run on one slice of the table at a time, so their temporaries stay a
#: few megabytes (cache-friendly) and memory does not grow with the file.
CHUNK_ROWS = 1 << 20
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


def _check_shape(df: pd.DataFrame, out: Collector) -> None:
    """The required columns are there and the table has rows; else raise at once."""
    missing = [c for c in LONG_REQUIRED if c not in df.columns]
    if "city" not in df.columns and "geonames_id" not in df.columns:
        missing.append("city (or geonames_id)")
    if missing:
        out.add(
            1,
            0,
            words(
                gettext_noop(
                    "missing column(s) %(columns)s; a long table needs city, country, year, "
                    "kpi, value (or geonames_id instead of city and country)"
                ),
                columns=", ".join(missing),
            ),
        )
        raise ValidationError(out.finish())
    if len(df) == 0:
        out.add(0, 0, words(gettext_noop("the table has no data rows")))
        raise ValidationError(out.finish())


def _free_text(out: Collector, df: pd.DataFrame) -> None:
    """Free text is stored as given: a character no database can store (NUL, which
    PostgreSQL refuses; a lone surrogate, which has no UTF-8) is an error at its cell,
    decided once per distinct text, rather than a failure when the values are written."""
    for extra in ("source", "note"):
        if extra in df.columns:
            ecodes, etexts = strings(df[extra])
            reasons = [forbidden_character(t) for t in etexts]
            if any(reasons):
                flagged = lut([r is not None for r in reasons], bool)
                out.add_rows(
                    np.flatnonzero(flagged[ecodes]), extra, _text_message(extra, ecodes, reasons)
                )


def _text_message(
    column: str, codes: NDArray[np.integer], reasons: list[str | None]
) -> Callable[[int], str]:
    """The message of a free-text cell (row position ``i``) holding a forbidden character."""

    def message(i: int) -> str:
        return f"the {column} contains {reasons[int(codes[i])]}; remove it"

    return message


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
    out = Collector(table.source, table.rows, table.columns, max_problems)
    df = table.frame
    _check_shape(df, out)
    work = Work.start(len(df), CHUNK_ROWS)
    n_measures = len(framework.measures)
    cols = decode_columns(df, framework, table.value_text)
    pairs = read_ids_and_pairs(work, cols)  # pass 1
    registry = look_up_ids(work, cols, resolve_geonames)
    measures = resolve_measures(framework, cols, pairs)
    check = IdentityCheck.build(cols, registry)
    unit_pairs = check_cells(work, cols, check, measures, n_measures)  # pass 2
    units = unit_verdicts(framework, cols, unit_pairs)
    bounds, flags = value_bounds(framework), verified_flags(df)
    # Pass 3 on a thread for large tables, while this one runs pass 4 (numpy releases the GIL).
    pass3 = _beside(lambda: check_units_ranges_flags(work, cols, units, bounds, flags), work.n)
    dup, first_of, folded = check_duplicates(work, cols, registry, n_measures, max_problems)
    if pass3 is not None:
        pass3.result()  # raises what pass 3 raised
    findings = Findings(
        df, framework, work, cols, registry, measures, units, bounds, flags, dup, first_of,
        table.rows,
    )  # fmt: skip
    write_messages(out, findings)
    _free_text(out, df)
    problems = out.finish()
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    return ValidatedData(
        clean_long(
            framework,
            df,
            table.rows,
            ident=work.ident,
            first_row=work.first_row,
            seen=work.seen,
            gids=registry.gids,
            gid=work.gid,
            city_code=work.city_code,
            city_texts=cols.place.city_texts,
            folded=folded,
            country_code=work.country_code,
            country_texts=cols.place.country_texts,
            year=work.year,
            mcode=work.mcode,
            value=findings.values,
            verified=work.verified,
        ),
        [p for p in problems if p.severity == "warning"],
    )


__all__ = [
    "DENSE_KEYS",
    "IDENTITY_ERRORS",
    "LONG_OPTIONAL",
    "LONG_REQUIRED",
    "MAX_GEONAMES_ID",
    "NO",
    "SMALL_KEYS",
    "YEAR_RANGE",
    "YES",
    "GeoNamesResolver",
    "LocatedTable",
    "ValidatedData",
    "_Distinct",
    "_Pairs",
    "validate_long",
]
