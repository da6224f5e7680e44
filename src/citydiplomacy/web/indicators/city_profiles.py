"""The providers this app registers with the registry (:mod:`citydiplomacy.web.cities.profiles`):
a city's visible profile years and whether it has a published profile, by the one visibility
rule (:mod:`citydiplomacy.web.indicators.visibility`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef

from citydiplomacy.web.cities.profiles import profile_url
from citydiplomacy.web.indicators import visibility
from citydiplomacy.web.indicators.models import KpiValue, Publication


def profile_years(user: Any, city: Any) -> list[dict[str, Any]]:
    """The years of KPI data this viewer may see for the city, latest first: published years
    for everyone, every year with data for those who may see unpublished data."""
    with_data = set(
        KpiValue.objects.filter(city=city)
        .order_by("year")
        .values_list("year", flat=True)
        .distinct()
    )
    published = visibility.published_years(city.pk)
    years = visibility.visible_years(user, city.pk, with_data, published=published)
    return [
        {"year": year, "published": year in published, "url": profile_url(city.pk, year)}
        for year in sorted(years, reverse=True)
    ]


def has_profile() -> Exists:
    """True for a city (the outer query's ``pk``) with at least one published profile."""
    return Exists(Publication.objects.filter(city=OuterRef("pk")))
