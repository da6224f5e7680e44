"""Who may see and do what in the capacity module, for pages and API alike.

* **participant** (a :class:`~.models.Person` linked to the user): their own ratings, gaps,
  plan and certificates; their programmes' pages (aggregates only);
* **city manager** (grant ``manager`` for a city): the ratings of that city's people, the second
  rating of them, the city's office survey;
* **programme organiser** (grant ``organiser``): creates programmes; for the programmes they
  organise, the ratings of the participants, import and export of responses, sessions,
  attendance, mentoring pairs;
* **analyst** (platform role): every aggregate (groups of five or more), never individual ratings;
* **secretariat administrator**: everything;
* **anonymous** and users without any of these: the framework and the module catalogue.

Individual ratings are never in an aggregate of fewer than five people
(:data:`citydiplomacy.core.capacity.gaps.MIN_GROUP`) and never in an export for anyone who may
not read them one by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from citydiplomacy.web.accounts import permissions as platform

if TYPE_CHECKING:
    from citydiplomacy.web.capacity.models import Person, Programme


def _grants(user: Any) -> tuple[set[int], bool]:
    """(managed city ids, is organiser), cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set(), False
    cached: tuple[set[int], bool] | None = getattr(user, "_cd_capacity", None)
    if cached is None:
        from citydiplomacy.web.capacity.models import CapacityGrant

        rows = list(CapacityGrant.objects.filter(user=user).values_list("kind", "city_id"))
        cached = (
            {c for k, c in rows if k == "manager" and c},
            any(k == "organiser" for k, _ in rows),
        )
        user._cd_capacity = cached
    return set(cached[0]), cached[1]


def person_of(user: Any) -> Person | None:
    """The user's own capacity profile, if any."""
    if user is None or not user.is_authenticated:
        return None
    from citydiplomacy.web.capacity.models import Person

    return Person.objects.filter(user=user).select_related("city").first()


def managed_city_ids(user: Any) -> set[int]:
    return _grants(user)[0]


def is_organiser(user: Any) -> bool:
    """May create programmes (an organiser grant, or the secretariat)."""
    return platform.is_admin(user) or _grants(user)[1]


def can_edit_modules(user: Any) -> bool:
    """Creates and edits the catalogue of training modules (programme organisers, who build
    programmes from it, and the secretariat); everyone browses it."""
    return user is not None and user.is_authenticated and is_organiser(user)


def organises(user: Any, programme: Programme) -> bool:
    if platform.is_admin(user):
        return True
    if not user.is_authenticated:
        return False
    return programme.organisers.filter(pk=user.pk).exists()


def can_read_ratings(user: Any, person: Person) -> bool:
    """May ``user`` read ``person``'s individual ratings (and gaps, plan, change)?"""
    if user is None or not user.is_authenticated:
        return False
    if platform.is_admin(user) or person.user_id == user.pk:
        return True
    if person.city_id in managed_city_ids(user):
        return True
    from citydiplomacy.web.capacity.models import Participant

    return Participant.objects.filter(person=person, programme__organisers=user).exists()


def readable_person_ids(user: Any, people: Iterable[Person]) -> set[int]:
    """Ids of the ``people`` whose ratings ``user`` may read, in at most one query (the same
    rule as :func:`can_read_ratings`, for a list)."""
    people = list(people)
    if user is None or not user.is_authenticated:
        return set()
    if platform.is_admin(user):
        return {p.pk for p in people}
    managed = managed_city_ids(user)
    ids = {p.pk for p in people if p.user_id == user.pk or p.city_id in managed}
    rest = [p.pk for p in people if p.pk not in ids]
    if rest:
        from citydiplomacy.web.capacity.models import Participant

        ids |= set(
            Participant.objects.filter(person_id__in=rest, programme__organisers=user).values_list(
                "person_id", flat=True
            )
        )
    return ids


def second_rater_kind(user: Any, person: Person) -> str | None:
    """``manager`` or ``peer`` when ``user`` may give ``person`` a second rating, else None.

    Managers of the person's city (and organisers of their programmes) rate as managers; a
    fellow participant of one of their programmes, from another person, rates as a peer.
    A peer enters a rating but does not read the person's ratings.
    """
    if user is None or not user.is_authenticated or person.user_id == user.pk:
        return None
    if platform.is_admin(user) or person.city_id in managed_city_ids(user):
        return "manager"
    from citydiplomacy.web.capacity.models import Participant

    if Participant.objects.filter(person=person, programme__organisers=user).exists():
        return "manager"
    own = person_of(user)
    if (
        own is not None
        and Participant.objects.filter(person=person, programme__participants__person=own).exists()
    ):
        return "peer"
    return None


def can_view_aggregates(user: Any) -> bool:
    """May see aggregates (city and cohort pages; groups of five or more only)?"""
    if user is None or not user.is_authenticated:
        return False
    if platform.role_of(user) in ("admin", "analyst"):
        return True
    managed, organiser = _grants(user)
    return bool(managed) or organiser or person_of(user) is not None


def can_view_programme(user: Any, programme: Programme) -> bool:
    if organises(user, programme) or platform.role_of(user) == "analyst":
        return True
    if not user.is_authenticated:
        return False
    if programme.participants.filter(person__user=user).exists():
        return True
    return programme.participants.filter(person__city_id__in=managed_city_ids(user)).exists()


def can_edit_survey(user: Any, city_id: int) -> bool:
    """The city's manager, its KPI editor, or the secretariat records the office survey."""
    return platform.can_edit_city(user, city_id) or city_id in managed_city_ids(user)


def can_manage_framework(user: Any) -> bool:
    """Loading a new framework version is the secretariat's."""
    return platform.is_admin(user)
