"""The recognition profile of one text: where and how it refers to cities.

:func:`analyse` segments a text and finds its coded references; :func:`profile` sums them up:
references per category and per code, the paragraphs that mention cities and where they
stand (preamble, operative, follow-up and review), references per 10,000 words, the
strongest formulation and a short plain-language summary.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from citydiplomacy.core.recognition.match import CODE_RANK, Recogniser, Reference
from citydiplomacy.core.recognition.normalise import normalise
from citydiplomacy.core.recognition.segment import Paragraph, segment

_POSITION_WEIGHT = {"operative": 2, "follow-up": 2, "preamble": 1}
_SENTENCE = re.compile(r"[^.;:。；：؛]*[.;:。；：؛]?")


@dataclass(frozen=True)
class Located:
    """A reference with the paragraph (and sub-paragraph) it stands in."""

    paragraph: Paragraph
    part: str
    reference: Reference

    @property
    def where(self) -> str:
        """The paragraph as cited: its printed number (or key) and sub-paragraph."""
        label = self.paragraph.number or self.paragraph.key
        return f"{label} {self.part}".strip()


@dataclass(frozen=True)
class Analysis:
    """A text cut into paragraphs, with every paragraph's references."""

    lang: str
    paragraphs: tuple[Paragraph, ...]
    references: tuple[tuple[Reference, ...], ...]  # one tuple per paragraph
    words: int

    def located(self) -> list[Located]:
        out: list[Located] = []
        for para, refs in zip(self.paragraphs, self.references, strict=True):
            out.extend(Located(para, para.part_at(r.start), r) for r in refs)
        return out


@dataclass(frozen=True)
class Profile:
    """The recognition profile of one text (see the module docstring)."""

    lang: str
    words: int
    paragraphs: int
    references: int
    by_category: dict[str, int]
    by_code: dict[str, int]
    paragraphs_mentioning: list[dict[str, object]]
    by_position: dict[str, int]
    per_10000_words: float
    strongest: dict[str, str] | None
    summary: str
    bracketed: int = 0
    located: list[Located] = field(default_factory=list, repr=False)


def analyse(text: str, recogniser: Recogniser) -> Analysis:
    """Segment ``text`` and find the references of each paragraph."""
    paragraphs = segment(normalise(text))
    refs: list[tuple[Reference, ...]] = []
    words = 0
    for para in paragraphs:
        tokens = recogniser.tokens(para.text)
        words += len(tokens)
        refs.append(tuple(recogniser.references(para.text, tokens)))
    return Analysis(recogniser.lang, tuple(paragraphs), tuple(refs), words)


def sentence_of(text: str, start: int, end: int, limit: int = 320) -> str:
    """The sentence (or clause run) around ``text[start:end]``, shortened to ``limit``."""
    left = max(text.rfind(c, 0, start) for c in ".;。；؛\n") + 1
    rights = [i for i in (text.find(c, end) for c in ".;。；؛\n") if i != -1]
    right = min(rights) + 1 if rights else len(text)
    sentence = text[left:right].strip()
    if len(sentence) > limit:
        mid = start - left
        lo = max(0, mid - limit // 2)
        sentence = ("…" if lo else "") + sentence[lo : lo + limit].strip() + "…"
    return sentence


def profile(analysis: Analysis) -> Profile:
    """Sum up an :class:`Analysis` (see :class:`Profile`)."""
    located = analysis.located()
    by_category = Counter(x.reference.category for x in located)
    by_code = Counter(x.reference.code for x in located)
    mentioning: list[dict[str, object]] = []
    by_position: Counter[str] = Counter()
    for para, refs in zip(analysis.paragraphs, analysis.references, strict=True):
        if not refs:
            continue
        by_position[para.position] += 1
        codes = Counter(r.code for r in refs)
        mentioning.append(
            {
                "key": para.key,
                "number": para.number,
                "position": para.position,
                "section": para.section,
                "references": len(refs),
                "codes": dict(codes),
                "strongest": max(codes, key=lambda c: CODE_RANK[c]),
            }
        )
    rate = 10_000 * len(located) / analysis.words if analysis.words else 0.0
    strongest = _strongest(located)
    return Profile(
        lang=analysis.lang,
        words=analysis.words,
        paragraphs=len(analysis.paragraphs),
        references=len(located),
        by_category=dict(by_category.most_common()),
        by_code={c: by_code.get(c, 0) for c in ("actor", "place", "issue")},
        paragraphs_mentioning=mentioning,
        by_position={p: by_position.get(p, 0) for p in ("preamble", "operative", "follow-up")},
        per_10000_words=round(rate, 2),
        strongest=strongest,
        summary=_summary(analysis, located, mentioning, rate, strongest),
        bracketed=sum(x.reference.bracketed for x in located),
        located=located,
    )


def _strongest(located: list[Located]) -> dict[str, str] | None:
    """The reference that recognises cities most strongly: actor over place over issue,
    agreed text over bracketed proposals, operative over preambular, governments over
    other terms; the first such in the text."""
    if not located:
        return None

    def strength(x: Located) -> tuple[int, int, int, int]:
        r = x.reference
        gov = int(r.category not in ("city", "town", "urban", "settlement"))
        where = _POSITION_WEIGHT[x.paragraph.position]
        return (CODE_RANK[r.code], int(not r.bracketed), where, gov)

    best = max(located, key=strength)  # max keeps the first of equals
    r = best.reference
    return {
        "paragraph": best.where,
        "key": best.paragraph.key,
        "position": best.paragraph.position,
        "term": r.term,
        "code": r.code,
        "category": r.category,
        "cue": r.cue,
        "text": sentence_of(best.paragraph.text, r.start, r.end),
    }


def _summary(
    analysis: Analysis,
    located: list[Located],
    mentioning: list[dict[str, object]],
    rate: float,
    strongest: dict[str, str] | None,
) -> str:
    if not located:
        return (
            f"The text ({analysis.words:,} words, {len(analysis.paragraphs)} paragraphs) does "
            "not mention cities or local and regional governments."
        )
    codes = Counter(x.reference.code for x in located)
    parts = [
        f"The text mentions cities or local and regional governments {len(located)} time(s) "
        f"in {len(mentioning)} of its {len(analysis.paragraphs)} paragraphs "
        f"({rate:.1f} per 10,000 words): {codes['actor']} as actors, {codes['place']} as "
        f"places and {codes['issue']} as an issue."
    ]
    operative_actor = sum(
        1
        for m in mentioning
        if m["position"] in ("operative", "follow-up") and m["strongest"] == "actor"
    )
    if operative_actor:
        parts.append(
            f"{operative_actor} operative paragraph(s) treat them as actors "
            "(engaged, consulted, partners in implementation)."
        )
    elif codes["actor"]:
        parts.append("They appear as actors only in the preamble, not in operative paragraphs.")
    else:
        parts.append("No paragraph treats them as actors.")
    bracketed = sum(x.reference.bracketed for x in located)
    if bracketed:
        parts.append(f"{bracketed} reference(s) are in square brackets (not yet agreed).")
    if strongest:
        parts.append(
            f"Strongest formulation, paragraph {strongest['paragraph']}: “{strongest['text']}”"
        )
    return " ".join(parts)
