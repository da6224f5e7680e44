"""The calendar: events (created, edited, cancelled by the secretariat) and deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement.models import (
    Deadline,
    Event,
    Tag,
)
from citydiplomacy.web.engagement.services.common import (
    REASON_MAX_LENGTH,
    SLUG_LENGTH,
    EngagementError,
    Message,
    check_length,
    url_problem,
)

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


def event_url_problem(value: str, field_name: str) -> Message | None:
    """Why ``value`` is not an acceptable link of an event, or ``None``: an ``http(s)`` web
    address (see :func:`url_problem`) on a host that is not a staging copy."""
    problem = url_problem(value, field_name)
    if problem is None and value and is_staging_url(value):
        problem = Message(
            _("%(url)s is a staging (pre-production) address; give the organiser's public page"),
            field_name,
            url=value,
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
    problems: list[Message] = [
        p
        for p in (
            event_url_problem(str(data.get("official_url") or ""), "official_url"),
            event_url_problem(str(data.get("source_url") or ""), "source_url"),
        )
        if p
    ]
    if not data.get("source_url"):
        problems.append(Message(_("give the organiser's page that states the dates"), "source_url"))
    start, end = data.get("start_date"), data.get("end_date")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        problems.append(Message(_("the last day comes before the first day"), "end_date"))
    if problems:
        raise EngagementError(*problems)


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
        raise PermissionDenied(_("Only the secretariat maintains the calendar."))
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
        raise PermissionDenied(_("Only the secretariat maintains the calendar."))
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
        raise PermissionDenied(_("Only the secretariat maintains the calendar."))
    reason = reason.strip()
    if not reason:
        raise EngagementError(_("Give the reason for the cancellation (with its source)."))
    check_length(reason, "reason", REASON_MAX_LENGTH)  # an error, never cut
    updated = Event.objects.filter(pk=event.pk, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now(),
        cancelled_by=by,
        cancellation_reason=reason,
        updated_at=timezone.now(),
    )
    if not updated:
        raise EngagementError(_("The event is already cancelled."))
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
