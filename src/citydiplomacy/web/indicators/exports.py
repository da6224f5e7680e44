"""Downloads of the tables the pages show, as CSV or XLSX (issue 19, item 2).

An export holds exactly the rows the page shows to the same viewer with the same filters (all
pages of them, not one), through the project's spreadsheet guard
(:func:`citydiplomacy.io.safe_text.safe_frame`) and its writer
(:func:`citydiplomacy.io.writers.write_table`). Visibility is the pages' own rule
(:mod:`citydiplomacy.web.indicators.visibility`): unpublished data never reach a viewer who
may not see them, in a page or in a file.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.downloads import FORMATS as FORMATS
from citydiplomacy.web.downloads import table_response as table_response
from citydiplomacy.web.forms import validate_text
from citydiplomacy.web.indicators import scoring, services, visibility
from citydiplomacy.web.indicators.models import (
    CityYearScore,
    KpiValue,
    KpiValueChange,
    Status,
    headline_field,
)
from citydiplomacy.web.indicators.views_profiles import (
    _nodes_by_year,
    compare_context,
    profile_tables,
    profile_year,
)

RANKING_COLUMNS = (
    "rank",
    "city",
    "country",
    "geonames_id",
    "year",
    "score",
    "band",
    "rank_low",
    "rank_median",
    "rank_high",
    "kpis_reported",
    "kpis_in_framework",
    "ranking",
)


def ranking_frame(request: HttpRequest) -> tuple[pd.DataFrame, int | None]:
    """Every row of the ranking page for this viewer and ``?year=`` (all pages), and the year.

    The same selection as :func:`views_profiles.ranking`: the rows the viewer may see, the
    public ranking (published profiles alone) for whoever may not see every unpublished one.
    """
    return _ranking_frame(request.user, request.GET.get("year", ""))


def _ranking_frame(user: Any, raw_year: str) -> tuple[pd.DataFrame, int | None]:
    snapshot = scoring.current_snapshot()
    columns = list(RANKING_COLUMNS)
    if snapshot is None:
        return pd.DataFrame(columns=columns), None
    visible_q = visibility.visible_rows(user)
    base = CityYearScore.objects.filter(snapshot=snapshot)
    if visible_q is not None:
        base = base.filter(visible_q)
    years = sorted(set(base.values_list("year", flat=True).distinct()))
    if not years:
        return pd.DataFrame(columns=columns), None
    year = (
        int(raw_year) if raw_year.isascii() and raw_year.isdigit() and len(raw_year) <= 4 else None
    )
    if year not in years:
        if raw_year:
            raise Http404("no ranking visible for this year")
        year = years[-1]
        if visible_q is not None:
            year = visibility.latest_published_year(years) or year
    public = visible_q is not None
    rank_field = headline_field("rank", public)
    rows: list[dict[str, Any]] = []
    ordered = (
        base.filter(year=year)
        .select_related("city__country")
        .order_by(F(rank_field).asc(nulls_last=True), "city__name")
    )
    for r in ordered:
        seen = r.seen(public)
        rows.append(
            {
                "rank": seen["rank"],
                "city": r.city.name,
                "country": r.city.country_id,
                "geonames_id": r.city_id,
                "year": r.year,
                "score": seen["score"],
                "band": r.band,
                "rank_low": seen["rank_low"],
                "rank_median": seen["rank_median"],
                "rank_high": seen["rank_high"],
                "kpis_reported": r.n_reported,
                "kpis_in_framework": r.n_measures,
                "ranking": "published profiles" if public else "whole cohort",
            }
        )
    return pd.DataFrame(rows, columns=columns), year


@require_GET
def ranking_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """``/ranking/export.csv|xlsx?year=``: the ranking as the page shows it to this viewer."""
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")
    frame, year = ranking_frame(request)
    return table_response(frame, fmt, f"ranking-{year or 'none'}")


def compare_frame(context: dict[str, Any]) -> pd.DataFrame:
    """The comparison page's two tables as one table, cell for cell as the page shows them:
    the rank row and the results (score and band per city), then the KPIs by category
    (value and band per city; "not reported" where the page says so)."""
    shown = context.get("shown") or []
    labels = [f"{s['city'].name} ({s['city'].country_id})" for s in shown]
    columns = ["table", "group", "code", "name", "unit", "year"]
    for label in labels:
        columns += [label, f"{label}: band"]
    year = context.get("year")
    rows: list[list[Any]] = []
    if shown:
        rank = ["results", "", "", "Rank in the cohort (composite index)", "", year]
        for s in shown:
            head = s["head"] or {}
            text = "–"
            if head.get("rank"):
                text = f"{head['rank']:.0f}"
                if head.get("rank_low") is not None:
                    text += f" ({head['rank_low']:.0f}–{head['rank_high']:.0f})"
            rank += [text, ""]
        rows.append(rank)
    for r in context.get("summary") or []:
        row = ["results", "", r["code"], r["name"], "", year]
        for c in r["cells"]:
            shows_band = c["reported"] and c["band_code"]
            row += [c["score_text"], c["band_label"] if shows_band else ""]
        rows.append(row)
    for g in context.get("kpi_groups") or []:
        for r in g["rows"]:
            row = ["KPIs", g["name"], r["code"], r["name"], r["unit"], year]
            for c in r["cells"]:
                if c["value_text"] != "–" or c["reported"]:
                    row += [c["value_text"], c["band_label"] if c["band_code"] else ""]
                else:
                    row += ["not reported", ""]
            rows.append(row)
    return pd.DataFrame(rows, columns=columns)


@require_GET
def compare_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """``/compare/export.csv|xlsx?city=..&year=``: the comparison as the page shows it to this
    viewer (its cities, its year, the years this viewer may see)."""
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")
    context = compare_context(request)
    name = f"comparison-{context.get('year') or 'none'}"
    return table_response(compare_frame(context), fmt, name)


#: A city profile's tables and their columns (the page's, one row per row it shows).
PROFILE_TABLES: dict[str, tuple[str, ...]] = {
    "results": ("city", "geonames_id", "year", "level", "code", "name", "score", "band"),
    "years": ("city", "geonames_id", "year", "score", "band"),
    "kpis": (
        "city",
        "geonames_id",
        "year",
        "dimension",
        "sub_dimension",
        "category",
        "code",
        "name",
        "data_point",
        "value",
        "unit",
        "target",
        "target_source",
        "band",
        "trend",
        "status",
    ),
    "coverage": ("city", "geonames_id", "year", "dimension", "kpis_reported", "kpis_in_framework"),
}


def profile_frame(context: dict[str, Any], table: str) -> pd.DataFrame:
    """One of a city profile's tables, cell for cell as the page shows it (the numbers as
    written there, "not scored" and "not reported" where it says so); the KPI tables of
    every category in one, each row with its dimension, sub-dimension and category."""
    city = context["city"]
    head = (city.name, city.pk, context["year"])
    not_scored = gettext("not scored")
    rows: list[tuple[Any, ...]] = []
    dimensions = context["dimensions"]
    if table == "results":
        index = context["index"]
        rows.append(
            (*head, "index", index["code"], index["name"], index["score_text"], index["band_label"])
        )
        for d in dimensions:
            nodes = [("dimension", d)]
            for sub in d["subdimensions"]:
                nodes.append(("sub-dimension", sub))
                nodes += [("category", c) for c in sub["categories"]]
            for level, n in nodes:
                band = n["band_label"] if n["reported"] else not_scored
                rows.append((*head, level, n["code"], n["name"], n["score_text"], band))
    elif table == "years":
        rows = [
            (city.name, city.pk, r["year"], r["score_text"], r["band_label"])
            for r in context["series_rows"]
        ]
    elif table == "kpis":
        for d in dimensions:
            for sub in d["subdimensions"]:
                for c in sub["categories"]:
                    for k in c["kpis"]:
                        where = (d["name"], sub["name"], c["name"], k["code"], k["name"])
                        if not k["reported"]:
                            rows.append(
                                (
                                    *head,
                                    *where,
                                    k["level"] == 0,
                                    gettext("not reported"),
                                    k["unit"],
                                    "",
                                    "",
                                    "",
                                    "",
                                    "",
                                )
                            )
                            continue
                        source = k["source"]
                        if k["peer"]:
                            source = f"{gettext('peer target')} {source}".strip()
                        rows.append(
                            (
                                *head,
                                *where,
                                k["level"] == 0,
                                k["value_text"],
                                k["unit"],
                                k["target_text"],
                                source,
                                k["band_label"] if k["band_code"] else not_scored,
                                str(k["trend_text"]),
                                k["status"],
                            )
                        )
    elif table == "coverage":
        rows = [
            (*head, d["name"], d["coverage"]["reported"], d["coverage"]["total"])
            for d in dimensions
        ]
        total = context["coverage"]
        rows.append((*head, gettext("All dimensions"), total["reported"], total["total"]))
    else:
        raise Http404("a profile's tables are results, years, kpis and coverage")
    return pd.DataFrame.from_records(rows, columns=list(PROFILE_TABLES[table]))


@require_GET
def profile_export(request: HttpRequest, pk: int, table: str, fmt: str) -> HttpResponse:
    """``/cities/<id>/profile/tables/<table>.csv|xlsx?year=``: one of a city profile's tables
    (``results``, ``years``, ``kpis`` or ``coverage``) as the page shows it to this viewer:
    the same year, the same years and figures it may see (a year it may not see is a 404,
    as the page)."""
    if table not in PROFILE_TABLES:
        raise Http404("a profile's tables are results, years, kpis and coverage")
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")
    city = get_object_or_404(City.objects.select_related("country"), pk=pk)
    snapshot = scoring.current_snapshot()
    if snapshot is None:
        raise Http404("no profile for this city")
    year, years, _, public, show_status = profile_year(request, city, snapshot)
    nodes = _nodes_by_year(snapshot, pk) or {}
    context, _, _ = profile_tables(snapshot, city, year, years, nodes, public, show_status)
    return table_response(profile_frame(context, table), fmt, f"profile-{city.pk}-{year}-{table}")


#: Shapes of an upload template: one row per value, or one row per city and year.
TEMPLATE_SHAPES = ("long", "wide")


def template_frame(city: City, year: int, shape: str) -> pd.DataFrame:
    """A blank upload template of the platform's framework for one city and year.

    Long: one row per KPI (or KPI data point) with an empty ``value`` (and ``source``) to
    fill; wide: one row with an empty column per KPI. The rows and columns are those the
    upload validation expects (:func:`services.check_file`), the city given by name, ISO
    country and GeoNames id; filled in, the file validates as it is.
    """
    from citydiplomacy.synthetic import synthetic_long, synthetic_wide

    cities = pd.DataFrame(
        {
            "city": [city.name],
            "country": [city.country_id],
            "geonames_id": pd.array([city.pk], dtype="Int64"),
            "population": [city.population or 100_000],
            "latitude": [city.latitude],
            "longitude": [city.longitude],
        }
    )
    fw = services.framework()
    # The structure of the synthetic generator's full-coverage output; its values are dropped.
    if shape == "long":
        frame = synthetic_long(fw, cities=cities, years=[year], coverage=1.0)
        frame = frame[["city", "country", "geonames_id", "year", "kpi", "data_point", "unit"]]
        frame = frame.assign(value="", source="")
        ordered = ["city", "country", "geonames_id", "year", "kpi", "data_point", "value"]
        return frame[[*ordered, "unit", "source"]].reset_index(drop=True)
    frame = synthetic_wide(fw, cities=cities, years=[year], coverage=1.0)
    ids = ["city", "country", "geonames_id", "year"]
    blank = {column: "" for column in frame.columns if column not in ids}
    return frame[ids].assign(**blank)[list(frame.columns)].reset_index(drop=True)


@require_GET
def upload_template(request: HttpRequest, pk: int, shape: str, fmt: str) -> HttpResponse:
    """``/cities/<id>/data/template-long|wide.csv|xlsx?year=``: a blank upload template (no
    data in it, so open to anyone; uploading stays for the city's editors)."""
    if shape not in TEMPLATE_SHAPES or fmt not in FORMATS:
        raise Http404("templates are long or wide, CSV or XLSX")
    city = get_object_or_404(City.objects.select_related("country"), pk=pk)
    raw = request.GET.get("year", "")
    year = (
        int(raw) if raw.isascii() and raw.isdigit() and len(raw) == 4 else timezone.now().year - 1
    )
    if not 1990 <= year <= 2100:
        raise Http404("a year from 1990 to 2100")
    frame = template_frame(city, year, shape)
    return table_response(frame, fmt, f"template-{shape}-{city.pk}-{year}")


def visible_score_years(user: Any) -> list[int]:
    """The years of the current ranking this viewer may see."""
    snapshot = scoring.current_snapshot()
    if snapshot is None:
        return []
    base = CityYearScore.objects.filter(snapshot=snapshot)
    visible_q = visibility.visible_rows(user)
    if visible_q is not None:
        base = base.filter(visible_q)
    return sorted(set(base.values_list("year", flat=True).distinct()))


DATA_DICTIONARY = (
    ("data.csv", "city", "City name (GeoNames)."),
    ("data.csv", "country", "ISO 3166-1 alpha-2 country code."),
    ("data.csv", "geonames_id", "GeoNames id of the city (https://www.geonames.org/<id>)."),
    ("data.csv", "year", "Year the value describes."),
    ("data.csv", "kpi", "KPI code of the framework (framework.csv)."),
    ("data.csv", "data_point", "Part of a multi-part KPI, when there is one."),
    ("data.csv", "value", "The value, in the unit of the framework."),
    ("data.csv", "(other columns)", "Unit, source, note, status as the city data page shows."),
    ("scores.csv", "rank", "Rank in the cohort of the year (1 best)."),
    ("scores.csv", "score", "Composite index score of the city and year."),
    ("scores.csv", "band", "U4SSC band of the index."),
    ("scores.csv", "rank_low", "Rank interval, lower end (sensitivity analysis, 5th pct)."),
    ("scores.csv", "rank_median", "Median rank over the sensitivity runs."),
    ("scores.csv", "rank_high", "Rank interval, upper end (95th percentile)."),
    ("scores.csv", "kpis_reported", "KPIs with a value for the city and year."),
    ("scores.csv", "kpis_in_framework", "KPIs of the framework."),
    ("scores.csv", "ranking", "'published profiles' (public ranking) or 'whole cohort'."),
    ("framework.csv", "(all columns)", "The framework's tree as the engine reads it."),
)
LICENCE = """citydiplomacy cohort bundle

KPI values: as submitted by the cities, or *synthetic demo data* where marked so (not real
observations). Scores: computed by citydiplomacy from these values (method in scores.csv's
ranking column and on the ranking page). City names, ids and coordinates: GeoNames
(https://www.geonames.org), CC BY 4.0: credit "GeoNames". Framework: U4SSC key performance
indicators (ITU, UNECE). Each source and its licence: SOURCES.md.

Only data this account may see are included: published profiles for the public.
"""


@require_GET
def cohort_bundle(request: HttpRequest) -> HttpResponse:
    """``/ranking/bundle.zip``: the cohort's data, scores, framework, data dictionary, licence
    and sources in one ZIP, holding only what this viewer may see."""
    import io
    import zipfile
    from importlib import resources

    from citydiplomacy.io.safe_text import safe_frame

    user = request.user
    data = export_frame(
        services.visible_values(user), with_submitters=permissions.can_view_unpublished(user)
    )
    scores = [_ranking_frame(user, str(year))[0] for year in visible_score_years(user)]
    score_frame = (
        pd.concat(scores, ignore_index=True) if scores else pd.DataFrame(columns=RANKING_COLUMNS)
    )
    dictionary = pd.DataFrame(DATA_DICTIONARY, columns=["file", "column", "meaning"])
    sources = (resources.files("citydiplomacy.data") / "SOURCES.md").read_text(encoding="utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, frame in (
            ("data.csv", data),
            ("scores.csv", score_frame),
            ("framework.csv", services.framework().to_table()),
            ("data_dictionary.csv", dictionary),
        ):
            bundle.writestr(name, safe_frame(frame).to_csv(index=False))
        bundle.writestr("LICENCE.txt", LICENCE)
        bundle.writestr("SOURCES.md", sources)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="citydiplomacy-cohort.zip"'
    return response


HISTORY_COLUMNS = (
    "change_id",
    "changed_at",
    "changed_by",
    "city",
    "country",
    "geonames_id",
    "year",
    "kpi",
    "action",
    "old_value",
    "new_value",
    "old_status",
    "new_status",
    "old_source",
    "new_source",
    "old_unit",
    "new_unit",
    "old_note",
    "new_note",
)


#: The longest KPI code (or data point code) stored: a longer filter matches nothing.
KPI_FILTER_MAX = KpiValueChange._meta.get_field("measure").max_length or 64


def kpi_filter(query: QueryDict) -> tuple[str, str | None]:
    """The history's KPI filter (a code or its beginning) from ``query``, and why it cannot
    be used, or ``None``: a text longer than any code is refused with a message (SQLite
    cannot even run a ``LIKE`` on 50,000 characters)."""
    raw = query.get("kpi", "")
    try:
        validate_text(raw)  # before the strip: a separator at an end is reported, not lost
    except ValidationError as exc:
        return "", exc.messages[0]
    measure = raw.strip()
    if len(measure) <= KPI_FILTER_MAX:
        return measure, None
    return measure, gettext(
        "A KPI code has at most %(max)d characters; the KPI filter has %(n)s. "
        "Shorten it to a code or its beginning."
    ) % {"max": KPI_FILTER_MAX, "n": f"{len(measure):,}"}


@login_required
@require_GET
def history_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """``/history/export.csv|xlsx?city=&kpi=``: the change history with the page's filters, all
    pages; for analysts and the secretariat only, as the page."""
    if not permissions.can_view_history(request.user):
        raise PermissionDenied("The change history is open to analysts and the secretariat.")
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")
    changes = KpiValueChange.objects.select_related("city", "changed_by").order_by("-id")
    raw_city = request.GET.get("city", "").strip()
    if raw_city.isascii() and raw_city.isdigit() and len(raw_city) <= 10 and int(raw_city) > 0:
        changes = changes.filter(city_id=int(raw_city))
    measure, kpi_error = kpi_filter(request.GET)
    if kpi_error:
        return render(request, "error.html", {"status": 400, "message": kpi_error}, status=400)
    if measure:
        changes = changes.filter(measure__startswith=measure)
    rows = [
        {
            "change_id": c.pk,
            "changed_at": c.changed_at.isoformat(),
            "changed_by": c.changed_by.get_username() if c.changed_by else "",
            "city": c.city.name,
            "country": c.city.country_id,
            "geonames_id": c.city_id,
            "year": c.year,
            "kpi": c.measure,
            "action": c.action,
            "old_value": c.old_value,
            "new_value": c.new_value,
            "old_status": c.old_status,
            "new_status": c.new_status,
            "old_source": c.old_source,
            "new_source": c.new_source,
            "old_unit": c.old_unit,
            "new_unit": c.new_unit,
            "old_note": c.old_note,
            "new_note": c.new_note,
        }
        for c in changes.iterator(chunk_size=2000)
    ]
    return table_response(pd.DataFrame(rows, columns=list(HISTORY_COLUMNS)), fmt, "change-history")


# ------------------------------------------------------------------ a city's values
EXPORT_COLUMNS = [
    "city",
    "country",
    "geonames_id",
    "year",
    "kpi",
    "data_point",
    "value",
    "unit",
    "source",
    "note",
    "status",
    "verified",
    "submitted_by",
    "submitted_at",
]


def export_frame(values: QuerySet[KpiValue], *, with_submitters: bool = True) -> pd.DataFrame:
    """Values as a long table that the upload accepts back (round trip).

    ``with_submitters=False`` leaves out who submitted each value (a public export names no
    accounts)."""
    rows = values.select_related("city", "submitted_by").order_by("city_id", "year", "measure")
    records = [
        {
            "city": kv.city.name,
            "country": kv.city.country_id,
            "geonames_id": kv.city_id,
            "year": kv.year,
            "kpi": kv.kpi,
            "data_point": kv.data_point,
            "value": kv.value,
            "unit": kv.unit,
            "source": kv.source,
            "note": kv.note,
            "status": kv.status,
            "verified": kv.status == Status.VERIFIED,
            "submitted_by": (
                kv.submitted_by.get_username() if kv.submitted_by and with_submitters else ""
            ),
            "submitted_at": kv.submitted_at.isoformat(timespec="seconds"),
        }
        for kv in rows.iterator(chunk_size=5000)
    ]
    return pd.DataFrame(records, columns=EXPORT_COLUMNS)
