"""What the registry shows of cities' KPI profiles, told by the app that owns them.

The city page lists the profile years a viewer may see, and the city search marks the cities
that have a published profile. Those facts belong to ``indicators``, which imports the
registry (its values are per city); for the registry to import ``indicators`` back would make
a cycle. So ``indicators`` registers two providers here when Django starts
(``IndicatorsConfig.ready``), and the registry calls them. Without the app (or before it is
ready) a city has no profile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import BooleanField, Value
from django.db.models.expressions import BaseExpression
from django.urls import NoReverseMatch, reverse

#: ``(user, city) -> [{"year", "published", "url"}, ...]``, latest first.
YearsProvider = Callable[[Any, Any], list[dict[str, Any]]]
#: ``() -> expression`` true for a city (``OuterRef("pk")``) with a published profile.
ExistsProvider = Callable[[], BaseExpression]

_providers: dict[str, Any] = {}


def register(years: YearsProvider, exists: ExistsProvider) -> None:
    """Set the providers (the indicators app does, once)."""
    _providers["years"] = years
    _providers["exists"] = exists


def profile_years(user: Any, city: Any) -> list[dict[str, Any]]:
    """The profile years of ``city`` that ``user`` may see, latest first (none without the
    indicators app)."""
    provider = _providers.get("years")
    return list(provider(user, city)) if provider else []


def has_profile() -> BaseExpression:
    """An expression for a queryset of cities: whether each has a published profile."""
    provider = _providers.get("exists")
    return provider() if provider else Value(False, output_field=BooleanField())


def profile_url(city_id: int, year: int) -> str:
    """The address of a city's KPI profile for a year (the indicators dashboard)."""
    try:
        base = reverse("indicators:dashboard", args=[city_id])
    except NoReverseMatch:
        base = f"/cities/{city_id}/profile/"
    return f"{base}?year={year}"
