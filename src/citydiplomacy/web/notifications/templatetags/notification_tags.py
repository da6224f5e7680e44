"""``{% unread_notifications %}``: the signed-in user's unread count, for the navigation; the
``day`` and ``day_time`` date filters (:mod:`citydiplomacy.web.dates`)."""

from __future__ import annotations

from typing import Any

from django import template

from citydiplomacy.web.dates import short_date, short_datetime
from citydiplomacy.web.notifications import services

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return services.unread_count(user) if user is not None else 0


@register.filter
def day(value: Any) -> str:
    """A date as "6 Aug 2026" / "6 août 2026" (the page's language, Babel)."""
    return short_date(value)


@register.filter
def day_time(value: Any) -> str:
    """A date-time as "6 Aug 2026 14:05" / "6 août 2026 14:05"."""
    return short_datetime(value)
