"""Charts of the capacity pages: a person's radar (inline SVG with text) and the cohort heat
map's colour bins. The pages show the same numbers in tables beside each chart; the radar's
series differ by line style and marker too, and every heat-map cell carries its number."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop, ngettext

from citydiplomacy.web.indicators.charts import MUTED, TEXT, _locale, _svg, _text, page_language

#: (name, colour, dash pattern, marker) of the radar's series: target, rating, after.
RADAR_SERIES = (
    (gettext_noop("Target for the role"), "#4a4a4a", "6 4", "square"),
    (gettext_noop("Rating"), "#0072b2", "", "circle"),
    (gettext_noop("After the programme"), "#d55e00", "2 3", "diamond"),
)


def radar_svg(
    labels: Sequence[str], series: Sequence[np.ndarray | None], *, chart_id: str, title: str
) -> SafeString:
    """Levels 0-5 of each competency on a spoke; a closed line per series (NaN: skipped)."""
    n = len(labels)
    size, r_max = 560, 190
    cx = cy = size / 2
    body: list[str] = []

    def point(k: int, level: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * k / max(n, 1)
        r = r_max * level / 5
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    for level in range(1, 6):
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, level) for k in range(n)))
        body.append(f'<polygon points="{ring}" fill="none" stroke="#c8c8c8" stroke-width="1"/>')
        x, y = point(0, level)
        body.append(_text(x + 4, y - 2, str(level), fill=MUTED, font_size=11))
    for k, label in enumerate(labels):
        x, y = point(k, 5)
        body.append(
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#c8c8c8"/>'
        )
        lx, ly = point(k, 5.6)
        anchor = "middle" if abs(lx - cx) < 20 else ("start" if lx > cx else "end")
        body.append(_text(lx, ly + 4, label, fill=TEXT, font_size=11, text_anchor=anchor))
    described = []
    for (name, colour, dash, marker), values in zip(RADAR_SERIES, series, strict=False):
        if values is None or np.isnan(values).all():
            continue
        pts = [point(k, float(v)) for k, v in enumerate(values) if not np.isnan(v)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(pts) > 1:
            line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            body.append(
                f'<polygon points="{line}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash_attr}/>'
            )
        for x, y in pts:
            body.append(_marker(marker, x, y, colour))
        described.append(gettext(name))
    for i, (name, colour, dash, marker) in enumerate(RADAR_SERIES[: len(series)]):
        if gettext(name) not in described:
            continue
        y = 18 + 18 * i
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<line x1="8" y1="{y}" x2="36" y2="{y}" stroke="{colour}" '
            f'stroke-width="2"{dash_attr}/>'
        )
        body.append(_marker(marker, 22, y, colour))
        body.append(_text(42, y + 4, gettext(name), fill=TEXT, font_size=12))
    desc = gettext(
        "Radar chart of %(n)d competencies on levels 0 to 5: %(series)s. "
        "The table after the chart gives every value."
    ) % {"n": n, "series": ", ".join(described)}
    return _svg(chart_id, size, size, title, desc, body, "capacity-radar")


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 4:.1f} {x + 4:.1f},{y:.1f} {x:.1f},{y + 4:.1f} '
            f'{x - 4:.1f},{y:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


#: Heat-map bins of the mean gap: (upper bound, CSS class, words). A gap at or under 0 is in
#: the first bin, one under 1 in the second, under 2 in the third, the rest in the last. The
#: words are translated when shown (:func:`gap_words`).
GAP_BINS = (
    (0.0, "gap-none", gettext_noop("at or above target")),
    (1.0, "gap-small", gettext_noop("under 1 level short")),
    (2.0, "gap-medium", gettext_noop("1 to 2 levels short")),
    (math.inf, "gap-large", gettext_noop("2 levels or more short")),
)


def _bin(value: float) -> tuple[float, str, str]:
    if value <= GAP_BINS[0][0]:
        return GAP_BINS[0]
    return next(b for b in GAP_BINS[1:] if value < b[0])


def gap_class(value: float) -> str:
    """The CSS class of a heat-map cell (its text is the number itself)."""
    return "gap-hidden" if math.isnan(value) else _bin(value)[1]


def gap_words(value: float) -> str:
    """The bin of a mean gap in words, in the page's language ("1 to 2 levels short")."""
    return "" if math.isnan(value) else gettext(_bin(value)[2])


def heatmap_table(
    row_labels: Sequence[str],
    column_codes: Sequence[str],
    column_names: Sequence[str],
    values: np.ndarray,
    counts: np.ndarray,
    suppressed: np.ndarray,
    *,
    caption: str,
    table_id: str,
) -> SafeString:
    """The heat map as an HTML table: every cell its mean gap as a number, a colour class,
    and the raters behind it in its title; suppressed cells say so in words.

    Built as one string (escaped here) because a cohort of 500 people x 50 competencies is
    25,000 cells, which the template language renders ten times slower."""
    from django.utils.html import escape

    parts = [
        f'<table class="heatmap" id="{escape(table_id)}"><caption>{escape(caption)}</caption>'
        f'<thead><tr><th scope="col">{escape(gettext("Group"))}</th>'
    ]
    parts.extend(
        f'<th scope="col"><abbr title="{escape(name)}">{escape(code)}</abbr></th>'
        for code, name in zip(column_codes, column_names, strict=True)
    )
    parts.append("</tr></thead><tbody>")
    hidden = escape(gettext("hidden"))
    # The page's decimal sign ("+0,7" in French), written by hand: Babel per cell would
    # dominate the time of a large cohort's map.
    decimal = _locale(page_language()).number_symbols.get("latn", {}).get("decimal", ".")
    for g, label in enumerate(row_labels):
        parts.append(f'<tr><th scope="row">{escape(label)}</th>')
        row_v, row_n, row_s = values[g], counts[g], suppressed[g]
        for k in range(len(column_codes)):
            if row_s[k]:
                rated = escape(_rated(int(row_n[k])))
                parts.append(f'<td class="gap-hidden" title="{rated}">{hidden}</td>')
            else:
                v = float(row_v[k])
                title = escape(f"{gap_words(v)}; {_rated(int(row_n[k]))}")
                number = f"{v:+.1f}".replace(".", decimal)
                parts.append(f'<td class="{gap_class(v)}" title="{title}">{number}</td>')
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return SafeString("".join(parts))


def _rated(n: int) -> str:
    """'3 rated' in the page's language (a heat-map cell's title)."""
    return ngettext("%(n)d rated", "%(n)d rated", n) % {"n": n}
