"""Tokens with match keys (lemmas), per language, from maintained offline tools.

* English, French, Spanish: :mod:`simplemma` (its dictionaries ship with the package), or,
  for the packaged lexicons, a table of the inflected forms of the lexicon's lemmas taken
  from simplemma's dictionary (``data/recognition/forms``), which gives the same keys and
  spares loading the whole dictionary (2-3 s for Spanish on a busy machine);
* Russian: :mod:`pymorphy3` with its OpenCorpora dictionaries (installed as a package);
* Chinese: :mod:`jieba` (its dictionary ships with the package), with the lexicon's terms and
  exclusions added as words so that 地方政府 is one token and 城市 inside 城市化 is not
  matched;
* Arabic: a light stemmer of our own (simplemma's Arabic lemmas keep clitics, "وللمدن", and
  merge البلديات "municipalities" into بلدي "municipal/local"): delete the conjunction and
  preposition clitics و ف ب ل ك and the article ال, and unify alef and ta marbuta forms, so
  للمدن, بالمدن and المدن all give مدن while المدني "the civil" gives مدني.

Nothing is downloaded at run time. Lemmatisers are loaded once per process and cached.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from citydiplomacy.core.recognition.normalise import normalise


@dataclass(frozen=True)
class Token:
    """A word of the text: its surface form, match key and character span."""

    surface: str
    key: str
    start: int
    end: int


# Words: letters and digits; apostrophes and hyphens split ("d'administrations" -> "d",
# "administrations"; "sub-national" -> "sub", "national"), which the lexicon's own terms
# go through too, so both sides agree.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Sentence and clause ends, for the cue window.
SENTENCE_END = re.compile(r"[.;:!?。；：！？؛]\s|[.;:!?。；：！？؛]$")

_AR_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_AR_PREFIXES = ("وبال", "وكال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
_AR_CLITICS = ("و", "ف")  # conjunctions; ب ل ك only before the article (above)


def arabic_key(word: str) -> str:
    """The light stem of an Arabic word (see the module docstring)."""
    w = word.translate(_AR_ALEF)
    for prefix in _AR_PREFIXES:
        if w.startswith(prefix) and len(w) - len(prefix) >= 2:
            return w[len(prefix) :]
    if len(w) >= 5 and w[0] in _AR_CLITICS and w[1:3] != "ال":
        # و+مدن... : only strip a lone conjunction from a longer word (short words such as
        # وطن begin with it); lexicon terms go through the same function, so both agree.
        return w[1:]
    return w


@lru_cache(maxsize=4)
def _simplemma(lang: str) -> Callable[[str], str]:
    import simplemma

    def lemma(word: str) -> str:
        return str(simplemma.lemmatize(word, lang=lang)).lower()

    return lemma


@lru_cache(maxsize=1)
def _morph() -> Any:
    import logging

    import pymorphy3

    # pymorphy3 logs "Loading dictionaries from ..." at INFO: not news for the user.
    logging.getLogger("pymorphy3").setLevel(logging.WARNING)
    return pymorphy3.MorphAnalyzer()


def _russian_lemma(word: str) -> str:
    parses = _morph().parse(word)
    # ё and е are one letter in running text (UN texts write е): keys use е.
    return (str(parses[0].normal_form) if parses else word).replace("ё", "е")


class Tokeniser:
    """Splits a language's text into :class:`Token` records; caches lemmas per word."""

    def __init__(
        self,
        lang: str,
        extra_words: Iterable[str] = (),
        forms: Mapping[str, str] | None = None,
    ) -> None:
        self.lang = lang
        self._cache: dict[str, str] = {}
        self._jieba: Any = None
        if lang == "zh":
            import jieba

            jieba.setLogLevel(60)  # no "Building prefix dict" chatter on standard error
            tk = jieba.Tokenizer()
            for word in extra_words:
                tk.add_word(word, freq=200_000)
            self._jieba = tk
        self._lemma: Callable[[str], str]
        if lang in ("en", "fr", "es") and forms is not None:
            # The lexicon's forms table (built from simplemma's dictionary for exactly the
            # lemmas the lexicon uses): the same keys without loading the whole dictionary.
            # A word outside it keeps its own form, which is no lexicon key.
            self._lemma = lambda word: forms.get(word, word)
        elif lang in ("en", "fr", "es"):
            self._lemma = _simplemma(lang)
        elif lang == "ru":
            self._lemma = _russian_lemma
        elif lang == "ar":
            self._lemma = arabic_key
        else:
            self._lemma = str

    def key(self, surface: str) -> str:
        """The match key of one word."""
        k = self._cache.get(surface)
        if k is None:
            lower = surface.lower()
            k = self._lemma(lower) if lower else lower
            self._cache[surface] = k
        return k

    def tokens(self, text: str) -> list[Token]:
        """The words of ``text`` (already normalised) with their keys."""
        if self._jieba is not None:
            out: list[Token] = []
            # No HMM discovery of unknown words: the lexicon's words are in the dictionary,
            # and the HMM pass costs about half the time.
            for word, start, end in self._jieba.tokenize(text, HMM=False):
                if word.strip() and any(ch.isalnum() for ch in word):
                    out.append(Token(word, word.lower(), start, end))
            return out
        key = self.key
        return [Token(m.group(), key(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]

    def phrase_keys(self, phrase: str) -> tuple[str, ...]:
        """The keys of a lexicon phrase, tokenised like the text."""
        return tuple(t.key for t in self.tokens(normalise(phrase)))
