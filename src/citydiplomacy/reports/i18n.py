"""Languages of the reports: gettext catalogues compiled at load, Babel for numbers and dates.

Catalogues live in ``reports/locale/<lang>/LC_MESSAGES/messages.po`` (English is the source
language and needs none). They are compiled in memory with Babel when first used, so a
committed ``.po`` is always what runs (no stale ``.mo``). Adding a UN language is adding a
catalogue: ``pybabel init -D messages -i messages.pot -d src/citydiplomacy/reports/locale -l es``.
"""

from __future__ import annotations

import gettext
import io
import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from citydiplomacy.errors import CityDiplomacyError

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


def _locale_root() -> resources.abc.Traversable:
    return resources.files("citydiplomacy.reports") / "locale"


def available_languages() -> list[str]:
    """English plus every language with a catalogue, sorted."""
    root = _locale_root()
    found = {
        d.name
        for d in root.iterdir()
        if d.is_dir() and (d / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    }
    return sorted({SOURCE_LANGUAGE, *found})


@lru_cache(maxsize=16)
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (the source language: no translation).

    Raises
    ------
    CityDiplomacyError
        For a language without a catalogue.
    """
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    if lang not in available_languages():
        raise CityDiplomacyError(
            f"no report language {lang!r}; available: {', '.join(available_languages())}"
        )
    po = _locale_root() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Formatter:
    """Numbers, percentages, dates and names formatted for one locale (Babel)."""

    lang: str

    @property
    def locale(self) -> Locale:
        try:
            return Locale.parse(self.lang)
        except (UnknownLocaleError, ValueError):
            return Locale.parse(SOURCE_LANGUAGE)

    def number(self, x: float | None, digits: int = 1) -> str:
        """Fixed decimals, grouped; an en dash when missing."""
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(x, format=pattern, locale=self.locale)

    def value(self, x: float | None) -> str:
        """A KPI value with the decimals it needs (up to three)."""
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "–"
        ax = abs(x)
        if float(x).is_integer() or ax >= 1000:
            digits = 0
        elif ax >= 100:
            digits = 1
        elif ax >= 1:
            digits = 2
        else:
            digits = 3
        pattern = "#,##0" + ("." + "#" * digits if digits else "")
        return format_decimal(x, format=pattern, locale=self.locale)

    def percent(self, share: float | None, digits: int = 0) -> str:
        """A share (0.42) as a percentage for the locale ("42 %" in French)."""
        if share is None or not math.isfinite(share):
            return "–"
        if not digits:  # the locale's own pattern: "42 %" in French, "42%" in English
            return format_percent(share, locale=self.locale)
        pattern = self.locale.percent_formats[None].pattern.replace("0", "0." + "0" * digits, 1)
        return format_percent(share, format=pattern, locale=self.locale)

    def signed(self, x: float | None, digits: int = 1) -> str:
        """A change with its sign (+3.2, −1.0)."""
        if x is None or not math.isfinite(x):
            return "–"
        text = self.number(abs(x), digits)
        return ("+" if x > 0 else "−" if x < 0 else "±") + text

    def date(self, d: date) -> str:
        return format_date(d, format="long", locale=self.locale)

    def country(self, iso2: str) -> str:
        """The country's name in the locale (the code itself when unknown)."""
        return str(self.locale.territories.get(iso2.upper(), iso2))
