"""Which city-years a user may see: the one rule that keeps unpublished data private.

A city's profile for a year is public once the secretariat publishes it
(:class:`~citydiplomacy.web.indicators.models.Publication`). Who may see more is
:func:`citydiplomacy.web.accounts.permissions.can_view_unpublished`: analysts and the
secretariat every city's unpublished years, a city editor their own cities'. Every page,
endpoint and report that decides what a viewer sees asks this module:

* :func:`visible_years`: the years of one city this user may see;
* :func:`visible_rows`: the same rule as a filter of rows with ``city_id`` and ``year``
  (rankings, value lists), so a list never shows what :func:`visible_years` would hide;
* :func:`sees_unpublished`: whether the viewer gets the full view of a city (change and
  progress from every year) or the public one (from published years only).

A year that may not be seen is answered like a year without data (a 404), so the answer does
not reveal that unpublished data exist.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Max, Q

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.indicators.models import Publication

if TYPE_CHECKING:
    from citydiplomacy.web.cities.models import City


def published_years(city_id: int) -> set[int]:
    """The published years of one city."""
    return Publication.objects.years_of(city_id)


def published_years_of(city_ids: Iterable[int]) -> dict[int, set[int]]:
    """The published years of several cities, in one query (every id is a key)."""
    ids = [int(c) for c in city_ids]
    out: dict[int, set[int]] = {c: set() for c in ids}
    for city_id, year in Publication.objects.city_years(ids):
        out[city_id].add(year)
    return out


def is_published(city_id: int, year: int) -> bool:
    return Publication.objects.filter(city_id=city_id, year=year).exists()


def sees_unpublished(user: Any, city: City | int | None = None) -> bool:
    """May ``user`` see the unpublished years of ``city`` (of every city when ``None``)?"""
    return permissions.can_view_unpublished(user, city)


def visible_years(
    user: Any,
    city_id: int,
    years: Iterable[int],
    *,
    published: Collection[int] | None = None,
) -> list[int]:
    """The years of ``years`` (those with data, or with a score) of ``city_id`` that ``user``
    may see, oldest first.

    Parameters
    ----------
    user
        The viewer (anonymous users included).
    city_id
        The city (registry id).
    years
        The candidate years: those the caller has something to show for.
    published
        The city's published years when the caller has already read them (saves a query);
        read here otherwise, and only when the rule needs them.
    """
    candidates = {int(y) for y in years}
    if sees_unpublished(user, city_id):
        return sorted(candidates)
    if published is None:
        published = published_years(city_id)
    return sorted(candidates.intersection(published))


def latest_published_year(years: Iterable[int]) -> int | None:
    """The latest of ``years`` in which some city's profile is published."""
    found = Publication.objects.filter(year__in=list(years)).aggregate(latest=Max("year"))
    return None if found["latest"] is None else int(found["latest"])


def visible_rows(user: Any) -> Q | None:
    """A filter of rows with ``city_id`` and ``year`` fields (KPI values, score headlines) to
    those ``user`` may see; ``None`` when the user may see every row."""
    if sees_unpublished(user):
        return None
    return Q(Publication.objects.of_row()) | Q(city_id__in=permissions.editable_city_ids(user))


__all__ = [
    "is_published",
    "latest_published_year",
    "published_years",
    "published_years_of",
    "sees_unpublished",
    "visible_rows",
    "visible_years",
]
