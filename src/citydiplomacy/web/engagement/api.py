"""JSON API of the multilateral engagement app (mounted on the platform's API at /api/).

Read-only: the calendar (``/api/events``), declarations with their signature counts and
signatures page by page (``/api/declarations``), and commitments with their progress
(``/api/commitments``). Drafts are visible only to those who may read them; progress uses
only the KPI values the requester may read. Signing and drafting happen on the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field, StringConstraints
from pydantic.json_schema import SkipJsonSchema

from citydiplomacy.web.apikit.auth import OPTIONAL_AUTH, READ_AUTH, requester
from citydiplomacy.web.apikit.errors import error_responses
from citydiplomacy.web.apikit.fields import IsoDate
from citydiplomacy.web.apikit.pagination import MAX_ID, PageMeta, PageParams, paginate
from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Commitment, Event, EventKind, Signature

router = Router(tags=["Multilateral engagement"])

Slug = Annotated[str, StringConstraints(pattern=r"^[-a-z0-9_]{1,80}$")]


#: The kinds of event, a closed vocabulary (an OpenAPI enum; a test keeps it equal to
#: ``EventKind.values``).
EventKindCode = Literal[
    "cop", "wuf", "hlpf", "un_summit", "u20", "forum_of_mayors", "network_summit", "other"
]


class DeadlineOut(Schema):
    kind: str = Field(description="registration, submission or other.")
    title: str = Field(description="What is due.")
    due_date: dt.date = Field(description="The last day.")
    source_url: str = Field(description="Where the deadline is stated.")


class EventOut(Schema):
    slug: str = Field(description="Stable identifier (also the iCalendar UID's key).")
    name: str = Field(description="Name of the event.")
    kind: str = Field(description=f"One of {', '.join(EventKind.values)}.")
    start_date: dt.date = Field(description="First day.")
    end_date: dt.date = Field(description="Last day (inclusive).")
    place: str = Field(description="Venue and city, as the source gives them.")
    host_city_id: int | None = Field(description="GeoNames id of the host city, if known.")
    organiser: str = Field(description="Who organises the event.")
    official_url: str = Field(description="The event's official page ('' if none).")
    source_url: str = Field(description="Where the dates are stated.")
    tags: list[str] = Field(description="Tag slugs.")
    cancelled: bool = Field(description="Whether the event was cancelled (it stays listed).")
    cancellation_reason: str = Field(description="Why it was cancelled ('' if it was not).")
    deadlines: list[DeadlineOut] = Field(description="The event's deadlines, in date order.")


class EventPage(PageMeta):
    results: list[EventOut] = Field(description="The events of this page, in date order.")


class EventQuery(PageParams):
    kind: EventKindCode | SkipJsonSchema[None] = Field(
        None, description="Only events of this kind."
    )
    tag: Slug | SkipJsonSchema[None] = Field(None, description="Only events with this tag.")
    city: Annotated[int, Field(ge=1, le=MAX_ID)] | SkipJsonSchema[None] = Field(
        None, description="Only events this city (GeoNames id) takes part in or hosts."
    )
    since: IsoDate | SkipJsonSchema[None] = Field(
        None, description="Only events ending on or after this date (YYYY-MM-DD)."
    )


def _event(e: Event) -> dict[str, Any]:
    return {
        "slug": e.slug,
        "name": e.name,
        "kind": e.kind,
        "start_date": e.start_date,
        "end_date": e.end_date,
        "place": e.place,
        "host_city_id": e.host_city_id,
        "organiser": e.organiser,
        "official_url": e.official_url,
        "source_url": e.source_url,
        "tags": [t.slug for t in e.tags.all()],
        "cancelled": e.is_cancelled,
        "cancellation_reason": e.cancellation_reason,
        "deadlines": [
            {
                "kind": d.kind,
                "title": d.title,
                "due_date": d.due_date,
                "source_url": d.source_url,
            }
            for d in e.deadlines.all()
        ],
    }


@router.get(
    "/events",
    response={200: EventPage, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="Multilateral events",
)
def list_events(request: HttpRequest, params: Query[EventQuery]) -> dict[str, Any]:
    """Events in date order, each with its source and deadlines."""
    qs = Event.objects.prefetch_related("tags", "deadlines")
    if params.kind:
        qs = qs.filter(kind=params.kind)
    if params.tag:
        qs = qs.filter(tags__slug=params.tag)
    if params.city:
        qs = qs.filter(Q(cities=params.city) | Q(host_city=params.city)).distinct()
    if params.since:
        qs = qs.filter(end_date__gte=params.since)
    page = paginate(qs.order_by("start_date", "slug"), params)
    return page.as_dict([_event(e) for e in page.items])


class CountOut(Schema):
    name: str = Field(description="Country or UN M49 region ('Not identified' if unknown).")
    n: int = Field(description="Number of live signatures.")


class DeclarationOut(Schema):
    slug: str = Field(description="Identifier of the declaration.")
    title: str = Field(description="Title.")
    kind: str = Field(description="declaration or joint_statement.")
    status: str = Field(description="draft, adopted or closed.")
    adopted_on: dt.date | None = Field(description="Date of adoption, if known.")
    organiser: str = Field(description="Who organised it.")
    source_url: str = Field(description="Where the text or list is published ('' if none).")
    url: str = Field(description="The public page.")
    signatures: int = Field(description="Live (not withdrawn) signatures.")
    withdrawn: int = Field(description="Withdrawn signatures (kept on record).")
    by_country: list[CountOut] = Field(description="Live signatures by country.")
    by_region: list[CountOut] = Field(description="Live signatures by UN M49 region.")


class SignatureOut(Schema):
    signer_name: str = Field(description="Name of the signatory.")
    signer_title: str = Field(description="Title, e.g. 'Mayor of Geneva'.")
    capacity: str = Field(description="In what capacity they signed.")
    city_id: int | None = Field(description="GeoNames id; null when not matched.")
    country: str | None = Field(description="ISO alpha-2, when known.")
    listed_place: str = Field(description="Imported: the place as the published list gives.")
    signed_at: dt.datetime | None = Field(description="When; null if the list gives no date.")
    verification: str = Field(description="How the signature is verified, in words.")
    withdrawn_at: dt.datetime | None = Field(description="When it was withdrawn, if it was.")
    withdrawal_reason: str = Field(description="Why it was withdrawn ('' if not).")


class SignaturePage(PageMeta):
    results: list[SignatureOut] = Field(description="Signatures of this page, by name.")


def _visible(request: HttpRequest, slug: str) -> Any:
    d = services.visible_declarations(requester(request)).filter(slug=slug).first()
    if d is None:
        raise Http404(f"no declaration {slug!r}")
    return d


@router.get(
    "/declarations/{slug}",
    response={200: DeclarationOut, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="A declaration and its signature counts",
)
def get_declaration(
    request: HttpRequest,
    slug: Annotated[Slug, Path(description="Identifier of the declaration.")],
) -> dict[str, Any]:
    """The declaration with its live signature counts, by country and by region. A draft is
    visible only to those who may read it (404 for others)."""
    d = _visible(request, slug)
    stats = services.signature_stats(d)
    return {
        "slug": d.slug,
        "title": d.title,
        "kind": d.kind,
        "status": d.status,
        "adopted_on": d.adopted_on,
        "organiser": d.organiser,
        "source_url": d.source_url,
        "url": request.build_absolute_uri(d.get_absolute_url()),
        "signatures": stats.total,
        "withdrawn": stats.withdrawn,
        "by_country": [{"name": r["name"], "n": r["n"]} for r in stats.by_country],
        "by_region": [{"name": r["region"], "n": r["n"]} for r in stats.by_region],
    }


@router.get(
    "/declarations/{slug}/signatures",
    response={200: SignaturePage, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="Signatures of a declaration, withdrawn ones included",
)
def list_signatures(
    request: HttpRequest,
    slug: Annotated[Slug, Path(description="Identifier of the declaration.")],
    params: Query[PageParams],
) -> dict[str, Any]:
    """Every signature, withdrawn ones included (with their withdrawal), with its
    verification status; sorted by signatory name."""
    d = _visible(request, slug)
    qs = Signature.objects.filter(declaration=d).order_by("signer_name", "pk")
    page = paginate(qs, params)
    return page.as_dict(
        [
            {
                "signer_name": s.signer_name,
                "signer_title": s.signer_title,
                "capacity": s.capacity,
                "city_id": s.city_id,
                "country": s.country_id,
                "listed_place": s.listed_place,
                "signed_at": s.signed_at,
                "verification": s.verification,
                "withdrawn_at": s.withdrawn_at,
                "withdrawal_reason": s.withdrawal_reason,
            }
            for s in page.items
        ]
    )


class CommitmentOut(Schema):
    id: int = Field(description="Identifier (page /commitments/<id>/).")
    city_id: int = Field(description="GeoNames id of the city.")
    title: str = Field(description="The pledge.")
    origin: str = Field(description="declaration, network or own.")
    measure: str = Field(description="Framework measure code of the KPI.")
    baseline_year: int = Field(description="Year of the baseline.")
    baseline_value: float = Field(description="Value at the baseline.")
    target_year: int = Field(description="Year of the target.")
    target_value: float = Field(description="Value to reach.")
    synthetic: bool = Field(description="A demo commitment on synthetic data.")
    status: str = Field(description="on_track, off_track or insufficient_data.")
    assessed_year: int | None = Field(description="Year of the value assessed.")
    assessed_value: float | None = Field(description="The latest value after the baseline.")
    expected_value: float | None = Field(description="The value expected on the path then.")
    reason: str = Field(description="The status explained in one sentence.")


class CommitmentPage(PageMeta):
    results: list[CommitmentOut] = Field(description="Commitments of this page.")


class CommitmentQuery(PageParams):
    city: Annotated[int, Field(ge=1, le=MAX_ID)] | SkipJsonSchema[None] = Field(
        None, description="Only this city's commitments (GeoNames id)."
    )


@router.get(
    "/commitments",
    response={200: CommitmentPage, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="Commitments with their progress",
)
def list_commitments(request: HttpRequest, params: Query[CommitmentQuery]) -> dict[str, Any]:
    """Progress by the linear-path rule on the KPI values the requester may read."""
    qs = Commitment.objects.all()
    if params.city:
        qs = qs.filter(city_id=params.city)
    user = requester(request)
    # The latest visible value comes with each commitment: two queries a page (count, rows).
    page = paginate(
        services.with_latest_value(qs.order_by("city_id", "target_year", "pk"), user), params
    )
    out = []
    for c, p in services.assessed(page.items):
        out.append(
            {
                "id": c.pk,
                "city_id": c.city_id,
                "title": c.title,
                "origin": c.origin,
                "measure": c.measure,
                "baseline_year": c.baseline_year,
                "baseline_value": c.baseline_value,
                "target_year": c.target_year,
                "target_value": c.target_value,
                "synthetic": c.synthetic,
                "status": p.status.value,
                "assessed_year": p.year,
                "assessed_value": p.value,
                "expected_value": p.expected,
                "reason": p.reason,
            }
        )
    return page.as_dict(out)
