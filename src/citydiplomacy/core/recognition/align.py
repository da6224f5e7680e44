"""Draft to draft, and language to language: which paragraph became which.

:func:`compare` aligns the paragraphs of two versions of one text in four passes:

1. **identical** paragraphs (same words, whatever their number) pair first;
2. remaining paragraphs pair by word overlap (Dice coefficient on word sets, candidates
   found through an inverted index of the less common words, so two 30,000-word versions
   compare in well under a second), best pairs first, when the overlap is at least
   ``threshold``;
3. an old paragraph left over whose words mostly (80 %) lie in a new paragraph already
   paired is **merged** into it; a new paragraph left over whose words mostly lie in an old
   one is **split** from it;
4. among the pairs, those outside the longest run that keeps the old order are **moved**;
   the others are unchanged, **renumbered** (same words, another number) or **modified**.

The rest is **added** or **removed**. Each row also says what happened to recognition:
*gained* (no reference before), *lost*, *strengthened* (the strongest code rose: issue or
place became actor; or a bracketed proposal became agreed text), *weakened*, or *same*; a
modified paragraph has its word-level diff (:func:`citydiplomacy.core.textdiff.word_diff`).

:func:`compare_languages` aligns the language versions of one version by paragraph key (UN
texts number paragraphs identically in the six languages) and flags paragraphs where one
language mentions cities and another does not, or codes them differently.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from citydiplomacy.core import textdiff
from citydiplomacy.core.recognition.match import CODE_RANK, Reference
from citydiplomacy.core.recognition.profile import Analysis

ChangeKind = Literal[
    "unchanged", "renumbered", "moved", "modified", "merged", "split", "added", "removed"
]
_WORDS = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class ParagraphChange:
    """One row of a comparison: an old paragraph, a new one, or a pair."""

    kind: ChangeKind
    old_key: str | None
    new_key: str | None
    old_number: str
    new_number: str
    similarity: float
    recognition: str  # gained, lost, strengthened, weakened, same, none
    old_code: str | None
    new_code: str | None
    old_references: int
    new_references: int
    diff: list[textdiff.Piece] = field(default_factory=list, repr=False)
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    changes: list[ParagraphChange]

    def counts(self) -> dict[str, int]:
        return dict(Counter(c.kind for c in self.changes))

    def recognition_counts(self) -> dict[str, int]:
        return dict(Counter(c.recognition for c in self.changes if c.recognition != "none"))


def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def _word_set(text: str) -> frozenset[str]:
    words = _WORDS.findall(text.lower())
    if len(words) <= 2 and text and all(len(w) > 4 for w in words):
        # Chinese has no spaces: use character pairs as its "words".
        joined = "".join(words)
        return frozenset(joined[i : i + 2] for i in range(max(1, len(joined) - 1)))
    return frozenset(words)


def _strongest(refs: Sequence[Reference]) -> str | None:
    if not refs:
        return None
    return max((r.code for r in refs), key=lambda c: CODE_RANK[c])


def _recognition(old: Sequence[Reference], new: Sequence[Reference]) -> str:
    """What happened to recognition between two paragraphs (see the module docstring).

    With the same strongest code, a bracketed proposal that became agreed text is
    strengthened, and agreed text put back into brackets is weakened.
    """
    a, b = _strongest(old), _strongest(new)
    if a is None and b is None:
        return "none"
    if a is None:
        return "gained"
    if b is None:
        return "lost"
    if CODE_RANK[b] > CODE_RANK[a]:
        return "strengthened"
    if CODE_RANK[b] < CODE_RANK[a]:
        return "weakened"
    agreed_before = any(not r.bracketed for r in old if r.code == a)
    agreed_now = any(not r.bracketed for r in new if r.code == b)
    if agreed_now and not agreed_before:
        return "strengthened"
    if agreed_before and not agreed_now:
        return "weakened"
    return "same"


def _stable_pairs(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The pairs on a longest chain increasing in both old and new order."""
    pairs = sorted(pairs)
    tails: list[int] = []
    tail_index: list[int] = []
    back: list[int] = []
    for k, (_, j) in enumerate(pairs):
        pos = bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_index.append(k)
        else:
            tails[pos] = j
            tail_index[pos] = k
        back.append(tail_index[pos - 1] if pos else -1)
    keep: set[tuple[int, int]] = set()
    k = tail_index[-1] if tail_index else -1
    while k != -1:
        keep.add(pairs[k])
        k = back[k]
    return keep


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def compare(old: Analysis, new: Analysis, threshold: float = 0.5) -> Comparison:
    """Align two versions (see the module docstring)."""
    op, np_ = old.paragraphs, new.paragraphs
    old_norm = [_norm(p.text) for p in op]
    new_norm = [_norm(p.text) for p in np_]
    pairs: dict[int, int] = {}
    # 1. identical text, in order of appearance
    by_text: dict[str, list[int]] = {}
    for j, t in enumerate(new_norm):
        by_text.setdefault(t, []).append(j)
    for i, t in enumerate(old_norm):
        if by_text.get(t):
            pairs[i] = by_text[t].pop(0)
    used_new = set(pairs.values())
    # 2. similar text through an inverted index of the less common words
    old_sets = [_word_set(p.text) for p in op]
    new_sets = [_word_set(p.text) for p in np_]
    left_old = [i for i in range(len(op)) if i not in pairs]
    left_new = [j for j in range(len(np_)) if j not in used_new]
    frequency: Counter[str] = Counter()
    for j in left_new:
        frequency.update(new_sets[j])
    common = max(3, len(left_new) // 4)
    index: dict[str, list[int]] = {}
    for j in left_new:
        for w in new_sets[j]:
            if frequency[w] <= common:
                index.setdefault(w, []).append(j)
    scored: list[tuple[float, int, int]] = []
    for i in left_old:
        hits: Counter[int] = Counter()
        for w in old_sets[i]:
            hits.update(index.get(w, ()))
        for j, _ in hits.most_common(8):
            s = _dice(old_sets[i], new_sets[j])
            if s >= threshold:
                scored.append((s, i, j))
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    similarity: dict[int, float] = {i: 1.0 for i in pairs}
    for s, i, j in scored:
        if i not in pairs and j not in used_new:
            pairs[i] = j
            used_new.add(j)
            similarity[i] = s
    # 3. merged and split: the leftover's words lie in a paired paragraph, and they are
    # words that paragraph gained (merged) or its partner lost (split), not words the
    # pair shares anyway.
    merged: dict[int, int] = {}
    split: dict[int, int] = {}
    new_owner = {j: i for i, j in pairs.items()}
    for i in range(len(op)):
        words = old_sets[i]
        if i in pairs or len(words) < 4:
            continue
        for j, k in new_owner.items():
            gained = new_sets[j] - old_sets[k]
            if (
                len(words & new_sets[j]) >= 0.8 * len(words)
                and len(words & gained) >= 0.5 * len(words - old_sets[k]) > 0
            ):
                merged[i] = j
                break
    for j in range(len(np_)):
        words = new_sets[j]
        if j in used_new or len(words) < 4:
            continue
        for i, k in pairs.items():
            lost = old_sets[i] - new_sets[k]
            if (
                len(words & old_sets[i]) >= 0.8 * len(words)
                and len(words & lost) >= 0.5 * len(words - new_sets[k]) > 0
            ):
                split[j] = i
                break
    # 4. moved: pairs off the longest order-keeping chain
    stable = _stable_pairs(list(pairs.items()))
    changes: list[ParagraphChange] = []
    for i, j in sorted(pairs.items(), key=lambda x: (x[1], x[0])):
        o, n = op[i], np_[j]
        same_text = old_norm[i] == new_norm[j]
        if (i, j) not in stable:
            kind: ChangeKind = "moved"
        elif not same_text:
            kind = "modified"
        elif o.number != n.number:
            kind = "renumbered"  # a printed number changed (PP keys are ours, not printed)
        else:
            kind = "unchanged"
        diff = [] if same_text else textdiff.word_diff(o.text, n.text)
        changes.append(_row(kind, old, new, i, j, similarity.get(i, 1.0), diff))
    for j, i in split.items():
        changes.append(_row("split", old, new, i, j, 0.0, [], note=f"from {op[i].key}"))
    for i, j in merged.items():
        changes.append(_row("merged", old, new, i, j, 0.0, [], note=f"into {np_[j].key}"))
    for j in range(len(np_)):
        if j not in used_new and j not in split:
            changes.append(_row("added", old, new, None, j, 0.0, []))
    for i in range(len(op)):
        if i not in pairs and i not in merged:
            changes.append(_row("removed", old, new, i, None, 0.0, []))
    order = {"removed": 1, "merged": 1}

    def position(c: ParagraphChange) -> tuple[int, int]:
        if c.new_key is not None and c.kind not in order:
            return (_index(np_, c.new_key), 0)
        # removed/merged rows sit after the new paragraph that followed their old neighbour
        return (_index(np_, c.new_key) if c.new_key else _after(pairs, _index(op, c.old_key)), 1)

    changes.sort(key=position)
    return Comparison(changes)


def _index(paragraphs: Sequence[object], key: str | None) -> int:
    for p in paragraphs:
        if getattr(p, "key", None) == key:
            return int(getattr(p, "index", 0))
    return 0


def _after(pairs: Mapping[int, int], i: int) -> int:
    """Where an old paragraph without a partner belongs in the new order."""
    before = [j for k, j in pairs.items() if k < i]
    return max(before) if before else -1


def _row(
    kind: ChangeKind,
    old: Analysis,
    new: Analysis,
    i: int | None,
    j: int | None,
    similarity: float,
    diff: list[textdiff.Piece],
    note: str = "",
) -> ParagraphChange:
    o = old.paragraphs[i] if i is not None else None
    n = new.paragraphs[j] if j is not None else None
    orefs: Sequence[Reference] = old.references[i] if i is not None else ()
    nrefs: Sequence[Reference] = new.references[j] if j is not None else ()
    if kind == "removed":
        nrefs = ()
    if kind == "added":
        orefs = ()
    return ParagraphChange(
        kind=kind,
        old_key=o.key if o and kind != "added" else None,
        new_key=n.key if n and kind != "removed" else None,
        old_number=o.number if o and kind != "added" else "",
        new_number=n.number if n and kind != "removed" else "",
        similarity=round(similarity, 3),
        recognition=_recognition(orefs, nrefs),
        old_code=_strongest(orefs),
        new_code=_strongest(nrefs),
        old_references=len(orefs),
        new_references=len(nrefs),
        diff=diff,
        note=note,
    )


@dataclass(frozen=True)
class LanguageRow:
    """One paragraph key across the language versions of one version."""

    key: str
    codes: dict[str, str | None]  # language -> strongest code (None: no reference)
    present: dict[str, bool]  # language -> the paragraph exists
    flag: str  # "", "missing in <langs>", "coded differently", "paragraph absent in <langs>"


def compare_languages(analyses: Mapping[str, Analysis]) -> list[LanguageRow]:
    """Align language versions by paragraph key and flag disagreements."""
    keys: list[str] = []
    seen: set[str] = set()
    tables: dict[str, dict[str, Sequence[Reference]]] = {}
    for lang, analysis in analyses.items():
        tables[lang] = {}
        for p, refs in zip(analysis.paragraphs, analysis.references, strict=True):
            tables[lang][p.key] = refs
            if p.key not in seen:
                seen.add(p.key)
                keys.append(p.key)
    rows: list[LanguageRow] = []
    for key in keys:
        present = {lang: key in table for lang, table in tables.items()}
        codes = {
            lang: _strongest(table[key]) if key in table else None for lang, table in tables.items()
        }
        mentioned = {lang for lang, c in codes.items() if c}
        flag = ""
        absent = sorted(lang for lang, ok in present.items() if not ok)
        if mentioned:
            silent = sorted(lang for lang in tables if present[lang] and lang not in mentioned)
            if silent:
                flag = f"no reference in {', '.join(silent)}"
            elif len({codes[lang] for lang in mentioned}) > 1:
                flag = "coded differently"
            if absent:
                flag = (flag + "; " if flag else "") + f"paragraph absent in {', '.join(absent)}"
        rows.append(LanguageRow(key, codes, present, flag))
    return rows
