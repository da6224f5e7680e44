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
from citydiplomacy.errors import Problem, Words, gettext_noop, words

#: A problem's text, or how to write it for a row position (as :class:`Words` when the web
#: layer can write it in the reader's language).
Message = Callable[[int], str | Words] | str | Words


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
            self.problems.append(Problem.worded(self.source, r, c, text, severity))

    def add(self, row: int, column: int, message: str | Words, severity: str = "error") -> None:
        if len(self.problems) < self.limit:
            self.problems.append(Problem.worded(self.source, row, column, message, severity))
        else:
            self.dropped += 1

    def finish(self) -> list[Problem]:
        self.problems.sort(key=lambda p: (p.row, p.column))
        if self.dropped:
            self.problems.append(
                Problem.worded(
                    self.source,
                    0,
                    0,
                    words(gettext_noop("... and %(count)s more problem(s)"), count=self.dropped),
                )
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

    def clash(i: int) -> Words:
        assert gid is not None
        hit = f.registry.found_by_gid.get(int(gid[i]))
        name, cc = hit if hit is not None else ("", "")
        return words(
            gettext_noop(
                "country %(given)s disagrees with GeoNames id %(id)s (%(name)s, %(country)s)"
            ),
            given=repr(place.country_texts[f.work.country_code[i]]),
            id=gid[i],
            name=name,
            country=cc,
        )

    hits = f.work.hits
    add(
        hits["geonames_range"],
        "geonames_id",
        lambda i: words(
            gettext_noop("GeoNames id must be positive and below 2^31, got %(got)s"),
            got=f"{float(f.df['geonames_id'].iloc[i]):g}",
        ),
    )
    add(
        hits["geonames_text"],
        "geonames_id",
        lambda i: words(
            gettext_noop("GeoNames id must be a whole number, got %(got)s"),
            got=repr(geo.texts[geo.codes[i]]),
        ),
    )
    add(
        hits["country_unknown"],
        "country",
        lambda i: words(
            gettext_noop(
                "unknown country %(given)s; expected an ISO 3166 code such as 'CH' or 'CHE'"
            ),
            given=repr(place.country_raw_texts[place.country_raw[i]]),
        ),
    )
    add(
        hits["geonames_named"],
        "geonames_id",
        lambda i: words(
            gettext_noop(
                "GeoNames id %(id)s is not among the registry's cities of 15,000 or more; "
                "kept with the name and country given"
            ),
            id=gid[i] if gid is not None else "",
        ),
        "warning",
    )
    add(
        hits["geonames_unknown"],
        "geonames_id",
        lambda i: words(
            gettext_noop("unknown GeoNames id %(id)s; look the city up on geonames.org"),
            id=gid[i] if gid is not None else "",
        ),
    )
    add(hits["country_clash"], "country", clash)
    add(
        hits["no_city"],
        "city",
        words(gettext_noop("city is empty; give a city name and country, or a GeoNames id")),
    )
    add(
        hits["no_country"],
        "country",
        words(gettext_noop("country is empty; give the ISO 3166 code, e.g. 'FR'")),
    )


def _cell_messages(add: Callable[..., None], f: Findings) -> None:
    hits, kpi, fw = f.work.hits, f.cols.kpi, f.framework
    values = f.values

    def pair_message(i: int) -> str | Words:
        code = f.measures.pairs.codes(np.asarray([kpi.kpi_codes[i]]), np.asarray([kpi.dp_codes[i]]))
        return f.measures.messages[int(code[0])]

    add(
        hits["year"],
        "year",
        lambda i: words(
            gettext_noop("year must be a whole number between %(first)s and %(last)s, got %(got)s"),
            first=YEAR_RANGE[0],
            last=YEAR_RANGE[1],
            got=repr(f.year_shown(i)),
        ),
    )
    add(hits["kpi_empty"], "kpi", words(gettext_noop("KPI code is empty")))

    def unknown_kpi(i: int) -> Words:
        code = kpi.kpi_texts[kpi.kpi_codes[i]]
        close = fw.closest(code)
        if close is None:
            return words(
                gettext_noop("unknown KPI code %(code)s in framework '%(framework)s'"),
                code=repr(code),
                framework=fw.name,
            )
        return words(
            gettext_noop(
                "unknown KPI code %(code)s in framework '%(framework)s'; did you mean %(close)s?"
            ),
            code=repr(code),
            framework=fw.name,
            close=repr(close),
        )

    add(
        hits["kpi_unknown"],
        "kpi",
        unknown_kpi,
    )
    add(hits["data_point"], "data_point" if "data_point" in f.df.columns else "kpi", pair_message)
    add(
        hits["yesno_number"],
        "value",
        lambda i: words(
            gettext_noop("%(measure)s is a yes/no KPI; expected yes/no or 1/0, got %(got)s"),
            measure=f.measure_of(i),
            got=f"{values[i]:g}",
        ),
    )
    add(
        hits["empty"],
        "value",
        words(gettext_noop("value is empty; leave the row out if the KPI is not reported")),
    )
    add(
        hits["yesno_text"],
        "value",
        lambda i: words(
            gettext_noop("%(measure)s is a yes/no KPI; expected yes or no, got %(got)s"),
            measure=f.measure_of(i),
            got=repr(f.shown(i)),
        ),
    )
    add(
        hits["not_number"],
        "value",
        lambda i: words(gettext_noop("expected a number, got %(got)s"), got=repr(f.shown(i))),
    )


def _range_messages(add: Callable[..., None], f: Findings) -> None:
    hits, values = f.work.hits, f.values
    units, mcode = f.units, f.work.mcode

    def unit_message(i: int) -> str | Words:
        code = units.pairs.codes(np.asarray([mcode[i]]), np.asarray([f.cols.unit.codes[i]]))
        return units.messages[int(code[0])]

    add(hits["unit"], "unit", unit_message)
    add(hits["unit_converted"], "unit", unit_message, "warning")
    add(
        hits["overflow"],
        "value",
        words(gettext_noop("value is too large once converted to the KPI's unit")),
    )
    add(
        hits["percent"],
        "value",
        lambda i: words(
            gettext_noop("percentage must be within 0-100, got %(got)s"), got=f"{values[i]:g}"
        ),
    )
    add(
        hits["coefficient"],
        "value",
        lambda i: words(
            gettext_noop("coefficient must be within 0-1, got %(got)s"), got=f"{values[i]:g}"
        ),
    )
    add(
        hits["negative"],
        "value",
        lambda i: words(
            gettext_noop("%(measure)s cannot be negative, got %(got)s"),
            measure=f.measure_of(i),
            got=f"{values[i]:g}",
        ),
    )
    add(
        hits["count_fraction"],
        "value",
        lambda i: words(
            gettext_noop("a count must be a whole number, got %(got)s"), got=f"{values[i]:g}"
        ),
    )
    add(
        hits["implausible"],
        "value",
        lambda i: words(
            gettext_noop("%(measure)s = %(value)s is unusual (%(basis)s); check it"),
            measure=f.measure_of(i),
            value=f"{values[i]:g}",
            basis=f.bounds.source[mcode[i]],
        ),
        "warning",
    )
    flags = f.flags
    add(
        hits["verified"],
        "verified",
        lambda i: words(
            gettext_noop("verified must be yes/no or true/false, got %(got)s"),
            got=repr(flags.texts[flags.codes[i]]),
        ),
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
        lambda i: words(
            gettext_noop("duplicate of row %(row)s: same city, year, KPI and data point"),
            row=rows[first_of[i]],
        ),
    )
