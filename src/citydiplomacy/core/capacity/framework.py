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
from collections.abc import Mapping
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
        problems: list[Problem] = []
        header = [str(c).strip() for c in table.columns]
        col_of = {h: i + 1 for i, h in enumerate(header)}

        def problem(row: int, column: str | int, message: str, severity: str = "error") -> None:
            col = column if isinstance(column, int) else col_of.get(column, 0)
            problems.append(Problem(source, row, col, message, severity))

        missing = [c for c in REQUIRED_COLUMNS if c not in col_of]
        for c in missing:
            problem(
                1,
                0,
                f"missing column {c!r}; a framework table has the columns "
                f"{', '.join(REQUIRED_COLUMNS)} and one target_<role> column per role",
            )
        roles = [h[len(TARGET_PREFIX) :] for h in header if h.startswith(TARGET_PREFIX)]
        if not roles:
            problem(
                1,
                0,
                "no target_<role> column: give each role's target level "
                "(e.g. target_mayor, target_officer)",
            )
        for r in roles:
            if not ROLE_PATTERN.match(r):
                problem(
                    1,
                    f"{TARGET_PREFIX}{r}",
                    f"role {r!r} must be lower-case letters, "
                    "digits and underscores, starting with a letter",
                )
        seen_headers: set[str] = set()
        for h in header:
            if h in seen_headers:
                problem(1, 0, f"column {h!r} appears twice")
            seen_headers.add(h)
        if problems:
            raise ValidationError(problems)
        if len(table) == 0:
            raise ValidationError([Problem(source, 2, 0, "the table has no competencies")])

        values = table.astype(str).to_numpy()
        pos = {h: i for i, h in enumerate(header)}
        domains: dict[str, Domain] = {}
        domain_rows: dict[str, int] = {}
        codes_seen: dict[str, int] = {}
        competencies: list[Competency] = []
        for i in range(values.shape[0]):
            row = i + 2

            def cell(column: str, i: int = i) -> str:
                return str(values[i, pos[column]]).strip()

            if all(str(v).strip() == "" for v in values[i]):
                continue  # a blank line (spreadsheets leave them)
            d_code, code = cell("domain"), cell("code")
            if not CODE_PATTERN.match(d_code):
                problem(
                    row,
                    "domain",
                    f"domain code must be 1-40 letters, digits, '.', '_' or '-', got {d_code!r}",
                )
            if not CODE_PATTERN.match(code):
                problem(
                    row,
                    "code",
                    f"competency code must be 1-40 letters, digits, '.', '_' or '-', got {code!r}",
                )
            elif code in codes_seen:
                problem(row, "code", f"competency code {code!r} repeats row {codes_seen[code]}")
            else:
                codes_seen[code] = row
            for column in ("name", "description"):
                if not cell(column):
                    problem(row, column, f"{column} is empty")
            levels = tuple(cell(f"level_{k}") for k in range(1, LEVELS + 1))
            for k, text in enumerate(levels, start=1):
                if not text:
                    problem(
                        row,
                        f"level_{k}",
                        f"level {k} ({LEVEL_NAMES[k - 1]}) needs a "
                        "description of what a person at that level does",
                    )
            for k in range(1, LEVELS):
                if levels[k] and levels[k] in levels[:k]:
                    problem(
                        row,
                        f"level_{k + 1}",
                        f"level {k + 1} repeats the text of a "
                        "lower level; each level must describe a different behaviour",
                    )
            targets: dict[str, int] = {}
            for r in roles:
                raw = cell(f"{TARGET_PREFIX}{r}")
                if not re.fullmatch(r"[0-9]", raw) or int(raw) > LEVELS:
                    problem(
                        row,
                        f"{TARGET_PREFIX}{r}",
                        f"target level for {r} must be a whole "
                        f"number from 0 to {LEVELS}, got {raw!r}",
                    )
                else:
                    targets[r] = int(raw)
            d_name, d_sources = cell("domain_name"), cell("domain_sources")
            if d_code not in domains:
                if not d_name:
                    problem(row, "domain_name", f"domain {d_code!r} needs a name on its first row")
                if not d_sources:
                    problem(
                        row,
                        "domain_sources",
                        f"domain {d_code!r} must name the sources it draws on (on its first row)",
                    )
                domains[d_code] = Domain(d_code, d_name, d_sources)
                domain_rows[d_code] = row
            else:
                first = domains[d_code]
                if d_name and d_name != first.name:
                    problem(
                        row,
                        "domain_name",
                        f"domain {d_code!r} is named {first.name!r} on "
                        f"row {domain_rows[d_code]}, {d_name!r} here",
                    )
                if d_sources and d_sources != first.sources:
                    problem(
                        row,
                        "domain_sources",
                        f"domain {d_code!r} has other sources on row "
                        f"{domain_rows[d_code]}; give them once, or the same on each row",
                    )
            competencies.append(
                Competency(code, cell("name"), cell("description"), d_code, levels, targets)
            )
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise ValidationError(problems)
        low, high = COMPETENCIES_PER_DOMAIN
        for d in domains.values():
            n = sum(1 for c in competencies if c.domain == d.code)
            if not low <= n <= high:
                problem(
                    domain_rows[d.code],
                    "domain",
                    f"domain {d.code!r} has {n} "
                    f"competencies; {low} to {high} keep a self-assessment short",
                    "warning",
                )
        return cls(
            name=name or source,
            domains=tuple(domains.values()),
            competencies=tuple(competencies),
            roles=tuple(roles),
            warnings=tuple(problems),
        )
