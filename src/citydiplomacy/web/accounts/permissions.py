"""The platform's access rules, in one place, used by pages and API alike.

* secretariat administrator: everything;
* city editor: reads like the public plus their own cities' unpublished data, and changes only
  the data of the cities assigned to them;
* analyst: reads everything, including unpublished data and change history; changes nothing;
* public (anonymous, or a signed-in user without a role): published profiles only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from citydiplomacy.web.cities.models import City


def role_of(user: Any) -> str | None:
    """``admin``, ``editor``, ``analyst`` or ``None`` (public)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return "admin"
    # Cached on the user object for the request: ("role",) or () when the user has none.
    cached: tuple[str, ...] | None = getattr(user, "_cd_role", None)
    if cached is None:
        from citydiplomacy.web.accounts.models import Membership

        role = Membership.objects.filter(user=user).values_list("role", flat=True).first()
        cached = (str(role),) if role else ()
        user._cd_role = cached
    return cached[0] if cached else None


def is_admin(user: Any) -> bool:
    return role_of(user) == "admin"


def editable_city_ids(user: Any) -> set[int]:
    """Ids of the cities whose data ``user`` may change (all for an administrator)."""
    role = role_of(user)
    if role != "editor":
        return set()
    cached = getattr(user, "_cd_city_ids", None)
    if cached is None:
        from citydiplomacy.web.accounts.models import CityAssignment

        cached = set(
            CityAssignment.objects.filter(membership__user=user).values_list("city_id", flat=True)
        )
        user._cd_city_ids = cached
    return set(cached)


def can_edit_city(user: Any, city: City | int) -> bool:
    """May ``user`` change this city's KPI data?"""
    if is_admin(user):
        return True
    city_id = city if isinstance(city, int) else city.pk
    return city_id in editable_city_ids(user)


def can_edit_any_city(user: Any) -> bool:
    return is_admin(user) or bool(editable_city_ids(user))


def can_view_unpublished(user: Any, city: City | int | None = None) -> bool:
    """May ``user`` see unpublished data (of ``city``, or of every city when ``None``)?"""
    role = role_of(user)
    if role in ("admin", "analyst"):
        return True
    return city is not None and can_edit_city(user, city)


def can_view_history(user: Any) -> bool:
    """The audit trail of KPI values is for analysts and administrators."""
    return role_of(user) in ("admin", "analyst")


def can_verify(user: Any) -> bool:
    """Only the secretariat verifies self-reported values and publishes profiles."""
    return is_admin(user)
