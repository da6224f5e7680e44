"""Template filters of the engagement pages."""

from __future__ import annotations

from typing import Any

from django import template

from citydiplomacy.core.commitments import Progress
from citydiplomacy.web.dates import short_date, short_datetime
from citydiplomacy.web.engagement import progress as progress_text
from citydiplomacy.web.indicators.charts import fmt_value

register = template.Library()


@register.filter
def day(value: Any) -> str:
    """A date as "6 Aug 2026" / "6 août 2026" (the page's language, Babel)."""
    return short_date(value)


@register.filter
def day_time(value: Any) -> str:
    """A date-time as "6 Aug 2026 14:05" / "6 août 2026 14:05"."""
    return short_datetime(value)


@register.filter
def num(value: float | None) -> str:
    """A value with as many decimals as it needs ("264.6", not "264.600")."""
    return fmt_value(value)


@register.filter
def status_label(status: str) -> str:
    """A commitment's progress status in the page's language ("En bonne voie")."""
    return progress_text.status_label(status)


@register.filter
def progress_reason(progress: Progress) -> str:
    """Why a commitment has its status, in the page's language."""
    return progress_text.progress_reason(progress)


@register.filter
def sees_representatives(user: object) -> bool:
    """May ``user`` open the list of representatives (the secretariat and city editors)?"""
    from citydiplomacy.web.engagement.services import can_see_representatives

    return can_see_representatives(user)
