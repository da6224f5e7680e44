"""City profiles in the browser: the city dashboard, the comparison and the cohort ranking.

Every page reads the current score snapshot (:func:`scoring.current_snapshot`): the dashboard
reads one :class:`CityScore` row (every year and node of the city, as JSON) plus a handful of
small queries, never one per KPI. Visibility follows :mod:`citydiplomacy.web.accounts.permissions`:
the public sees published city-years only (anything else is a 404, so unpublished data do not
reveal themselves); editors also see their own cities' unpublished years; analysts and the
secretariat see everything.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy

from citydiplomacy.core.frameworks import FrameworkTree
from citydiplomacy.reports.localise import framework_names
from citydiplomacy.web import target_sources
from citydiplomacy.web.cities.fields import city_form
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.forms import checks_query_text, validate_text
from citydiplomacy.web.indicators import charts, scoring, visibility
from citydiplomacy.web.indicators.charts import fmt, fmt_value
from citydiplomacy.web.indicators.memo import Memo
from citydiplomacy.web.indicators.models import (
    CityScore,
    CityYearScore,
    KpiValue,
    ScoreSnapshot,
    Status,
    headline_field,
)
from citydiplomacy.web.indicators.panels import dashboard_panels
from citydiplomacy.web.indicators.services import framework

#: Most cities on one comparison page.
MAX_COMPARE = 5
#: Rows per page of the ranking.
RANKING_PAGE_SIZE = 100
AUTOCOMPLETE_CSS = "css/autocomplete.css"
TRENDS = {
    "up": ("↑", gettext_lazy("improving")),
    "down": ("↓", gettext_lazy("worsening")),
    "flat": ("→", gettext_lazy("stable")),
    "": ("", gettext_lazy("no earlier year")),
}
STATUS_TEXT = {
    Status.VERIFIED.value: gettext_lazy("Verified"),
    Status.SELF_REPORTED.value: gettext_lazy("Self-reported"),
}
LEVEL_NAMES = {5: "index", 4: "dimension", 3: "sub-dimension", 2: "category", 1: "KPI"}


# ------------------------------------------------------------------ framework metadata
def framework_meta() -> FrameworkTree:
    """The current framework's tree as plain dicts (built once per framework), its names in
    the page's language where the framework ships them (``data/frameworks/<name>_<lang>.csv``,
    as the reports read them): "Économie", not "Economy", on a French page (issue 19 item 7)."""
    fw = framework()
    tree = fw.tree()
    lang = (translation.get_language() or "en").split("-")[0]
    if lang == "en":
        return tree
    key = (id(tree), lang)
    found = _LOCALISED_TREES.get(key)
    if found is None:
        names = framework_names(fw.name, lang)
        found = tree
        if names:
            found = dataclasses.replace(
                tree,
                name={c: names.get(c, n) for c, n in tree.name.items()},
                # a data point's own label ("3G") stays; a label that is the name follows it
                label={
                    c: names.get(c, lb) if lb == tree.name.get(c) else lb
                    for c, lb in tree.label.items()
                },
            )
        if len(_LOCALISED_TREES) > 16:
            _LOCALISED_TREES.clear()
        _LOCALISED_TREES[key] = found
    return found


#: Localised framework trees by (tree, language).
_LOCALISED_TREES: dict[tuple[int, str], FrameworkTree] = {}


def _results(
    snapshot: ScoreSnapshot, meta: FrameworkTree, nodes: dict[str, scoring.VisibleRecord]
) -> dict[str, scoring.NodeResult]:
    """One year's node records as :class:`scoring.NodeResult` (what
    :func:`scoring.city_profile` returns, built from a row we already read)."""
    return scoring.node_results(snapshot, meta, nodes)


# ------------------------------------------------------------------ small helpers
def _int(text: str | None) -> int | None:
    """An integer within the 32-bit range of our ids and years, else ``None``."""
    try:
        value = int(str(text).strip()[:12])
    except (TypeError, ValueError):
        return None
    return value if abs(value) <= 2**31 - 1 else None


_BAND_HTML: dict[tuple[int, str, str], str] = {}


def _band(code: int, label: str = "") -> dict[str, Any]:
    """A band as code, label and ready markup (swatch + text label, rendered once per band
    from ``_profile_band.html``: an include per table cell would dominate the page time)."""
    label = label or charts.band_text(code)
    key = (code, label, translation.get_language() or "")  # the label in the page's language
    html = _BAND_HTML.get(key)
    if html is None:
        html = render_to_string(
            "indicators/_profile_band.html", {"band_code": code, "band_label": label}
        ).strip()
        _BAND_HTML[key] = html
    return {"band_code": code, "band_label": label, "band_html": mark_safe(html)}


def _score_row(meta: FrameworkTree, code: str, res: scoring.NodeResult | None) -> dict[str, Any]:
    return {
        "code": code,
        "name": meta.name[code],
        "level": meta.level[code],
        "kind": LEVEL_NAMES.get(meta.level[code], ""),
        "score": None if res is None else res.score,
        "score_text": fmt(None if res is None else res.score),
        **_band(0 if res is None else res.band_code, "" if res is None else res.band),
        "reported": res is not None,
    }


def _value_text(
    meta: FrameworkTree, code: str, value: float | None, digits: int | None = None
) -> str:
    if value is not None and code in meta.yesno:
        return translation.gettext("yes") if value >= 0.5 else translation.gettext("no")
    return fmt_value(value, digits)


def _kpi_row(
    meta: FrameworkTree, code: str, res: scoring.NodeResult | None, status: str
) -> dict[str, Any]:
    arrow, trend = TRENDS.get("" if res is None else res.trend, ("", ""))
    source = "" if res is None else res.target_source
    value, target = (None, None) if res is None else (res.value, res.target)
    digits = charts.kpi_digits(value, target)
    return {
        **_score_row(meta, code, res),
        "name": meta.label[code],
        "definition": meta.definition[code],
        "unit": meta.unit[code],
        # One number of decimals for a KPI's value and target ("90.1" beside "81.0").
        "value_text": _value_text(meta, code, value, digits),
        "target_text": _value_text(meta, code, target, digits),
        "peer": source.startswith("peer"),
        "source": target_sources.source_text(source.removeprefix("peer: ").removeprefix("peer:")),
        "trend_arrow": arrow,
        "trend_text": trend,
        "status": status,
    }


def _kpi_status(meta: FrameworkTree, code: str, statuses: dict[str, str]) -> str:
    """A KPI's status; for a KPI with data points, summarised over them."""
    if code in statuses:
        return statuses[code]
    parts = {statuses[dp] for dp in meta.children.get(code, []) if dp in statuses}
    if not parts:
        return ""
    return parts.pop() if len(parts) == 1 else translation.gettext("Partly verified")


def _empty(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, {**context, "empty": True})


# ------------------------------------------------------------------ dashboard
def _tree(
    meta: FrameworkTree,
    results: dict[str, scoring.NodeResult],
    statuses: dict[str, str],
    reported: set[str],
) -> tuple[list[dict[str, Any]], list[charts.Bar]]:
    """Dimensions > sub-dimensions > categories > KPI rows, and the category chart's bars."""
    dimensions, bars = [], []
    for dim in meta.under(meta.root, 4):
        subs = []
        for sub in meta.under(dim, 3):
            bars.append(charts.Bar(f"{meta.name[dim]} · {meta.name[sub]}", header=True))
            cats = []
            for cat in meta.under(sub, 2):
                res = results.get(cat)
                score, band = (None, 0) if res is None else (res.score, res.band_code)
                bars.append(charts.Bar(meta.name[cat], score, band))
                kpis = []
                for kpi in meta.under(cat, 1):
                    status = _kpi_status(meta, kpi, statuses)
                    kpis.append(_kpi_row(meta, kpi, results.get(kpi), status))
                    kpis.extend(
                        _kpi_row(meta, dp, results[dp], statuses.get(dp, ""))
                        for dp in meta.children.get(kpi, [])
                        if dp in results
                    )
                cats.append({**_score_row(meta, cat, res), "kpis": kpis})
            subs.append({**_score_row(meta, sub, results.get(sub)), "categories": cats})
        dim_kpis = meta.under(dim, 1)
        coverage = {"reported": sum(k in reported for k in dim_kpis), "total": len(dim_kpis)}
        dimensions.append(
            {**_score_row(meta, dim, results.get(dim)), "subdimensions": subs, "coverage": coverage}
        )
    return dimensions, bars


def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """A city's profile for one year: results, KPI table, coverage and charts."""
    city = get_object_or_404(City.objects.select_related("country"), pk=pk)
    snapshot = scoring.current_snapshot()
    if snapshot is None:
        return _empty(request, "indicators/dashboard.html", {"city": city})
    year, years, published, public, show_status = profile_year(request, city, snapshot)
    # The tables and charts depend on the data and the kind of viewer, not on who asks:
    # built once per data version (memo.py), then about 1 ms instead of 40.
    key = (
        snapshot.pk,
        snapshot.data_version,
        snapshot.computed_at,
        getattr(snapshot, "seen_data_version", None),
        pk,
        city.name,  # a reloaded registry may rename a city without a new data version
        city.country.name,
        year,
        tuple(years),
        public,
        show_status,
        translation.get_language(),
    )
    part = _BODIES.get_or_build(
        key,
        lambda: _dashboard_body(
            snapshot, city, year, years, _nodes_by_year(snapshot, pk) or {}, public, show_status
        ),
    )
    # Rank and index among the published profiles alone for a viewer who may not see the
    # unpublished ones (else unpublished data would shape them).
    # Only analysts and the secretariat see the whole cohort's ranking; a city's editor sees the
    # public one too (the cohort's ranks would carry other cities' unpublished data).
    public_ranking = not visibility.sees_unpublished(request.user)
    row = CityYearScore.objects.filter(snapshot=snapshot, city_id=pk, year=year).first()
    headline = row.seen(public_ranking) if row is not None else None
    n_cohort = 0
    if headline is not None and headline["rank"] is not None:
        rank_field = headline_field("rank", public_ranking)
        n_cohort = CityYearScore.objects.filter(
            snapshot=snapshot, year=year, **{f"{rank_field}__isnull": False}
        ).count()
    context = {
        **part,
        "city": city,
        "year": year,
        "years": years,
        "snapshot": snapshot,
        "stale": scoring.is_stale(snapshot),
        "show_status": show_status,
        "published": year in published,
        "headline": headline,
        "n_cohort": n_cohort,
        "panels": dashboard_panels(request, city, year),
    }
    return render(request, "indicators/dashboard.html", context)


def profile_year(
    request: HttpRequest, city: City, snapshot: ScoreSnapshot
) -> tuple[int, list[int], set[int], bool, bool]:
    """The profile's year this viewer asks for (``?year=``, else the latest visible), the
    years it may see, the published ones, whether it sees the public figures only, and
    whether it sees the values' statuses: the dashboard's and its downloads' one selection.
    A city without a profile, or a year this viewer may not see, is a 404."""
    pk = city.pk
    scored = _SCORED_YEARS.get_or_build(
        (snapshot.pk, snapshot.data_version, snapshot.computed_at, pk),
        lambda: tuple(map(int, _nodes_by_year(snapshot, pk) or ())),
    )
    if not scored:
        raise Http404("no profile for this city")
    published = visibility.published_years(pk)
    years = visibility.visible_years(request.user, pk, scored, published=published)
    asked = request.GET.get("year")
    year = _int(asked) if asked else (years[-1] if years else None)
    if year is None or year not in years:
        raise Http404("no profile for this city and year")
    # Change, progress and trend of a viewer who may not see unpublished years come from
    # published years only (else they would reveal the unpublished values).
    public = not visibility.sees_unpublished(request.user, city)
    show_status = visibility.sees_unpublished(request.user, pk)
    return year, years, published, public, show_status


#: Rendered tables and charts of recent dashboards (keyed in :func:`dashboard`).
_BODIES: Memo[dict[str, Any]] = Memo(256)
#: The years a city was scored in, per snapshot: the page needs them on every request, and
#: decoding the city's stored score tree (about 120 kB of JSON) to list them cost 4 ms.
_SCORED_YEARS: Memo[tuple[int, ...]] = Memo(4096)


def _nodes_by_year(snapshot: ScoreSnapshot, city_id: int) -> dict[str, Any] | None:
    """The city's stored score tree of ``snapshot`` (per year, per node), or ``None``."""
    found: dict[str, Any] | None = (
        CityScore.objects.filter(snapshot=snapshot, city_id=city_id)
        .values_list("nodes", flat=True)
        .first()
    )
    return found


def profile_tables(
    snapshot: ScoreSnapshot,
    city: City,
    year: int,
    years: list[int],
    nodes_by_year: dict[str, Any],
    public: bool,
    show_status: bool,
) -> tuple[dict[str, Any], list[charts.Bar], list[tuple[int, float | None]]]:
    """The rows of a dashboard's tables (results, index per year, KPIs, coverage) as the
    page shows them, with the bars and the series of its two charts: the page's and its
    downloads' one reading of the score tree."""
    meta = framework_meta()
    pk = city.pk
    results = _results(snapshot, meta, scoring.visible_records(nodes_by_year[str(year)], public))
    # The status of every value of the city-year, in one query (never one per KPI).
    values = list(
        KpiValue.objects.filter(city_id=pk, year=year).values_list(
            "measure", "kpi", "status", "synthetic"
        )
    )
    statuses = {m: str(STATUS_TEXT.get(st, st)) for m, _, st, _ in values}
    reported = {k for _, k, _, _ in values if k in meta.level}
    synthetic = any(syn for *_, syn in values) or (
        KpiValue.objects.filter(city_id=pk, year__in=years, synthetic=True).exists()
    )
    dimensions, bars = _tree(meta, results, statuses, reported)
    all_kpis = meta.under(meta.root, 1)
    labels = snapshot.provenance.get("band_labels", [])
    series, series_rows = [], []
    for y in years:
        stored = nodes_by_year[str(y)].get(meta.root)
        root = None if stored is None else scoring.NodeRecord.from_stored(stored)
        score, band = (None, 0) if root is None else (root.score, root.band)
        series.append((y, score))
        series_rows.append(
            {"year": y, "score_text": fmt(score), **_band(band or 0, labels[band] if band else "")}
        )
    context = {
        "city": city,
        "year": year,
        "show_status": show_status,
        "synthetic": synthetic,
        "index": _score_row(meta, meta.root, results.get(meta.root)),
        "dimensions": dimensions,
        "coverage": {
            "reported": len(reported),
            "total": len(all_kpis),
            "missing_core": [
                {"code": k, "name": meta.name[k], "category": meta.name[meta.parent[k]]}
                for k in all_kpis
                if k in meta.core and k not in reported
            ],
            "n_core": sum(k in meta.core for k in all_kpis),
        },
        "series_rows": series_rows,
    }
    return context, bars, series


def _dashboard_body(
    snapshot: ScoreSnapshot,
    city: City,
    year: int,
    years: list[int],
    nodes_by_year: dict[str, Any],
    public: bool,
    show_status: bool,
) -> dict[str, Any]:
    """What a dashboard shows that depends on the data, the city-year and the kind of viewer
    only: the results, KPI and coverage tables and the charts (rendered), and the summary."""
    context, bars, series = profile_tables(
        snapshot, city, year, years, nodes_by_year, public, show_status
    )
    series_rows = context["series_rows"]
    dimensions = context["dimensions"]
    place = f"{city.local_name} ({city.country.name})"
    context = {
        **context,
        "category_chart": charts.hbar_chart(
            bars,
            chart_id="chart-categories",
            title=translation.gettext("Category scores of %(place)s, %(year)s")
            % {"place": place, "year": year},
            desc=translation.gettext(
                "Horizontal bars: each category's score in percent of the maximum points, "
                "coloured by its U4SSC band and labelled with the score and the band. "
                "The table “Results by dimension” above gives the same numbers."
            ),
        ),
        "index_chart": charts.line_chart(
            series,
            chart_id="chart-index-years",
            title=translation.gettext("U4SSC index of %(place)s over the years") % {"place": place},
            desc=translation.gettext(
                "Line chart of the index score (percent of the maximum points) per year, "
                "over shaded band ranges: %(points)s. The table next to it gives the same "
                "numbers."
            )
            % {
                "points": "; ".join(
                    f"{r['year']}: {r['score_text']} ({charts.label_text(r['band_label'])})"
                    for r in series_rows
                )
            },
        ),
    }
    body = mark_safe(render_to_string("indicators/_profile_body.html", context))
    return {
        "body": body,
        "synthetic": context["synthetic"],
        "index": context["index"],
        "coverage": context["coverage"],
        "toc": [{"code": d["code"], "name": d["name"]} for d in dimensions],
    }


# ------------------------------------------------------------------ compare
def _compare_ids(query: QueryDict, problems: list[str]) -> tuple[list[int], Any]:
    """City ids asked for in ``query`` (order kept, duplicates dropped) and the city picker of
    the city to add (the one every form uses: a typed name that matches one city is taken,
    several are offered to choose from); each problem found is added to ``problems``."""
    ids: list[int] = []
    tokens = [t for t in query.getlist("city") if t.strip()]
    for token in tokens:
        pk = _int(token)
        if pk is None or pk <= 0:
            problems.append(
                gettext("“%(token)s” is not a city id (a GeoNames id is a number).")
                % {"token": token[:60]}
            )
        elif pk not in ids:
            ids.append(pk)
    asked = bool(query.get("add", "").strip() or query.get("add_id", "").strip())
    picker = city_form(
        query if asked else None, name="add", label=gettext_lazy("Add a city"), required=False
    )
    # ``n`` = cities already on the page: from a link made before the picker, one more
    # non-empty ``city`` means it carries the choice and the typed text is only its label.
    before = _int(query.get("n"))
    if asked and (before is None or len(tokens) <= before):
        if picker.is_valid():
            pk = picker.cleaned_data["add"]
            if pk is not None and pk not in ids:
                ids.append(pk)
            # Added: the picker is empty again for the next city.
            picker = city_form(None, name="add", label=gettext_lazy("Add a city"), required=False)
        else:
            problems.extend(str(e) for e in picker.errors.get("add", []))
    return ids, picker


#: The query parameters the comparison reads: city ids, the picker's text and choice, the
#: number of cities already on the page, the year.
_COMPARE_PARAMETERS = ("city", "add", "add_id", "n", "year")


def _checked_query(request: HttpRequest) -> tuple[QueryDict, list[str]]:
    """The comparison's query without any value holding a character no text may hold
    (:func:`~citydiplomacy.web.forms.validate_text`), and a problem per value left out, so
    that the page says what was wrong instead of a bare 400 and keeps the rest."""
    query = request.GET.copy()
    problems: list[str] = []
    for key in _COMPARE_PARAMETERS:
        kept = []
        for value in query.getlist(key):
            try:
                validate_text(value)
            except DjangoValidationError as exc:
                problems.extend(exc.messages)
            else:
                kept.append(value)
        query.setlist(key, kept)
    return query, problems


@checks_query_text
def compare(request: HttpRequest) -> HttpResponse:
    """Up to five cities side by side for one year."""
    context = compare_context(request)
    status = 400 if context.get("refused_text") else 200
    return render(request, "indicators/compare.html", context, status=status)


def compare_context(request: HttpRequest) -> dict[str, Any]:
    """What the comparison page shows this viewer for the request's cities and year (the
    page and its CSV and XLSX exports read the same)."""
    query, problems = _checked_query(request)
    refused_text = bool(problems)  # only refused characters so far
    ids, picker = _compare_ids(query, problems)
    ids = ids[: 10 * MAX_COMPARE]  # a bound on what one request looks up
    found = City.objects.select_related("country").in_bulk(ids)
    problems.extend(
        gettext("There is no city with GeoNames id %(id)s in the registry.") % {"id": pk}
        for pk in ids
        if pk not in found
    )
    cities = [found[pk] for pk in ids if pk in found]
    if len(cities) > MAX_COMPARE:
        problems.append(
            gettext(
                "You can compare at most %(max)s cities at a time; %(asked)s were asked for. "
                "The first %(max)s are shown: remove one to add another."
            )
            % {"max": MAX_COMPARE, "asked": len(cities)}
        )
        cities = cities[:MAX_COMPARE]
        found = {c.pk: c for c in cities}
    context: dict[str, Any] = {
        "cities": cities,
        "problems": problems,
        "refused_text": refused_text,
        "max_compare": MAX_COMPARE,
        "picker": picker,
        "autocomplete_css": finders.find(AUTOCOMPLETE_CSS) is not None,
    }
    snapshot = scoring.current_snapshot() if cities else None
    if snapshot is None:
        return {**context, "no_data": bool(cities), "empty": True}
    rows = dict(
        CityScore.objects.filter(snapshot=snapshot, city_id__in=found).values_list(
            "city_id", "nodes"
        )
    )
    published = visibility.published_years_of(found)
    visible = {
        c.pk: set(
            visibility.visible_years(
                request.user, c.pk, map(int, rows.get(c.pk, {})), published=published[c.pk]
            )
        )
        for c in cities
    }
    all_years = sorted(set().union(*visible.values()))
    common = sorted(set.intersection(*visible.values())) if visible else []
    asked_year = query.get("year")
    year = _int(asked_year)
    if year not in all_years:
        if asked_year:
            problems.append(gettext("No city here has a profile for the year asked for."))
        pool = common or all_years
        year = pool[-1] if pool else None
    meta = framework_meta()
    shown, missing = [], []
    for c in cities:
        if year in visible[c.pk]:
            public = not visibility.sees_unpublished(request.user, c)
            records = scoring.visible_records(rows[c.pk][str(year)], public)
            shown.append((c, _results(snapshot, meta, records)))
        else:
            missing.append(c)
    public_ranking = not visibility.sees_unpublished(request.user)
    heads = {
        h.city_id: h.seen(public_ranking)
        for h in CityYearScore.objects.filter(
            snapshot=snapshot, year=year or 0, city_id__in=[c.pk for c, _ in shown]
        )
    }

    def line(code: str, kpi: bool = False) -> dict[str, Any]:
        cells = []
        # One number of decimals across the cities of a KPI's row.
        digits = charts.kpi_digits(*(getattr(res.get(code), "value", None) for _, res in shown))
        for _, res in shown:
            r = res.get(code)
            cell = _score_row(meta, code, r)
            if kpi:
                cell["value_text"] = _value_text(meta, code, None if r is None else r.value, digits)
            cells.append(cell)
        return {
            "code": code,
            "name": meta.label[code] if kpi else meta.name[code],
            "level": meta.level[code],
            "unit": meta.unit[code],
            "cells": cells,
        }

    root = meta.root
    summary = [line(root)]
    kpi_groups = []
    for dim in meta.under(root, 4):
        summary.append(line(dim))
        for sub in meta.under(dim, 3):
            summary.append(line(sub))
            for cat in meta.under(sub, 2):
                summary.append(line(cat))
                kpis = []
                for kpi in meta.under(cat, 1):
                    kpis.append(line(kpi, kpi=True))
                    kpis.extend(line(dp, kpi=True) for dp in meta.children.get(kpi, []))
                kpi_groups.append({"name": meta.name[cat], "rows": kpis})
    dims = meta.under(root, 4)
    series = [
        charts.Series(
            f"{c.local_name} ({c.country.pk})",
            [None if (r := res.get(d)) is None else r.score for d in dims],
        )
        for c, res in shown
    ]
    synthetic = (
        bool(shown)
        and KpiValue.objects.filter(
            city_id__in=[c.pk for c, _ in shown], year=year or 0, synthetic=True
        ).exists()
    )
    context.update(
        year=year,
        years=all_years,
        shown=[{"city": c, "head": heads.get(c.pk)} for c, _ in shown],
        missing=missing,
        summary=summary,
        kpi_groups=kpi_groups,
        synthetic=synthetic,
        chart=charts.grouped_bar_chart(
            [meta.name[d] for d in dims],
            series,
            chart_id="chart-compare",
            title=translation.gettext("Dimension scores, %(year)s") % {"year": year},
            desc=translation.gettext(
                "Grouped bars: for each dimension one numbered bar per city (see the legend), "
                "the score in percent of the maximum points written above it."
            )
            + " "
            + "; ".join(
                f"{s.label}: "
                + ", ".join(f"{meta.name[d]} {fmt(v)}" for d, v in zip(dims, s.values, strict=True))
                for s in series
            ),
        )
        if shown
        else None,
    )
    return context


# ------------------------------------------------------------------ ranking
def ranking(request: HttpRequest) -> HttpResponse:
    """The cohort ranking of a year, with each city's rank interval."""
    snapshot = scoring.current_snapshot()
    if snapshot is None:
        return _empty(request, "indicators/ranking.html", {})
    visible_q = visibility.visible_rows(request.user)
    base = CityYearScore.objects.filter(snapshot=snapshot)
    if visible_q is not None:
        base = base.filter(visible_q)
    years = sorted(set(base.values_list("year", flat=True).distinct()))
    if not years:
        return _empty(request, "indicators/ranking.html", {"nothing_visible": True})
    year = _int(request.GET.get("year"))
    if year not in years:
        if request.GET.get("year"):
            raise Http404("no ranking visible for this year")
        year = years[-1]
        if visible_q is not None:
            # An editor sees their own cities' unpublished years, but the ranking to open
            # on is the latest one with published profiles.
            year = visibility.latest_published_year(years) or year
    # Whoever may not see every unpublished profile gets the public ranking: the index and
    # ranks of the published profiles alone.
    public_ranking = visible_q is not None
    rank_field = headline_field("rank", public_ranking)
    rows_qs = (
        base.filter(year=year)
        .select_related("city__country")
        .order_by(F(rank_field).asc(nulls_last=True), "city__name")
    )
    n_cohort = CityYearScore.objects.filter(
        snapshot=snapshot, year=year, **{f"{rank_field}__isnull": False}
    ).count()
    page = Paginator(rows_qs, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    labels = snapshot.provenance.get("band_labels", [])
    rows = []
    for i, r in enumerate(page.object_list):
        seen = r.seen(public_ranking)
        code = labels.index(r.band) if r.band in labels else 0
        label = f"{r.city.local_name} ({r.city.country_id})"
        rows.append(
            {
                "row": r,
                **_band(code, r.band),
                "score_text": fmt(seen["score"]),
                "rank_text": fmt(seen["rank"], 0),
                "interval_text": (
                    f"{fmt(seen['rank_low'], 0)}–{fmt(seen['rank_high'], 0)}"
                    if seen["rank_low"] is not None and seen["rank_high"] is not None
                    else translation.gettext("not computed")
                ),
                "median_text": fmt(seen["rank_median"], 0),
                "coverage_pct": fmt(100 * r.n_reported / r.n_measures if r.n_measures else None, 0),
                "svg": charts.interval_chart(
                    chart_id=f"rank-interval-{i}",
                    label=label,
                    rank=seen["rank"],
                    low=seen["rank_low"],
                    median=seen["rank_median"],
                    high=seen["rank_high"],
                    n=n_cohort,
                ),
            }
        )
    synthetic = KpiValue.objects.filter(
        year=year, synthetic=True, city_id__in=base.filter(year=year).values("city_id")
    ).exists()
    context = {
        "snapshot": snapshot,
        "stale": scoring.is_stale(snapshot),
        "sensitivity": snapshot.sensitivity,
        "year": year,
        "years": years,
        "rows": rows,
        "page": page,
        "n_shown": page.paginator.count,
        "n_cohort": n_cohort,
        "synthetic": synthetic,
        "public_view": visible_q is not None,
    }
    return render(request, "indicators/ranking.html", context)
