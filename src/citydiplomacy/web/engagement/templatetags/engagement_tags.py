"""Template filters of the engagement pages."""

from __future__ import annotations

from django import template

from citydiplomacy.web.indicators.charts import fmt_value

register = template.Library()


@register.filter
def num(value: float | None) -> str:
    """A value with as many decimals as it needs ("264.6", not "264.600")."""
    return fmt_value(value)


@register.filter
def sees_representatives(user: object) -> bool:
    """May ``user`` open the list of representatives (the secretariat and city editors)?"""
    from citydiplomacy.web.engagement.services import can_see_representatives

    return can_see_representatives(user)
