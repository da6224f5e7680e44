"""``/api/profiles/{city_id}``: a city's U4SSC profile for one year, scored with its cohort.

Scores come from the current score snapshot (:func:`scoring.current_snapshot`), computed on
the first request after a data change. The public sees published years only; a year the
requester may not see is answered exactly like a year without data (404), so the answer does
not reveal that unpublished data exist.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from citydiplomacy.web.api.cities import GENEVA, RegistryCityOut, city_dict
from citydiplomacy.web.apikit.auth import OPTIONAL_AUTH, READ_AUTH, requester
from citydiplomacy.web.apikit.errors import error_responses
from citydiplomacy.web.apikit.pagination import MAX_ID, YEAR_MAX, YEAR_MIN
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators import scoring, services, visibility
from citydiplomacy.web.indicators.models import CityYearScore, KpiValue

router = Router(tags=["profiles"])


class NodeOut(Schema):
    """One node of the framework tree (index, dimension, ..., KPI, data point) for the city."""

    code: str = Field(description="Framework code of the node.")
    name: str = Field(description="Name of the node.")
    level: int = Field(description="0 data point, 1 KPI, 2 and up aggregates; the index is top.")
    parent: str = Field(description="Code of the parent node ('' for the index).")
    value: float | None = Field(description="Reported value in `unit` (KPIs and data points).")
    unit: str = Field(description="Unit of `value`.")
    score: float | None = Field(description="Score, 0-100.")
    band: str = Field(description="Performance band against the target ('' if not scored).")
    band_code: int = Field(description="Band as a number, 0 (none) to 4 (best).")
    target: float | None = Field(description="Target the score measures against.")
    target_source: str = Field(description="Where the target comes from (e.g. peer cities).")
    trend: str = Field(description="'up', 'down' or 'flat' since the previous year ('' none).")
    change: float | None = Field(description="Change of the score since the previous year.")
    progress: float | None = Field(description="Progress towards the target.")
    rank: float | None = Field(description="Rank among the cities with data this year.")
    definition: str = Field(description="Definition of the KPI.")


class HeadlineOut(Schema):
    """The city's composite index this year, with the uncertainty of its rank."""

    score: float | None = Field(description="Composite index score.")
    band: str = Field(description="Overall U4SSC band.")
    rank: float | None = Field(description="Rank on the composite index.")
    rank_low: float | None = Field(description="5th percentile of the simulated ranks.")
    rank_median: float | None = Field(description="Median simulated rank.")
    rank_high: float | None = Field(description="95th percentile of the simulated ranks.")
    n_reported: int = Field(description="Measures the city reported this year.")
    n_measures: int = Field(description="Measures of the framework.")


class SnapshotOut(Schema):
    """How the scores were made: the cohort snapshot, its spec and provenance."""

    data_version: int = Field(description="Data version the snapshot scored.")
    computed_at: datetime = Field(description="When the snapshot was computed.")
    framework: str = Field(description="Framework name.")
    n_cities: int = Field(description="Cities in the scored cohort.")
    spec: dict[str, Any] = Field(description="Scoring specs of the profile and the ranking.")
    provenance: dict[str, Any] = Field(description="Methods, versions and settings used.")


class ProfileOut(Schema):
    city: RegistryCityOut
    year: int = Field(description="Year of this profile.")
    years: list[int] = Field(description="Years with a profile the requester may see.")
    published: bool = Field(description="This year's profile is published.")
    synthetic: bool = Field(description="The city has synthetic demo values (not real data).")
    headline: HeadlineOut | None = Field(description="Composite index and rank interval.")
    nodes: list[NodeOut] = Field(
        description="Every node with a value or a score, in the order of the framework table "
        "(the index first, then dimensions, sub-dimensions, categories, KPIs, data points)."
    )
    snapshot: SnapshotOut


class ProfileQuery(Schema):
    year: Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)] | SkipJsonSchema[None] = Field(
        None, description="Year; default the latest one visible.", examples=[2023]
    )


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def _headline(
    snapshot: Any, city_id: int, year: int, public_ranking: bool
) -> dict[str, Any] | None:
    """Index and rank: among the published profiles alone for ``public_ranking``."""
    row = CityYearScore.objects.filter(snapshot=snapshot, city_id=city_id, year=year).first()
    if row is None:
        return None
    seen = row.seen(public_ranking)
    return {
        "score": _finite(seen["score"]),
        "band": row.band,
        "rank": _finite(seen["rank"]),
        "rank_low": _finite(seen["rank_low"]),
        "rank_median": _finite(seen["rank_median"]),
        "rank_high": _finite(seen["rank_high"]),
        "n_reported": row.n_reported,
        "n_measures": row.n_measures,
    }


@router.get(
    "/profiles/{city_id}",
    response={200: ProfileOut, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="A city's U4SSC profile",
)
def get_profile(
    request: HttpRequest,
    city_id: Annotated[
        int, Path(ge=1, le=MAX_ID, description="GeoNames id of the city.", examples=[GENEVA])
    ],
    params: Query[ProfileQuery],
) -> dict[str, Any]:
    """Every node of the city's U4SSC profile in one year: value, score, band, target, trend.

    The public sees published profiles only; city editors also their own cities' unpublished
    ones, analysts and the secretariat all. A profile one may not see is 404, like one that
    does not exist. The first request after a data change re-scores the whole cohort (peer
    targets and ranks depend on every city), which may take a few seconds.
    """
    user = requester(request)
    city = City.objects.select_related("country").filter(pk=city_id).first()
    if city is None:
        raise Http404(f"no city with GeoNames id {city_id} in the registry")
    no_profile = (
        f"no profile of {city.name} for {params.year}"
        if params.year
        else (f"no profile of {city.name}")
    )
    # Cheap check first: the cohort is scored only when there is something to show.
    data_years = set(KpiValue.objects.filter(city_id=city.pk).values_list("year", flat=True))
    published = visibility.published_years(city.pk)
    candidates = visibility.visible_years(user, city.pk, data_years, published=published)
    if not candidates or (params.year is not None and params.year not in candidates):
        raise Http404(no_profile)
    snapshot = scoring.current_snapshot()
    if snapshot is None:
        raise Http404(no_profile)
    years = visibility.visible_years(
        user, city.pk, scoring.city_years(snapshot, city.pk), published=published
    )
    if not years:
        raise Http404(no_profile)
    year = params.year if params.year is not None else years[-1]
    if year not in years:
        raise Http404(no_profile)
    public = not visibility.sees_unpublished(user, city)
    nodes = scoring.city_profile(snapshot, city.pk, year, public=public)
    if nodes is None:
        raise Http404(no_profile)
    order = {code: i for i, code in enumerate(services.framework().nodes.index)}
    nodes.sort(key=lambda n: order.get(n.code, len(order)))
    return {
        "city": city_dict(city),
        "year": year,
        "years": years,
        "published": year in published,
        "synthetic": KpiValue.objects.filter(
            city_id=city.pk, year__in=years, synthetic=True
        ).exists(),
        # Only analysts and the secretariat get the whole cohort's ranking.
        "headline": _headline(snapshot, city.pk, year, not visibility.sees_unpublished(user)),
        "nodes": [
            {
                "code": n.code,
                "name": n.name,
                "level": n.level,
                "parent": n.parent,
                "value": _finite(n.value),
                "unit": n.unit,
                "score": _finite(n.score),
                "band": n.band,
                "band_code": n.band_code,
                "target": _finite(n.target),
                "target_source": n.target_source,
                "trend": n.trend,
                "change": _finite(n.change),
                "progress": _finite(n.progress),
                "rank": _finite(n.rank),
                "definition": n.definition,
            }
            for n in nodes
        ],
        "snapshot": {
            "data_version": snapshot.data_version,
            "computed_at": snapshot.computed_at,
            "framework": snapshot.framework,
            "n_cities": snapshot.n_cities,
            "spec": snapshot.spec,
            # The data fingerprint and the years scored describe unpublished data too.
            "provenance": _public_provenance(snapshot.provenance)
            if public
            else snapshot.provenance,
        },
    }


def _public_provenance(provenance: dict[str, Any]) -> dict[str, Any]:
    """Provenance without what describes unpublished data (its fingerprint, its years)."""
    out = dict(provenance)
    profile = dict(out.get("profile", {}))
    for key in ("data_fingerprint", "years", "n_units"):
        profile.pop(key, None)
    out["profile"] = profile
    return out
