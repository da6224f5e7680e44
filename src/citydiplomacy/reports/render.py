"""Render a profile's content (a :class:`~citydiplomacy.reports.content.Report`, made by
:func:`citydiplomacy.reports.assemble.build_report`) as a
standalone HTML document, a PDF (A4, tagged, printed by headless Chromium) or JSON.

The HTML embeds its stylesheet and every chart (inline SVG), so it makes no request when
opened; the PDF is printed from the same HTML (:mod:`citydiplomacy.reports.pdf`), with fonts
from the system only.
"""

from __future__ import annotations

import gettext
import json
import math
from datetime import date
from functools import lru_cache
from importlib import resources

import jinja2
from markupsafe import Markup, escape

from citydiplomacy.core.ticks import kpi_digits
from citydiplomacy.reports.content import Report
from citydiplomacy.reports.i18n import Formatter, translations
from citydiplomacy.reports.localise import localise
from citydiplomacy.reports.pdf import PdfPrinter, print_pdf
from citydiplomacy.reports.wheel import band_fill, wheel_svg

FORMATS = ("html", "pdf", "json")
#: Series colours of the trend chart (Okabe-Ito, colour-blind safe); lines are also labelled.
SERIES_COLOURS = ("#000000", "#0072b2", "#d55e00", "#009e73", "#cc79a7")


def band_labels(t: gettext.NullTranslations) -> dict[int, str]:
    """Text of each band (translated)."""
    return {
        0: t.gettext("not scored"),
        1: t.gettext("less than 33% of target"),
        2: t.gettext("33–66% of target"),
        3: t.gettext("66–95% of target"),
        4: t.gettext("95% of target or more"),
    }


def trend_labels(t: gettext.NullTranslations) -> dict[str, tuple[str, str]]:
    """Arrow and word of each trend code (translated)."""
    return {
        "up": ("↑", t.gettext("improving")),
        "down": ("↓", t.gettext("worsening")),
        "flat": ("→", t.gettext("stable")),
        "": ("", t.gettext("no earlier year")),
    }


def status_labels(t: gettext.NullTranslations) -> dict[str, str]:
    return {
        "verified": t.gettext("verified"),
        "self_reported": t.gettext("self-reported"),
        "partly_verified": t.gettext("partly verified"),
        "": "",
    }


def reason_labels(t: gettext.NullTranslations) -> dict[str, str]:
    return {
        "band": t.gettext("low band"),
        "worsening": t.gettext("worsening since the previous year"),
        "off_track": t.gettext("moving away from its target"),
    }


def kind_labels(t: gettext.NullTranslations) -> dict[str, str]:
    """Names of the framework's levels (translated)."""
    return {
        "data point": t.gettext("data point"),
        "KPI": t.gettext("KPI"),
        "category": t.gettext("category"),
        "sub-dimension": t.gettext("sub-dimension"),
        "dimension": t.gettext("dimension"),
        "": t.gettext("index"),
    }


def income_labels(t: gettext.NullTranslations) -> dict[str, str]:
    return {
        "L": t.gettext("low income"),
        "LM": t.gettext("lower-middle income"),
        "UM": t.gettext("upper-middle income"),
        "H": t.gettext("high income"),
    }


@lru_cache(maxsize=8)
def environment(lang: str) -> jinja2.Environment:
    """The Jinja2 environment of one language (gettext installed, autoescaping on)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("citydiplomacy.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    t = translations(lang)
    env.install_gettext_translations(t, newstyle=True)  # type: ignore[attr-defined]
    f = Formatter(lang)
    bands = band_labels(t)
    trends = trend_labels(t)
    statuses = status_labels(t)
    env.filters.update(
        num=f.number,
        css_string=css_string,
        val=f.value,
        pct=f.percent,
        signed=f.signed,
        country=f.country,
        band_label=lambda b: bands.get(int(b), bands[0]),
        trend_arrow=lambda code: trends.get(code or "", trends[""])[0],
        trend_text=lambda code: trends.get(code or "", trends[""])[1],
        status=lambda s: statuses.get(s, s),
        band_fill=lambda b: band_fill(int(b))[0],
        band_ink=lambda b: band_fill(int(b))[1],
        reason=lambda r: reason_labels(t).get(r, r),
        kind=lambda k: kind_labels(t).get(k, k),
        income=lambda g: income_labels(t).get(g or "", t.gettext("unknown income group")),
    )
    env.globals["lang"] = lang
    return env


def css_string(text: object) -> Markup:
    """``text`` as a CSS string literal, safe inside a ``<style>`` element (no ``</style>``,
    no line break, quotes and backslashes escaped)."""
    # Jinja's ``~`` escapes plain strings joined to translated (Markup) text: undo that.
    plain = text.unescape() if isinstance(text, Markup) else str(text)
    out = []
    for ch in plain:
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')


def _stylesheet() -> str:
    return (resources.files("citydiplomacy.reports") / "templates" / "report.css").read_text(
        encoding="utf-8"
    )


def _value_text(
    f: Formatter,
    t: gettext.NullTranslations,
    x: float | None,
    yesno: bool,
    digits: int | None = None,
) -> str:
    """A KPI's value (or target) as the report writes it: yes/no, a number, or a dash."""
    if x is None:
        return "–"
    if yesno:
        return t.gettext("yes") if x >= 0.5 else t.gettext("no")
    return f.value(x) if digits is None else f.number(x, digits)


def _row_digits(value: float | None, target: float | None) -> int:
    """One number of decimals for a KPI's value and target (not "91.6" beside "88.14")."""
    return kpi_digits(value, target)


def _short(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters with an ellipsis (labels; the desc has the full name)."""
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def trend_chart(report: Report, lang: str) -> Markup | None:
    """A line chart of the index and the dimensions over the years (``None`` for one year)."""
    t = translations(lang)
    f = Formatter(lang)
    trends = report.trends
    years = trends.years
    rows = [r for r in trends.rows if r.level >= 4][: len(SERIES_COLOURS)]
    if len(years) < 2 or not rows:
        return None
    w, h, left, right, top, bottom = 640, 300, 44, 200, 16, 30
    shown = [v for row in rows for v in row.scores if v is not None]
    # The axis starts at a round number below the lowest score, so changes stay visible.
    low = max(0.0, min(math.floor(min(shown, default=0.0) / 10) * 10 - 10, 80.0))

    def sx(i: int) -> float:
        return left + (w - left - right) * i / (len(years) - 1)

    def sy(v: float) -> float:
        return top + (h - top - bottom) * (1 - (v - low) / (100 - low))

    out = []
    step = 10 if 100 - low <= 50 else 20
    for v in range(int(low), 101, step):
        out.append(
            f'<line x1="{left}" x2="{w - right}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" '
            f'stroke="#d0d0d0" stroke-width="0.8"/>'
            f'<text x="{left - 6}" y="{sy(v):.1f}" font-size="9" text-anchor="end" '
            f'dominant-baseline="central" fill="#333">{f.number(v, 0)}</text>'
        )
    for i, year in enumerate(years):
        out.append(
            f'<text x="{sx(i):.1f}" y="{h - 10}" font-size="9" text-anchor="middle" '
            f'fill="#333">{year}</text>'
        )
    words = []
    label_y: list[float] = []
    for k, row in enumerate(rows):
        colour = SERIES_COLOURS[k]
        pts = [(sx(i), sy(v)) for i, v in enumerate(row.scores) if v is not None]
        dash = "" if k == 0 else f' stroke-dasharray="{2 + 2 * k},{2}"'
        if len(pts) > 1:
            d = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(
                f'<polyline points="{d}" fill="none" stroke="{colour}" '
                f'stroke-width="{2.5 if k == 0 else 1.8}"{dash}/>'
            )
        for x, y in pts:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="{colour}"/>')
        if pts:
            ly = pts[-1][1]
            while any(abs(ly - o) < 11 for o in label_y):
                ly += 11
            label_y.append(ly)
            out.append(
                f'<text x="{w - right + 8}" y="{ly:.1f}" font-size="9.5" fill="{colour}" '
                f'dominant-baseline="central">{escape(_short(row.name, 34))}'
                "</text>"
            )
        words.append(
            f"{row.name}: "
            + ", ".join(f"{y} {f.number(v)}" for y, v in zip(years, row.scores, strict=True))
        )
    title = t.gettext("Scores over the years")
    desc = (
        t.gettext(
            "Line chart of the index and dimension scores (percent of the maximum points) "
            "per year; each line is labelled at its end. The vertical axis starts at %(low)s."
        )
        % {"low": f.number(low, 0)}
        + " "
        + "; ".join(words)
        + "."
    )
    esc = escape
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" '
        f'class="trend-chart" aria-labelledby="trend-title trend-desc" '
        f'font-family="Liberation Sans, Arial, DejaVu Sans, sans-serif">'
        f'<title id="trend-title">{esc(title)}</title><desc id="trend-desc">{esc(desc)}</desc>'
        + "".join(out)
        + "</svg>"
    )


def render_html(report: Report, lang: str = "en", *, for_pdf: bool = False) -> str:
    """The report as a standalone HTML document in ``lang``."""
    report = localise(report, lang)  # framework and city names in the report's language
    env = environment(lang)
    t = translations(lang)
    f = Formatter(lang)
    bands = band_labels(t)
    city = report.city
    place = f"{city.name} ({f.country(city.country)})"
    wheel = wheel_svg(
        report.dimensions,
        report.index,
        title=t.gettext("Benchmarking wheel of %(place)s, %(year)s")
        % {"place": place, "year": report.year},
        desc_intro=t.gettext(
            "Three rings from the centre: dimensions, sub-dimensions and categories, each "
            "coloured by its band and labelled B1 (lowest) to B4 (highest); the centre gives "
            "the index score in percent of the maximum points."
        ),
        band_label=lambda b: bands.get(b, bands[0]),
        score_text=lambda s: f.number(s),
    )
    values = {
        row.code: {
            "value": _value_text(f, t, row.value, row.yesno, _row_digits(row.value, row.target)),
            "target": _value_text(f, t, row.target, row.yesno, _row_digits(row.value, row.target)),
        }
        for row in report.kpi_rows()
    }
    guidance_values = {
        g.node: {p.key: _value_text(f, t, p.value, g.yesno) for p in g.peers}
        for g in report.guidance
    }
    return env.get_template("report.html.j2").render(
        r=report,
        place=place,
        css=Markup(_stylesheet()),
        wheel=Markup(wheel),
        trend_chart=trend_chart(report, lang),
        values=values,
        guidance_values=guidance_values,
        generated=f.date(date.today()),
        for_pdf=for_pdf,
        band_codes=(1, 2, 3, 4),
        isnan=lambda x: x is None or (isinstance(x, float) and math.isnan(x)),
    )


def pdf_html(report: Report, lang: str = "en") -> str:
    """The HTML that is printed to PDF: the report's, with the print rules of the PDF."""
    # Babel's French numbers use U+202F (narrow no-break space), which Liberation Sans lacks:
    # the browser would set those spaces in a fallback font. U+00A0 keeps the number together
    # just as well and is in the font.
    return render_html(report, lang, for_pdf=True).replace("\u202f", "\u00a0")


def render_pdf(report: Report, lang: str = "en", *, printer: PdfPrinter | None = None) -> bytes:
    """The report as a tagged A4 PDF, printed by ``printer`` (else by a browser started for
    it; about 0.5 s more)."""
    html = pdf_html(report, lang)
    return printer.print(html) if printer is not None else print_pdf(html)


def render_json(report: Report) -> str:
    """The report's content as JSON."""
    return json.dumps(report.to_data(), ensure_ascii=False, indent=1, default=str) + "\n"


def render(
    report: Report, fmt: str, lang: str = "en", *, printer: PdfPrinter | None = None
) -> bytes:
    """The report in ``fmt`` (``html``, ``pdf`` or ``json``) as bytes; a PDF is printed by
    ``printer`` when one is given."""
    if fmt == "pdf":
        return render_pdf(report, lang, printer=printer)
    if fmt == "html":
        return render_html(report, lang).encode("utf-8")
    if fmt == "json":
        return render_json(report).encode("utf-8")
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
