"""The per-KPI entry form's rules: what the form shows, and which fields a user changed.

The form shows every stored value with its own source and note, and carries what it showed
in hidden fields. A field is written only when the user changed it (and then only if it
differs from what is stored, :func:`.changes.plan`): saving an untouched form writes
nothing, and a value someone else changed while the form was open is not set back.
Values are checked by the same engine rules as an upload.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.changes import same_number
from citydiplomacy.web.indicators.models import NOTE_MAX, SOURCE_MAX, KpiValue

#: Key of the errors of the form-wide source field.
DEFAULT_SOURCE = "__source__"
#: The longest text a value field may hold (a number or yes/no; longer is an error, not read).
VALUE_TEXT_MAX = 100


def shown_value(value: float | None, value_type: str = "number") -> str:
    """A stored value as the form shows it, so that the text reads back as the same number:
    the shortest text that round-trips (``repr``), without a trailing ``.0``; yes/no
    KPIs as ``yes``/``no``."""
    if value is None:
        return ""
    if value_type == "yesno" and value in (0.0, 1.0):
        return "yes" if value == 1.0 else "no"
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def clean_text(text: str) -> str:
    """Form text as the engine stores it: line breaks as ``\\n`` (browsers send ``\\r\\n``
    from a text area), no surrounding blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass
class Field:
    """One measure's fields as posted.

    ``source`` and ``note`` are ``None`` when the form had no such field; ``shown`` is what
    the form showed (value, source, note), ``None`` when the post does not say (a client
    that is not our form): then the stored value stands for it.
    """

    measure: str
    text: str
    source: str | None = None
    note: str | None = None
    shown: tuple[str, str, str] | None = None


@dataclass
class Outcome:
    """The rows to write, the errors by measure (:data:`DEFAULT_SOURCE` for the form-wide
    source), the measures whose stored value the user emptied (not deleted), and those
    someone else changed since the form was shown (:func:`check` refuses them once)."""

    rows: list[services.Row] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    cleared: list[str] = field(default_factory=list)
    conflicts: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors


def fields_from_post(post: Mapping[str, str], measures: list[str]) -> list[Field]:
    """The measures' fields from a posted form (names as :func:`form_fields` gives them)."""
    out = []
    for m in measures:
        was = post.get(f"was:{m}")
        shown = None
        if was is not None:
            shown = (
                was.strip(),
                clean_text(post.get(f"was-s:{m}", "")),
                clean_text(post.get(f"was-n:{m}", "")),
            )
        source = post.get(f"s:{m}")
        note = post.get(f"n:{m}")
        out.append(
            Field(
                m,
                post.get(f"m:{m}", "").strip(),
                None if source is None else clean_text(source),
                None if note is None else clean_text(note),
                shown,
            )
        )
    return out


def stored(city_id: int, year: int) -> dict[str, KpiValue]:
    return {kv.measure: kv for kv in KpiValue.objects.filter(city_id=city_id, year=year)}


def check(user: Any, city_id: int, year: int, fields: list[Field], default_source: str) -> Outcome:
    """The rows the posted ``fields`` ask to write, checked like an upload.

    A field the user did not touch (as the form showed it) is left out. A touched value
    takes the source the user typed beside it; if they left that alone, the form-wide
    ``default_source`` when given, else the stored source stays. A source or note emptied
    by the user is cleared; one left alone is kept. Text too long is an error, never cut.
    """
    fw = services.framework()
    current = stored(city_id, year)
    out = Outcome()
    why = services.text_problem(default_source, SOURCE_MAX, "source")
    if why:
        out.errors[DEFAULT_SOURCE] = [why]
    wanted: list[tuple[Field, str | None, str | None]] = []
    for f in fields:
        kv = current.get(f.measure)
        value_type = str(fw.nodes.at[f.measure, "value_type"])
        shown = f.shown or (
            (shown_value(kv.value, value_type), kv.source, kv.note) if kv else ("", "", "")
        )
        # A browser drops line breaks from a one-line field: compare the source without them.
        shown_source_line = shown[1].replace("\n", "")
        value_touched = f.text != shown[0]
        source_touched = f.source is not None and f.source not in (shown[1], shown_source_line)
        note_touched = f.note is not None and f.note != shown[2]
        if not (value_touched or source_touched or note_touched):
            continue
        now = (shown_value(kv.value, value_type), kv.source, kv.note) if kv else ("", "", "")
        if f.shown is not None and any(
            touched and now[i] != f.shown[i]
            for i, touched in enumerate((value_touched, source_touched, note_touched))
        ):
            # Someone saved this value after the form was shown: neither change is lost.
            out.errors.setdefault(f.measure, []).append(
                gettext(
                    "changed by someone else since this form was opened (now: %(value)s, "
                    "source “%(source)s”); your entry is kept here: save again to replace theirs"
                )
                % {"value": now[0] or gettext("no value"), "source": now[1]}
            )
            out.conflicts.add(f.measure)
            continue
        if f.text == "":
            if shown[0] != "":
                out.cleared.append(f.measure)
            continue
        source = f.source if source_touched else None
        note = f.note if note_touched else None
        # A value text too long or holding a forbidden character is said at its field, and
        # not read as a number (the engine would quote it back whole).
        value_problem = services.text_problem(f.text, VALUE_TEXT_MAX, "value")
        problems = [
            p
            for p in (
                value_problem,
                None if source is None else services.text_problem(source, SOURCE_MAX, "source"),
                None if note is None else services.text_problem(note, NOTE_MAX, "note"),
            )
            if p
        ]
        if problems:
            out.errors.setdefault(f.measure, []).extend(problems)
        if value_problem is None:
            wanted.append((f, source, note))
    if not wanted:
        return out
    # The values go through the engine as a file would (units, ranges, yes/no answers);
    # sources and notes are set afterwards, as the user gave them.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["geonames_id", "year", "kpi", "data_point", "value"])
    for f, _, _ in wanted:
        kpi = fw.kpi_of(f.measure)
        dp = str(fw.nodes.at[f.measure, "data_point"]) if f.measure != kpi else ""
        writer.writerow([city_id, year, kpi, dp, f.text])
    checked = services.check_file(user, "form.csv", buffer.getvalue().encode())
    for p in checked.problems:
        if p.severity != "error":
            continue
        measure = wanted[p.row - 2][0].measure if 2 <= p.row < len(wanted) + 2 else ""
        out.errors.setdefault(measure, []).append(services.problem_text(p))
    if out.errors or not checked.ok:
        return out
    by_row = {r.row: r for r in checked.rows}
    for i, (f, source, note) in enumerate(wanted):
        r = by_row[i + 2]
        kv = current.get(f.measure)
        # The form-wide source is the source of the values added or changed here.
        new_number = kv is None or not same_number(kv.value, r.value)
        if source is None and default_source and new_number:
            source = default_source
        r.source, r.note = source, note
        r.synthetic = source is not None and services.SYNTHETIC_MARK in source.lower()
        out.rows.append(r)
    return out


def form_fields(
    city_id: int,
    year: int,
    posted: list[Field] | None,
    errors: Mapping[str, list[str]],
    conflicts: set[str] | frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """The form's groups (level-2 categories) and fields: each stored value with its source
    and note, or what was posted when the form comes back with errors. A field in
    ``conflicts`` now counts as showing the stored value, so saving again replaces it."""
    fw = services.framework()
    current = stored(city_id, year)
    by_measure = {f.measure: f for f in posted or []}
    groups: list[dict[str, Any]] = []
    for category in fw.aggregates():
        if fw.level(category) != 2:
            continue
        fields = []
        for m in fw.measures_under(category):
            node = fw.nodes.loc[m]
            kpi = fw.kpi_of(m)
            kv = current.get(m)
            value_type = str(node["value_type"])
            shown = (shown_value(kv.value, value_type), kv.source, kv.note) if kv else ("", "", "")
            p = by_measure.get(m)
            if p is not None and p.shown is not None and m not in conflicts:
                shown = p.shown
            fields.append(
                {
                    "measure": m,
                    "kpi": kpi,
                    "name": str(node["name"]),
                    "unit": str(node["unit"]),
                    "value_type": value_type,
                    "definition": str(fw.nodes.at[kpi, "definition"]),
                    "value": p.text if p is not None else shown[0],
                    "source": p.source if p is not None and p.source is not None else shown[1],
                    "note": p.note if p is not None and p.note is not None else shown[2],
                    "was": shown,
                    "status": kv.get_status_display() if kv else "",
                    "synthetic": bool(kv and kv.synthetic),
                    "errors": errors.get(m, []),
                }
            )
        groups.append(
            {"code": category, "name": str(fw.nodes.at[category, "name"]), "fields": fields}
        )
    return groups
