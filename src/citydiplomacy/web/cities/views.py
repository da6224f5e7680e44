"""Pages of the city registry: search, autocomplete (JSON) and the city page.

The registry is public: every page here is open to anyone. Only the list of KPI profile
years on a city page depends on the viewer (unpublished years for those who may see them).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import pycountry
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from citydiplomacy.core.text import FORBIDDEN_IN_TEXT
from citydiplomacy.web.cities.forms import SEARCH_EXPORT_MAX, CitySearchForm
from citydiplomacy.web.cities.forms import country_choices as country_choices
from citydiplomacy.web.cities.models import (
    MAX_NORMALISED,
    City,
    CityFact,
    CityName,
    CityQuerySet,
    Country,
    normalise_name,
    prefix_range,
    search_text,
)
from citydiplomacy.web.cities.profiles import profile_url as profile_url
from citydiplomacy.web.cities.profiles import profile_years
from citydiplomacy.web.cities.sections import city_sections
from citydiplomacy.web.cities.services import rank_cities
from citydiplomacy.web.forms import checks_query_text

PAGE_SIZE = 25
AUTOCOMPLETE_LIMIT = 10
#: How many alternate names the city page shows.
NAMES_SHOWN = 24
#: Static files the map needs; without them (scripts/vendor-static.sh not run) the page
#: shows the map's text alternative only.
MAP_ASSETS = (
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/topojson-client/topojson-client.min.js",
    "vendor/world-atlas/countries-50m.json",
)


def registry() -> CityQuerySet:
    """Every city, as the registry's queryset (with ``search``, ``suggest``, ``in_country``)."""
    return CityQuerySet(model=City)


def _matched_names(cities: list[City], query: str) -> dict[int, str]:
    """For the cities that ``query`` found by an alternate name only: city id -> that name."""
    q = search_text(query)
    if not q:
        return {}
    need = [c.pk for c in cities if q not in normalise_name(c.name)]
    found: dict[int, str] = {}
    if need:
        rows = (
            CityName.objects.filter(prefix_range("normalised", q), city_id__in=need)
            .order_by("city_id", "normalised")
            .values_list("city_id", "name")
        )
        for city_id, name in rows:
            found.setdefault(city_id, name)
    return found


def searched(request: HttpRequest) -> tuple[CitySearchForm, str, str, QuerySet[City] | None]:
    """The search form, the name and country it asks, and the cities it finds in the page's
    order (``None`` when nothing was asked, or when the form refused part of the query: no
    search is run on the rest): the search page's and its export's one selection."""
    form = CitySearchForm(request.GET)
    valid = form.is_valid()
    q = form.cleaned_data.get("q", "") or ""
    country = form.cleaned_data.get("country", "") or ""
    if not valid or not (search_text(q) or country):
        return form, q, country, None
    return form, q, country, rank_cities(q, country)


@checks_query_text
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """``/cities/?q=...&country=XX``: cities by name, alternate name or country, 25 a page,
    largest population first."""
    form, q, country, cities = searched(request)
    if "q" in form.errors:
        # shown again as typed, without the character the error names
        q = FORBIDDEN_IN_TEXT.sub("", request.GET.get("q", ""))[:MAX_NORMALISED]
    context: dict[str, Any] = {"form": form, "q": q, "country": country, "searched": False}
    if cities is not None:
        page = Paginator(cities, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        matched = _matched_names(rows, q) if q else {}
        results = [(city, matched.get(city.pk, "")) for city in rows]
        query = urlencode({k: v for k, v in (("q", q), ("country", country)) if v})
        context.update(
            page_obj=page,
            cities=rows,
            results=results,
            searched=True,
            export_query=query,
            export_max=SEARCH_EXPORT_MAX,
        )
        if country:
            names = Country.objects.filter(pk=country).values_list("name", flat=True)
            context["country_name"] = names.first() or country
    return render(request, "cities/search.html", context, status=400 if form.errors else 200)


def suggestion(city: City) -> dict[str, Any]:
    """One autocomplete result: what a city picker needs to show and to store."""
    country = city.country
    region = f"{city.admin1_code}, " if city.admin1_code.isalpha() else ""
    return {
        "id": city.pk,
        "name": city.name,
        "country": country.iso2,
        "country_name": country.name,
        "population": city.population,
        "has_profile": bool(getattr(city, "has_profile", False)),
        "label": f"{city.name}, {region}{country.name}",
        "url": reverse("cities:detail", args=[city.pk]),
    }


@require_GET
def autocomplete(request: HttpRequest) -> JsonResponse:
    """``/cities/autocomplete/?q=...[&country=XX]``: at most 10 cities as JSON,
    ``{"results": [{"id", "name", "country", "country_name", "population", "has_profile",
    "label", "url"}]}``, in the order of :func:`~citydiplomacy.web.cities.services.rank_cities`
    (the search page's and the API's)."""
    country = request.GET.get("country", "").strip()
    if not (len(country) == 2 and country.isalpha()):
        country = ""
    query = request.GET.get("q", "")[: 4 * MAX_NORMALISED]
    found = list(rank_cities(query, country)[:AUTOCOMPLETE_LIMIT]) if search_text(query) else []
    response = JsonResponse(
        {"results": [suggestion(c) for c in found]}, json_dumps_params={"ensure_ascii": False}
    )
    patch_cache_control(response, public=True, max_age=300)
    return response


def _script(name: str) -> str:
    """The Unicode script of a name's first letter, roughly ("LATIN", "CYRILLIC", "CJK")."""
    for ch in name:
        if ch.isalpha():
            return unicodedata.name(ch, "OTHER").split(" ")[0]
    return "OTHER"


def alternate_names(city: City, limit: int = NAMES_SHOWN) -> tuple[list[str], int]:
    """A selection of a city's alternate names, taking turns between scripts so that Latin
    spellings do not crowd out the rest; and how many alternate names there are in all."""
    names = list(
        CityName.objects.filter(city=city)
        .exclude(is_main=True)
        .exclude(name=city.name)
        .order_by("normalised")
        .values_list("name", flat=True)
    )
    by_script: dict[str, list[str]] = {}
    for name in names:
        by_script.setdefault(_script(name), []).append(name)
    chosen: list[str] = []
    queues = list(by_script.values())
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    order = {script: i for i, script in enumerate(by_script)}
    chosen.sort(key=lambda n: (order[_script(n)], normalise_name(n)))
    return chosen, len(names)


@lru_cache(maxsize=1)
def map_assets_available() -> bool:
    """Whether the vendored map files are there (``scripts/vendor-static.sh`` has run)."""
    return all(finders.find(path) for path in MAP_ASSETS)


def _country_numeric(iso2: str) -> str:
    """ISO 3166-1 numeric code, three digits (the feature id of the world-atlas basemap)."""
    found = pycountry.countries.get(alpha_2=iso2)
    return str(found.numeric) if found is not None else ""


def open_facts(city: City) -> list[CityFact]:
    """A city's facts from open sources, in the page's order: the city page's "From open
    data" table and its export's one selection."""
    return list(city.facts.all())


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """``/cities/<GeoNames id>/``: the registry's facts about a city, a map, its names."""
    city = get_object_or_404(City.objects.select_related("country"), pk=pk)
    names, n_names = alternate_names(city)
    context = {
        "city": city,
        "country": city.country,
        "alternate_names": names,
        "n_alternate_names": n_names,
        "profile_years": profile_years(request.user, city),
        "city_sections": city_sections(request, city),
        "open_facts": open_facts(city),
        "map_assets": map_assets_available(),
        "country_numeric": _country_numeric(city.country.iso2),
    }
    return render(request, "cities/detail.html", context)
