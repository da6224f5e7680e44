"""Assessment responses as a table: one row per person, competency and rating.

Columns: ``person, city, role, competency, level`` and optionally ``rater`` (``self``, the
default, or ``manager`` / ``peer`` for a second rating) and ``phase`` (``before``, the default,
or ``after`` for the assessment that follows a programme). ``city`` is free text here (a name,
``Geneva, CH``, or a GeoNames id); the web app resolves it against the registry.

:func:`read_responses` checks the table against a framework, collects every problem as
``source:row:column`` and builds people x competencies arrays (NaN: not rated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from citydiplomacy.core.capacity.framework import LEVELS, CompetencyFramework
from citydiplomacy.errors import Problem, ValidationError

FloatArray = npt.NDArray[np.float64]

REQUIRED = ("person", "city", "role", "competency", "level")
OPTIONAL = ("rater", "phase")
RATERS = ("self", "manager", "peer")
PHASES = ("before", "after")
MAX_TEXT = 200


@dataclass(frozen=True)
class Responses:
    """Ratings of people on a framework's competencies.

    ``ratings[(phase, kind)]`` is a people x competencies array, ``kind`` ``self`` or
    ``second``; ``second_by[p]`` says whether person ``p``'s second ratings came from a
    manager or a peer.
    """

    people: tuple[str, ...]
    cities: tuple[str, ...]
    roles: tuple[str, ...]
    ratings: dict[tuple[str, str], FloatArray] = field(default_factory=dict)
    second_by: tuple[str, ...] = ()

    def get(self, phase: str = "before", kind: str = "self") -> FloatArray:
        """The ratings of a phase and kind (all NaN when none were given)."""
        n, c = len(self.people), self._width
        return self.ratings.get((phase, kind), np.full((n, c), np.nan))

    @property
    def _width(self) -> int:
        for a in self.ratings.values():
            return int(a.shape[1])
        return 0


def read_responses(table: pd.DataFrame, source: str, framework: CompetencyFramework) -> Responses:
    """Check a responses table and build the arrays; every problem raised together.

    A person's city and role must be the same on each of their rows; a rating may be given
    once per person, competency, rater and phase; a person has one kind of second rater.
    """
    header = [str(c).strip().lower() for c in table.columns]
    col = {h: i + 1 for i, h in enumerate(header)}
    problems: list[Problem] = [
        Problem(
            source,
            1,
            0,
            f"missing column {c!r}; responses have the columns "
            f"{', '.join(REQUIRED)} (and optionally {', '.join(OPTIONAL)})",
        )
        for c in REQUIRED
        if c not in col
    ]
    if problems:
        raise ValidationError(problems)
    values = table.astype(str).to_numpy()
    pos = {h: i for i, h in enumerate(header)}
    people: dict[str, int] = {}
    person_city: list[str] = []
    person_role: list[str] = []
    person_rows: list[int] = []
    second_by: list[str] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    records: list[
        tuple[int, tuple[str, str], int, float]
    ] = []  # person, (phase, kind), competency, level
    keys: list[tuple[str, str]] = []
    for i in range(values.shape[0]):
        row = i + 2
        cells = {h: str(values[i, pos[h]]).strip() for h in pos}
        if not any(cells.values()):
            continue
        before = len(problems)

        def bad(column: str, message: str, row: int = row) -> None:
            problems.append(Problem(source, row, col.get(column, 0), message))

        person, city, role = cells["person"], cells["city"], cells["role"]
        for name, text in (("person", person), ("city", city)):
            if not text:
                bad(name, f"{name} is empty")
            elif len(text) > MAX_TEXT:
                bad(name, f"{name} is longer than {MAX_TEXT} characters")
        if role not in framework.roles:
            bad(
                "role",
                f"role {role!r} is not one of the framework's roles: {', '.join(framework.roles)}",
            )
        code = cells["competency"]
        if code not in framework.codes:
            bad("competency", f"unknown competency {code!r}")
        level_text = cells["level"]
        if not re.fullmatch(r"[1-9][0-9]*(\.0+)?", level_text) or float(level_text) > LEVELS:
            bad("level", f"level must be a whole number from 1 to {LEVELS}, got {level_text!r}")
        rater = cells.get("rater", "") or "self"
        if rater not in RATERS:
            bad("rater", f"rater must be one of {', '.join(RATERS)}, got {rater!r}")
        phase = cells.get("phase", "") or "before"
        if phase not in PHASES:
            bad("phase", f"phase must be before or after, got {phase!r}")
        if len(problems) > before:
            continue
        p = people.get(person)
        if p is None:
            p = people[person] = len(people)
            person_city.append(city)
            person_role.append(role)
            person_rows.append(row)
            second_by.append("")
        else:
            if city != person_city[p]:
                bad("city", f"{person!r} is in {person_city[p]!r} on row {person_rows[p]}")
            if role != person_role[p]:
                bad("role", f"{person!r} has role {person_role[p]!r} on row {person_rows[p]}")
        kind = "self" if rater == "self" else "second"
        if kind == "second":
            if second_by[p] and second_by[p] != rater:
                bad(
                    "rater",
                    f"{person!r} already has a second rating by a {second_by[p]}; "
                    "give one second rater per person",
                )
            second_by[p] = second_by[p] or rater
        key = (person, code, kind, phase)
        if key in seen:
            bad(
                "competency",
                f"{person!r} is rated on {code} ({rater}, {phase}) already on row {seen[key]}",
            )
            continue
        seen[key] = row
        if (phase, kind) not in keys:
            keys.append((phase, kind))
        records.append((p, (phase, kind), framework.index(code), float(level_text)))
    if not records and not problems:
        problems.append(Problem(source, 2, 0, "the table has no responses"))
    if problems:
        raise ValidationError(problems)
    n, c = len(people), len(framework.codes)
    arrays = {k: np.full((n, c), np.nan) for k in keys}
    for p, phase_kind, k, level in records:
        arrays[phase_kind][p, k] = level
    return Responses(
        tuple(people), tuple(person_city), tuple(person_role), arrays, tuple(second_by)
    )
