"""Downloads of the city registry's tables, as CSV or XLSX (issue 19, item 2).

* ``/cities/export.csv|xlsx?q=&country=``: the search page's results table for the same
  search, every page of it, in the page's order; each city's name as the page shows it (in
  the page's language: "Genève" on a French page), the alternate name the search matched,
  whether the city has a published KPI profile;
* ``/cities/<GeoNames id>/facts.csv|xlsx``: the city page's "From open data" table.

The registry is public, and so are these. Each reads the same function as its page
(:func:`.views.searched`, :func:`.views.open_facts`) and goes through the project's one export
path (:func:`citydiplomacy.web.downloads.table_response`: the spreadsheet guard against
formulas and the shared writer). The other tables of the city page belong to the apps whose
sections show them, and so do their downloads.
"""

from __future__ import annotations

import pandas as pd
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from citydiplomacy.web.cities.forms import SEARCH_EXPORT_MAX
from citydiplomacy.web.cities.models import City, CityFact
from citydiplomacy.web.cities.views import _matched_names, open_facts, searched
from citydiplomacy.web.downloads import FORMATS, table_response

#: Columns of the search export: the results table, each fact in its own cell, ids beside.
SEARCH_COLUMNS = (
    "city",
    "also_matched_as",
    "kpi_profile",
    "country",
    "country_code",
    "population",
    "coordinates",
    "latitude",
    "longitude",
    "geonames_id",
)
#: Columns of a city's open-data facts export: the city page's "From open data" table.
FACT_COLUMNS = (
    "what",
    "value",
    "text",
    "record_type",
    "city_document",
    "year",
    "source",
    "source_url",
    "licence",
    "listed_there_as",
)
#: Cities whose matched alternate names are looked up in one query.
_MATCH_BATCH = 500


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")


def search_frame(cities: list[City], q: str) -> pd.DataFrame:
    """The search results table's rows for ``cities`` (every page), as the page shows them."""
    matched: dict[int, str] = {}
    if q:
        for start in range(0, len(cities), _MATCH_BATCH):
            matched.update(_matched_names(cities[start : start + _MATCH_BATCH], q))
    profile = _("KPI profile")
    records = [
        (
            c.local_name,
            matched.get(c.pk, ""),
            profile if getattr(c, "has_profile", False) else "",
            c.country.name,
            c.country_id,
            c.population,
            c.coordinates_label,
            c.latitude,
            c.longitude,
            c.pk,
        )
        for c in cities
    ]
    return pd.DataFrame.from_records(records, columns=list(SEARCH_COLUMNS))


def facts_frame(facts: list[CityFact]) -> pd.DataFrame:
    """A city's open-data facts as its page's table shows them (what, in the page's
    language; the figure; its year and source)."""
    records = [
        (
            str(f.get_kind_display()),
            f.value,
            "" if f.value is not None else f.text,
            f.detail.get("record_type", "") if f.detail.get("reliability") else "",
            f.detail.get("target_source_url", ""),
            f.year,
            f.source_name,
            f.source_url,
            f.licence,
            f.matched_as,
        )
        for f in facts
    ]
    return pd.DataFrame.from_records(records, columns=list(FACT_COLUMNS))


def _refused(text: str) -> HttpResponse:
    """A 400 in plain text saying why nothing was exported."""
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


@require_GET
def search_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """``/cities/export.csv|xlsx?q=&country=``: every city the search page finds, as CSV or
    XLSX (a 400 when nothing is asked: the page shows no table then)."""
    _check_format(fmt)
    form, q, country, cities = searched(request)
    if form.errors:
        problems = "; ".join(f"{k}: {m}" for k, ms in form.errors.items() for m in ms)
        return _refused(
            _("The search has errors (%(problems)s); nothing was exported.")
            % {"problems": problems}
        )
    if cities is None:
        return _refused(_("Give a name (?q=) or a country (?country=XX); nothing was exported."))
    rows = list(cities[: SEARCH_EXPORT_MAX + 1])
    if len(rows) > SEARCH_EXPORT_MAX:
        return _refused(
            _(
                "More than %(max)s cities match; a download holds at most %(max)s. Narrow the "
                "search (a longer name, or a country) and download again."
            )
            % {"max": SEARCH_EXPORT_MAX}
        )
    name = "cities" + (f"-{country}" if country else "")
    return table_response(search_frame(rows, q), fmt, name)


@require_GET
def facts_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The city page's open-data facts table, as CSV or XLSX."""
    _check_format(fmt)
    city = get_object_or_404(City, pk=pk)
    return table_response(facts_frame(open_facts(city)), fmt, f"city-{city.pk}-open-data")
