"""The chart of a commitment: reported values against the straight path to the target.

Inline SVG built with the helpers of :mod:`citydiplomacy.web.indicators.charts` (title and
description, escaped text); the page shows the same numbers in a table beside it. The path
is a dashed line, the reported values a solid line with round markers, each labelled with
its value, so nothing depends on colour.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.safestring import SafeString

from citydiplomacy.core.commitments import Path
from citydiplomacy.core.ticks import nice_ticks
from citydiplomacy.web.indicators.charts import (
    MUTED,
    SERIES_COLOURS,
    TEXT,
    _svg,
    _text,
    fmt_value,
    kpi_digits,
)

PATH_COLOUR = "#4a4a4a"


def commitment_chart(
    path: Path,
    observations: Mapping[int, float],
    *,
    chart_id: str,
    title: str,
    unit: str,
) -> SafeString:
    """Values by year and the expected path from baseline to target."""
    width, height = 680, 320
    left, right, top, bottom = 70, 150, 20, 66
    pw, ph = width - left - right, height - top - bottom
    years = sorted({path.baseline_year, path.target_year, *observations})
    y0, y1 = years[0], years[-1]
    values = [path.baseline_value, path.target_value, *observations.values()]
    # Round ticks (16, 17, 18, not 16.22, 17.14) that cover every value; the axis spans them.
    ticks = nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]
    digits = kpi_digits(*ticks)

    def sx(year: float) -> float:
        return left + pw * (year - y0) / max(y1 - y0, 1)

    def sy(v: float) -> float:
        return top + ph * (1 - (v - lo) / (hi - lo))

    body: list[str] = []
    for v in ticks:
        y = sy(v)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#d0d0d0"/>'
        )
        body.append(_text(left - 6, y + 4, fmt_value(v, digits), text_anchor="end", fill=MUTED))
    step = max(1, -(-(y1 - y0) // 7))  # at most about eight labels, never overlapping
    for year in range(y0, y1 + 1, step):
        body.append(
            _text(sx(year), height - bottom + 18, str(year), text_anchor="middle", fill=TEXT)
        )
    body.append(
        _text(
            14,
            top + ph / 2,
            unit or "value",
            text_anchor="middle",
            fill=MUTED,
            font_size=11,
            transform=f"rotate(-90 14 {top + ph / 2:.1f})",
        )
    )
    # The expected path, dashed, with its two ends labelled.
    bx, by = sx(path.baseline_year), sy(path.baseline_value)
    tx, ty = sx(path.target_year), sy(path.target_value)
    body.append(
        f'<line x1="{bx:.1f}" y1="{by:.1f}" x2="{tx:.1f}" y2="{ty:.1f}" '
        f'stroke="{PATH_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    body.append(f'<rect x="{bx - 4:.1f}" y="{by - 4:.1f}" width="8" height="8" fill="{TEXT}"/>')
    body.append(f'<rect x="{tx - 4:.1f}" y="{ty - 4:.1f}" width="8" height="8" fill="{TEXT}"/>')
    body.append(
        _text(tx + 8, ty + 4, f"target {fmt_value(path.target_value)} ({path.target_year})")
    )
    # Reported values: a solid line with labelled round markers.
    colour = SERIES_COLOURS[0]
    pts = sorted(observations.items())
    if len(pts) > 1:
        line = " ".join(f"{sx(y):.1f},{sy(v):.1f}" for y, v in pts)
        body.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for y, v in pts:
        body.append(
            f'<circle cx="{sx(y):.1f}" cy="{sy(v):.1f}" r="4" fill="{colour}" '
            f'stroke="{TEXT}" stroke-width="1"/>'
        )
    if pts:
        ly, lv = pts[-1]
        body.append(_text(sx(ly) + 8, sy(lv) - 8, f"reported {fmt_value(lv)} ({ly})", fill=TEXT))
    # Legend in words, below the year axis.
    ly0 = height - 14
    body.append(
        f'<line x1="{left}" y1="{ly0 - 4}" x2="{left + 24}" y2="{ly0 - 4}" '
        f'stroke="{PATH_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    body.append(_text(left + 30, ly0, "expected path (baseline to target)", fill=TEXT))
    lx = left + 280
    body.append(
        f'<line x1="{lx}" y1="{ly0 - 4}" x2="{lx + 24}" y2="{ly0 - 4}" stroke="{colour}" '
        'stroke-width="2"/>'
    )
    body.append(_text(lx + 30, ly0, "reported values", fill=TEXT))
    n = len(pts)
    desc = (
        f"Dashed line: the expected path from {fmt_value(path.baseline_value)} in "
        f"{path.baseline_year} to {fmt_value(path.target_value)} in {path.target_year}. "
        f"Solid line: {n} reported value{'s' if n != 1 else ''}"
        + (f", the latest {fmt_value(pts[-1][1])} in {pts[-1][0]}." if pts else ".")
        + " The table below gives every number."
    )
    return _svg(chart_id, width, height, title, desc, body, "chart-commitment")
