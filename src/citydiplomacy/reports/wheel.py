"""The benchmarking wheel: an accessible inline SVG sunburst of a city's profile.

Three rings from the centre out: dimensions, sub-dimensions and categories, each segment
coloured by its band and labelled with the band's number as text (colour never carries the
information alone); category names around the outside, the index score in the middle. The
palette is ColorBrewer's RdYlBu (4 classes), which stays distinguishable for the common forms
of colour blindness; text on each fill meets the WCAG 4.5:1 contrast. The ``<title>`` and
``<desc>`` (referenced by ``aria-labelledby``) give every number in words.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from citydiplomacy.reports.content import Category, Dimension, NodeResult, SubDimension

#: Band fill and the text colour that contrasts with it (ColorBrewer RdYlBu, colour-blind safe).
BAND_FILLS = {
    1: ("#b2182b", "#ffffff"),
    2: ("#fdae61", "#1a1a1a"),
    3: ("#abd9e9", "#1a1a1a"),
    4: ("#2166ac", "#ffffff"),
}
NO_BAND = ("#e6e6e6", "#1a1a1a")
OUTLINE = "#ffffff"
SIZE = (760, 640)
CENTRE = (380.0, 320.0)
RINGS = ((58.0, 108.0), (108.0, 150.0), (150.0, 192.0))


def band_fill(band: int) -> tuple[str, str]:
    """Fill and text colour of a band (grey for a node without a band)."""
    return BAND_FILLS.get(band, NO_BAND)


def _point(r: float, a: float) -> tuple[float, float]:
    # Angle a in degrees, clockwise from 12 o'clock.
    rad = math.radians(a - 90.0)
    return CENTRE[0] + r * math.cos(rad), CENTRE[1] + r * math.sin(rad)


def _sector(r0: float, r1: float, a0: float, a1: float) -> str:
    large = 1 if a1 - a0 > 180 else 0
    x0, y0 = _point(r1, a0)
    x1, y1 = _point(r1, a1)
    x2, y2 = _point(r0, a1)
    x3, y3 = _point(r0, a0)
    return (
        f"M{x0:.2f},{y0:.2f} A{r1:.2f},{r1:.2f} 0 {large} 1 {x1:.2f},{y1:.2f} "
        f"L{x2:.2f},{y2:.2f} A{r0:.2f},{r0:.2f} 0 {large} 0 {x3:.2f},{y3:.2f} Z"
    )


def _wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """Words of ``text`` in lines of at most ``width`` pixels (estimated), at most
    ``max_lines``; the last line ends with an ellipsis when the text does not fit."""
    per_line = max(int(width / (0.58 * size)), 3)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: per_line - 1].rstrip() + "…"
    return [line if len(line) <= per_line else line[: per_line - 1] + "…" for line in lines]


def _tangent_text(lines: list[str], r: float, angle: float, size: float, ink: str) -> str:
    """Lines centred on the ring at ``angle``, along the ring (upright on the lower half)."""
    x, y = _point(r, angle)
    a = angle % 360
    rot = a if a <= 90 or a >= 270 else a - 180
    gap = size * 1.15
    top = -gap * (len(lines) - 1) / 2
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{y + top + k * gap:.1f}">{escape(line)}</tspan>'
        for k, line in enumerate(lines)
    )
    return (
        f'<text font-size="{size:g}" fill="{ink}" text-anchor="middle" '
        f'dominant-baseline="central" transform="rotate({rot:.1f} {x:.1f} {y:.1f})" '
        f'aria-hidden="true">{spans}</text>'
    )


def _slots_of(sub: SubDimension) -> list[Category | None]:
    """The categories of a sub-dimension; one empty slot when it has none."""
    return [*sub.categories] or [None]


def wheel_svg(
    dimensions: Sequence[Dimension],
    index: NodeResult,
    *,
    title: str,
    desc_intro: str,
    band_label: Callable[[int], str],
    score_text: Callable[[float | None], str],
    chart_id: str = "wheel",
) -> str:
    """The wheel of a report's ``dimensions`` tree (see :class:`~.content.Report`).

    Parameters
    ----------
    dimensions
        Dimension nodes with ``subdimensions`` and their ``categories``.
    index
        The index node (its score is written in the centre).
    title, desc_intro
        Accessible name and the first sentence of the description (already translated).
    band_label
        Text of a band number (translated); ``0`` is "not scored".
    score_text
        A score formatted for the locale.
    """
    slots = []  # (dimension, sub-dimension, category or None)
    for dim in dimensions:
        for sub in dim.subdimensions:
            cats = _slots_of(sub)
            for cat in cats:
                slots.append((dim, sub, cat))
    n = max(len(slots), 1)
    step = 360.0 / n
    parts: list[str] = []
    words: list[str] = []

    def segment(node: NodeResult, ring: int, a0: float, a1: float) -> None:
        fill, ink = band_fill(int(node.band))
        r0, r1 = RINGS[ring]
        blabel = band_label(int(node.band))
        tip = f"{node.name}: {score_text(node.score)} – {blabel}"
        parts.append(
            f'<path d="{_sector(r0, r1, a0, a1)}" fill="{fill}" stroke="{OUTLINE}" '
            f'stroke-width="1.5"><title>{escape(tip)}</title></path>'
        )
        band = "B" + str(node.band) if node.band else "–"
        mid = (a0 + a1) / 2
        if ring == 2:
            x, y = _point((r0 + r1) / 2, mid)
            parts.append(
                f'<text x="{x:.1f}" y="{y:.1f}" fill="{ink}" font-size="10" '
                f'text-anchor="middle" dominant-baseline="central" aria-hidden="true">'
                f"{escape(band)}</text>"
            )
            return
        size = 10.0 if ring == 0 else 8.0
        arc = math.radians(a1 - a0) * (r0 + r1) / 2
        lines = [*_wrap(str(node.name), arc - 6, size, 2), band]
        parts.append(_tangent_text(lines, (r0 + r1) / 2, mid, size, ink))

    i = 0
    for dim in dimensions:
        d_start = i
        for sub in dim.subdimensions:
            s_start = i
            for cat in _slots_of(sub):
                a0, a1 = i * step, (i + 1) * step
                if cat is not None:
                    segment(cat, 2, a0, a1)
                    mid = (a0 + a1) / 2
                    x, y = _point(RINGS[2][1] + 8, mid)
                    rot = mid - 90 if mid <= 180 else mid + 90
                    anchor = "start" if mid <= 180 else "end"
                    parts.append(
                        f'<text x="{x:.1f}" y="{y:.1f}" font-size="10" fill="#1a1a1a" '
                        f'text-anchor="{anchor}" dominant-baseline="central" '
                        f'transform="rotate({rot:.1f} {x:.1f} {y:.1f})" aria-hidden="true">'
                        f"{escape(cat.name)}</text>"
                    )
                    words.append(
                        f"{dim.name} › {sub.name} › {cat.name}: "
                        f"{score_text(cat.score)} ({band_label(int(cat.band))})"
                    )
                i += 1
            segment(sub, 1, s_start * step, i * step)
        segment(dim, 0, d_start * step, i * step)
    parts.append(
        f'<circle cx="{CENTRE[0]}" cy="{CENTRE[1]}" r="{RINGS[0][0] - 2}" fill="#ffffff" '
        f'stroke="#4a4a4a" stroke-width="1"/>'
    )
    parts.append(
        f'<text x="{CENTRE[0]}" y="{CENTRE[1] - 6}" font-size="18" font-weight="bold" '
        f'text-anchor="middle" fill="#1a1a1a" aria-hidden="true">'
        f"{escape(score_text(index.score))}</text>"
        f'<text x="{CENTRE[0]}" y="{CENTRE[1] + 14}" font-size="10" text-anchor="middle" '
        f'fill="#1a1a1a" aria-hidden="true">'
        f"{escape('B' + str(index.band) if index.band else '–')}</text>"
    )
    dims = "; ".join(
        f"{d.name}: {score_text(d.score)} ({band_label(int(d.band))})" for d in dimensions
    )
    desc = f"{desc_intro} {dims}. " + "; ".join(words) + "."
    w, h = SIZE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" '
        f'class="wheel" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="Liberation Sans, Arial, DejaVu Sans, sans-serif">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(parts) + "</svg>"
    )
