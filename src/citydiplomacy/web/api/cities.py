"""``/api/cities``: the city registry (GeoNames), public to everyone."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, cast

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from citydiplomacy.web.apikit.auth import OPTIONAL_AUTH, READ_AUTH, requester
from citydiplomacy.web.apikit.errors import error_responses
from citydiplomacy.web.apikit.pagination import MAX_ID, PageMeta, PageParams, Text, paginate
from citydiplomacy.web.cities.models import City, search_text
from citydiplomacy.web.cities.services import rank_cities
from citydiplomacy.web.indicators import services

router = Router(tags=["cities"])

#: How long a page of the city search stays cached (the registry changes only on reload).
SEARCH_CACHE_SECONDS = 300
#: GeoNames id of Geneva, the examples' city.
GENEVA = 2660646


class RegistryCityOut(Schema):
    """A city of the registry."""

    id: int = Field(description="GeoNames id (https://www.geonames.org/<id>).")
    name: str = Field(description="Name as in GeoNames.")
    country: str = Field(description="ISO 3166-1 alpha-2 code of the country.")
    country_name: str = Field(description="Name of the country.")
    latitude: float = Field(description="Latitude, WGS 84 degrees.")
    longitude: float = Field(description="Longitude, WGS 84 degrees.")
    population: int = Field(description="Population according to GeoNames.")


class CityDetailOut(RegistryCityOut):
    """A city with its place in the world and the profile years the requester may see."""

    continent: str = Field(description="GeoNames continent code, e.g. 'EU'.")
    continent_name: str = Field(description="Continent name, e.g. 'Europe'.")
    region: str = Field(description="UN M49 sub-region ('' if unknown).")
    admin1_code: str = Field(description="GeoNames first-level administrative division code.")
    timezone: str = Field(description="IANA time zone ('' if unknown).")
    geonames_url: str = Field(description="The city's GeoNames page.")
    profile_years: list[int] = Field(
        description="Years with KPI data the requester may see (published years for the "
        "public), oldest first; each has a profile at /api/profiles/{id}?year=."
    )


class CityPage(PageMeta):
    results: list[RegistryCityOut] = Field(description="The cities of this page, largest first.")


class CityQuery(PageParams):
    search: Annotated[Text, StringConstraints(max_length=100)] | SkipJsonSchema[None] = Field(
        None,
        description="Cities whose name or any alternate name starts with this (accents and "
        "case ignored, any script), or whose country is this (ISO code or country name).",
    )
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] | SkipJsonSchema[None] = (
        Field(None, description="Only cities of this country (ISO 3166-1 alpha-2 code, e.g. 'CH').")
    )


def city_dict(city: City) -> dict[str, Any]:
    return {
        "id": city.pk,
        "name": city.name,
        "country": city.country.pk,
        "country_name": city.country.name,
        "latitude": city.latitude,
        "longitude": city.longitude,
        "population": city.population,
    }


@router.get(
    "/cities",
    response={200: CityPage, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="List and search cities",
)
def list_cities(request: HttpRequest, params: Query[CityQuery]) -> dict[str, Any]:
    """Cities of the registry, largest first, ``page_size`` at a time.

    The registry holds the GeoNames cities of 15,000 inhabitants or more, with or without KPI
    data. A page after the last one is 404.
    """
    search = (params.search or "").strip()
    # The registry is the same for every requester and changes only when it is reloaded, so
    # a page is cached for a few minutes (autocomplete repeats the same prefixes).
    key = (
        "api:cities:"
        + hashlib.sha256(
            f"{search}\x1f{params.country or ''}\x1f{params.page}\x1f{params.page_size}".encode()
        ).hexdigest()
    )
    cached = cache.get(key)
    if cached is not None:
        return cast(dict[str, Any], cached)
    qs: QuerySet[City] = City.objects.select_related("country")
    if search and search_text(search):
        # The one ranking of city search (the search page's and the autocomplete's).
        qs = rank_cities(search, (params.country or "").upper())
    else:
        if search:
            qs = qs.none()
        if params.country:
            qs = qs.filter(country_id=params.country.upper())
        qs = qs.order_by("-population", "name", "pk")
    page = paginate(qs, params)
    result = page.as_dict([city_dict(c) for c in page.items])
    cache.set(key, result, SEARCH_CACHE_SECONDS)
    return result


@router.get(
    "/cities/{city_id}",
    response={200: CityDetailOut, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="One city",
)
def get_city(
    request: HttpRequest,
    city_id: Annotated[
        int, Path(ge=1, le=MAX_ID, description="GeoNames id of the city.", examples=[GENEVA])
    ],
) -> dict[str, Any]:
    """The city, its continent and region, and the profile years the requester may see."""
    city = City.objects.select_related("country").filter(pk=city_id).first()
    if city is None:
        raise Http404(f"no city with GeoNames id {city_id} in the registry")
    years = sorted(
        set(
            services.visible_values(requester(request))
            .filter(city_id=city.pk)
            .values_list("year", flat=True)
        )
    )
    return {
        **city_dict(city),
        "continent": city.country.continent,
        "continent_name": city.country.continent_name,
        "region": city.country.region,
        "admin1_code": city.admin1_code,
        "timezone": city.timezone,
        "geonames_url": city.geonames_url,
        "profile_years": years,
    }
