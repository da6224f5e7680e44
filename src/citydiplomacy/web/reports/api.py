"""JSON API of the reports app (mounted on the platform's API at /api/).

``GET /api/guidance/{city_id}``: the evidence-based recommendations of a city's profile in one
year, each with its sources and the peer cities to learn from. Visibility is the profile's:
the public sees published years only (another year is 404, like one without data).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from citydiplomacy.web.api.cities import GENEVA
from citydiplomacy.web.apikit.auth import OPTIONAL_AUTH, READ_AUTH, requester
from citydiplomacy.web.apikit.errors import error_responses
from citydiplomacy.web.apikit.pagination import MAX_ID, YEAR_MAX, YEAR_MIN
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.reports.views import report_for

router = Router(tags=["Reports"])


class SourceOut(Schema):
    title: str = Field(description="Title of the document the recommendation rests on.")
    url: str = Field(description="Where to read it.")
    kind: str = Field(description="'sdg', 'unece' or 'u4ssc'.")


class RecommendationOut(Schema):
    key: str = Field(description="Identifier of the recommendation.")
    text: str = Field(description="The recommendation, in the language asked for.")
    sources: list[SourceOut] = Field(description="The documents it rests on (at least one).")


class PeerOut(Schema):
    city_id: int | None = Field(description="GeoNames id of the peer city.")
    name: str = Field(description="Name of the peer city.")
    country: str = Field(description="ISO 3166-1 alpha-2 code of its country.")
    reason: str = Field(description="'strong' (band 3-4, best score) or 'improved' (gain).")
    similarity: float | None = Field(description="Context similarity to the city, 0-1.")
    score: float | None = Field(description="The peer's score on the node, 0-100.")
    band: int = Field(description="The peer's band on the node, 0 (none) to 4.")
    change: float | None = Field(description="The peer's score change since its previous year.")
    value: float | None = Field(description="The peer's value (KPIs only).")


class GuidanceOut(Schema):
    rule: str = Field(description="Identifier of the rule that fired.")
    node: str = Field(description="Framework code of the category or KPI.")
    node_name: str = Field(description="Name of the category or KPI.")
    node_kind: str = Field(description="'category', 'KPI', ...")
    score: float | None = Field(description="The city's score on the node, 0-100.")
    band: int = Field(description="The city's band on the node, 0 (none) to 4.")
    trend: str = Field(description="'up', 'down', 'flat' or ''.")
    reasons: list[str] = Field(description="Why it fired: 'band', 'worsening', 'off_track'.")
    recommendations: list[RecommendationOut] = Field(description="What to do, with sources.")
    peers: list[PeerOut] = Field(description="Cities of similar context to learn from.")


class GuidanceListOut(Schema):
    city_id: int = Field(description="GeoNames id of the city.")
    year: int = Field(description="Year of the profile.")
    lang: str = Field(description="Language of the texts ('en' or 'fr').")
    unpublished: bool = Field(description="The year's profile is not published (a draft).")
    synthetic: bool = Field(description="The city's values include synthetic demo data.")
    guidance: list[GuidanceOut] = Field(description="Most urgent first.")


class GuidanceQuery(Schema):
    year: Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)] | SkipJsonSchema[None] = Field(
        None, description="Year; default the latest one visible.", examples=[2023]
    )
    lang: Literal["en", "fr"] = Field("en", description="Language of the recommendation texts.")


@router.get(
    "/guidance/{city_id}",
    response={200: GuidanceListOut, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="Recommendations for a city, with sources and peers",
)
def get_guidance(
    request: HttpRequest,
    city_id: Annotated[
        int, Path(ge=1, le=MAX_ID, description="GeoNames id of the city.", examples=[GENEVA])
    ],
    params: Query[GuidanceQuery],
) -> dict[str, Any]:
    """The guidance rules that fire on the city's profile in one year (a low band, a worsening
    score, a KPI moving away from its target), with their recommendations, sources and peers.
    The public sees published profiles only; a profile one may not see is 404."""
    city = City.objects.select_related("country").filter(pk=city_id).first()
    if city is None:
        raise Http404(f"no city with GeoNames id {city_id} in the registry")
    report = report_for(requester(request), city, params.year, params.lang)
    if report is None:
        raise Http404(f"no profile of {city.name}" + (f" for {params.year}" if params.year else ""))
    return {
        "city_id": city.pk,
        "year": report.year,
        "lang": params.lang,
        "unpublished": report.unpublished,
        "synthetic": report.synthetic,
        "guidance": [
            {**g.to_data(), "peers": [{**p.to_data(), "city_id": p.geonames_id} for p in g.peers]}
            for g in report.guidance
        ],
    }
