"""The rules of multilateral engagement, used by pages, API, commands and tests alike.

Who may do what (the permission matrix, tested in ``tests/web/engagement``):

* **drafting**: the secretariat (administrators) creates a declaration, adds its versions,
  settles comments and adopts it. Editors and current representatives of a *participating*
  city comment on a draft and propose amendments, on behalf of that city only.
* **reading a draft**: the secretariat, analysts, and the editors and representatives of the
  participating cities. An adopted declaration is public.
* **signing**: only a current :class:`~.models.Representative` of city X signs for X, and
  only an adopted declaration that is open for signature. The secretariat grants and revokes
  representatives (nobody grants themselves); an editor role alone does not let one sign.
* **withdrawing**: the city's current representatives, or the secretariat (for instance on a
  city's written request). A withdrawal is recorded on the signature, never deleted.
* **forum recommendations**: the secretariat records status changes; everyone reads them.
* **commitments**: editors of the city and the secretariat record them; everyone reads
  them, and their progress uses only the KPI values the reader may see.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.text import slugify

from citydiplomacy.core import commitments as rule
from citydiplomacy.core import textdiff
from citydiplomacy.errors import CityDiplomacyError
from citydiplomacy.io.safe_text import safe_cell
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City, CityName, Country, normalise_name
from citydiplomacy.web.engagement.models import (
    STATUS_ORDER,
    CommentKind,
    CommentStatus,
    Commitment,
    CommitmentOrigin,
    Deadline,
    Declaration,
    DeclarationComment,
    DeclarationCommitment,
    DeclarationStatus,
    DeclarationVersion,
    Event,
    Recommendation,
    RecommendationStatusChange,
    Representative,
    SignatoryImport,
    Signature,
    SignatureSource,
    Tag,
)
from citydiplomacy.web.notifications import services as notifications


class EngagementError(CityDiplomacyError):
    """A request that the rules refuse, with a message for the person who made it."""


class AlreadySignedError(EngagementError):
    """The city already has a live signature on this declaration."""


#: Links the app stores and shows: web pages only (a ``javascript:`` or ``data:`` link would
#: run in the reader's browser when clicked).
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])
#: The longest URL a ``source_url`` / ``official_url`` column holds.
URL_MAX_LENGTH = 500
#: Years a commitment may name (the columns are small integers; pledges are recent).
YEAR_MIN, YEAR_MAX = 1900, 2100


def url_problem(value: str, field_name: str = "source_url") -> str | None:
    """Why ``value`` is not a storable web link (``field: expected ...``), or ``None``.

    The empty string is accepted (the link is optional); anything else must be an absolute
    ``http``/``https`` URL of at most :data:`URL_MAX_LENGTH` characters."""
    if value == "":
        return None
    if len(value) > URL_MAX_LENGTH:
        return f"{field_name}: expected at most {URL_MAX_LENGTH} characters, found {len(value)}"
    try:
        _URL_VALIDATOR(value)
    except ValidationError:
        return f"{field_name}: expected a web address starting with http:// or https://"
    return None


def check_url(value: str, field_name: str = "source_url") -> str:
    """``value`` if it is a storable web link (see :func:`url_problem`).

    Raises
    ------
    EngagementError
        With the problem, naming ``field_name``.
    """
    problem = url_problem(value, field_name)
    if problem is not None:
        raise EngagementError(problem)
    return value


# ------------------------------------------------------------------------- roles
def current_representations(user: Any) -> QuerySet[Representative]:
    """The user's current representative roles (not revoked, mandate not ended)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Representative.objects.none()
    today = timezone.localdate()
    return (
        Representative.objects.filter(user=user, revoked_at__isnull=True)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("city", "city__country")
    )


def representation_for(user: Any, city: City | int) -> Representative | None:
    """The user's current representative role for ``city``, if any."""
    city_id = city if isinstance(city, int) else city.pk
    return current_representations(user).filter(city_id=city_id).first()


def can_see_representatives(user: Any) -> bool:
    """The list of representatives is for the secretariat and city editors (their cities')."""
    return permissions.is_admin(user) or bool(permissions.editable_city_ids(user))


def user_named(username: str) -> Any | None:
    """The active account with this user name (case-insensitive), if any."""
    if not username:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username__iexact=username, is_active=True).first()


def grant_representative(
    by: Any,
    user: Any,
    city: City,
    *,
    title: str,
    capacity: str,
    until: dt.date | None = None,
) -> Representative:
    """Make ``user`` an authorised representative of ``city`` (secretariat only)."""
    if not permissions.is_admin(by):
        raise PermissionDenied("Only the secretariat authorises representatives of a city.")
    if not title.strip() or not capacity.strip():
        raise EngagementError("A representative needs a title and a capacity.")
    existing = representation_for(user, city)
    if existing is not None:
        raise EngagementError(f"{user} is already a representative of {city.name}.")
    return Representative.objects.create(
        user=user,
        city=city,
        title=title.strip(),
        capacity=capacity.strip(),
        authorised_by=by,
        until=until,
    )


def revoke_representative(by: Any, rep: Representative) -> None:
    """End a representative role (secretariat only); the row and its signatures remain."""
    if not permissions.is_admin(by):
        raise PermissionDenied("Only the secretariat revokes representatives.")
    if rep.revoked_at is None:
        rep.revoked_at = timezone.now()
        rep.revoked_by = by
        rep.save(update_fields=["revoked_at", "revoked_by"])


# ------------------------------------------------------------------------- declarations
def visible_declarations(user: Any) -> QuerySet[Declaration]:
    """Adopted declarations for everyone; drafts for those who may read them."""
    qs = Declaration.objects.all()
    if permissions.role_of(user) in ("admin", "analyst"):
        return qs
    cities = _participant_city_ids(user)
    return qs.filter(~Q(status=DeclarationStatus.DRAFT) | Q(participants__in=cities)).distinct()


def _participant_city_ids(user: Any) -> set[int]:
    """Cities on whose behalf ``user`` takes part in drafting: edited or represented."""
    ids = permissions.editable_city_ids(user)
    ids |= set(current_representations(user).values_list("city_id", flat=True))
    return ids


def can_view(user: Any, declaration: Declaration) -> bool:
    if not declaration.is_draft:
        return True
    if permissions.role_of(user) in ("admin", "analyst"):
        return True
    return declaration.participants.filter(pk__in=_participant_city_ids(user)).exists()


def can_draft(user: Any, declaration: Declaration | None = None) -> bool:
    """Create declarations and versions: the secretariat, on drafts only."""
    if not permissions.is_admin(user):
        return False
    return declaration is None or declaration.is_draft


def comment_cities(user: Any, declaration: Declaration) -> list[City]:
    """Participating cities on whose behalf ``user`` may comment on this draft."""
    if not declaration.is_draft:
        return []
    ids = _participant_city_ids(user)
    if not ids:
        return []
    return list(declaration.participants.filter(pk__in=ids).select_related("country"))


def signable_cities(user: Any, declaration: Declaration) -> list[Representative]:
    """The user's current representations whose city has not signed this declaration."""
    if declaration.status != DeclarationStatus.ADOPTED:
        return []
    signed = Signature.objects.filter(
        declaration=declaration, withdrawn_at__isnull=True, city__isnull=False
    ).values("city_id")
    return list(current_representations(user).exclude(city_id__in=signed))


#: Longest slug of a declaration (the column holds 80; room for a ``-<n>`` suffix).
SLUG_LENGTH = 70


def declaration_slug(title: str) -> str:
    """A free ASCII slug for a new declaration titled ``title``.

    The slug is ``slugify(title)``; a title with nothing ASCII-sluggable (``!!!``, or a
    Cyrillic or Arabic title) gets ``declaration-<n>``. URLs stay ASCII so that every
    ``<slug:>`` route and the API's slug pattern take them. A slug in use gets ``-2``,
    ``-3``... so two titles that slugify alike never collide."""
    base = slugify(title)[:SLUG_LENGTH].strip("-")
    if not base:
        n = Declaration.objects.count() + 1
        while Declaration.objects.filter(slug=f"declaration-{n}").exists():
            n += 1
        return f"declaration-{n}"
    slug, n = base, 1
    while Declaration.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_declaration(
    by: Any,
    *,
    slug: str,
    title: str,
    text: str,
    summary: str = "",
    kind: str = "declaration",
    participants: Iterable[City] = (),
    event: Event | None = None,
    organiser: str = "",
) -> Declaration:
    """A new draft with its first version (secretariat only)."""
    if not can_draft(by):
        raise PermissionDenied("Only the secretariat creates declarations.")
    problems = []
    if not title.strip():
        problems.append("title: expected a title")
    elif len(title) > 300:
        problems.append(f"title: expected at most 300 characters, found {len(title)}")
    if not slug or slug != slugify(slug) or len(slug) > 80:
        problems.append(
            f"slug: expected lower-case ASCII letters, digits and hyphens, not {slug!r}"
        )
    if len(organiser) > 200:
        problems.append(f"organiser: expected at most 200 characters, found {len(organiser)}")
    if not text.strip():
        problems.append("text: the first version needs a text")
    if problems:
        raise EngagementError("; ".join(problems))
    with transaction.atomic():
        d = Declaration.objects.create(
            slug=slug,
            title=title,
            summary=summary,
            kind=kind,
            event=event,
            organiser=organiser,
            created_by=by,
        )
        d.participants.set(list(participants))
        DeclarationVersion.objects.create(
            declaration=d, number=1, text=text, note="first draft", created_by=by
        )
    return d


def add_version(by: Any, declaration: Declaration, text: str, note: str) -> DeclarationVersion:
    """A new version of a draft (secretariat only); numbers run 1, 2, 3..."""
    if not can_draft(by, declaration):
        if not declaration.is_draft:
            raise EngagementError("The declaration is adopted; its text no longer changes.")
        raise PermissionDenied("Only the secretariat edits a draft declaration.")
    if not text.strip():
        raise EngagementError("A version needs a text.")
    with transaction.atomic():
        # Lock the declaration so two editors cannot take the same number.
        Declaration.objects.select_for_update().filter(pk=declaration.pk).first()
        last = declaration.versions.order_by("-number").values_list("number", flat=True).first()
        current = declaration.versions.order_by("-number").first()
        if current is not None and current.text == text:
            raise EngagementError("The text is the same as the current version.")
        return DeclarationVersion.objects.create(
            declaration=declaration,
            number=(last or 0) + 1,
            text=text,
            note=note.strip()[:300],
            created_by=by,
        )


def add_comment(
    by: Any,
    declaration: Declaration,
    city: City,
    *,
    kind: str,
    text: str,
    original: str = "",
    proposed: str = "",
) -> DeclarationComment:
    """A participating city's comment or proposed amendment on the current version."""
    if city not in comment_cities(by, declaration):
        if not declaration.is_draft:
            raise EngagementError("Comments are taken on drafts only.")
        raise PermissionDenied(
            f"You do not take part in drafting this declaration on behalf of {city.name}."
        )
    if kind not in CommentKind.values:
        raise EngagementError(f"kind must be one of {', '.join(CommentKind.values)}")
    if not text.strip():
        raise EngagementError("Write the comment (or the reason for the amendment).")
    version = declaration.current_version()
    if version is None:
        raise EngagementError("The declaration has no text yet.")
    if kind == CommentKind.AMENDMENT:
        if not proposed.strip():
            raise EngagementError("An amendment needs the proposed wording.")
        if original.strip() and original.strip() not in version.text:
            raise EngagementError(
                "The passage to replace was not found in the current version; copy it exactly."
            )
    return DeclarationComment.objects.create(
        declaration=declaration,
        version=version,
        city=city,
        author=by,
        kind=kind,
        text=text.strip(),
        original=original.strip(),
        proposed=proposed.strip(),
    )


def settle_comment(by: Any, comment: DeclarationComment, status: str) -> DeclarationVersion | None:
    """The secretariat marks a comment or amendment accepted or not taken up.

    Accepting an amendment writes it into a new version when that is unambiguous: the passage
    it replaces occurs exactly once in the current version (an amendment without a passage
    adds its wording as a new paragraph). Otherwise (the text moved on since, or the passage
    occurs twice) the amendment is marked accepted and the secretariat merges it by hand.

    Returns
    -------
    DeclarationVersion or None
        The new version, when the amendment was written in.
    """
    if not can_draft(by, comment.declaration):
        raise PermissionDenied("Only the secretariat settles comments on a draft.")
    if status not in CommentStatus.values:
        raise EngagementError(f"status must be one of {', '.join(CommentStatus.values)}")
    with transaction.atomic():
        merged: DeclarationVersion | None = None
        was = comment.status
        comment.status = status
        comment.save(update_fields=["status"])
        if (
            status == CommentStatus.ACCEPTED
            and was != CommentStatus.ACCEPTED
            and comment.kind == CommentKind.AMENDMENT
        ):
            merged = _merge_amendment(by, comment)
    return merged


def merged_text(text: str, original: str, proposed: str) -> str | None:
    """``text`` with the amendment applied, or ``None`` when the passage is not there once."""
    if not original:
        return text.rstrip("\n") + "\n" + proposed
    if text.count(original) != 1:
        return None
    return text.replace(original, proposed, 1)


def _merge_amendment(by: Any, comment: DeclarationComment) -> DeclarationVersion | None:
    current = comment.declaration.current_version()
    if current is None:
        return None
    text = merged_text(current.text, comment.original, comment.proposed)
    if text is None or text == current.text:
        return None
    note = f"Amendment by {comment.city.name} accepted (comment {comment.pk})"
    return add_version(by, comment.declaration, text, note)


def adopt(by: Any, declaration: Declaration, on: dt.date | None = None) -> None:
    """Adopt a draft (secretariat only): its last version becomes the text to sign."""
    if not permissions.is_admin(by):
        raise PermissionDenied("Only the secretariat adopts a declaration.")
    if not declaration.is_draft:
        raise EngagementError("The declaration is already adopted.")
    if declaration.current_version() is None:
        raise EngagementError("A declaration without text cannot be adopted.")
    declaration.status = DeclarationStatus.ADOPTED
    declaration.adopted_on = on or timezone.localdate()
    declaration.adopted_by = by
    with transaction.atomic():
        declaration.save(update_fields=["status", "adopted_on", "adopted_by"])
        notifications.declaration_open(declaration)


def signer_full_name(user: Any) -> str:
    """The full name a signature records for ``user`` ('' when none is on record: the
    user name is never used, a signature names a person)."""
    return str(user.get_full_name() or "").strip()


def sign(
    by: Any,
    declaration: Declaration,
    city: City | int,
    version: DeclarationVersion | None = None,
) -> Signature:
    """Sign ``declaration`` for ``city`` as its current representative, recording the
    signer's full name and title and the text version confirmed.

    ``version`` is the version the signer read and confirmed (the current one when not
    given); a version that is no longer the current one is refused, so nobody signs a
    text that changed under their eyes.

    Raises
    ------
    PermissionDenied
        ``by`` is not a current representative of ``city``.
    EngagementError
        The declaration is not open for signature, the version is not the current one, or
        ``by`` has no full name on record.
    AlreadySignedError
        The city already has a live signature (the database constraint decides, so two
        concurrent signers of one city give one signature and one refusal).
    """
    rep = representation_for(by, city)
    if isinstance(city, int):
        city_name = City.objects.filter(pk=city).values_list("name", flat=True).first()
    else:
        city_name = city.name
    if rep is None:
        raise PermissionDenied(f"You are not an authorised representative of {city_name}.")
    if declaration.status != DeclarationStatus.ADOPTED:
        raise EngagementError("This declaration is not open for signature.")
    current = declaration.current_version()
    if version is not None and (current is None or version.pk != current.pk):
        raise EngagementError(
            "The text changed since you opened it: read the current version and confirm again."
        )
    full_name = signer_full_name(by)
    if not full_name:
        raise EngagementError(
            "A signature records the signer's full name: give your first and last name."
        )
    try:
        with transaction.atomic():
            return Signature.objects.create(
                declaration=declaration,
                city_id=rep.city_id,
                country_id=rep.city.country_id,
                signer=by,
                representative=rep,
                version=version or current,
                signer_name=full_name,
                signer_title=rep.title,
                capacity=rep.capacity,
                source=SignatureSource.PLATFORM,
            )
    except IntegrityError as exc:
        raise AlreadySignedError(f"{city_name} has already signed this declaration.") from exc


def can_withdraw(user: Any, signature: Signature) -> bool:
    if signature.is_withdrawn:
        return False
    if permissions.is_admin(user):
        return True
    return signature.city_id is not None and representation_for(user, signature.city_id) is not None


def withdraw(by: Any, signature: Signature, reason: str) -> None:
    """Withdraw a signature: recorded with who, when and why; the row stays."""
    if not can_withdraw(by, signature):
        if signature.is_withdrawn:
            raise EngagementError("The signature is already withdrawn.")
        raise PermissionDenied("Only the city's representatives or the secretariat withdraw it.")
    if not reason.strip():
        raise EngagementError("Give the reason for the withdrawal.")
    updated = Signature.objects.filter(pk=signature.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=by, withdrawal_reason=reason.strip()[:500]
    )
    if not updated:
        raise EngagementError("The signature is already withdrawn.")
    signature.refresh_from_db()


# ------------------------------------------------------------------------- public page
@dataclass(frozen=True)
class SignatureStats:
    """Counts of a declaration's live signatures, computed in the database."""

    total: int
    matched: int
    on_platform: int
    imported: int
    withdrawn: int
    by_country: list[dict[str, Any]]
    by_region: list[dict[str, Any]]


def signature_stats(declaration: Declaration) -> SignatureStats:
    """Totals, and counts by country and by UN M49 region: GROUP BY in the database, then
    at most one row per country in Python (never a loop over the signatures)."""
    base = Signature.objects.filter(declaration=declaration)
    live = base.filter(withdrawn_at__isnull=True)
    totals = live.aggregate(
        total=Count("pk"),
        matched=Count("pk", filter=Q(city__isnull=False)),
        on_platform=Count("pk", filter=Q(source=SignatureSource.PLATFORM)),
        imported=Count("pk", filter=Q(source=SignatureSource.IMPORTED)),
    )
    withdrawn = base.filter(withdrawn_at__isnull=False).count()
    # One GROUP BY over the signatures (served by an index); names and regions come from
    # the few countries found, so no join runs over every signature.
    groups = list(live.values("country_id", "listed_country").annotate(n=Count("pk")).order_by())
    countries = {
        row["iso2"]: row
        for row in Country.objects.filter(
            pk__in={g["country_id"] for g in groups if g["country_id"]}
        ).values("iso2", "name", "m49_region")
    }
    merged: dict[tuple[str | None, str], int] = {}
    regions: dict[str, int] = {}
    for g in groups:
        country = countries.get(g["country_id"]) if g["country_id"] else None
        key = (
            (country["iso2"], country["name"])
            if country
            else (None, g["listed_country"] or "Not identified")
        )
        merged[key] = merged.get(key, 0) + g["n"]
        region = (country["m49_region"] if country else "") or "Not identified"
        regions[region] = regions.get(region, 0) + g["n"]
    country_rows = [
        {"iso2": k[0], "name": k[1], "n": n, "as_listed": k[0] is None and k[1] != "Not identified"}
        for k, n in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0][1]))
    ]
    by_region = [
        {"region": r, "n": n} for r, n in sorted(regions.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return SignatureStats(
        total=totals["total"],
        matched=totals["matched"],
        on_platform=totals["on_platform"],
        imported=totals["imported"],
        withdrawn=withdrawn,
        by_country=country_rows,
        by_region=by_region,
    )


CSV_COLUMNS = [
    "signer_name",
    "signer_title",
    "capacity",
    "city",
    "geonames_id",
    "country",
    "listed_place",
    "listed_country",
    "signed_at",
    "verification",
    "source_url",
    "withdrawn_at",
    "withdrawal_reason",
]


#: First characters that make a spreadsheet read a cell as a formula (or, for tab and
#: carriage return, that some spreadsheets strip before doing so).
def csv_cell(value: Any) -> Any:
    """``value`` made safe for a spreadsheet: text starting like a formula gets a leading
    ``'`` (OWASP's advice against CSV injection), so it is shown, never evaluated. Numbers
    stay numbers. The project's one guard, :func:`citydiplomacy.io.safe_text.safe_cell`."""
    return safe_cell(value)


def signatures_csv(declaration: Declaration) -> str:
    """Every signature, withdrawn ones included (with their withdrawal), as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = (
        Signature.objects.filter(declaration=declaration)
        .select_related("city", "country")
        .order_by("signed_at", "pk")
    )
    for s in rows.iterator(chunk_size=2000):
        writer.writerow(
            csv_cell(cell)
            for cell in [
                s.signer_name,
                s.signer_title,
                s.capacity,
                s.city.name if s.city else "",
                s.city_id or "",
                s.country.name if s.country else "",
                s.listed_place,
                s.listed_country,
                s.signed_at.isoformat() if s.signed_at else "",
                s.verification,
                s.source_url,
                s.withdrawn_at.isoformat() if s.withdrawn_at else "",
                s.withdrawal_reason,
            ]
        )
    return out.getvalue()


def version_diff(a: DeclarationVersion, b: DeclarationVersion) -> list[textdiff.Piece]:
    return textdiff.word_diff(a.text, b.text)


# ------------------------------------------------------------------------- forum
def set_recommendation_status(by: Any, rec: Recommendation, status: str, note: str = "") -> None:
    """Move a recommendation to ``status`` (secretariat only), keeping the history."""
    if not permissions.is_admin(by):
        raise PermissionDenied("Only the secretariat records the status of recommendations.")
    if status not in STATUS_ORDER:
        raise EngagementError(f"status must be one of {', '.join(STATUS_ORDER)}")
    if status == rec.status:
        raise EngagementError(f"The recommendation is already {rec.get_status_display()}.")
    with transaction.atomic():
        rec.status = status
        rec.save(update_fields=["status"])
        change = RecommendationStatusChange.objects.create(
            recommendation=rec, status=status, note=note.strip()[:500], changed_by=by
        )
        notifications.recommendation_status_changed(change)


# ------------------------------------------------------------------------- calendar
#: Fields of an event that the secretariat sets in the web form (and that an edit changes).
EVENT_FIELDS = (
    "name",
    "kind",
    "start_date",
    "end_date",
    "place",
    "organiser",
    "official_url",
    "source_url",
    "description",
)
#: Words in a host name that mark a pre-production copy of a site (a staging or test
#: server): such an address is not a source readers can rely on to stay, so it is refused.
STAGING_HOST_WORDS = frozenset({"staging", "stage", "preprod", "sandbox", "uat"})


def is_staging_url(url: str) -> bool:
    """Whether ``url``'s host name marks a staging or test copy of a site (one of its
    dot- or hyphen-separated labels is a word of :data:`STAGING_HOST_WORDS`, as in
    ``drupal-main-staging.unece.org``)."""
    host = (urlsplit(url).hostname or "").lower()
    return not STAGING_HOST_WORDS.isdisjoint(host.replace("-", ".").split("."))


def event_url_problem(value: str, field_name: str) -> str | None:
    """Why ``value`` is not an acceptable link of an event, or ``None``: an ``http(s)`` web
    address (see :func:`url_problem`) on a host that is not a staging copy."""
    problem = url_problem(value, field_name)
    if problem is None and value and is_staging_url(value):
        problem = (
            f"{field_name}: {value} is a staging (pre-production) address; give the "
            "organiser's public page"
        )
    return problem


def event_slug(name: str, start: dt.date) -> str:
    """A free ASCII slug for a new event: ``slugify(name)`` plus the year when the name
    lacks it, ``-2``, ``-3``... when taken; ``event-<year>-<n>`` for a name with nothing
    ASCII-sluggable."""
    base = slugify(name)[: SLUG_LENGTH - 5].strip("-") or "event"
    if str(start.year) not in base:
        base = f"{base}-{start.year}"
    slug, n = base, 1
    while Event.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_event(data: dict[str, Any]) -> None:
    problems = [
        p
        for p in (
            event_url_problem(str(data.get("official_url") or ""), "official_url"),
            event_url_problem(str(data.get("source_url") or ""), "source_url"),
        )
        if p
    ]
    if not data.get("source_url"):
        problems.append("source_url: give the organiser's page that states the dates")
    start, end = data.get("start_date"), data.get("end_date")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        problems.append("end_date: the last day comes before the first day")
    if problems:
        raise EngagementError("; ".join(problems))


def create_event(by: Any, data: dict[str, Any], tags: Iterable[Tag] = ()) -> Event:
    """Record an event (secretariat only), its dates stated by ``data['source_url']``.

    Raises
    ------
    PermissionDenied
        ``by`` is not the secretariat.
    EngagementError
        A link is not an ``http(s)`` address (or is a staging copy), the source is
        missing, or the dates are out of order; nothing is written.
    """
    if not permissions.is_admin(by):
        raise PermissionDenied("Only the secretariat maintains the calendar.")
    _check_event(data)
    with transaction.atomic():
        event = Event.objects.create(
            slug=event_slug(str(data["name"]), data["start_date"]),
            created_by=by,
            **{k: data[k] for k in EVENT_FIELDS if k in data},
        )
        event.tags.set(list(tags))
    return event


def update_event(by: Any, event: Event, data: dict[str, Any], tags: Iterable[Tag] = ()) -> Event:
    """Change an event's facts (secretariat only); the slug (and the feeds' UID) stays."""
    if not permissions.is_admin(by):
        raise PermissionDenied("Only the secretariat maintains the calendar.")
    _check_event(data)
    with transaction.atomic():
        for key in EVENT_FIELDS:
            if key in data:
                setattr(event, key, data[key])
        event.save()
        event.tags.set(list(tags))
    return event


def cancel_event(by: Any, event: Event, reason: str) -> Event:
    """Mark an event cancelled (secretariat only): the row stays, shown as cancelled, and
    the calendar feeds carry ``STATUS:CANCELLED`` so subscribers' calendars update."""
    if not permissions.is_admin(by):
        raise PermissionDenied("Only the secretariat maintains the calendar.")
    reason = reason.strip()
    if not reason:
        raise EngagementError("Give the reason for the cancellation (with its source).")
    updated = Event.objects.filter(pk=event.pk, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now(),
        cancelled_by=by,
        cancellation_reason=reason[:500],
        updated_at=timezone.now(),
    )
    if not updated:
        raise EngagementError("The event is already cancelled.")
    event.refresh_from_db()
    return event


def upcoming_events(today: dt.date | None = None, months: int = 12) -> QuerySet[Event]:
    """Events not yet over that start within ``months`` months of ``today`` (cancelled
    ones included: they are shown as cancelled)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=round(months * 30.44))
    return Event.objects.filter(end_date__gte=today, start_date__lte=horizon)


def upcoming_deadlines(city: City, today: dt.date | None = None) -> QuerySet[Deadline]:
    """Deadlines still ahead of events that ``city`` takes part in."""
    today = today or timezone.localdate()
    return (
        Deadline.objects.filter(event__cities=city, due_date__gte=today)
        .select_related("event")
        .order_by("due_date", "title")
    )


# ------------------------------------------------------------------------- commitments
def kpi_observations(user: Any, commitment: Commitment) -> dict[int, float]:
    """The city's values of the commitment's measure that ``user`` may read, by year."""
    from citydiplomacy.web.indicators.services import visible_values

    rows = visible_values(user).filter(city_id=commitment.city_id, measure=commitment.measure)
    return {int(y): float(v) for y, v in rows.values_list("year", "value")}


def measure_info(measure: str) -> dict[str, Any] | None:
    """Name, unit and direction of a framework measure, or ``None`` if unknown."""
    info = _measure_table().get(measure)
    return dict(info) if info is not None else None


@functools.cache
def _measure_table() -> dict[str, dict[str, Any]]:
    """Every measure of the platform's framework (read once: the framework is fixed for the
    process, see ``indicators.services.framework``)."""
    from citydiplomacy.web.indicators.services import framework

    table = framework().to_table()
    out: dict[str, dict[str, Any]] = {}
    for code, name, unit, direction in zip(
        table["code"].astype(str),
        table["name"].astype(str),
        table["unit"].fillna("").astype(str),
        pd.to_numeric(table["direction"], errors="coerce").fillna(0).astype(int),
        strict=True,
    ):
        # a missing direction is two-sided (0)
        out[code] = {"code": code, "name": name, "unit": unit, "direction": int(direction)}
    return out


def commitment_path(commitment: Commitment) -> rule.Path:
    info = measure_info(commitment.measure)
    return rule.Path(
        commitment.baseline_year,
        commitment.baseline_value,
        commitment.target_year,
        commitment.target_value,
        info["direction"] if info else 1,
    )


def progress(user: Any, commitment: Commitment) -> rule.Progress:
    """The commitment's progress on the KPI values ``user`` may read."""
    return rule.assess(commitment_path(commitment), kpi_observations(user, commitment))


#: Bounds that keep NaN and the infinities out of the latest-value lookup (PostgreSQL sorts
#: NaN above every number; the rule ignores non-finite values).
_FINITE = {"value__gte": -sys.float_info.max, "value__lte": sys.float_info.max}


def with_latest_value(qs: QuerySet[Commitment], user: Any) -> QuerySet[Commitment]:
    """``qs`` annotated with the year and value of the latest KPI value after each
    commitment's baseline year that ``user`` may read (``latest_year``, ``latest_value``;
    ``None`` when there is none).

    The linear-path rule assesses exactly that observation (:func:`rule.assess` takes the
    latest finite value of a year after the baseline), so a list of commitments is
    assessed from one query, never one query per commitment."""
    from citydiplomacy.web.indicators.services import visible_values

    latest = (
        visible_values(user)
        .filter(
            city_id=OuterRef("city_id"),
            measure=OuterRef("measure"),
            year__gt=OuterRef("baseline_year"),
            **_FINITE,
        )
        .order_by("-year")
    )
    return qs.annotate(
        latest_year=Subquery(latest.values("year")[:1]),
        latest_value=Subquery(latest.values("value")[:1]),
    )


def assessed(commitments: Iterable[Commitment]) -> list[tuple[Commitment, rule.Progress]]:
    """Each commitment of a :func:`with_latest_value` query with its progress (no query)."""
    out = []
    for c in commitments:
        year = getattr(c, "latest_year", None)
        value = getattr(c, "latest_value", None)
        observations = {} if year is None or value is None else {int(year): float(value)}
        out.append((c, rule.assess(commitment_path(c), observations)))
    return out


def progress_of(user: Any, qs: QuerySet[Commitment]) -> list[tuple[Commitment, rule.Progress]]:
    """The commitments of ``qs`` with their progress on what ``user`` may read: one query."""
    return assessed(with_latest_value(qs, user))


#: Longest texts of a commitment (the columns' ``max_length``).
_COMMITMENT_LENGTHS = {"title": 300, "network": 200, "measure": 64}


def _year(data: dict[str, Any], key: str, problems: list[str]) -> int | None:
    """A year of the commitment, or ``None`` with the problem recorded."""
    raw = str(data.get(key, "")).strip()
    try:
        year = int(raw)
    except ValueError:
        problems.append(f"{key}: expected a year such as 2030, found {raw!r}")
        return None
    if not YEAR_MIN <= year <= YEAR_MAX:
        problems.append(f"{key}: expected a year from {YEAR_MIN} to {YEAR_MAX}, found {year}")
        return None
    return year


def _number(data: dict[str, Any], key: str, problems: list[str]) -> float | None:
    """A finite value of the commitment, or ``None`` with the problem recorded."""
    raw = str(data.get(key, "")).strip()
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{key}: expected a number, found {raw!r}")
        return None
    if not math.isfinite(value):
        problems.append(f"{key}: expected a finite number, found {raw!r}")
        return None
    return value


def record_commitment(by: Any, city: City, data: dict[str, Any]) -> Commitment:
    """Record a city's commitment (editors of the city and the secretariat).

    ``data`` holds title, origin, measure, baseline_year, baseline_value, target_year,
    target_value and optionally declaration, declaration_commitment, network, source_url.
    A declaration named must be adopted or closed (a draft is not public, and a pledge
    cannot come from a text that is not agreed). Raises :class:`EngagementError` with
    every problem found, field by field.
    """
    if not permissions.can_edit_city(by, city):
        raise PermissionDenied(f"You do not edit the data of {city.name}.")
    problems: list[str] = []
    for key, limit in _COMMITMENT_LENGTHS.items():
        text = str(data.get(key, "")).strip()
        if len(text) > limit:
            problems.append(f"{key}: expected at most {limit} characters, found {len(text)}")
    info = measure_info(str(data.get("measure", "")))
    if info is None:
        measure = str(data.get("measure", ""))[:70]
        problems.append(f"measure: {measure!r} is not a measure of the framework")
    if data.get("origin") not in CommitmentOrigin.values:
        problems.append(f"origin: expected one of {', '.join(CommitmentOrigin.values)}")
    if not str(data.get("title", "")).strip():
        problems.append("title: expected a short description of the pledge")
    years = [_year(data, "baseline_year", problems), _year(data, "target_year", problems)]
    values = [_number(data, "baseline_value", problems), _number(data, "target_value", problems)]
    path = None
    if None not in years and None not in values:
        try:
            path = rule.Path(
                int(years[0] or 0),
                float(values[0] or 0.0),
                int(years[1] or 0),
                float(values[1] or 0.0),
                info["direction"] if info else 1,
            )
        except ValueError as exc:
            problems.append(f"baseline and target: {exc}")
    if path is not None and rule.path_direction_conflicts(path):
        word = "lower" if path.direction == -1 else "higher"
        problems.append(
            f"target: for this KPI {word} is better, but the target moves the other way"
        )
    declaration: Declaration | None = data.get("declaration")
    item: DeclarationCommitment | None = data.get("declaration_commitment")
    if item is not None and declaration is None:
        declaration = item.declaration
    if item is not None and item.declaration_id != getattr(declaration, "pk", None):
        problems.append("declaration_commitment: the commitment is not one of that declaration")
    elif declaration is not None and declaration.status == DeclarationStatus.DRAFT:
        # Same message whether or not the draft exists for this user: a draft is not public.
        problems.append("declaration_commitment: expected a commitment of an adopted declaration")
    if data.get("origin") == CommitmentOrigin.DECLARATION and declaration is None:
        problems.append("declaration: a pledge from a declaration names the declaration")
    if data.get("origin") == CommitmentOrigin.NETWORK and not str(data.get("network", "")):
        problems.append("network: name the network the pledge was made in")
    source_url = str(data.get("source_url", "")).strip()
    url_issue = url_problem(source_url, "source_url")
    if url_issue is not None:
        problems.append(url_issue)
    if problems:
        raise EngagementError("; ".join(problems))
    assert path is not None
    return Commitment.objects.create(
        city=city,
        title=str(data["title"]).strip(),
        origin=data["origin"],
        declaration=declaration,
        declaration_commitment=item,
        network=str(data.get("network", "")).strip(),
        measure=str(data["measure"]),
        baseline_year=path.baseline_year,
        baseline_value=path.baseline_value,
        target_year=path.target_year,
        target_value=path.target_value,
        source_url=source_url,
        synthetic=bool(data.get("synthetic", False)),
        created_by=by,
    )


def adopted_items() -> QuerySet[DeclarationCommitment]:
    """Commitments of adopted or closed declarations: those a city may pledge on."""
    return (
        DeclarationCommitment.objects.exclude(declaration__status=DeclarationStatus.DRAFT)
        .select_related("declaration")
        .order_by("declaration__title", "number")
    )


def off_track(user: Any, city: City) -> list[tuple[Commitment, rule.Progress]]:
    """The city's commitments that are off track on the data ``user`` may read (one
    query)."""
    rows = progress_of(user, Commitment.objects.filter(city=city).order_by("target_year", "title"))
    return [(c, p) for c, p in rows if p.status == rule.Status.OFF_TRACK]


# ------------------------------------------------------------------------- importing
#: Country names as signatory lists write them -> ISO 3166 alpha-2 (others match by name).
COUNTRY_ALIASES = {
    "usa": "US",
    "united states": "US",
    "united states of america": "US",
    "uk": "GB",
    "united kingdom": "GB",
    "gambia": "GM",
    "taiwan": "TW",
    "palestine": "PS",
    "democratic republic of the congo": "CD",
    "czech republic": "CZ",
    "south korea": "KR",
    "north macedonia": "MK",
    "kosovo": "XK",
    "turkey": "TR",
    "turkiye": "TR",
    "russia": "RU",
    "moldova": "MD",
    "ivory coast": "CI",
}


def _without_article(name: str) -> str:
    key = normalise_name(name)
    return key[4:] if key.startswith("the ") else key


def country_code(name: str) -> str | None:
    """ISO alpha-2 of a country as a list writes it ("the Netherlands", "USA"), or None."""
    key = _without_article(name)
    if not key:
        return None
    if key in COUNTRY_ALIASES:
        code = COUNTRY_ALIASES[key]
        return code if Country.objects.filter(pk=code).exists() else None
    for iso2, cname in Country.objects.values_list("iso2", "name"):
        if _without_article(cname) == key:
            return str(iso2)
    return None


@dataclass(frozen=True)
class ListedSignatory:
    """One entry of a published list of signatories."""

    row: int
    name: str
    title: str
    place: str
    country: str


@dataclass
class ImportReport:
    """The outcome of an import: counts, and every unmatched entry with its reason."""

    declaration: str
    source_name: str
    n_rows: int = 0
    n_matched: int = 0
    n_created: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"{self.declaration}: {self.n_rows} signatories listed, {self.n_matched} matched to "
            f"the registry, {len(self.unmatched)} not matched, {self.n_created} signatures "
            "created"
        ]
        for u in self.unmatched:
            out.append(f"  row {u['row']}: {u['name']} ({u['place'] or '?'}): {u['reason']}")
        return out


def _match_city(place: str, iso2: str | None, europe_only: bool) -> tuple[City | None, str, bool]:
    """The registry city a listed place names: ``(city, reason if none, by its own name)``.

    A city's own name is tried first, then its alternate names; several candidates are
    ambiguous and none is chosen (the report says so)."""
    if not place.strip():
        return None, "the list gives no place", False
    key = normalise_name(place)
    cities = City.objects.all()
    if iso2:
        cities = cities.filter(country_id=iso2)
    elif europe_only:
        cities = cities.filter(country__continent="EU")
    names = CityName.objects.filter(normalised=key, city__in=cities)
    by_main = True
    hits = list(cities.filter(name__iexact=place.strip()).values_list("pk", flat=True))
    if not hits:
        hits = list(names.filter(is_main=True).values_list("city_id", flat=True).distinct())
    if not hits:
        by_main = False
        hits = list(names.values_list("city_id", flat=True).distinct())
    where = f" in {iso2}" if iso2 else (" in Europe" if europe_only else "")
    if len(hits) == 1:
        return City.objects.select_related("country").get(pk=hits[0]), "", by_main
    if not hits:
        return (
            None,
            f"no city named {place!r}{where} in the registry (cities of 15,000 inhabitants "
            "or more)",
            False,
        )
    return None, f"{place!r}{where} matches {len(hits)} registry cities; not chosen", False


def read_listed(file_name: str, content: str) -> list[ListedSignatory]:
    """Entries of a signatory list file: the GPM CSV (``city_name, country, wikidata_id,
    mayor_name, mayor_title``) or a city-vote JSON (a list of votes, or an object whose
    values hold ``votes``).

    Problems are collected, then raised together, one a line: ``file:line:column: expected
    ...`` for CSV (1-based line of the file and column of the cell), ``file: item N
    (path), field F: expected ...`` for JSON. A leading byte-order mark is ignored.
    """
    content = content.removeprefix("\ufeff")
    if file_name.endswith(".csv"):
        return _read_csv(file_name, content)
    if file_name.endswith(".json"):
        return _read_json(file_name, content)
    raise EngagementError(f"{file_name}: expected a .csv or .json file")


def _read_csv(file_name: str, content: str) -> list[ListedSignatory]:
    problems: list[str] = []
    out: list[ListedSignatory] = []
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [c.strip() for c in next(reader, [])]
    except csv.Error as exc:
        raise EngagementError(f"{file_name}:1:1: expected CSV ({exc})") from exc
    needed = ["city_name", "country", "mayor_name", "mayor_title"]
    missing = [c for c in needed if c not in header]
    if missing:
        raise EngagementError(
            f"{file_name}:1:1: expected the columns {', '.join(needed)} "
            f"(missing {', '.join(missing)})"
        )
    col = {c: header.index(c) for c in needed}
    line = reader.line_num  # the record's first line is the line after the previous one
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"{file_name}:{reader.line_num}:1: expected CSV ({exc})")
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            # The first column that is missing, or the first one too many (1-based).
            column = min(len(row), len(header)) + 1
            problems.append(
                f"{file_name}:{start}:{column}: expected {len(header)} columns, found {len(row)}"
            )
            continue
        name = row[col["mayor_name"]].strip()
        if not name:
            problems.append(
                f"{file_name}:{start}:{col['mayor_name'] + 1}: expected the signatory's name"
            )
            continue
        out.append(
            ListedSignatory(
                start,
                name,
                row[col["mayor_title"]].strip(),
                row[col["city_name"]].strip(),
                row[col["country"]].strip(),
            )
        )
    if problems:
        raise EngagementError("\n".join(problems))
    return out


def _read_json(file_name: str, content: str) -> list[ListedSignatory]:
    problems: list[str] = []
    out: list[ListedSignatory] = []
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise EngagementError(
            f"{file_name}:{exc.lineno}:{exc.colno}: expected JSON ({exc.msg})"
        ) from exc
    votes: list[tuple[str, Any]] = []  # (JSON path of the item, item)
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict) and isinstance(value.get("votes"), list):
                votes.extend(
                    (f"{json.dumps(key, ensure_ascii=False)}.votes[{j}]", v)
                    for j, v in enumerate(value["votes"])
                )
    elif isinstance(data, list):
        votes = [(f"[{j}]", v) for j, v in enumerate(data)]
    else:
        raise EngagementError(f"{file_name}:1:1: expected a list of votes or statements")
    for i, (where, vote) in enumerate(votes, start=1):
        item = f"{file_name}: item {i} ({where})"
        if not isinstance(vote, dict):
            problems.append(f"{item}: expected an object, found {type(vote).__name__}")
            continue
        author = vote.get("author")
        if not isinstance(author, dict) or not str(author.get("name") or "").strip():
            problems.append(f"{item}, field author.name: expected the signatory's name")
            continue
        if vote.get("vote") != "Sign":
            problems.append(
                f"{item}, field vote: expected 'Sign', found {json.dumps(vote.get('vote'))}"
            )
            continue
        out.append(
            ListedSignatory(
                i,
                str(author["name"]).strip(),
                str(author.get("title") or "").strip(),
                str(vote.get("organisationNameFallback") or "").strip(),
                "",
            )
        )
    if problems:
        raise EngagementError("\n".join(problems))
    return out


def import_signatories(
    declaration: Declaration,
    entries: Sequence[ListedSignatory],
    *,
    source_name: str,
    source_url: str,
    file_name: str,
    signed_at: dt.datetime | None,
    europe_only: bool = False,
) -> ImportReport:
    """Import a published list of signatories, all or nothing, matched to the registry.

    Each entry becomes an imported signature; when its place matches exactly one registry
    city (in the given country, or in Europe for a European network's list without
    countries) the signature is that city's, else it stays unmatched with the reason. A
    second entry for an already matched city stays unmatched too (one signature per city).
    Importing the same source again replaces nothing and adds nothing: it is refused.
    """
    check_url(source_url, "source_url")
    if not source_url:
        raise EngagementError("source_url: expected where the list is published")
    if Signature.objects.filter(declaration=declaration, source_url=source_url).exists():
        raise EngagementError(f"{source_url} has already been imported into {declaration.slug}")
    report = ImportReport(declaration.slug, source_name, n_rows=len(entries))
    taken = set(
        Signature.objects.filter(
            declaration=declaration, withdrawn_at__isnull=True, city__isnull=False
        ).values_list("city_id", flat=True)
    )
    codes: dict[str, str | None] = {}
    matches: list[tuple[City | None, str, bool]] = []
    for e in entries:
        iso2 = None
        if e.country:
            if e.country not in codes:
                codes[e.country] = country_code(e.country)
            iso2 = codes[e.country]
        if e.country and iso2 is None:
            matches.append((None, f"country {e.country!r} not recognised", False))
        else:
            matches.append(_match_city(e.place, iso2, europe_only and not e.country))
    # One signature per city: entries naming a city by its own name take it before entries
    # that reached it through an alternate name, then list order decides.
    order = sorted(range(len(entries)), key=lambda i: (not matches[i][2], i))
    for i in order:
        city, reason, _ = matches[i]
        if city is not None and city.pk in taken:
            matches[i] = (None, f"{city.name} already has a signature on this declaration", False)
        elif city is not None:
            taken.add(city.pk)
    rows: list[Signature] = []
    for e, (city, reason, _) in zip(entries, matches, strict=True):
        iso2 = codes.get(e.country) if e.country else None
        if city is not None:
            report.n_matched += 1
        else:
            report.unmatched.append(
                {"row": e.row, "name": e.name, "place": e.place, "reason": reason}
            )
        rows.append(
            Signature(
                declaration=declaration,
                city=city,
                country_id=city.country_id if city else iso2,
                signer_name=e.name[:200],
                signer_title=e.title[:300],
                capacity="mayor or city leader, as listed",
                signed_at=signed_at,
                source=SignatureSource.IMPORTED,
                source_name=source_name,
                source_url=source_url,
                listed_place=e.place[:200],
                listed_country=e.country[:100],
                match_note=reason[:300],
            )
        )
    with transaction.atomic():
        Signature.objects.bulk_create(rows)
        SignatoryImport.objects.create(
            declaration=declaration,
            source_name=source_name,
            source_url=source_url,
            file_name=file_name,
            n_rows=report.n_rows,
            n_matched=report.n_matched,
            unmatched=report.unmatched,
        )
    report.n_created = len(rows)
    return report
