"""Representatives: who may sign for which city (the secretariat grants and revokes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement.models import (
    Representative,
)
from citydiplomacy.web.engagement.services.common import (
    EngagementError,
    Message,
)


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
        raise PermissionDenied(_("Only the secretariat authorises representatives of a city."))
    if not title.strip() or not capacity.strip():
        raise EngagementError(_("A representative needs a title and a capacity."))
    existing = representation_for(user, city)
    if existing is not None:
        raise EngagementError(
            Message(
                _("%(user)s is already a representative of %(city)s."),
                user=str(user),
                city=city.name,
            )
        )
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
        raise PermissionDenied(_("Only the secretariat revokes representatives."))
    if rep.revoked_at is None:
        rep.revoked_at = timezone.now()
        rep.revoked_by = by
        rep.save(update_fields=["revoked_at", "revoked_by"])
