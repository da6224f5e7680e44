"""Factories for the web tests: small functions that make exactly what a test needs."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model

from citydiplomacy.web.accounts.models import CityAssignment, Membership
from citydiplomacy.web.cities.models import City, CityName, Country, normalise_name

PASSWORD = "correct horse battery staple"
_ids = itertools.count(9_000_000)

COUNTRIES = {
    "CH": ("CHE", "Switzerland", "EU", "Europe"),
    "FR": ("FRA", "France", "EU", "Europe"),
    "DE": ("DEU", "Germany", "EU", "Europe"),
    "JP": ("JPN", "Japan", "AS", "Asia"),
    "US": ("USA", "United States", "NA", "North America"),
}


def country(iso2: str = "CH") -> Country:
    iso3, name, cont, cont_name = COUNTRIES[iso2]
    obj, _ = Country.objects.get_or_create(
        iso2=iso2,
        defaults={"iso3": iso3, "name": name, "continent": cont, "continent_name": cont_name},
    )
    return obj


def city(
    name: str = "Geneva",
    iso2: str = "CH",
    *,
    geonames_id: int | None = None,
    population: int = 200_000,
    alternate_names: tuple[str, ...] = (),
    latitude: float = 46.2,
    longitude: float = 6.15,
) -> City:
    obj = City.objects.create(
        id=geonames_id or next(_ids),
        name=name,
        country=country(iso2),
        latitude=latitude,
        longitude=longitude,
        population=population,
    )
    for n in {name, *alternate_names}:
        CityName.objects.get_or_create(city=obj, normalised=normalise_name(n), defaults={"name": n})
    return obj


def user(
    role: str | None = None, *, cities: tuple[City, ...] = (), username: str | None = None
) -> Any:
    """A user with a role (``admin``, ``editor``, ``analyst``) or none (public)."""
    username = username or f"{role or 'public'}-{next(_ids)}"
    u = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD
    )
    if role == "admin":
        # The secretariat may do everything, the Django admin included.
        u.is_staff = u.is_superuser = True
        u.save(update_fields=["is_staff", "is_superuser"])
    if role:
        m = Membership.objects.create(user=u, role=role)
        for c in cities:
            CityAssignment.objects.create(membership=m, city=c)
    return u
