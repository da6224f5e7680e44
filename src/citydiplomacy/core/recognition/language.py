"""Which of the six UN languages a text is in: script first, then function words.

Arabic, Chinese and Russian are told apart by their scripts (a Cyrillic text must also read
as Russian, not Ukrainian, Bulgarian or Serbian); English, French and Spanish by the share of
their most frequent function words, measured against German, Italian, Portuguese and Dutch
too, so that a text in one of those is refused with its likely language named rather than
misread as one of the six.
"""

from __future__ import annotations

import re
from collections import Counter

from citydiplomacy.errors import DataError

LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")
LANGUAGE_NAMES = {
    "ar": "Arabic",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "ru": "Russian",
    "zh": "Chinese",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "uk": "Ukrainian",
    "bg": "Bulgarian",
}

# The most frequent function words of each language (short, distinctive lists; words that
# two languages share, such as "de" or "a", count for both and so decide nothing).
_STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "of",
            "and",
            "to",
            "in",
            "that",
            "is",
            "for",
            "with",
            "as",
            "on",
            "be",
            "by",
            "are",
            "this",
            "it",
            "at",
            "from",
            "which",
            "or",
            "have",
            "an",
            "its",
            "their",
            "all",
            "shall",
            "should",
            "will",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "des",
            "et",
            "du",
            "dans",
            "un",
            "une",
            "est",
            "que",
            "qui",
            "pour",
            "pas",
            "sur",
            "au",
            "aux",
            "par",
            "ce",
            "cette",
            "ses",
            "leurs",
            "sont",
            "été",
            "être",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "del",
            "en",
            "un",
            "una",
            "es",
            "que",
            "por",
            "para",
            "con",
            "su",
            "sus",
            "al",
            "se",
            "lo",
            "como",
            "más",
            "este",
            "esta",
            "son",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "den",
            "dem",
            "des",
            "ist",
            "nicht",
            "mit",
            "sich",
            "auf",
            "für",
            "von",
            "zu",
            "eine",
            "einer",
            "ein",
            "auch",
            "werden",
            "wird",
            "sind",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "gli",
            "le",
            "e",
            "di",
            "della",
            "delle",
            "dei",
            "degli",
            "che",
            "per",
            "con",
            "non",
            "una",
            "un",
            "sono",
            "nel",
            "nella",
            "alla",
            "anche",
            "questo",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "os",
            "as",
            "e",
            "do",
            "da",
            "dos",
            "das",
            "em",
            "um",
            "uma",
            "que",
            "para",
            "com",
            "não",
            "por",
            "ao",
            "aos",
            "pela",
            "pelo",
            "são",
            "seu",
            "sua",
            "também",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "van",
            "in",
            "is",
            "dat",
            "op",
            "te",
            "zijn",
            "voor",
            "met",
            "niet",
            "die",
            "aan",
            "er",
            "ook",
            "worden",
            "wordt",
            "door",
        ]
    ),
}
_UKRAINIAN = re.compile("[іїєґ]", re.IGNORECASE)
_BULGARIAN_WORDS = frozenset(["на", "се", "са", "във", "със", "ще", "това", "тези", "което"])
_RUSSIAN_WORDS = frozenset(
    ["и", "в", "не", "на", "что", "с", "по", "как", "это", "для", "от", "его", "они", "был", "быть"]
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _script_counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ch in text:
        o = ord(ch)
        if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFEFF:
            counts["arabic"] += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            counts["han"] += 1
        elif 0x0400 <= o <= 0x04FF:
            counts["cyrillic"] += 1
        elif ch.isalpha() and o < 0x0250:
            counts["latin"] += 1
        elif ch.isalpha():
            counts["other"] += 1
    return counts


def detect_language(text: str, sample: int = 20_000) -> str:
    """The language code (``ar en es fr ru zh``) of ``text``.

    Raises
    ------
    DataError
        The text has too few letters to tell, or is in another language (the message names
        the language when it is one of those measured).
    """
    head = text[:sample]
    scripts = _script_counts(head)
    letters = sum(scripts.values())
    if letters < 20:
        raise DataError(
            "the text has too few letters to detect its language; give the language "
            "explicitly (ar, en, es, fr, ru or zh)"
        )
    script, _count = scripts.most_common(1)[0]
    if script == "arabic":
        return "ar"
    if script == "han":
        return "zh"
    if script == "cyrillic":
        words = [w.lower() for w in _WORD.findall(head)]
        if len(_UKRAINIAN.findall(head)) > len(words) * 0.02:
            return _refuse("uk")
        ru = sum(w in _RUSSIAN_WORDS for w in words)
        bg = sum(w in _BULGARIAN_WORDS for w in words)
        if bg > ru:
            return _refuse("bg")
        return "ru"
    if script == "other":
        raise DataError(
            "the text is not in Arabic, Chinese, English, French, Russian or Spanish "
            "(its script is none of theirs); the recognition tracker reads the six UN "
            "languages only"
        )
    words = [w.lower() for w in _WORD.findall(head)]
    scores = {lang: sum(w in stops for w in words) for lang, stops in _STOP_WORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] < max(3, len(words) * 0.08):
        raise DataError(
            "cannot tell the text's language (too few common words of English, French or "
            "Spanish); give it explicitly with --lang (ar, en, es, fr, ru or zh)"
        )
    if best not in LANGUAGES:
        return _refuse(best)
    return best


def _refuse(code: str) -> str:
    raise DataError(
        f"the text looks {LANGUAGE_NAMES[code]} ({code}), which is not one of the six UN "
        "languages the recognition tracker reads (ar, en, es, fr, ru, zh)"
    )


def check_language(code: str) -> str:
    """``code`` lower-cased if it is one of the six languages, else a :class:`DataError`."""
    lang = code.strip().lower().replace("_", "-")
    lang = {"zh-hans": "zh", "zh-cn": "zh"}.get(lang, lang)
    if lang not in LANGUAGES:
        raise DataError(
            f"unknown language {code!r}: the recognition tracker reads ar, en, es, fr, ru and zh"
        )
    return lang
