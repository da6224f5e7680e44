"""Lexicon entries: the words for cities and local governments, their false friends, and
the cues that decide how a mention is coded.

A lexicon is a table (one per language; see ``data/recognition/lexicons/``) with the columns
``term, category, lemma, pattern, notes``. Three kinds of row share it:

* a **term** (category one of :data:`TERM_CATEGORIES`): a word or phrase that refers to cities
  or local and regional governments. It matches on lemmas (``lemma`` if given, else the
  term's own words lemmatised), so "cities" matches "city" and "городов" matches "город";
  ``pattern`` may instead give one regular expression per token for forms a lemmatiser
  misses;
* an **exclusion** (category ``exclude``): a phrase that contains a term but is not about
  cities (a false friend: "municipal waste", "UN-Habitat", 城市化 "urbanisation"). The
  longest match wins, so an exclusion silences the term inside it;
* a **cue** (category ``cue_actor``, ``cue_place`` or ``cue_issue``): words near a term that
  code it, with ``pattern`` saying where: ``before:N`` (ending at most N tokens before the
  term), ``after:N`` (starting at most N tokens after it) or ``near:N`` (either side).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from citydiplomacy.errors import Problem, ValidationError

TERM_CATEGORIES = (
    "city",
    "town",
    "municipality",
    "local_government",
    "regional_government",
    "subnational_government",
    "mayor",
    "urban",
    "settlement",
    "multilevel",
)
#: Categories whose terms name a government: coded *actor* unless a cue says otherwise.
GOVERNMENT_CATEGORIES = frozenset(
    {
        "municipality",
        "local_government",
        "regional_government",
        "subnational_government",
        "mayor",
        "multilevel",
    }
)
CUE_CATEGORIES = ("cue_actor", "cue_place", "cue_issue")
CATEGORIES = (*TERM_CATEGORIES, "exclude", *CUE_CATEGORIES)
COLUMNS = ("term", "category", "lemma", "pattern", "notes")

Code = Literal["actor", "place", "issue"]
_WINDOW = re.compile(r"^(before|after|near):(\d{1,2})$")


@dataclass(frozen=True)
class Entry:
    """One row of a lexicon."""

    term: str
    category: str
    lemma: str = ""
    pattern: str = ""
    notes: str = ""
    source: str = ""  # "file:row" where the entry was read, for explanations

    @property
    def is_cue(self) -> bool:
        return self.category.startswith("cue_")

    @property
    def window(self) -> tuple[str, int]:
        """For a cue: ``("before"|"after"|"near", tokens)``."""
        m = _WINDOW.match(self.pattern.strip() or "near:6")
        assert m is not None  # checked by parse_lexicon
        return m.group(1), int(m.group(2))

    @property
    def token_patterns(self) -> tuple[re.Pattern[str], ...]:
        """For a term or exclusion with a pattern: one compiled expression per token."""
        if self.is_cue or not self.pattern.strip():
            return ()
        return tuple(re.compile(p, re.IGNORECASE) for p in self.pattern.split())


def parse_lexicon(rows: Iterable[tuple[int, Mapping[str, str]]], source: str) -> list[Entry]:
    """Entries from ``(row number, row)`` pairs; every problem reported at once.

    Raises
    ------
    ValidationError
        With a ``source:row:column`` problem for each empty term, unknown category, bad
        cue window or invalid pattern.
    """
    problems: list[Problem] = []
    entries: list[Entry] = []
    for row_no, row in rows:
        term = (row.get("term") or "").strip()
        category = (row.get("category") or "").strip()
        pattern = (row.get("pattern") or "").strip()
        if not term:
            problems.append(Problem(source, row_no, 1, "the term is empty"))
        if category not in CATEGORIES:
            problems.append(
                Problem(
                    source,
                    row_no,
                    2,
                    f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}",
                )
            )
        elif category.startswith("cue_"):
            if pattern and not _WINDOW.match(pattern):
                problems.append(
                    Problem(
                        source,
                        row_no,
                        4,
                        f"a cue's pattern is its window, before:N, after:N or near:N "
                        f"(got {pattern!r})",
                    )
                )
        elif pattern:
            for piece in pattern.split():
                try:
                    re.compile(piece)
                except re.error as exc:
                    problems.append(Problem(source, row_no, 4, f"invalid pattern {piece!r}: {exc}"))
        entries.append(
            Entry(
                term=term,
                category=category,
                lemma=(row.get("lemma") or "").strip(),
                pattern=pattern,
                notes=(row.get("notes") or "").strip(),
                source=f"{source}:{row_no}",
            )
        )
    if problems:
        raise ValidationError(problems)
    return entries
