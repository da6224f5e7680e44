"""What writing a KPI value changes: the rows to write, the rule that decides whether a row
changes the stored value (:func:`plan`), the audit record of a change, and the checked rows'
storage with an upload. No database writes here: :mod:`.services` does them, under lock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq

from citydiplomacy.core.text import forbidden_character
from citydiplomacy.errors import Problem
from citydiplomacy.web.indicators.models import (
    NOTE_MAX,
    SOURCE_MAX,
    ChangeAction,
    KpiValue,
    KpiValueChange,
    Status,
    Submission,
)

SYNTHETIC_MARK = "synthetic demo data"


def same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


@dataclass
class Row:
    """One value to write: the engine's validated observation, placed in the registry.

    ``source`` and ``note`` are ``None`` when the input says nothing about them (no column,
    an empty cell, a field left out of an API item): a stored value then keeps its own. An
    empty string clears them. ``row`` is where the value came from (a file row, an item's
    position), 0 when unknown.
    """

    city_id: int
    year: int
    measure: str
    kpi: str
    data_point: str
    value: float
    unit: str
    source: str | None
    note: str | None
    verified: bool
    synthetic: bool = False
    row: int = 0


@dataclass
class WriteCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def text_problem(text: str, limit: int, what: str) -> str | None:
    """Why ``text`` cannot be stored as a value's ``what`` (too long, or characters no
    database keeps), or ``None`` when it can. Text is refused, never cut."""
    if len(text) > limit:
        return (
            f"the {what} is {len(text):,} characters long; at most {limit:,} are accepted "
            "(shorten it: nothing is cut)"
        )
    bad = forbidden_character(text)
    return None if bad is None else f"the {what} contains {bad}, which cannot be stored"


def text_problems(rows: Sequence[Row], label: str) -> list[Problem]:
    """The over-long or unstorable sources and notes of ``rows`` (column 0: callers that
    know the file's columns check earlier, at the cell)."""
    problems = []
    for i, r in enumerate(rows):
        for text, limit, what in ((r.source, SOURCE_MAX, "source"), (r.note, NOTE_MAX, "note")):
            why = None if text is None else text_problem(text, limit, what)
            if why:
                problems.append(Problem(label, r.row or i + 1, 0, why))
    return problems


@dataclass
class Planned:
    """What writing one row does to the stored value (``old`` is ``None`` for a new one)."""

    action: str
    fields: tuple[str, ...]
    source: str
    note: str
    status: str
    synthetic: bool
    resubmitted: bool


class Stored(NamedTuple):
    """What :func:`plan` reads of a stored value (a preview reads no model instances)."""

    value: float
    unit: str
    source: str
    note: str
    status: str
    synthetic: bool


def plan(r: Row, old: KpiValue | Stored | None, admin: bool) -> Planned | None:
    """The change writing ``r`` makes, or ``None`` when it changes nothing.

    A value is changed when its number (compared as numbers), unit, source or note differ
    from the stored ones, or when the secretariat asserts a verification the value lacks.
    A new number, unit or source is the submitter's: it becomes self-reported (unless the
    secretariat verifies it in the same write) and takes the new synthetic flag. A note
    alone keeps the value's status, submitter and flag.
    """
    asserted = Status.VERIFIED if (r.verified and admin) else Status.SELF_REPORTED
    if old is None:
        source = r.source or ""
        return Planned(
            ChangeAction.CREATE,
            ("value",),
            source,
            r.note or "",
            asserted,
            r.synthetic or SYNTHETIC_MARK in source.lower(),
            True,
        )
    # Every way in trims the text it is given; a stored text that differs only by spaces
    # around it (older data) is the same text, kept as stored, not a change that would
    # withdraw the value's verification.
    source = old.source if r.source is None or r.source == old.source.strip() else r.source
    note = old.note if r.note is None or r.note == old.note.strip() else r.note
    fields = [
        name
        for name, differs in (
            ("value", not same_number(old.value, r.value)),
            ("unit", r.unit != old.unit),
            ("source", source != old.source),
            ("note", note != old.note),
        )
        if differs
    ]
    substantive = bool({"value", "unit", "source"} & set(fields))
    status: str
    if substantive:
        status = asserted
        synthetic = r.synthetic or SYNTHETIC_MARK in source.lower()
    else:
        # A row that does not assert verification leaves the status alone (re-sending a
        # verified value does not withdraw its verification).
        status = Status.VERIFIED if r.verified and admin else old.status
        synthetic = old.synthetic
    if status != old.status:
        fields.append("status")
    if not fields:
        return None
    action = ChangeAction.VERIFY if fields == ["status"] else ChangeAction.UPDATE
    return Planned(action, tuple(fields), source, note, status, synthetic, substantive)


#: A value's audited state: value, status, source, unit, note.
State = tuple[float | None, str, str, str, str]


def state_of(kv: KpiValue) -> State:
    return (kv.value, kv.status, kv.source, kv.unit, kv.note)


def audit_record(
    kv: KpiValue,
    action: str,
    actor: Any,
    now: datetime,
    via: str,
    submission: Submission | None,
    *,
    old: State | None = None,
) -> KpiValueChange:
    """The audit record of ``kv`` as it is now; ``old`` its :data:`State` before."""
    change = KpiValueChange(
        kpi_value=kv,
        city_id=kv.city_id,
        year=kv.year,
        measure=kv.measure,
        action=action,
        new_value=kv.value,
        new_status=kv.status,
        new_source=kv.source,
        new_unit=kv.unit,
        new_note=kv.note,
        changed_by=actor,
        changed_at=now,
        via=via,
        submission=submission,
    )
    if old is not None:
        (
            change.old_value,
            change.old_status,
            change.old_source,
            change.old_unit,
            change.old_note,
        ) = old
    return change


def rows_to_bytes(rows: Sequence[Row], city_column: int) -> bytes:
    """Checked rows as Parquet, kept with the upload so that its commit reads no file."""
    table = pa.table(
        {
            "city_id": pa.array([r.city_id for r in rows], pa.int64()),
            "year": pa.array([r.year for r in rows], pa.int32()),
            "measure": pa.array([r.measure for r in rows], pa.string()),
            "kpi": pa.array([r.kpi for r in rows], pa.string()),
            "data_point": pa.array([r.data_point for r in rows], pa.string()),
            "value": pa.array([r.value for r in rows], pa.float64()),
            "unit": pa.array([r.unit for r in rows], pa.string()),
            "source": pa.array([r.source for r in rows], pa.string()),
            "note": pa.array([r.note for r in rows], pa.string()),
            "verified": pa.array([r.verified for r in rows], pa.bool_()),
            "synthetic": pa.array([r.synthetic for r in rows], pa.bool_()),
            "row": pa.array([r.row for r in rows], pa.int64()),
        }
    ).replace_schema_metadata({"city_column": str(city_column)})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def rows_from_bytes(data: bytes) -> tuple[list[Row], int]:
    table = pq.read_table(pa.BufferReader(data))
    meta = table.schema.metadata or {}
    city_column = int(meta.get(b"city_column", b"0"))
    return [Row(**rec) for rec in table.to_pylist()], city_column
