"""Signatures: signing, withdrawing, the counts of the public page and the CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citydiplomacy.io.safe_text import safe_cell
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City, Country
from citydiplomacy.web.engagement.models import (
    Declaration,
    DeclarationStatus,
    DeclarationVersion,
    Signature,
    SignatureSource,
)
from citydiplomacy.web.engagement.services.common import (
    REASON_MAX_LENGTH,
    AlreadySignedError,
    EngagementError,
    Message,
    check_length,
)
from citydiplomacy.web.engagement.services.roles import (
    representation_for,
)


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
        raise PermissionDenied(
            Message(_("You are not an authorised representative of %(city)s."), city=city_name)
        )
    if declaration.status != DeclarationStatus.ADOPTED:
        raise EngagementError(_("This declaration is not open for signature."))
    current = declaration.current_version()
    if version is not None and (current is None or version.pk != current.pk):
        raise EngagementError(
            _("The text changed since you opened it: read the current version and confirm again.")
        )
    full_name = signer_full_name(by)
    if not full_name:
        raise EngagementError(
            _("A signature records the signer's full name: give your first and last name.")
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
        raise AlreadySignedError(
            Message(_("%(city)s has already signed this declaration."), city=city_name)
        ) from exc


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
            raise EngagementError(_("The signature is already withdrawn."))
        raise PermissionDenied(_("Only the city's representatives or the secretariat withdraw it."))
    reason = reason.strip()
    if not reason:
        raise EngagementError(_("Give the reason for the withdrawal."))
    check_length(reason, "reason", REASON_MAX_LENGTH)  # an error, never cut
    updated = Signature.objects.filter(pk=signature.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=by, withdrawal_reason=reason
    )
    if not updated:
        raise EngagementError(_("The signature is already withdrawn."))
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
