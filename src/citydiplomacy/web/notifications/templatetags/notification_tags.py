"""``{% unread_notifications %}``: the signed-in user's unread count, for the navigation."""

from __future__ import annotations

from typing import Any

from django import template

from citydiplomacy.web.notifications import services

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return services.unread_count(user) if user is not None else 0
