"""Find the references to cities and local governments in a paragraph, and code each one.

:class:`Recogniser` holds one language's lexicon (terms, exclusions, cues; see
:mod:`~citydiplomacy.core.recognition.lexicon`). :meth:`Recogniser.references` walks the
paragraph's tokens once: at each token the longest lexicon phrase that starts there wins, so
an exclusion ("municipal waste", 城市化) silences the term inside it, and a phrase ("local
and regional governments") counts once, not as two terms.

Each reference is then coded by explainable rules and carries the rule that decided (its
*cue*). The nearest cue within its window decides (at equal distance: actor, then issue,
then place):

* an **actor** cue (the text engages, invites, consults, supports cities; cities act,
  implement, take part) -> *actor*;
* a **place** cue ("in cities", "urban areas", "city of <Name>") -> *place*;
* an **issue** cue ("sustainable cities", "urban development") -> *issue*;

and without a cue, a term that names a government (local, regional, subnational governments,
   municipalities, mayors, all levels of government) -> *actor*, and any other term
   (cities, towns, urban, human settlements) -> *issue*.

Cues count only inside the same sentence or clause. A reference inside negotiating brackets
``[...]`` is marked ``bracketed``: a proposal, not agreed text.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from citydiplomacy.core.recognition.lexicon import GOVERNMENT_CATEGORIES, Code, Entry
from citydiplomacy.core.recognition.tokens import SENTENCE_END, Token, Tokeniser

_CODE_OF_CUE: dict[str, Code] = {
    "cue_actor": "actor",
    "cue_place": "place",
    "cue_issue": "issue",
}
#: The nearest cue decides; at equal distance, actor before issue before place ("in urban
#: development" is about development, an issue; "in urban areas" is a place).
_TIE_ORDER: dict[str, int] = {"actor": 0, "issue": 1, "place": 2}


def cue_text(tokens: Sequence[Token], code: str, where: str) -> str:
    words = " ".join(t.surface for t in tokens)
    return f"{code} cue '{words}' {where} the term"


#: Strength of a code, for "strongest formulation" and strengthened/weakened changes.
CODE_RANK: dict[str, int] = {"issue": 1, "place": 2, "actor": 3}


@dataclass(frozen=True)
class Reference:
    """One mention of cities or local governments in a paragraph.

    Attributes
    ----------
    term
        The words as written in the text.
    category
        The lexicon category of the term (``city``, ``local_government``...).
    code
        ``actor``, ``place`` or ``issue``.
    cue
        The rule that decided the code, in words ("actor cue 'engage' before the term").
    start, end
        Character span in the paragraph's text.
    lexicon_term
        The lexicon entry that matched, and where it was read (``file:row``).
    bracketed
        Inside negotiating brackets (a proposal in a draft).
    """

    term: str
    category: str
    code: Code
    cue: str
    start: int
    end: int
    lexicon_term: str
    lexicon_source: str
    bracketed: bool = False


@dataclass(frozen=True)
class _Phrase:
    keys: tuple[str, ...]
    entry: Entry


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "[":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i + 1))
    if depth:
        spans.append((start, len(text)))
    return spans


class Recogniser:
    """One language's lexicon, ready to match (build once, use for many paragraphs)."""

    def __init__(
        self, lang: str, entries: Sequence[Entry], forms: Mapping[str, str] | None = None
    ) -> None:
        self.lang = lang
        self.entries = list(entries)
        words = [e.term for e in entries if not e.is_cue and not e.pattern]
        words += [e.term for e in entries if e.is_cue and lang == "zh"]
        self.tokeniser = Tokeniser(lang, extra_words=words, forms=forms)
        self._terms: dict[str, list[_Phrase]] = {}
        self._cues: dict[str, list[_Phrase]] = {}
        self._patterned: list[Entry] = []
        for entry in entries:
            if entry.token_patterns:
                self._patterned.append(entry)
                continue
            keys = tuple(entry.lemma.lower().split()) or self.tokeniser.phrase_keys(entry.term)
            if not keys:
                continue
            table = self._cues if entry.is_cue else self._terms
            table.setdefault(keys[0], []).append(_Phrase(keys, entry))
        for table in (self._terms, self._cues):
            for phrases in table.values():
                phrases.sort(key=lambda p: -len(p.keys))

    def tokens(self, text: str) -> list[Token]:
        return self.tokeniser.tokens(text)

    def keys(self) -> set[str]:
        """Every match key the lexicon's terms, exclusions and cues use."""
        return {
            k
            for table in (self._terms, self._cues)
            for phrases in table.values()
            for phrase in phrases
            for k in phrase.keys
        }

    def _match_at(self, tokens: Sequence[Token], i: int) -> tuple[int, Entry] | None:
        best: tuple[int, Entry] | None = None
        for phrase in self._terms.get(tokens[i].key, ()):
            n = len(phrase.keys)
            if tuple(t.key for t in tokens[i : i + n]) == phrase.keys:
                best = (n, phrase.entry)
                break
        for entry in self._patterned:
            pats = entry.token_patterns
            n = len(pats)
            fits = (best is None or n > best[0]) and i + n <= len(tokens)
            if fits and all(p.fullmatch(tokens[i + k].surface) for k, p in enumerate(pats)):
                best = (n, entry)
        return best

    def _cue_spans(self, tokens: Sequence[Token]) -> list[tuple[int, int, Entry]]:
        spans: list[tuple[int, int, Entry]] = []
        for i, tok in enumerate(tokens):
            for phrase in self._cues.get(tok.key, ()):
                n = len(phrase.keys)
                if tuple(t.key for t in tokens[i : i + n]) == phrase.keys:
                    spans.append((i, i + n, phrase.entry))
        return spans

    def references(self, text: str, tokens: Sequence[Token] | None = None) -> list[Reference]:
        """The coded references in ``text`` (a normalised paragraph), in order."""
        toks = list(tokens) if tokens is not None else self.tokens(text)
        found: list[tuple[int, int, Entry]] = []
        i = 0
        while i < len(toks):
            hit = self._match_at(toks, i)
            if hit is None:
                i += 1
                continue
            n, entry = hit
            if entry.category != "exclude":
                found.append((i, i + n, entry))
            i += n
        if not found:
            return []
        cues = self._cue_spans(toks)
        # Sentence number of each token: cues count within the same sentence or clause.
        ends = [m.start() for m in SENTENCE_END.finditer(text)]
        sentence = [bisect.bisect_right(ends, t.start) for t in toks]
        brackets = _bracket_spans(text) if "[" in text else []
        refs: list[Reference] = []
        for s, e, entry in found:
            code, cue = self._code(toks, s, e, entry, cues, sentence)
            start, end = toks[s].start, toks[e - 1].end
            refs.append(
                Reference(
                    term=text[start:end],
                    category=entry.category,
                    code=code,
                    cue=cue,
                    start=start,
                    end=end,
                    lexicon_term=entry.term,
                    lexicon_source=entry.source,
                    bracketed=any(a <= start < b for a, b in brackets),
                )
            )
        return refs

    def _code(
        self,
        toks: Sequence[Token],
        s: int,
        e: int,
        entry: Entry,
        cues: Sequence[tuple[int, int, Entry]],
        sentence: Sequence[int],
    ) -> tuple[Code, str]:
        best: tuple[int, int, Code, str] | None = None  # distance, tie order, code, cue
        for cs, ce, cue in cues:
            if sentence[cs] != sentence[s] or (cs < e and ce > s):
                continue  # another sentence, or the cue overlaps the term itself
            side, reach = cue.window
            if ce <= s:
                distance, where = s - ce, "before"
            else:
                distance, where = cs - e, "after"
            if distance > reach or (side != "near" and side != where):
                continue
            code = _CODE_OF_CUE[cue.category]
            candidate = (distance, _TIE_ORDER[code], code, cue_text(toks[cs:ce], code, where))
            if best is None or candidate[:2] < best[:2]:
                best = candidate
        if best is not None:
            return best[2], best[3]
        if entry.category in GOVERNMENT_CATEGORIES:
            return "actor", f"default: '{entry.term}' names a government ({entry.category})"
        return "issue", f"default: '{entry.term}' as a topic ({entry.category}), no cue"
