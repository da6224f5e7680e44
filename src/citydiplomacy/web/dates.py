"""Dates for people in the page's language, with Babel (issue 19, item 7).

Django's ``|date:"j M Y"`` writes the month as its first three letters with a capital
("6 Aoû 2026", and "Jui" for both June and July in French). These filters write the
language's own abbreviations instead: "6 Aug 2026" in English, "6 août 2026" and
"6 juil. 2026" in French (CLDR's medium month names, as Babel has them), and "1er août"
for the first of the month.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from django.utils import timezone, translation


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def page_language() -> str:
    """Django's active language as a Babel locale name ("fr", "en_GB"): the page's own (a
    language without a catalogue falls back to English in Django already)."""
    return (translation.get_language() or "en").replace("-", "_")


#: CLDR pattern of a day with its month abbreviated ("6 Aug 2026", "6 août 2026").
DAY = "d MMM y"


def short_date(value: dt.date | dt.datetime | None, lang: str | None = None) -> str:
    """``value`` as a day with its month abbreviated in the page's language; '' if none.
    A date-time is read in the current time zone first (as Django's ``|date`` does)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return _day(value, lang or page_language())


def _day(value: dt.date, lang: str) -> str:
    text = format_date(value, DAY, locale=_locale(lang))
    if value.day == 1 and lang.split("_")[0] == "fr":
        text = "1er" + text[1:]  # French writes the first of the month "1er"
    return text


#: CLDR pattern of a day with its month written in full ("6 August 2026", "6 août 2026").
LONG_DAY = "d MMMM y"


def long_date(value: dt.date | None, lang: str | None = None) -> str:
    """``value`` as a day with its month in full in the page's language, for a document such
    as a certificate ("1 March 2026", "1er mars 2026"); '' if none."""
    if value is None:
        return ""
    lang = lang or page_language()
    text = format_date(value, LONG_DAY, locale=_locale(lang))
    if value.day == 1 and lang.split("_")[0] == "fr":
        text = "1er" + text[1:]
    return text


def short_datetime(value: dt.datetime | None, lang: str | None = None) -> str:
    """``value`` as :func:`short_date` followed by the 24-hour time ("6 août 2026 14:05")."""
    if value is None or value == "":
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    lang = lang or page_language()
    return f"{_day(value.date(), lang)} {format_time(value, 'HH:mm', locale=_locale(lang))}"
