"""JSON API of the capacity module (mounted on the platform's API at /api/).

Read-only. The framework and the published survey figures are public. A person's gaps and
plan answer only to those who may read their ratings (anyone else gets 404, as for a person
who does not exist). City and cohort aggregates need a capacity role or the analyst role, and
never include a group of fewer than five raters (``null`` with ``hidden: true``).
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Schema
from ninja.errors import HttpError
from pydantic import Field, StringConstraints

from citydiplomacy.core.capacity.framework import role_label
from citydiplomacy.core.capacity.gaps import MIN_GROUP
from citydiplomacy.io import capacity as capacity_io
from citydiplomacy.web.apikit.auth import OPTIONAL_AUTH, READ_AUTH, requester
from citydiplomacy.web.apikit.errors import error_responses
from citydiplomacy.web.apikit.pagination import MAX_ID
from citydiplomacy.web.capacity import permissions, services
from citydiplomacy.web.capacity.models import Person, Programme
from citydiplomacy.web.cities.models import City

router = Router(tags=["Diplomatic capacity"])

Slug = Annotated[str, StringConstraints(pattern=r"^[-a-zA-Z0-9_]{1,80}$")]


class CompetencyOut(Schema):
    code: str = Field(description="Competency code.")
    name: str = Field(description="Name.")
    description: str = Field(description="What the competency is.")
    domain: str = Field(description="Code of its domain.")
    levels: list[str] = Field(description="What a person does at levels 1 to 5.")
    targets: dict[str, int] = Field(description="Target level (0-5) per role.")


class DomainOut(Schema):
    code: str = Field(description="Domain code.")
    name: str = Field(description="Name.")
    sources: str = Field(description="What the domain draws on.")


class FrameworkOut(Schema):
    name: str = Field(description="Framework name.")
    version: int = Field(description="Version number (a new one for each loaded table).")
    roles: dict[str, str] = Field(description="Role code -> name.")
    domains: list[DomainOut] = Field(description="Domains in table order.")
    competencies: list[CompetencyOut] = Field(description="Competencies in table order.")


@router.get(
    "/capacity/framework",
    response={200: FrameworkOut, **error_responses(401, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="The competency framework",
)
def framework(request: HttpRequest) -> dict[str, Any]:
    """The current competency framework: domains with their sources, competencies with five
    behaviour-anchored levels and a target level per role."""
    fv = services.current_framework()
    fw = services.framework_of(fv)
    return {
        "name": fv.name,
        "version": fv.version,
        "roles": {r: role_label(r) for r in fw.roles},
        "domains": [{"code": d.code, "name": d.name, "sources": d.sources} for d in fw.domains],
        "competencies": [
            {
                "code": c.code,
                "name": c.name,
                "description": c.description,
                "domain": c.domain,
                "levels": list(c.levels),
                "targets": dict(c.targets),
            }
            for c in fw.competencies
        ],
    }


class FigureOut(Schema):
    indicator: str = Field(description="The survey question, e.g. staff_trained.")
    year: int = Field(description="Year of the survey wave.")
    value_percent: float = Field(description="The published share of cities, in percent.")
    qualifier: str = Field(description="equal, about, under or over.")
    cities_surveyed: int = Field(description="Cities in the sample.")
    scope: str = Field(description="worldwide, or the country surveyed.")
    survey: str = Field(description="The survey and its authors.")
    source_url: str = Field(description="Where the figure is published.")


@router.get(
    "/capacity/survey-figures",
    response={200: list[FigureOut], **error_responses(401, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="Published figures of the city-diplomacy surveys",
)
def survey_figures(request: HttpRequest) -> list[dict[str, Any]]:
    """Each published figure with its survey, year, sample and source."""
    return [f.__dict__ for f in capacity_io.published_figures()]


def _num(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 4)


class GapOut(Schema):
    code: str = Field(description="Competency code.")
    target: int = Field(description="Target level for the person's role.")
    rating: float | None = Field(description="Rating used (self and second combined).")
    gap: float | None = Field(description="target - rating (null: not rated).")


class PlanStepOut(Schema):
    module: str = Field(description="Module code.")
    title: str = Field(description="Module title.")
    hours: float = Field(description="Length in hours.")
    covers: list[str] = Field(description="Competencies with a gap it newly covers.")


class PersonOut(Schema):
    id: int = Field(description="Id of the person.")
    name: str = Field(description="Name.")
    city_id: int = Field(description="GeoNames id of the person's city.")
    role: str = Field(description="Role code of the framework, e.g. officer.")
    gaps: list[GapOut] = Field(description="Largest gap first, unrated last.")
    plan: list[PlanStepOut] = Field(description="The learning plan, largest gaps first.")
    plan_method: str = Field(description="How the plan was found, with its guarantee.")
    uncovered: list[str] = Field(description="Gaps no module of the catalogue addresses.")


@router.get(
    "/capacity/people/{person_id}",
    response={200: PersonOut, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="A person's gaps and learning plan (private)",
)
def person(
    request: HttpRequest,
    person_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the person.")],
) -> dict[str, Any]:
    """Only the person, their city's managers and their programmes' organisers read it."""
    user = requester(request)
    p = Person.objects.filter(pk=person_id).first()
    if p is None or not permissions.can_read_ratings(user, p):
        raise Http404("No such person.")
    report = services.person_report(user, p)
    fw = report.framework
    return {
        "id": p.pk,
        "name": p.name,
        "city_id": p.city_id,
        "role": p.role,
        "gaps": [g.__dict__ for g in report.gaps],
        "plan": [
            {
                "module": report.modules[s.module].code,
                "title": report.modules[s.module].title,
                "hours": float(report.modules[s.module].hours),
                "covers": [fw.codes[k] for k in s.covers],
            }
            for s in report.plan.steps
        ],
        "plan_method": report.plan.method,
        "uncovered": [fw.codes[k] for k in report.plan.uncovered],
    }


class AggregateOut(Schema):
    code: str = Field(description="Competency code.")
    raters: int = Field(description="People who rated it.")
    hidden: bool = Field(description=f"Fewer than {MIN_GROUP} raters: the values are null.")
    mean_rating: float | None = Field(description="Mean rating 1-5 (null when hidden).")
    mean_gap: float | None = Field(description="Mean of target - rating (null when hidden).")
    share_below_target: float | None = Field(
        description="Share of raters below their target, 0-1 (null when hidden)."
    )


class CityOut(Schema):
    city_id: int = Field(description="GeoNames id of the city.")
    people: int = Field(description="People of the city on the platform.")
    competencies: list[AggregateOut] = Field(description="Largest mean gap first.")


def _aggregates_allowed(request: HttpRequest) -> Any:
    user = requester(request)
    if not user.is_authenticated:
        raise HttpError(401, "Unauthorized")
    if not permissions.can_view_aggregates(user):
        raise PermissionDenied(
            "Capacity aggregates are for participants, managers, organisers and analysts."
        )
    return user


@router.get(
    "/capacity/cities/{city_id}",
    response={200: CityOut, **error_responses(401, 403, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="A city's capacity aggregates",
)
def city(
    request: HttpRequest,
    city_id: Annotated[int, Path(ge=1, le=MAX_ID, description="GeoNames id of the city.")],
) -> dict[str, Any]:
    """Mean rating, mean gap and share below target per competency, largest gap first; a
    competency rated by fewer than five people is hidden (null values)."""
    _aggregates_allowed(request)
    c = get_object_or_404(City, pk=city_id)
    people = services.city_people(c)
    report = services.group_report(people)
    s, fw = report.summary, report.framework
    return {
        "city_id": c.pk,
        "people": len(people),
        "competencies": [
            {
                "code": fw.codes[k],
                "raters": int(s.n_rated[k]),
                "hidden": bool(s.suppressed[k]),
                "mean_rating": _num(s.mean_rating[k]),
                "mean_gap": _num(s.mean_gap[k]),
                "share_below_target": _num(s.share_below[k]),
            }
            for k in s.order()
        ],
    }


class HeatRowOut(Schema):
    group: str = Field(description="A city (aggregates) or, for organisers, a participant.")
    values: list[float | None] = Field(description="Mean gap per column; null when hidden.")
    raters: list[int] = Field(description="Raters behind each value.")


class HeatMapOut(Schema):
    programme: str = Field(description="Identifier of the programme.")
    columns: list[str] = Field(description="Competency codes, largest cohort gap first.")
    by_city: list[HeatRowOut] = Field(description="One row per city of the cohort.")
    by_person: list[HeatRowOut] | None = Field(
        description="Per participant: organisers of the programme only (null otherwise)."
    )


def _rows(hm: Any) -> list[dict[str, Any]]:
    return [
        {
            "group": g,
            "values": [_num(v) for v in hm.values[i]],
            "raters": [int(n) for n in hm.counts[i]],
        }
        for i, g in enumerate(hm.groups)
    ]


@router.get(
    "/capacity/programmes/{slug}/heatmap",
    response={200: HeatMapOut, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="A cohort's heat map of gaps",
)
def heatmap(
    request: HttpRequest,
    slug: Annotated[Slug, Path(description="Identifier of the programme.")],
) -> dict[str, Any]:
    """Mean gap per city and competency (groups of five raters or more); per participant for
    the programme's organisers only."""
    user = requester(request)
    p = Programme.objects.filter(slug=slug).first()
    if p is None or not permissions.can_view_programme(user, p):
        raise Http404("No such programme.")
    report = services.cohort_report(user, p)
    fw = report.framework
    return {
        "programme": p.slug,
        "columns": [fw.codes[k] for k in report.by_city.columns],
        "by_city": _rows(report.by_city),
        "by_person": _rows(report.by_person) if report.by_person is not None else None,
    }
