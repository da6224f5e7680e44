"""Translations of the competency framework: the names and descriptions of its domains and
competencies, the texts of its level anchors and the names of the five levels.

A translation is a table with one row per text::

    kind, code, field, en, <language>, status

``kind`` is ``domain`` (field ``name``), ``competency`` (``name``, ``description``,
``level_1`` ... ``level_5``) or ``level_name`` (``code`` 1-5, field ``name``); ``en`` is the
English text that was translated and ``status`` says who checked the translation
(:data:`UNREVIEWED` unless someone reviewed it). A translated text is used only while ``en``
is still the framework's text: when the English changes, the stale translation is left out
and the English shown until the row is brought up to date. Codes and the domains' sources
(citations) are not translated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from citydiplomacy.core.capacity.framework import (
    LEVEL_NAMES,
    LEVELS,
    Competency,
    CompetencyFramework,
)
from citydiplomacy.errors import Problem, ValidationError

#: The review status of a translation no person has checked.
UNREVIEWED = "machine-drafted, not reviewed"
KINDS = {
    "domain": ("name",),
    "competency": ("name", "description", *(f"level_{k}" for k in range(1, LEVELS + 1))),
    "level_name": ("name",),
}

Key = tuple[str, str, str]


@dataclass(frozen=True)
class Entry:
    """One translated text, the English it translates, and its review status."""

    english: str
    text: str
    status: str


@dataclass(frozen=True)
class Translation:
    """A framework's texts in ``language``, by ``(kind, code, field)``."""

    language: str
    entries: dict[Key, Entry]

    @classmethod
    def from_table(cls, table: pd.DataFrame, source: str, language: str) -> Translation:
        """Check a translation table; every problem as ``source:row:column``.

        Raises
        ------
        ValidationError
            Missing columns, an unknown kind or field, a repeated key, an empty text or status.
        """
        header = [str(c).strip() for c in table.columns]
        columns = ("kind", "code", "field", "en", language, "status")
        missing = [c for c in columns if c not in header]
        if missing:
            raise ValidationError(
                [
                    Problem(source, 1, 0, f"missing column {c!r}; a translation table has "
                            f"the columns {', '.join(columns)}")
                    for c in missing
                ]
            )  # fmt: skip
        col = {h: i + 1 for i, h in enumerate(header)}
        problems: list[Problem] = []
        entries: dict[Key, Entry] = {}
        rows: dict[Key, int] = {}
        for i, rec in enumerate(table.astype(str).to_dict("records")):
            row = i + 2
            cells = {c: str(rec[c]).strip() for c in columns}
            if not any(cells.values()):
                continue
            kind, code, fld = cells["kind"], cells["code"], cells["field"]
            if kind not in KINDS:
                problems.append(
                    Problem(source, row, col["kind"], f"kind must be one of {', '.join(KINDS)}")
                )
                continue
            if fld not in KINDS[kind]:
                problems.append(
                    Problem(source, row, col["field"],
                            f"a {kind} has the fields {', '.join(KINDS[kind])}, not {fld!r}")
                )  # fmt: skip
                continue
            key = (kind, code, fld)
            if key in rows:
                problems.append(
                    Problem(
                        source, row, col["code"], f"{kind} {code} {fld} repeats row {rows[key]}"
                    )
                )
                continue
            for c in ("en", language, "status"):
                if not cells[c]:
                    problems.append(Problem(source, row, col[c], f"{c} is empty"))
            rows[key] = row
            entries[key] = Entry(cells["en"], cells[language], cells["status"])
        if problems:
            raise ValidationError(problems)
        return cls(language, entries)

    def text(self, key: Key, english: str) -> str | None:
        """The translation of ``english`` at ``key``, or None (none, or a stale one)."""
        entry = self.entries.get(key)
        return entry.text if entry is not None and entry.english == english else None


@dataclass(frozen=True)
class Translated:
    """A framework in another language and what is still shown in English."""

    framework: CompetencyFramework
    level_names: tuple[str, ...]
    #: ``(kind, code, field)`` of the texts with no current translation (shown in English).
    untranslated: tuple[Key, ...]
    #: Review status of each text used, by key.
    status: dict[Key, str]


def translate(fw: CompetencyFramework, tr: Translation) -> Translated:
    """``fw`` with every text that has a current translation replaced by it."""
    missing: list[Key] = []
    status: dict[Key, str] = {}

    def pick(key: Key, english: str) -> str:
        text = tr.text(key, english)
        if text is None:
            missing.append(key)
            return english
        status[key] = tr.entries[key].status
        return text

    domains = tuple(
        dataclasses.replace(d, name=pick(("domain", d.code, "name"), d.name)) for d in fw.domains
    )
    competencies = tuple(_competency(c, pick) for c in fw.competencies)
    level_names = tuple(
        pick(("level_name", str(k), "name"), n) for k, n in enumerate(LEVEL_NAMES, start=1)
    )
    translated = dataclasses.replace(fw, domains=domains, competencies=competencies, _index={})
    return Translated(translated, level_names, tuple(missing), status)


def _competency(c: Competency, pick: Callable[[Key, str], str]) -> Competency:
    return dataclasses.replace(
        c,
        name=pick(("competency", c.code, "name"), c.name),
        description=pick(("competency", c.code, "description"), c.description),
        levels=tuple(
            pick(("competency", c.code, f"level_{k}"), text)
            for k, text in enumerate(c.levels, start=1)
        ),
    )


def translation_table(
    fw: CompetencyFramework, tr: Translation | None, language: str
) -> pd.DataFrame:
    """The table a translator fills in: every text of ``fw`` with its current translation and
    status (empty where there is none or it is stale)."""
    rows = []

    def add(kind: str, code: str, fld: str, english: str) -> None:
        entry = tr.entries.get((kind, code, fld)) if tr is not None else None
        current = entry is not None and entry.english == english
        rows.append(
            {
                "kind": kind,
                "code": code,
                "field": fld,
                "en": english,
                language: entry.text if current and entry else "",
                "status": entry.status if current and entry else "",
            }
        )

    for d in fw.domains:
        add("domain", d.code, "name", d.name)
    for c in fw.competencies:
        add("competency", c.code, "name", c.name)
        add("competency", c.code, "description", c.description)
        for k, text in enumerate(c.levels, start=1):
            add("competency", c.code, f"level_{k}", text)
    for k, name in enumerate(LEVEL_NAMES, start=1):
        add("level_name", str(k), "name", name)
    return pd.DataFrame(rows, columns=["kind", "code", "field", "en", language, "status"])
