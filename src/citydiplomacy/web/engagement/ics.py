"""iCalendar feeds (RFC 5545) of events and their deadlines, built with ``icalendar``.

Each event is an all-day ``VEVENT`` (``DTSTART``/``DTEND`` as DATE values; ``DTEND`` is the
day *after* the last day, as RFC 5545 makes it exclusive). Each deadline is a separate
all-day ``VEVENT`` of one day, because calendar clients import ``VEVENT`` everywhere while
``VTODO`` support is patchy. UIDs are stable (``event-<slug>@citydiplomacy``,
``deadline-<id>@citydiplomacy``), so a client updates an entry instead of duplicating it;
``DTSTAMP`` and ``LAST-MODIFIED`` are the record's last change, in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from icalendar import Calendar
from icalendar import Event as VEvent

from citydiplomacy.web.engagement.models import Deadline, Event

PRODID = "-//citydiplomacy//multilateral engagement calendar//EN"
UID_DOMAIN = "citydiplomacy"


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def event_component(event: Event, base_url: str) -> VEvent:
    v = VEvent()
    v.add("uid", f"event-{event.slug}@{UID_DOMAIN}")
    v.add("dtstamp", _utc(event.updated_at))
    v.add("last-modified", _utc(event.updated_at))
    v.add("summary", f"Cancelled: {event.name}" if event.is_cancelled else event.name)
    v.add("dtstart", event.start_date)
    v.add("dtend", event.end_date + dt.timedelta(days=1))
    v.add("location", event.place)
    tags = ", ".join(t.name for t in event.tags.all())
    lines = [
        f"Cancelled: {event.cancellation_reason}" if event.is_cancelled else "",
        event.get_kind_display(),
        f"Organiser: {event.organiser}",
        event.description,
        f"Tags: {tags}" if tags else "",
        f"Source of the dates: {event.source_url}",
    ]
    v.add("description", "\n".join(line for line in lines if line))
    v.add("url", event.official_url or f"{base_url}{event.get_absolute_url()}")
    v.add("categories", [event.get_kind_display(), *(t.name for t in event.tags.all())])
    v.add("transp", "TRANSPARENT")
    # A cancelled event stays in the feed under its UID, so that subscribed calendars mark
    # it cancelled (RFC 5545 3.8.1.11) instead of keeping a stale entry.
    v.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    return v


def deadline_component(deadline: Deadline, base_url: str) -> VEvent:
    v = VEvent()
    v.add("uid", f"deadline-{deadline.pk}@{UID_DOMAIN}")
    v.add("dtstamp", _utc(deadline.updated_at))
    v.add("last-modified", _utc(deadline.updated_at))
    v.add("summary", f"Deadline: {deadline.title} ({deadline.event.name})")
    v.add("dtstart", deadline.due_date)
    v.add("dtend", deadline.due_date + dt.timedelta(days=1))
    v.add(
        "description",
        f"{deadline.get_kind_display()} deadline of {deadline.event.name}.\n"
        f"Source: {deadline.source_url}",
    )
    v.add("url", f"{base_url}{deadline.event.get_absolute_url()}")
    v.add("categories", ["Deadline", deadline.get_kind_display()])
    v.add("transp", "TRANSPARENT")
    v.add("status", "CANCELLED" if deadline.event.is_cancelled else "CONFIRMED")
    return v


def calendar(
    name: str, events: Iterable[Event], deadlines: Iterable[Deadline], base_url: str
) -> bytes:
    """The feed as bytes (CRLF line endings, folded lines, UTF-8)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(event_component(event, base_url))
    for deadline in deadlines:
        cal.add_component(deadline_component(deadline, base_url))
    return bytes(cal.to_ical())
