"""Server-side SVG of a city's ties: the ego network laid out by ``networkx``.

The drawing is readable without JavaScript and without colour: partnerships are solid lines,
co-memberships dashed, and every city is labelled; ``<title>`` and ``<desc>`` describe it.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext

from citydiplomacy.core.ties import ego_layout

WIDTH, HEIGHT, MARGIN = 720, 520, 90


def ego_svg(g: Any, center: int, *, title: str, limit: int = 30) -> str:
    """The SVG (a string) of ``center`` and its strongest ties; empty when it has none."""
    if center not in g or g.degree(center) == 0:
        return ""
    ego, pos = ego_layout(g, center, limit=limit)

    def xy(v: int) -> tuple[float, float]:
        x, y = pos[v]
        return (
            MARGIN + (x + 1) / 2 * (WIDTH - 2 * MARGIN),
            MARGIN / 2 + (y + 1) / 2 * (HEIGHT - MARGIN),
        )

    def name(v: int) -> str:
        return str(g.nodes[v].get("name", v))

    n_partners = sum(1 for v in ego.neighbors(center) if ego.edges[center, v]["partnership"])
    n_co = sum(1 for v in ego.neighbors(center) if not ego.edges[center, v]["partnership"])
    desc = gettext(
        "%(city)s in the middle with %(partners)d partner cities (solid lines) and %(co)d "
        "co-members of small networks (dashed lines) shown; lines between the other cities "
        "are partnerships among them."
    ) % {"city": name(center), "partners": n_partners, "co": n_co}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="ego-title ego-desc" class="ego-network">',
        f'<title id="ego-title">{escape(title)}</title>',
        f'<desc id="ego-desc">{escape(desc)}</desc>',
    ]
    for a, b, data in ego.edges(data=True):
        if center not in (a, b) and not data.get("partnership"):
            continue  # co-members are drawn joined to the centre only, against clutter
        (x1, y1), (x2, y2) = xy(a), xy(b)
        dash = "" if data.get("partnership") else ' stroke-dasharray="5 4"'
        width = 2.2 if center in (a, b) else 1.0
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="#4a5560" stroke-width="{width}"{dash}/>'
        )
    for v in ego.nodes:
        x, y = xy(v)
        own = v == center
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{9 if own else 5}" '
            f'fill="{"#0b2f52" if own else "#ffffff"}" stroke="#0b2f52" stroke-width="2"/>'
        )
        anchor = "start" if x < WIDTH - 140 else "end"
        dx = 10 if anchor == "start" else -10
        weight = ' font-weight="bold"' if own else ""
        parts.append(
            f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" font-size="13"'
            f'{weight} fill="#1b1f23">{escape(name(v))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
