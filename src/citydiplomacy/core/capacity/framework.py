"""The competency framework of city diplomacy: domains, competencies, proficiency levels, targets.

A framework is a table with one row per competency::

    domain, domain_name, domain_sources, code, name, description,
    level_1 ... level_5, target_<role> ...

``level_1`` to ``level_5`` describe, as behaviours, what a person at that proficiency does
(1 aware, 2 assisted, 3 independent, 4 advanced, 5 expert). Every ``target_<role>`` column is a
role (``target_mayor``, ``target_director``...) and holds the level that role is expected to
reach on the competency, 0 to 5 (0: not expected of the role). ``domain_name`` and
``domain_sources`` repeat on each row of a domain, or are given on its first row only;
``domain_sources`` names what the domain draws on.

:meth:`CompetencyFramework.from_table` checks a table and collects every problem as
``source:row:column`` (the header is row 1), like the indicator frameworks' loader; core takes
the table, never a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from citydiplomacy.errors import Problem, ValidationError

#: Number of proficiency levels.
LEVELS = 5
#: Short names of the levels, 1 to 5.
LEVEL_NAMES = ("aware", "assisted", "independent", "advanced", "expert")
#: Columns every framework table has (plus at least one ``target_<role>``).
REQUIRED_COLUMNS = (
    "domain",
    "domain_name",
    "domain_sources",
    "code",
    "name",
    "description",
    *(f"level_{i}" for i in range(1, LEVELS + 1)),
)
TARGET_PREFIX = "target_"
#: The roles of the packaged framework and how pages name them.
ROLE_LABELS: dict[str, str] = {
    "mayor": "Mayor",
    "director": "Director of international affairs",
    "officer": "International officer",
    "sector_staff": "Sector staff",
}
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
ROLE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: How many competencies a domain should have (fewer or more is a warning, not an error).
COMPETENCIES_PER_DOMAIN = (3, 6)

FloatArray = npt.NDArray[np.float64]


def role_label(role: str) -> str:
    """A role's name for people (the code itself for a role a user's table adds)."""
    return ROLE_LABELS.get(role, role.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Domain:
    """A domain of city diplomacy, with the sources it draws on."""

    code: str
    name: str
    sources: str


@dataclass(frozen=True)
class Competency:
    """One competency: five behaviour-anchored levels and a target level per role."""

    code: str
    name: str
    description: str
    domain: str
    levels: tuple[str, ...]
    targets: Mapping[str, int]

    def level_text(self, level: int) -> str:
        """What a person at ``level`` (1-5) does."""
        return self.levels[level - 1]


@dataclass(frozen=True)
class CompetencyFramework:
    """A validated competency framework (build it with :meth:`from_table`)."""

    name: str
    domains: tuple[Domain, ...]
    competencies: tuple[Competency, ...]
    roles: tuple[str, ...]
    warnings: tuple[Problem, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({c.code: i for i, c in enumerate(self.competencies)})

    @property
    def codes(self) -> tuple[str, ...]:
        """Competency codes in table order (the order of every rating vector)."""
        return tuple(c.code for c in self.competencies)

    def index(self, code: str) -> int:
        """Position of competency ``code``; :class:`KeyError` for an unknown code."""
        return self._index[code]

    def competency(self, code: str) -> Competency:
        return self.competencies[self._index[code]]

    def domain(self, code: str) -> Domain:
        for d in self.domains:
            if d.code == code:
                return d
        raise KeyError(code)

    def in_domain(self, domain: str) -> list[Competency]:
        return [c for c in self.competencies if c.domain == domain]

    def targets(self, role: str) -> FloatArray:
        """The target level of every competency for ``role`` (a float vector, table order)."""
        if role not in self.roles:
            raise KeyError(f"unknown role {role!r}; the framework's roles are {self.roles}")
        return np.array([c.targets[role] for c in self.competencies], dtype=np.float64)

    def to_table(self) -> pd.DataFrame:
        """The framework as the table it was read from (every row complete)."""
        domains = {d.code: d for d in self.domains}
        rows = []
        for c in self.competencies:
            d = domains[c.domain]
            row: dict[str, object] = {
                "domain": d.code,
                "domain_name": d.name,
                "domain_sources": d.sources,
                "code": c.code,
                "name": c.name,
                "description": c.description,
            }
            row.update({f"level_{i + 1}": text for i, text in enumerate(c.levels)})
            row.update({f"{TARGET_PREFIX}{r}": c.targets[r] for r in self.roles})
            rows.append(row)
        columns = [*REQUIRED_COLUMNS, *(f"{TARGET_PREFIX}{r}" for r in self.roles)]
        return pd.DataFrame(rows, columns=columns)

    @classmethod
    def from_table(cls, table: pd.DataFrame, source: str, name: str = "") -> CompetencyFramework:
        """Check a framework table and build the framework.

        The header is checked first (:data:`HEADER_CHECKS`); then each row, column by column
        (:data:`ROW_CHECKS`, in the order of the table's columns); then each domain's size
        (a warning).

        Parameters
        ----------
        table
            One row per competency, every cell text (read with ``dtype=str``).
        source
            The table's name in problems (a file name).
        name
            The framework's name (default: ``source``).

        Raises
        ------
        ValidationError
            With every problem found, each located as ``source:row:column``.
        """
        header = [str(c).strip() for c in table.columns]
        check = _TableCheck(source, header)
        for header_check in HEADER_CHECKS:
            header_check(check)
        if check.problems:
            raise ValidationError(check.problems)
        if len(table) == 0:
            raise ValidationError([Problem(source, 2, 0, "the table has no competencies")])
        values = table.astype(str).to_numpy()
        pos = {h: i for i, h in enumerate(header)}
        for i in range(values.shape[0]):
            cells = {h: str(values[i, k]).strip() for h, k in pos.items()}
            if not any(cells.values()):
                continue  # a blank line (spreadsheets leave them)
            row = _Row(i + 2, cells)
            for row_check in ROW_CHECKS:
                row_check(check, row)
            check.competencies.append(
                Competency(
                    row.code,
                    row.cell("name"),
                    row.cell("description"),
                    row.domain,
                    row.levels,
                    row.targets,
                )
            )
        if any(p.severity == "error" for p in check.problems):
            raise ValidationError(check.problems)
        _check_domain_sizes(check)
        return cls(
            name=name or source,
            domains=tuple(check.domains.values()),
            competencies=tuple(check.competencies),
            roles=tuple(check.roles),
            warnings=tuple(check.problems),
        )


# ------------------------------------------------------------------------- the table's checks
@dataclass
class _TableCheck:
    """What the checks of one table share: where problems go, and what earlier rows held."""

    source: str
    header: list[str]
    problems: list[Problem] = field(default_factory=list)
    domains: dict[str, Domain] = field(default_factory=dict)
    domain_rows: dict[str, int] = field(default_factory=dict)
    codes_seen: dict[str, int] = field(default_factory=dict)
    competencies: list[Competency] = field(default_factory=list)

    @property
    def roles(self) -> list[str]:
        return [h[len(TARGET_PREFIX) :] for h in self.header if h.startswith(TARGET_PREFIX)]

    def problem(self, row: int, column: str | int, message: str, severity: str = "error") -> None:
        """Record a problem at ``row`` and ``column`` (a header name or a column number)."""
        if isinstance(column, int):
            col = column
        else:
            # The last column of that name, as a dict of the header gives (a repeated header
            # is itself a problem).
            col = {h: i + 1 for i, h in enumerate(self.header)}.get(column, 0)
        self.problems.append(Problem(self.source, row, col, message, severity))


@dataclass
class _Row:
    """One competency row's cells, and what its checks read from them."""

    number: int
    cells: dict[str, str]
    levels: tuple[str, ...] = ()
    targets: dict[str, int] = field(default_factory=dict)

    def cell(self, column: str) -> str:
        return self.cells[column]

    @property
    def domain(self) -> str:
        return self.cells["domain"]

    @property
    def code(self) -> str:
        return self.cells["code"]


def _header_missing(check: _TableCheck) -> None:
    for c in REQUIRED_COLUMNS:
        if c not in check.header:
            check.problem(
                1,
                0,
                f"missing column {c!r}; a framework table has the columns "
                f"{', '.join(REQUIRED_COLUMNS)} and one target_<role> column per role",
            )


def _header_roles(check: _TableCheck) -> None:
    if not check.roles:
        check.problem(
            1,
            0,
            "no target_<role> column: give each role's target level "
            "(e.g. target_mayor, target_officer)",
        )
    for r in check.roles:
        if not ROLE_PATTERN.match(r):
            check.problem(
                1,
                f"{TARGET_PREFIX}{r}",
                f"role {r!r} must be lower-case letters, "
                "digits and underscores, starting with a letter",
            )


def _header_repeats(check: _TableCheck) -> None:
    seen: set[str] = set()
    for h in check.header:
        if h in seen:
            check.problem(1, 0, f"column {h!r} appears twice")
        seen.add(h)


def _row_domain_code(check: _TableCheck, row: _Row) -> None:
    if not CODE_PATTERN.match(row.domain):
        check.problem(
            row.number,
            "domain",
            f"domain code must be 1-40 letters, digits, '.', '_' or '-', got {row.domain!r}",
        )


def _row_code(check: _TableCheck, row: _Row) -> None:
    code = row.code
    if not CODE_PATTERN.match(code):
        check.problem(
            row.number,
            "code",
            f"competency code must be 1-40 letters, digits, '.', '_' or '-', got {code!r}",
        )
    elif code in check.codes_seen:
        check.problem(
            row.number, "code", f"competency code {code!r} repeats row {check.codes_seen[code]}"
        )
    else:
        check.codes_seen[code] = row.number


def _row_texts(check: _TableCheck, row: _Row) -> None:
    for column in ("name", "description"):
        if not row.cell(column):
            check.problem(row.number, column, f"{column} is empty")


def _row_levels(check: _TableCheck, row: _Row) -> None:
    row.levels = levels = tuple(row.cell(f"level_{k}") for k in range(1, LEVELS + 1))
    for k, text in enumerate(levels, start=1):
        if not text:
            check.problem(
                row.number,
                f"level_{k}",
                f"level {k} ({LEVEL_NAMES[k - 1]}) needs a "
                "description of what a person at that level does",
            )
    for k in range(1, LEVELS):
        if levels[k] and levels[k] in levels[:k]:
            check.problem(
                row.number,
                f"level_{k + 1}",
                f"level {k + 1} repeats the text of a "
                "lower level; each level must describe a different behaviour",
            )


def _row_targets(check: _TableCheck, row: _Row) -> None:
    for r in check.roles:
        raw = row.cell(f"{TARGET_PREFIX}{r}")
        if not re.fullmatch(r"[0-9]", raw) or int(raw) > LEVELS:
            check.problem(
                row.number,
                f"{TARGET_PREFIX}{r}",
                f"target level for {r} must be a whole number from 0 to {LEVELS}, got {raw!r}",
            )
        else:
            row.targets[r] = int(raw)


def _row_domain(check: _TableCheck, row: _Row) -> None:
    d_code, d_name, d_sources = row.domain, row.cell("domain_name"), row.cell("domain_sources")
    if d_code not in check.domains:
        if not d_name:
            check.problem(
                row.number, "domain_name", f"domain {d_code!r} needs a name on its first row"
            )
        if not d_sources:
            check.problem(
                row.number,
                "domain_sources",
                f"domain {d_code!r} must name the sources it draws on (on its first row)",
            )
        check.domains[d_code] = Domain(d_code, d_name, d_sources)
        check.domain_rows[d_code] = row.number
        return
    first, first_row = check.domains[d_code], check.domain_rows[d_code]
    if d_name and d_name != first.name:
        check.problem(
            row.number,
            "domain_name",
            f"domain {d_code!r} is named {first.name!r} on row {first_row}, {d_name!r} here",
        )
    if d_sources and d_sources != first.sources:
        check.problem(
            row.number,
            "domain_sources",
            f"domain {d_code!r} has other sources on row "
            f"{first_row}; give them once, or the same on each row",
        )


def _check_domain_sizes(check: _TableCheck) -> None:
    low, high = COMPETENCIES_PER_DOMAIN
    for d in check.domains.values():
        n = sum(1 for c in check.competencies if c.domain == d.code)
        if not low <= n <= high:
            check.problem(
                check.domain_rows[d.code],
                "domain",
                f"domain {d.code!r} has {n} "
                f"competencies; {low} to {high} keep a self-assessment short",
                "warning",
            )


#: The header's checks, in order; any problem stops before the rows are read.
HEADER_CHECKS: tuple[Callable[[_TableCheck], None], ...] = (
    _header_missing,
    _header_roles,
    _header_repeats,
)
#: Each row's checks, in the order their problems are reported.
ROW_CHECKS: tuple[Callable[[_TableCheck, _Row], None], ...] = (
    _row_domain_code,
    _row_code,
    _row_texts,
    _row_levels,
    _row_targets,
    _row_domain,
)
