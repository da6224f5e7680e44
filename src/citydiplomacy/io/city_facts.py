"""Readers of the open city-facts files: UNdata city populations and Net Zero Tracker targets.

Both files are packaged under ``citydiplomacy/data/city_facts/`` (see ``data/SOURCES.md``;
``scripts/build_city_facts.py`` derives them from the original downloads). Each reader checks
the whole file first and raises one :class:`~citydiplomacy.errors.ValidationError` with every
malformed cell as ``file:row:column: expected ...`` (rows as a spreadsheet shows them, the
header being row 1), so an import either reads a whole file or writes nothing. Nothing here
knows the city registry: ``web/cities/facts.py`` matches the rows to GeoNames cities and
stores them.

* :func:`read_undata_population`: one :class:`PopulationRow` per city, kind and year;
* :func:`read_net_zero_targets`: one :class:`TargetRow` per city of the tracker.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import pycountry

from citydiplomacy.errors import Problem, ValidationError

UNDATA_FILE = "undata_city_population.csv"
NZT_FILE = "net_zero_tracker_cities.csv"

#: The kinds of UNdata population figures ("City type"), as the file writes them.
CITY_TYPES = ("City proper", "Urban agglomeration")
UNDATA_COLUMNS = (
    "country_or_area",
    "city",
    "city_type",
    "year",
    "population",
    "record_type",
    "reliability",
)
#: The columns of the tracker's file kept with each target (its ``detail``), when not empty.
NZT_DETAIL = (
    "id_code",
    "end_target",
    "end_target_year",
    "end_target_status",
    "interim_target",
    "interim_target_percentage_reduction",
    "interim_target_baseline_year",
    "interim_target_year",
    "last_updated",
)
NZT_COLUMNS = ("name", "country", *NZT_DETAIL, "source_url")
#: The tracker's numeric columns, each with what it holds (for the problem's message).
_NZT_NUMBERS = {
    "end_target_year": "a year",
    "interim_target_percentage_reduction": "a percentage",
    "interim_target_baseline_year": "a year",
    "interim_target_year": "a year",
}

#: UNdata country names that ``pycountry`` does not resolve, and their ISO alpha-2 codes.
UNDATA_COUNTRIES = {
    "China, Hong Kong SAR": "HK",
    "China, Macao SAR": "MO",
    "Republic of South Sudan": "SS",
    "Saint Helena ex. dep.": "SH",
    "Wallis and Futuna Islands": "WF",
    "Reunion": "RE",
    "Republic of Korea": "KR",
    "Democratic People's Republic of Korea": "KP",
    "Republic of Moldova": "MD",
    "United Republic of Tanzania": "TZ",
    "State of Palestine": "PS",
    "Holy See": "VA",
    "United States Virgin Islands": "VI",
    "British Virgin Islands": "VG",
    "Falkland Islands (Malvinas)": "FK",
    "Micronesia (Federated States of)": "FM",
    "Bolivia (Plurinational State of)": "BO",
    "Venezuela (Bolivarian Republic of)": "VE",
    "Iran (Islamic Republic of)": "IR",
    "Lao People's Democratic Republic": "LA",
    "United Kingdom of Great Britain and Northern Ireland": "GB",
    "Türkiye": "TR",
}
_ISO3 = re.compile(r"[A-Za-z]{3}")


def undata_country_code(name: str) -> str | None:
    """ISO alpha-2 code of a UNdata "Country or Area" name, or ``None``."""
    if name in UNDATA_COUNTRIES:
        return UNDATA_COUNTRIES[name]
    try:
        return str(pycountry.countries.lookup(name).alpha_2)
    except LookupError:
        return None


def packaged_text(name: str) -> str:
    """The text of a packaged file of ``citydiplomacy/data/city_facts``."""
    path = resources.files("citydiplomacy.data") / "city_facts" / name
    return str(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class PopulationRow:
    """One UNdata figure: a city's population of one kind in one year.

    ``iso2`` is ``None`` when the country's name is not one ``pycountry`` (or
    :data:`UNDATA_COUNTRIES`) knows: the row cannot be matched, but the file is not wrong.
    """

    row: int
    country: str
    iso2: str | None
    city: str
    city_type: str
    year: int
    population: float
    record_type: str
    reliability: str


@dataclass(frozen=True)
class TargetRow:
    """One city of the Net Zero Tracker: its target in words and the tracker's own fields."""

    row: int
    name: str
    #: ISO 3166 alpha-3 code, upper case.
    country: str
    text: str
    year: int | None
    detail: dict[str, str]
    source_url: str


class _Cells:
    """The cells of one CSV file, read by column name, every problem located and kept."""

    def __init__(self, text: str, src: str, columns: tuple[str, ...]) -> None:
        self.src = src
        self.reader = csv.reader(io.StringIO(text, newline=""))
        header = next(self.reader, None)
        if header is None:
            raise ValidationError([Problem(src, 0, 0, "expected a header row, the file is empty")])
        self.col = {name.strip(): i for i, name in enumerate(header)}
        missing = [c for c in columns if c not in self.col]
        if missing:
            raise ValidationError([Problem(src, 1, 0, f"expected the columns {missing}")])
        self.width = len(header)
        self.problems: list[Problem] = []
        self.rowno = 1
        self.cells: list[str] = []
        self._rows: dict[int, list[str]] = {}

    def rows(self) -> list[int]:
        """The numbers of the data rows (blank lines skipped, a row with too many cells a
        problem); :meth:`at` then selects one for :meth:`text` and :meth:`number`."""
        out = []
        for rowno, row in enumerate(self.reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > self.width:
                self.problems.append(
                    Problem(
                        self.src,
                        rowno,
                        self.width + 1,
                        f"expected {self.width} columns, found {len(row)}",
                    )
                )
                continue
            out.append(rowno)
            self._rows[rowno] = row + [""] * (self.width - len(row))
        return out

    def at(self, rowno: int) -> _Cells:
        """The cells of data row ``rowno``."""
        self.rowno, self.cells = rowno, self._rows[rowno]
        return self

    def problem(self, column: str, message: str) -> None:
        """Record a problem of the current row's cell in ``column``."""
        self.problems.append(Problem(self.src, self.rowno, self.col[column] + 1, message))

    def text(self, column: str, required: str = "") -> str:
        """The cell, stripped; ``required`` names what an empty cell should have held."""
        value = self.cells[self.col[column]].strip()
        if not value and required:
            self.problem(column, f"expected {required}")
        return value

    def number(
        self, column: str, what: str, *, required: bool = False, check: Callable[[float], bool]
    ) -> float | None:
        """The cell as a finite number passing ``check``, ``None`` when empty (a problem when
        ``required``) or wrong (always a problem)."""
        value = self.cells[self.col[column]].strip()
        if not value:
            if required:
                self.problem(column, f"expected {what}")
            return None
        try:
            x = float(value)
        except ValueError:
            x = math.nan
        if not math.isfinite(x) or not check(x):
            self.problem(column, f"expected {what}, found {value!r}")
            return None
        return x

    def finish(self) -> None:
        """Raise every problem found, by row and column, if there is any."""
        if self.problems:
            raise ValidationError(sorted(self.problems, key=lambda p: (p.row, p.column)))


def _year(x: float) -> bool:
    return x == int(x) and 1000 <= x <= 2200


def read_undata_population(text: str | None = None, src: str = UNDATA_FILE) -> list[PopulationRow]:
    """The figures of the UNdata city-population file (the packaged one when ``text`` is
    ``None``), validated.

    Raises
    ------
    ValidationError
        With every problem of the file: a missing column, an empty city or country, a city
        type other than :data:`CITY_TYPES`, a year or population that is not one.
    """
    cells = _Cells(packaged_text(UNDATA_FILE) if text is None else text, src, UNDATA_COLUMNS)
    out = []
    for rowno in cells.rows():
        c = cells.at(rowno)
        country = c.text("country_or_area", "the country or area")
        city = c.text("city", "the city's name")
        city_type = c.text("city_type")
        if city_type not in CITY_TYPES:
            c.problem("city_type", f"expected one of {list(CITY_TYPES)}, found {city_type!r}")
        year = c.number("year", "a year", required=True, check=_year)
        population = c.number(
            "population",
            "a population (a number, 0 or more)",
            required=True,
            check=lambda x: x >= 0,
        )
        if year is None or population is None or city_type not in CITY_TYPES:
            continue
        out.append(
            PopulationRow(
                row=rowno,
                country=country,
                iso2=undata_country_code(country) if country else None,
                city=city,
                city_type=city_type,
                year=int(year),
                population=population,
                record_type=c.text("record_type"),
                reliability=c.text("reliability"),
            )
        )
    cells.finish()
    return out


def target_text(
    end: str, year: float | None, cut: float | None, base: float | None, by: float | None
) -> str:
    """A city's target in words: "Net zero by 2050; interim: −55 % by 2030 against 1990"."""
    end = end or "No target"
    text = end if end == "No target" or year is None else f"{end} by {int(year)}"
    if cut is not None and by is not None:
        text += f"; interim: −{cut:g} % by {int(by)}"
        if base is not None:
            text += f" against {int(base)}"
    return text


def read_net_zero_targets(text: str | None = None, src: str = NZT_FILE) -> list[TargetRow]:
    """The cities of the Net Zero Tracker file (the packaged one when ``text`` is ``None``),
    validated.

    Raises
    ------
    ValidationError
        With every problem of the file: a missing column, an empty name, a country that is not
        an ISO alpha-3 code, a year or percentage that is not one.
    """
    cells = _Cells(packaged_text(NZT_FILE) if text is None else text, src, NZT_COLUMNS)
    out = []
    for rowno in cells.rows():
        c = cells.at(rowno)
        name = c.text("name", "the city's name")
        country = c.text("country")
        if not _ISO3.fullmatch(country):
            c.problem("country", f"expected an ISO 3166 alpha-3 code, found {country!r}")
        numbers = {
            k: c.number(k, what, check=_year if what == "a year" else (lambda x: 0 <= x <= 100))
            for k, what in _NZT_NUMBERS.items()
        }
        year = numbers["end_target_year"]
        out.append(
            TargetRow(
                row=rowno,
                name=name,
                country=country.upper(),
                text=target_text(
                    c.text("end_target"),
                    year,
                    numbers["interim_target_percentage_reduction"],
                    numbers["interim_target_baseline_year"],
                    numbers["interim_target_year"],
                ),
                year=int(year) if year is not None else None,
                detail={k: c.text(k) for k in NZT_DETAIL if c.text(k)},
                source_url=c.text("source_url"),
            )
        )
    cells.finish()
    return out
