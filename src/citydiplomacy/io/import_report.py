"""The one report of an import: what a file held, what matched the city registry, what was
written, and every place that did not match with its reason.

Every importer of the platform (open partnership and network files, open city facts,
signatory lists) fills one :class:`ImportReport`; a command prints
:meth:`ImportReport.lines` (or the one-line :meth:`ImportReport.summary`). No Django here, so
web apps and io readers can all use it without a cycle.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """What an import did.

    Attributes
    ----------
    source
        The file or source name.
    into
        What the rows were imported into, when that is not the source itself (the
        declaration a signatory list is imported into); ``""`` otherwise.
    rows
        Rows (entries) read.
    matched
        Rows matched to the registry.
    created, updated, unchanged, deleted
        Records written, changed, left as they were, removed.
    kept
        Records the source no longer holds, kept because the platform added to them.
    facts
        Facts stored, for an import of facts (``None`` for other imports).
    unmatched
        One line per row that did not match (``"row 12: 'Tinyville' (reason)"``).
    ambiguous
        Rows matched to the most populous of several registry cities.
    reasons
        How many rows failed to match for each reason.
    """

    source: str
    rows: int = 0
    matched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    kept: int = 0
    facts: int | None = None
    unmatched: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)
    into: str = ""

    def not_matched(self, line: str, reason: str) -> None:
        """Record a row that did not match: its line and its reason."""
        self.unmatched.append(line)
        self.reasons[reason] += 1

    def summary(self) -> str:
        """One line for a command's output."""
        stored = "" if self.facts is None else f"{self.facts} facts stored, "
        name = f"{self.into}, from {self.source}" if self.into else self.source
        return (
            f"{name}: {self.rows} rows, {self.matched} matched to the registry, "
            f"{stored}{len(self.unmatched)} not matched"
            + (
                f", {len(self.ambiguous)} matched the most populous of several"
                if self.ambiguous
                else ""
            )
        )

    def lines(self, show_unmatched: int = 10) -> list[str]:
        """The summary, the counts of what was written, the reasons and the first
        ``show_unmatched`` unmatched rows."""
        out = [
            self.summary(),
            f"  created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
            f"removed {self.deleted}",
        ]
        if self.kept:
            out.append(
                f"  kept {self.kept} no longer in the source: they have activities, documents "
                "or a recorded end"
            )
        for reason, n in self.reasons.most_common():
            out.append(f"  not matched, {reason}: {n}")
        for line in self.unmatched[:show_unmatched]:
            out.append(f"  - {line}")
        if len(self.unmatched) > show_unmatched:
            out.append(f"  ... and {len(self.unmatched) - show_unmatched} more")
        return out
