"""JSON API of the partnerships and networks app (mounted on the platform's API at /api/).

Reads follow the pages' rules (the public sees confirmed, recorded and ended partnerships;
editors also their cities' proposals; analysts and the secretariat everything). Writes need a
token: an editor proposes partnerships involving one of their cities and confirms for them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import AfterValidator, Field
from pydantic.json_schema import SkipJsonSchema

from citydiplomacy.core import peers as core_peers
from citydiplomacy.web.apikit.auth import OPTIONAL_AUTH, READ_AUTH, WRITE_AUTH, requester
from citydiplomacy.web.apikit.errors import error_responses
from citydiplomacy.web.apikit.fields import IsoDate, OneOf, length_of
from citydiplomacy.web.apikit.pagination import MAX_ID, PageMeta, PageParams, Text, paginate
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import (
    Membership,
    Network,
    Partnership,
    PartnershipCity,
)

router = Router(tags=["Partnerships and networks"])

CityId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _theme_codes() -> list[str]:
    return [code for code, _ in services.theme_choices()]


#: A framework category code: the enum is the framework's, computed when first needed.
ThemeCode = Annotated[str, OneOf(_theme_codes, "a framework category code")]
Sdg = Annotated[int, Field(ge=1, le=17)]
KindCode = Literal["twinning", "friendship", "mou", "technical", "network_exchange"]
StatusCode = Literal["proposed", "confirmed", "recorded", "ended"]


# ------------------------------------------------------------------ schemas
def _d(text: str, default: Any = ..., **kwargs: Any) -> Any:
    """A pydantic field with its description (every field of the API says what it is)."""
    return Field(default, description=text, **kwargs)


class PartyOut(Schema):
    """A party city of a partnership."""

    city_id: int = _d("GeoNames id.")
    city_name: str = _d("Name of the city.")
    country: str = _d("ISO 3166-1 alpha-2 code of its country.")
    confirmed: bool = _d("Whether an editor of this city (or the secretariat) confirmed it.")
    confirmed_at: str | None = _d("When it was confirmed (ISO 8601), or null.", None)


class PartnershipOut(Schema):
    """A partnership between two or more cities."""

    id: int = _d("Identifier of the partnership.")
    kind: str = _d("twinning, friendship, mou, technical or network_exchange.")
    title: str = _d("Title; empty for imported records.")
    status: str = _d("proposed, confirmed, recorded (from a public source) or ended.")
    themes: list[str] = _d("Framework category codes (e.g. EN-E-E, Energy).")
    sdgs: list[int] = _d("Sustainable Development Goals, 1 to 17.")
    start: date | None = _d("Start date, or null.", None)
    end: date | None = _d("End date, or null.", None)
    source: str = _d("Data set it was imported from; empty if entered here.")
    source_url: str = _d("Address of the source; empty if entered here.")
    is_demo: bool = _d("Invented demo data.")
    parties: list[PartyOut] = _d("The party cities and their confirmation.")


class PartnershipPage(PageMeta):
    results: list[PartnershipOut] = _d("The partnerships of this page.")


class PartnershipQuery(PageParams):
    city: int | None = _d("Only those of this city (GeoNames id).", None, ge=1, le=MAX_ID)
    kind: KindCode | None = _d("Only this kind.", None)
    status: StatusCode | None = _d("Only this status.", None)


def _distinct(ids: list[int]) -> list[int]:
    if len(set(ids)) != len(ids):
        raise ValueError("each city may be named once")
    return ids


class PartnershipIn(Schema):
    """A proposal."""

    city_ids: Annotated[list[CityId], AfterValidator(_distinct)] = _d(
        "GeoNames ids of the party cities (2 to 20, each once).",
        min_length=2,
        max_length=20,
        json_schema_extra={"uniqueItems": True},
    )
    kind: KindCode = _d("Kind of partnership.", "twinning")
    title: Annotated[Text, length_of(Partnership, "title")] = _d("Title (optional).", "")
    description: Text = _d("Description (optional).", "", max_length=5000)
    themes: list[ThemeCode] = _d("Framework category codes.", default_factory=list, max_length=30)
    sdgs: list[Sdg] = _d("SDG numbers, 1 to 17.", default_factory=list, max_length=17)
    start: IsoDate | None = _d("Start date (optional).", None)
    end: IsoDate | None = _d("End date (optional; not before the start).", None)


class ConfirmQuery(Schema):
    city: list[CityId] | None = _d(
        "Confirm for these cities only (repeat the parameter; default: all yours).",
        None,
        max_length=20,
    )


class ConfirmOut(Schema):
    """What a confirmation did."""

    confirmed_for: list[int] = _d("GeoNames ids of the cities confirmed for now.")
    partnership: PartnershipOut = _d("The partnership after the confirmation.")


class NetworkOut(Schema):
    """A city network."""

    slug: str = _d("Short identifier, used in addresses.")
    name: str = _d("Name of the network.")
    short_name: str = _d("Short name or acronym.")
    url: str = _d("Website.")
    members: int = _d("Member cities in the registry.")
    members_source: str = _d("Where the member list comes from, with its licence.")


class MemberOut(Schema):
    """A city's membership of a network."""

    city_id: int = _d("GeoNames id.")
    city_name: str = _d("Name of the city.")
    country: str = _d("ISO 3166-1 alpha-2 code of its country.")
    role: str = _d("Role in the network (member, signatory, ...).")
    since: date | None = _d("Member since, or null.", None)
    commitments: list[str] = _d("Commitments made (e.g. CoM 2030).")
    status: str = _d("Status as the source states it (e.g. published, on_hold).")
    source: str = _d("Data set it was imported from; empty if entered here.")


class MemberPage(PageMeta):
    results: list[MemberOut] = _d("The members of this page.")


class EvidenceOut(Schema):
    """A category or KPI score behind a suggestion."""

    code: str = _d("Framework node code.")
    name: str = _d("Name of the node.")
    own: float | None = _d("The city's score (0-100), or null.")
    theirs: float | None = _d("The suggested partner's score (0-100), or null.")
    change: float | None = _d("The partner's score change since its previous year, or null.")


class SuggestionOut(Schema):
    """A suggested partner and everything that explains it."""

    city_id: int = _d("GeoNames id.")
    city_name: str = _d("Name of the city.")
    country: str = _d("ISO 3166-1 alpha-2 code of its country.")
    score: float = _d("The sum of the components.")
    components: dict[str, float] = _d("Weighted contribution of each signal.")
    signals: dict[str, float] = _d("Each signal in [0, 1].")
    factors: dict[str, float] = _d("Context similarity per factor, in [0, 1].")
    kpis: list[EvidenceOut] = _d("Scores behind the performance signal.")
    reasons: list[str] = _d("The explanation in sentences, strongest first.")


class SuggestionsOut(Schema):
    """Suggested partners for a city, and what limits them (the page shows the same notes)."""

    city_id: int = _d("GeoNames id of the city asked about.")
    theme: str | None = _d("The theme asked for, or null.")
    mode: str = _d("peer or reciprocal.")
    possible: bool = _d(
        "False when the theme or the reciprocal mode cannot give any suggestion for this city "
        "(for example, a city without published profile scores)."
    )
    notes: list[str] = _d(
        "Why a theme or the reciprocal mode gives fewer or no suggestions, in sentences; "
        "empty when nothing limits the request."
    )
    results: list[SuggestionOut] = _d("The suggestions, best first.")


class SuggestQuery(Schema):
    theme: ThemeCode | SkipJsonSchema[None] = _d("A framework category code (e.g. EN-E-E).", None)
    mode: Literal["peer", "reciprocal"] = _d(
        "peer: peers to learn from; reciprocal: each strong where the other is weak.", "peer"
    )
    k: int = _d("How many suggestions.", 10, ge=1, le=50)
    include_partners: bool = _d("Also suggest existing partners.", False)


PartnershipId = Annotated[int, Path(description="Identifier of the partnership.")]
NetworkSlug = Annotated[
    str, Path(description="Short identifier of the network.", pattern=r"^[-a-zA-Z0-9_]{1,60}$")
]
RegistryCityId = Annotated[int, Path(description="GeoNames id of the city.")]


# ------------------------------------------------------------------ helpers
def _prefetched(qs: Any) -> Any:
    return qs.prefetch_related(
        Prefetch("parties", queryset=PartnershipCity.objects.select_related("city"))
    )


def _out(p: Partnership) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": p.kind,
        "title": p.title,
        "status": p.status,
        "themes": list(p.themes or []),
        "sdgs": list(p.sdgs or []),
        "start": p.start,
        "end": p.end,
        "source": p.source,
        "source_url": p.source_url,
        "is_demo": p.is_demo,
        "parties": [
            {
                "city_id": pc.city_id,
                "city_name": pc.city.name,
                "country": pc.city.country_id,
                "confirmed": pc.confirmed_at is not None,
                "confirmed_at": pc.confirmed_at.isoformat() if pc.confirmed_at else None,
            }
            for pc in p.parties.all()
        ],
    }


def _visible(request: HttpRequest, pk: int) -> Partnership:
    if not 1 <= pk <= MAX_ID:
        raise Http404(f"no partnership {pk}")
    p = _prefetched(services.visible_partnerships(requester(request))).filter(pk=pk).first()
    if p is None:
        raise Http404(f"no partnership {pk}")
    return p  # type: ignore[no-any-return]


# ------------------------------------------------------------------ partnerships
@router.get(
    "/partnerships",
    response={200: PartnershipPage, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="List partnerships",
)
def list_partnerships(request: HttpRequest, params: Query[PartnershipQuery]) -> dict[str, Any]:
    """The partnerships the requester may see, newest change first."""
    qs = services.visible_partnerships(requester(request))
    if params.city is not None:
        qs = qs.filter(parties__city_id=params.city)
    if params.kind:
        qs = qs.filter(kind=params.kind)
    if params.status:
        qs = qs.filter(status=params.status)
    page = paginate(_prefetched(qs.order_by("-updated_at", "-pk")), params)
    return page.as_dict([_out(p) for p in page.items])


@router.get(
    "/partnerships/{int:pk}",
    response={200: PartnershipOut, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="One partnership",
)
def get_partnership(request: HttpRequest, pk: PartnershipId) -> dict[str, Any]:
    """A partnership with its parties and their confirmation (404 if not visible)."""
    return _out(_visible(request, pk))


@router.post(
    "/partnerships",
    response={201: PartnershipOut, **error_responses(400, 401, 403, 422, 429)},
    auth=WRITE_AUTH,
    summary="Propose a partnership",
)
def propose_partnership(request: HttpRequest, payload: PartnershipIn) -> Status[dict[str, Any]]:
    """Propose a partnership between cities, one of which the token's user edits (the
    secretariat: any). It is confirmed for the proposer's cities at once and becomes
    ``confirmed`` when every party city has confirmed."""
    proposal = services.Proposal(
        city_ids=payload.city_ids,
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        themes=payload.themes,
        sdgs=payload.sdgs,
        start=payload.start,
        end=payload.end,
    )
    p = services.propose(requester(request), proposal)
    return Status(201, _out(_prefetched(Partnership.objects.filter(pk=p.pk)).get()))


@router.post(
    "/partnerships/{int:pk}/confirm",
    response={200: ConfirmOut, **error_responses(400, 401, 403, 404, 422, 429)},
    auth=WRITE_AUTH,
    summary="Confirm a partnership",
)
def confirm_partnership(
    request: HttpRequest, pk: PartnershipId, params: Query[ConfirmQuery]
) -> dict[str, Any]:
    """Confirm a proposed partnership for the party cities the token's user edits (403 when
    there is nothing they may confirm)."""
    p = _visible(request, pk)
    done = services.confirm(requester(request), p, params.city or None)
    return {"confirmed_for": done, "partnership": _out(_visible(request, pk))}


# ------------------------------------------------------------------ networks
@router.get(
    "/networks",
    response={200: list[NetworkOut], **error_responses(401, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="List city networks",
)
def list_networks(request: HttpRequest) -> list[dict[str, Any]]:
    """Every city network with its number of member cities in the registry."""
    rows = Network.objects.annotate(n=Count("memberships")).order_by("name")
    return [
        {
            "slug": n.slug,
            "name": n.name,
            "short_name": n.short_name,
            "url": n.url,
            "members": n.n,
            "members_source": n.members_source,
        }
        for n in rows
    ]


@router.get(
    "/networks/{slug}/members",
    response={200: MemberPage, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="Members of a network",
)
def network_members(
    request: HttpRequest, slug: NetworkSlug, params: Query[PageParams]
) -> dict[str, Any]:
    """The member cities of a network, by country and name."""
    valid = re.fullmatch(r"[-a-zA-Z0-9_]{1,60}", slug) is not None
    net = Network.objects.filter(slug=slug).first() if valid else None
    if net is None:
        raise Http404(f"no network {slug!r}")
    qs = Membership.objects.filter(network=net).select_related("city")
    page = paginate(qs.order_by("city__country_id", "city__name", "pk"), params)
    return page.as_dict(
        [
            {
                "city_id": m.city_id,
                "city_name": m.city.name,
                "country": m.city.country_id,
                "role": m.role,
                "since": m.since,
                "commitments": list(m.commitments or []),
                "status": m.status,
                "source": m.source,
            }
            for m in page.items
        ]
    )


# ------------------------------------------------------------------ matchmaking
@router.get(
    "/cities/{int:city_id}/partner-suggestions",
    response={200: SuggestionsOut, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="Suggest partners for a city",
)
def partner_suggestions(
    request: HttpRequest, city_id: RegistryCityId, params: Query[SuggestQuery]
) -> dict[str, Any]:
    """Peers to learn from (``mode=peer``) or reciprocal partners, best first, each with the
    components of its score (which add up to it), its context factors and the KPI scores
    behind it. Scores of unpublished years count only for those who may see them.

    ``notes`` says, as the suggestions page does, when a theme or the reciprocal mode cannot
    apply (a city without published profile scores, a theme nobody is scored on yet)."""
    city = City.objects.filter(pk=city_id).first() if 1 <= city_id <= MAX_ID else None
    if city is None:
        raise Http404(f"no city {city_id} in the registry")
    user = requester(request)
    theme = params.theme or None
    recs = services.suggest_for(
        user,
        city,
        theme=theme,
        mode=params.mode,
        k=params.k,
        exclude_partners=not params.include_partners,
    )
    limits = services.suggestion_limits(user, city, theme=theme, mode=params.mode)
    names = City.objects.in_bulk([r.city_id for r in recs])
    return {
        "city_id": city.pk,
        "theme": theme,
        "mode": params.mode,
        "possible": limits.possible,
        "notes": list(limits.notes),
        "results": [_suggestion(r, names[r.city_id]) for r in recs],
    }


def _suggestion(r: core_peers.Recommendation, c: City) -> dict[str, Any]:
    return {
        "city_id": r.city_id,
        "city_name": c.name,
        "country": c.country_id,
        "score": r.score,
        "components": r.components,
        "signals": r.signals,
        "factors": r.factors,
        "kpis": [
            {"code": e.code, "name": e.name, "own": e.own, "theirs": e.theirs, "change": e.change}
            for e in r.kpis
        ],
        "reasons": list(r.reasons),
    }
