"""The reporting cycle's deadlines: the secretariat sets, per reporting year, the date by
which cities submit their KPI data; every city editor is told ``notice_days`` days before it
(in the inbox, and by e-mail at once or in the daily digest, as they chose), once per
deadline and due date (a moved date is news, so it is told again).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from citydiplomacy.web.notifications.models import (
    NOTICE_DAYS_MAX,
    Kind,
    Notification,
    ReportingDeadline,
)

#: Most city names listed in one editor's notice (an editor of many cities gets a count).
MAX_CITY_NAMES = 10


def deadlines() -> QuerySet[ReportingDeadline]:
    """All reporting deadlines, the latest reporting year first."""
    return ReportingDeadline.objects.select_related("set_by").order_by("-year")


def save(deadline: ReportingDeadline, by: Any) -> ReportingDeadline:
    """Record a deadline (new or edited) set by the secretariat user ``by``.

    A deadline whose notice period has already begun is told at once (after the commit),
    not at the next daily run: editors then have every day there is left."""
    deadline.set_by = by
    with transaction.atomic():
        deadline.save()
        transaction.on_commit(lambda: notify_coming())
    return deadline


def delete(deadline: ReportingDeadline) -> None:
    """Remove a deadline; notices already sent stay in the inboxes (they were true)."""
    deadline.delete()


def due_for_notice(today: dt.date) -> list[ReportingDeadline]:
    """Deadlines not yet past whose notice period has begun on ``today``."""
    near = ReportingDeadline.objects.filter(
        due_date__gte=today, due_date__lte=today + dt.timedelta(days=NOTICE_DAYS_MAX)
    )
    return [d for d in near if (d.due_date - today).days <= d.notice_days]


def _editors_and_cities() -> dict[int, tuple[Any, list[list[Any]]]]:
    """Active city editors with at least one city, and their cities (``[id, name]``)."""
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(is_active=True, membership__role="editor", membership__cities__isnull=False)
        .distinct()
    }
    names: dict[int, list[list[Any]]] = defaultdict(list)
    from citydiplomacy.web.accounts.models import CityAssignment

    rows = CityAssignment.objects.filter(membership__user_id__in=list(users)).order_by("city__name")
    for user_id, city_id, name in rows.values_list("membership__user_id", "city_id", "city__name"):
        names[user_id].append([city_id, name])
    return {pk: (u, names[pk]) for pk, u in users.items()}


def _cities_params(cities: list[list[Any]]) -> dict[str, Any]:
    """The first :data:`MAX_CITY_NAMES` cities named, the rest counted."""
    return {"cities": cities[:MAX_CITY_NAMES], "more": max(0, len(cities) - MAX_CITY_NAMES)}


def notify_coming(today: dt.date | None = None) -> int:
    """Tell every city editor of each deadline whose notice period has begun (once per
    deadline and due date). Returns the number of notifications written."""
    from citydiplomacy.web.notifications.services import notify

    today = today or timezone.localdate()
    due = due_for_notice(today)
    if not due:
        return 0
    editors = _editors_and_cities()
    link = reverse("notifications:reporting-deadlines")
    n = 0
    for deadline in due:
        days = (deadline.due_date - today).days
        key = f"reporting:{deadline.pk}:{deadline.due_date.isoformat()}"
        # Those already told are skipped here (the key would make their row a no-op anyway),
        # so the count is of notices actually written.
        told = set(Notification.objects.filter(key=key).values_list("user_id", flat=True))
        for pk, (user, names) in editors.items():
            if pk in told:
                continue
            n += notify(
                [user],
                Kind.REPORTING_DEADLINE,
                {
                    "deadline": deadline.pk,
                    "year": deadline.year,
                    "due_date": deadline.due_date.isoformat(),
                    "days": days,
                    **_cities_params(names),
                    "note": deadline.note,
                },
                link=link,
                key=key,
            )
    return n
