"""Forum recommendations: the status the secretariat records, with its history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.engagement.models import (
    STATUS_ORDER,
    Recommendation,
    RecommendationStatus,
    RecommendationStatusChange,
)
from citydiplomacy.web.engagement.services.common import (
    REASON_MAX_LENGTH,
    EngagementError,
    Message,
    check_length,
)
from citydiplomacy.web.notifications import services as notifications


def set_recommendation_status(by: Any, rec: Recommendation, status: str, note: str = "") -> None:
    """Move a recommendation to ``status`` (secretariat only), keeping the history."""
    if not permissions.is_admin(by):
        raise PermissionDenied(_("Only the secretariat records the status of recommendations."))
    if status not in STATUS_ORDER:
        raise EngagementError(
            Message(_("must be one of %(choices)s"), "status", choices=", ".join(STATUS_ORDER))
        )
    note = note.strip()
    check_length(note, "note", REASON_MAX_LENGTH)  # an error, never cut
    if status == rec.status:
        raise EngagementError(
            Message(
                _("The recommendation is already %(status)s."),
                status=RecommendationStatus(rec.status).label,
            )
        )
    with transaction.atomic():
        rec.status = status
        rec.save(update_fields=["status"])
        change = RecommendationStatusChange.objects.create(
            recommendation=rec, status=status, note=note, changed_by=by
        )
        notifications.recommendation_status_changed(change)
