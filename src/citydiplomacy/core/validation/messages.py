"""The last step: each check's rows become ``source:row:column: message`` problems.

Messages are written in the order of the checks, only for the rows that will be shown (at
most ``max_problems``; the rest are counted), so a file with a million bad cells costs a
million integers, not a million strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.validation.cells import YEAR_RANGE
from citydiplomacy.core.validation.columns import Columns
from citydiplomacy.core.validation.identity import PairMeasures, Registry
from citydiplomacy.core.validation.ranges import Bounds, Flags, UnitVerdicts
from citydiplomacy.core.validation.state import Work
from citydiplomacy.errors import Problem

#: A problem's text, or how to write it for a row position.
Message = Callable[[int], str] | str


class Collector:
    """Collects problems up to a limit, then counts the rest."""

    def __init__(
        self,
        source: str,
        rows: NDArray[np.int32] | NDArray[np.int64],
        columns: Mapping[str, int | NDArray[np.int64]],
        limit: int,
    ) -> None:
        self.source = source
        self.rows = rows
        self.columns = columns
        self.limit = limit
        self.problems: list[Problem] = []
        self.dropped = 0

    def col(self, name: str, idx: NDArray[np.int64]) -> NDArray[np.int64]:
        c = self.columns.get(name, 0)
        if isinstance(c, np.ndarray):
            return np.asarray(c[idx], dtype=np.int64)
        return np.full(len(idx), c, dtype=np.int64)

    def add_rows(
        self, rows: NDArray[np.int64], column: str, message: Message, severity: str = "error"
    ) -> None:
        """Add one problem per row position in ``rows`` (ascending), up to the limit."""
        if len(rows) == 0:
            return
        room = max(self.limit - len(self.problems), 0)
        self.dropped += max(len(rows) - room, 0)
        idx = rows[:room]
        file_rows = self.rows[idx]
        cols = self.col(column, idx)
        for i, r, c in zip(idx.tolist(), file_rows.tolist(), cols.tolist(), strict=True):
            text = message(i) if callable(message) else message
            self.problems.append(Problem(self.source, r, c, text, severity))

    def add(self, row: int, column: int, message: str, severity: str = "error") -> None:
        if len(self.problems) < self.limit:
            self.problems.append(Problem(self.source, row, column, message, severity))
        else:
            self.dropped += 1

    def finish(self) -> list[Problem]:
        self.problems.sort(key=lambda p: (p.row, p.column))
        if self.dropped:
            self.problems.append(
                Problem(self.source, 0, 0, f"... and {self.dropped} more problem(s)")
            )
        return self.problems


@dataclass
class Findings:
    """Everything the messages are written from."""

    df: pd.DataFrame
    framework: Framework
    work: Work
    cols: Columns
    registry: Registry
    measures: PairMeasures
    units: UnitVerdicts
    bounds: Bounds
    flags: Flags
    duplicates: NDArray[np.int64]
    first_of: dict[int, int]
    rows: NDArray[np.int32] | NDArray[np.int64]

    @property
    def values(self) -> NDArray[np.float64]:
        w = self.work
        return w.value if w.value is not None else self.cols.value.numbers

    def measure_of(self, i: int) -> str:
        mc = self.work.mcode
        return str(self.framework.measures[mc[i]]) if mc[i] >= 0 else ""

    def shown(self, i: int) -> str:
        """The cell of ``value`` as written in the input."""
        val = self.cols.value
        return val.text_of.get(i, "") if val.numeric else str(val.texts[val.codes[i]])

    def year_shown(self, i: int) -> str:
        year = self.cols.year
        if year.numeric:
            cell = year.column.iloc[i]
            y = np.nan if pd.isna(cell) else float(cell)
            return "" if np.isnan(y) else f"{y:g}"
        return str(year.texts[year.codes[i]])


def _identity_messages(add: Callable[..., None], f: Findings) -> None:
    geo, place, gid = f.cols.geonames, f.cols.place, f.work.gid

    def clash(i: int) -> str:
        assert gid is not None
        hit = f.registry.found_by_gid.get(int(gid[i]))
        name, cc = hit if hit is not None else ("", "")
        return (
            f"country {place.country_texts[f.work.country_code[i]]!r} disagrees with GeoNames "
            f"id {gid[i]} ({name}, {cc})"
        )

    hits = f.work.hits
    add(
        hits["geonames_range"],
        "geonames_id",
        lambda i: (
            "GeoNames id must be positive and below 2^31, got "
            f"{float(f.df['geonames_id'].iloc[i]):g}"
        ),
    )
    add(
        hits["geonames_text"],
        "geonames_id",
        lambda i: f"GeoNames id must be a whole number, got {geo.texts[geo.codes[i]]!r}",
    )
    add(
        hits["country_unknown"],
        "country",
        lambda i: (
            f"unknown country {place.country_raw_texts[place.country_raw[i]]!r}; "
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
    add(hits["country_clash"], "country", clash)
    add(hits["no_city"], "city", "city is empty; give a city name and country, or a GeoNames id")
    add(hits["no_country"], "country", "country is empty; give the ISO 3166 code, e.g. 'FR'")


def _cell_messages(add: Callable[..., None], f: Findings) -> None:
    hits, kpi, fw = f.work.hits, f.cols.kpi, f.framework
    values = f.values

    def pair_message(i: int) -> str:
        code = f.measures.pairs.codes(np.asarray([kpi.kpi_codes[i]]), np.asarray([kpi.dp_codes[i]]))
        return f.measures.messages[int(code[0])]

    add(
        hits["year"],
        "year",
        lambda i: (
            f"year must be a whole number between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}, "
            f"got {f.year_shown(i)!r}"
        ),
    )
    add(hits["kpi_empty"], "kpi", "KPI code is empty")
    add(
        hits["kpi_unknown"],
        "kpi",
        lambda i: (
            f"unknown KPI code {kpi.kpi_texts[kpi.kpi_codes[i]]!r} in framework "
            f"'{fw.name}'{fw.suggest(kpi.kpi_texts[kpi.kpi_codes[i]])}"
        ),
    )
    add(hits["data_point"], "data_point" if "data_point" in f.df.columns else "kpi", pair_message)
    add(
        hits["yesno_number"],
        "value",
        lambda i: f"{f.measure_of(i)} is a yes/no KPI; expected yes/no or 1/0, got {values[i]:g}",
    )
    add(hits["empty"], "value", "value is empty; leave the row out if the KPI is not reported")
    add(
        hits["yesno_text"],
        "value",
        lambda i: f"{f.measure_of(i)} is a yes/no KPI; expected yes or no, got {f.shown(i)!r}",
    )
    add(hits["not_number"], "value", lambda i: f"expected a number, got {f.shown(i)!r}")


def _range_messages(add: Callable[..., None], f: Findings) -> None:
    hits, values = f.work.hits, f.values
    units, mcode = f.units, f.work.mcode

    def unit_message(i: int) -> str:
        code = units.pairs.codes(np.asarray([mcode[i]]), np.asarray([f.cols.unit.codes[i]]))
        return units.messages[int(code[0])]

    add(hits["unit"], "unit", unit_message)
    add(hits["unit_converted"], "unit", unit_message, "warning")
    add(hits["overflow"], "value", lambda i: "value is too large once converted to the KPI's unit")
    add(hits["percent"], "value", lambda i: f"percentage must be within 0-100, got {values[i]:g}")
    add(
        hits["coefficient"], "value", lambda i: f"coefficient must be within 0-1, got {values[i]:g}"
    )
    add(
        hits["negative"],
        "value",
        lambda i: f"{f.measure_of(i)} cannot be negative, got {values[i]:g}",
    )
    add(
        hits["count_fraction"],
        "value",
        lambda i: f"a count must be a whole number, got {values[i]:g}",
    )
    add(
        hits["implausible"],
        "value",
        lambda i: (
            f"{f.measure_of(i)} = {values[i]:g} is unusual ({f.bounds.source[mcode[i]]}); check it"
        ),
        "warning",
    )
    flags = f.flags
    add(
        hits["verified"],
        "verified",
        lambda i: f"verified must be yes/no or true/false, got {flags.texts[flags.codes[i]]!r}",
    )


def write_messages(out: Collector, findings: Findings) -> None:
    """Every check's rows as problems, in the order of the checks."""
    add = out.add_rows
    _identity_messages(add, findings)
    _cell_messages(add, findings)
    _range_messages(add, findings)
    rows, first_of = findings.rows, findings.first_of
    add(
        findings.duplicates,
        "value",
        lambda i: f"duplicate of row {rows[first_of[i]]}: same city, year, KPI and data point",
    )
