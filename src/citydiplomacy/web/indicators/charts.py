"""Server-rendered, accessible SVG charts for the profile pages (no JavaScript).

Every chart is an inline ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` referenced by
``aria-labelledby``, and the page shows the same numbers in a table nearby. Colour never carries
information alone: bars carry their band label or value as text, series are numbered in a text
legend. The output is well-formed XML (every text escaped), so tests can parse it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_noop

from citydiplomacy.core.bands import BAND_COLOURS
from citydiplomacy.core.ticks import kpi_digits as kpi_digits  # re-exported for the views
from citydiplomacy.core.ticks import value_digits

#: Fill of a node that is reported but not scored (no target): neutral grey.
NO_BAND_COLOUR = "#b5b5b5"
#: Outline of every bar: keeps light band colours at 3:1 contrast against white (WCAG 1.4.11).
OUTLINE = "#3a3a3a"
#: Series colours for comparisons (Okabe-Ito, colour-blind safe); each bar is also numbered.
SERIES_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9")
TEXT = "#1a1a1a"
MUTED = "#4a4a4a"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


@lru_cache(maxsize=1)
def translated_languages() -> frozenset[str]:
    """English plus the languages the project's own pages have a gettext catalogue for
    (``<app>/locale/<lang>/LC_MESSAGES/django.po`` under the ``citydiplomacy`` package)."""
    root = Path(__file__).resolve().parents[2]  # the citydiplomacy package
    found = {po.parents[1].name for po in root.glob("**/locale/*/LC_MESSAGES/django.po")}
    return frozenset({"en", *found})


def page_language() -> str:
    """The language the page is written in, as a Babel locale name: Django's active language
    when the project's pages are translated into it, else English (a French browser reading
    an English page gets English numbers, matching the page's text and its ``lang``)."""
    active = (translation.get_language() or "en").replace("-", "_")
    return active if active.split("_")[0] in translated_languages() else "en"


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def fmt(x: float | None, digits: int = 1, lang: str | None = None) -> str:
    """A number for people in the page's language (Babel): ``digits`` fixed decimals, grouped
    ("1,234.5" in English, "1 234,5" in French); '–' when missing. Whole numbers of 1000 and
    more drop their decimals."""
    if _missing(x):
        return "–"
    assert x is not None
    if float(x).is_integer() and abs(x) >= 1000:
        digits = 0
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(x, format=pattern, locale=_locale(lang or page_language()))


def fmt_value(x: float | None, digits: int | None = None, lang: str | None = None) -> str:
    """A KPI value in the page's language, with ``digits`` decimals (by default the ones it
    needs, :func:`value_digits`; pass :func:`kpi_digits` of the KPI's numbers to align them)."""
    if _missing(x):
        return "–"
    return fmt(x, value_digits(x) if digits is None else digits, lang)


def band_colour(band_code: int) -> str:
    return BAND_COLOURS.get(band_code, NO_BAND_COLOUR)


#: The U4SSC bands' names (``core.bands.BAND_LABELS``, tested equal) as the catalogue holds
#: them: a literal '%' doubled, as in the templates' ``{% translate band_label %}``.
BAND_NAMES = {
    1: gettext_noop("Less than 33%% of target"),
    2: gettext_noop("33-66%% of target"),
    3: gettext_noop("66-95%% of target"),
    4: gettext_noop("95%%+ of target"),
}


#: Other English labels stored with the data that pages show through :func:`label_text` or
#: ``{% translate %}``: the ranking's robustness method (``core.robustness.ROBUSTNESS_METHOD``).
DATA_LABELS = (gettext_noop("composite index, Saltelli design (SALib), 5-95 %% interval"),)


def label_text(label: str) -> str:
    """An English label stored with the data (a band's name in a snapshot), in the page's
    language: what ``{% translate label %}`` writes in a template (the same message, its
    '%' doubled in the catalogue); the label itself when the catalogue does not have it."""
    return translation.gettext(label.replace("%", "%%")).replace("%%", "%")


def band_text(band_code: int) -> str:
    """A band's name in the page's language ("33 à 66 % de la cible"); "not scored" for 0."""
    name = BAND_NAMES.get(band_code)
    if name is None:
        return translation.gettext("not scored")
    return translation.gettext(name).replace("%%", "%")


def percent(text: str, lang: str | None = None) -> str:
    """``text`` (a number already written for people) followed by the percent sign as the
    page's language writes it: "25%" in English, "25\u00a0%" in French (CLDR, Babel)."""
    pattern: str = _locale(lang or page_language()).percent_formats[None].pattern
    return text + pattern[pattern.rfind("0") + 1 :].replace("'", "")


def _svg(
    chart_id: str, width: int, height: int, title: str, desc: str, body: list[str], cls: str
) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart {cls}" '
        f'id="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-family="{escape(FONT)}" font-size="13">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
    )
    # Every piece of text above and in body went through escape().
    return mark_safe(head + "".join(body) + "</svg>")


def _text(x: float, y: float, s: str, **attrs: str | float) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(s)}</text>'


# ------------------------------------------------------------------ horizontal bars
@dataclass(frozen=True)
class Bar:
    """One bar (a category score in percent) or, with ``header=True``, a group heading."""

    label: str
    value: float | None = None
    band_code: int = 0
    header: bool = False


def hbar_chart(
    bars: Sequence[Bar], *, chart_id: str, title: str, desc: str, max_value: float = 100.0
) -> SafeString:
    """Horizontal bars in band colours, each labelled with its score and band as text."""
    label_w, bar_w, text_w, row_h, top = 230, 330, 210, 22, 26
    width = label_w + bar_w + text_w
    height = top + row_h * len(bars) + 8
    x0 = label_w

    def sx(v: float) -> float:
        return x0 + bar_w * max(0.0, min(v, max_value)) / max_value

    body = []
    for tick in (0, 25, 50, 75, 100):
        x = sx(tick * max_value / 100)
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}" '
            'stroke="#d0d0d0" stroke-width="1"/>'
        )
        body.append(
            _text(x, top - 10, percent(str(tick)), text_anchor="middle", fill=MUTED, font_size=11)
        )
    for i, bar in enumerate(bars):
        y = top + i * row_h
        if bar.header:
            body.append(_text(4, y + 15, bar.label, font_weight="700", fill=TEXT))
            continue
        body.append(_text(x0 - 8, y + 15, bar.label, text_anchor="end", fill=TEXT))
        if bar.value is None:
            no_score = translation.gettext("not scored")
            body.append(_text(x0 + 4, y + 15, no_score, fill=MUTED, font_style="italic"))
            continue
        w = max(sx(bar.value) - x0, 1.0)
        body.append(
            f'<rect x="{x0}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
            f'fill="{band_colour(bar.band_code)}" stroke="{OUTLINE}" stroke-width="1"/>'
        )
        body.append(
            _text(
                sx(bar.value) + 6,
                y + 15,
                f"{percent(fmt(bar.value))} · {band_text(bar.band_code)}",
                fill=TEXT,
            )
        )
    return _svg(chart_id, width, height, title, desc, body, "chart-hbar")


# ------------------------------------------------------------------ line over years
def line_chart(
    points: Sequence[tuple[int, float | None]],
    *,
    chart_id: str,
    title: str,
    desc: str,
    y_label: str | None = None,
) -> SafeString:
    """A score over years on a 0-100 scale, with the four band ranges shaded and named;
    ``y_label`` names the vertical axis (by default the score, in the page's language)."""
    if y_label is None:
        y_label = translation.gettext("Score (%% of maximum points)") % {}
    width, height = 680, 280
    left, right, top, bottom = 48, 170, 16, 40
    pw, ph = width - left - right, height - top - bottom
    years = [y for y, _ in points]
    y_min, y_max = (min(years), max(years)) if years else (0, 1)
    span = max(y_max - y_min, 1)

    def sx(year: int) -> float:
        if len(years) == 1:
            return left + pw / 2
        return left + pw * (year - y_min) / span

    def sy(v: float) -> float:
        return top + ph * (1 - max(0.0, min(v, 100.0)) / 100)

    body = []
    edges = [0.0, 33.0, 66.0, 95.0, 100.0]
    for code in range(1, 5):
        lo, hi = edges[code - 1], edges[code]
        body.append(
            f'<rect x="{left}" y="{sy(hi):.1f}" width="{pw}" height="{sy(lo) - sy(hi):.1f}" '
            f'fill="{band_colour(code)}" fill-opacity="0.16"/>'
        )
        mid = (sy(lo) + sy(hi)) / 2 + 4
        body.append(_text(left + pw + 8, mid, band_text(code), fill=TEXT, font_size=11))
    for tick in (0, 25, 50, 75, 100):
        y = sy(tick)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#d0d0d0"/>'
        )
        body.append(_text(left - 6, y + 4, str(tick), text_anchor="end", fill=MUTED, font_size=11))
    body.append(
        _text(
            12,
            top + ph / 2,
            y_label,
            text_anchor="middle",
            fill=MUTED,
            font_size=11,
            transform=f"rotate(-90 12 {top + ph / 2:.1f})",
        )
    )
    for year in years:
        body.append(
            _text(sx(year), height - bottom + 18, str(year), text_anchor="middle", fill=TEXT)
        )
    present = [(y, v) for y, v in points if v is not None]
    if len(present) > 1:
        path = " ".join(f"{sx(y):.1f},{sy(v):.1f}" for y, v in present)
        body.append(f'<polyline points="{path}" fill="none" stroke="#0b4f8a" stroke-width="2.5"/>')
    for y, v in present:
        body.append(
            f'<circle cx="{sx(y):.1f}" cy="{sy(v):.1f}" r="4" fill="#0b4f8a" '
            'stroke="#fff" stroke-width="1.5"/>'
        )
        body.append(_text(sx(y), sy(v) - 9, fmt(v), text_anchor="middle", fill=TEXT, font_size=11))
    return _svg(chart_id, width, height, title, desc, body, "chart-line")


# ------------------------------------------------------------------ grouped bars
@dataclass(frozen=True)
class Series:
    """One city in a grouped bar chart: its legend label and one value per group."""

    label: str
    values: Sequence[float | None]


def grouped_bar_chart(
    groups: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    desc: str,
    max_value: float = 100.0,
) -> SafeString:
    """Vertical bars per group (e.g. dimension), one per series (city), numbered, with the
    value above each bar and a text legend mapping numbers and colours to series."""
    n = max(len(series), 1)
    bar_w, gap, group_gap = 26, 4, 36
    left, top, plot_h = 44, 24, 220
    group_w = n * bar_w + (n - 1) * gap
    width = max(left + len(groups) * (group_w + group_gap) + 10, 420)
    legend_top = top + plot_h + 56
    height = legend_top + 22 * len(series) + 6

    def sy(v: float) -> float:
        return top + plot_h * (1 - max(0.0, min(v, max_value)) / max_value)

    body = []
    for tick in (0, 25, 50, 75, 100):
        y = sy(tick * max_value / 100)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#d0d0d0"/>'
        )
        body.append(_text(left - 6, y + 4, str(tick), text_anchor="end", fill=MUTED, font_size=11))
    for g, group in enumerate(groups):
        gx = left + group_gap / 2 + g * (group_w + group_gap)
        for s, ser in enumerate(series):
            x = gx + s * (bar_w + gap)
            v = ser.values[g] if g < len(ser.values) else None
            colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
            if v is not None:
                body.append(
                    f'<rect x="{x:.1f}" y="{sy(v):.1f}" width="{bar_w}" '
                    f'height="{sy(0) - sy(v):.1f}" fill="{colour}" stroke="{OUTLINE}"/>'
                )
                body.append(
                    _text(
                        x + bar_w / 2,
                        sy(v) - 4,
                        fmt(v, 0),
                        text_anchor="middle",
                        fill=TEXT,
                        font_size=10,
                    )
                )
            else:
                body.append(
                    _text(
                        x + bar_w / 2,
                        sy(0) - 4,
                        translation.gettext("n/a"),
                        text_anchor="middle",
                        fill=MUTED,
                        font_size=10,
                    )
                )
            body.append(
                _text(
                    x + bar_w / 2,
                    sy(0) + 14,
                    str(s + 1),
                    text_anchor="middle",
                    fill=TEXT,
                    font_size=11,
                    font_weight="700",
                )
            )
        body.append(_text(gx + group_w / 2, sy(0) + 34, group, text_anchor="middle", fill=TEXT))
    for s, ser in enumerate(series):
        y = legend_top + 22 * s
        colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
        body.append(
            f'<rect x="{left}" y="{y}" width="14" height="14" fill="{colour}" stroke="{OUTLINE}"/>'
        )
        body.append(_text(left + 22, y + 12, f"{s + 1}  {ser.label}", fill=TEXT))
    return _svg(chart_id, int(width), height, title, desc, body, "chart-grouped")


# ------------------------------------------------------------------ rank interval
def interval_chart(
    *,
    chart_id: str,
    label: str,
    rank: float | None,
    low: float | None,
    median: float | None,
    high: float | None,
    n: int,
) -> SafeString:
    """A small bar of a city's rank interval on the scale 1..n (rank 1 on the left)."""
    width, height, pad = 220, 26, 10
    n = max(n, 1)

    def sx(r: float) -> float:
        return pad + (width - 2 * pad) * ((r - 1) / (n - 1) if n > 1 else 0.5)

    body = [
        f'<line x1="{pad}" y1="13" x2="{width - pad}" y2="13" stroke="#9a9a9a" stroke-width="1"/>',
        f'<line x1="{pad}" y1="8" x2="{pad}" y2="18" stroke="#9a9a9a"/>',
        f'<line x1="{width - pad}" y1="8" x2="{width - pad}" y2="18" stroke="#9a9a9a"/>',
    ]
    if low is not None and high is not None:
        x1, x2 = sx(low), sx(high)
        body.append(
            f'<rect x="{x1 - 2:.1f}" y="8" width="{max(x2 - x1, 0) + 4:.1f}" height="10" '
            f'rx="3" fill="#9ec3e6" stroke="#0b4f8a"/>'
        )
        desc = translation.gettext(
            "%(label)s: rank %(rank)s of %(n)s; 90%% of simulated ranks between %(low)s and "
            "%(high)s, median %(median)s."
        ) % {
            "label": label,
            "rank": fmt(rank, 0),
            "n": fmt(n, 0),
            "low": fmt(low, 0),
            "high": fmt(high, 0),
            "median": fmt(median, 0),
        }
    else:
        desc = translation.gettext(
            "%(label)s: rank %(rank)s of %(n)s; no rank interval was computed."
        ) % {"label": label, "rank": fmt(rank, 0), "n": fmt(n, 0)}
    if median is not None:
        xm = sx(median)
        body.append(
            f'<path d="M{xm:.1f} 7 L{xm + 5:.1f} 13 L{xm:.1f} 19 L{xm - 5:.1f} 13 Z" '
            'fill="#fff" stroke="#1a1a1a"/>'
        )
    if rank is not None:
        body.append(f'<circle cx="{sx(rank):.1f}" cy="13" r="3.5" fill="#1a1a1a"/>')
    title = translation.gettext("Rank interval of %(label)s") % {"label": label}
    return _svg(chart_id, width, height, title, desc, body, "chart-interval")
