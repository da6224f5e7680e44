"""The demo: real cities from the registry, synthetic KPI values (labelled), demo accounts.

Idempotent: a second run changes nothing. The KPI values are generated reproducibly by
:func:`citydiplomacy.synthetic.synthetic_long` and go through the same checked import as a
user's upload; every one carries ``synthetic = True`` and "synthetic demo data" in its source.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from django.contrib.auth import get_user_model
from django.db import transaction

from citydiplomacy.errors import CityDiplomacyError
from citydiplomacy.synthetic import synthetic_long
from citydiplomacy.web.accounts.models import CityAssignment, Membership, Role
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import KpiValue, Publication

#: Demo cohort: cities of the UNECE region and beyond that take part in city diplomacy
#: (Forum of Mayors participants, U4SSC profile cities); (name, ISO country code).
DEMO_CITIES: tuple[tuple[str, str], ...] = (
    ("Geneva", "CH"),
    ("Lyon", "FR"),
    ("Vienna", "AT"),
    ("Tallinn", "EE"),
    ("Tbilisi", "GE"),
    ("Bonn", "DE"),
    ("Valencia", "ES"),
    ("Oslo", "NO"),
    ("Helsinki", "FI"),
    ("Bratislava", "SK"),
    ("Tirana", "AL"),
    ("Yerevan", "AM"),
    ("Almaty", "KZ"),
    ("Bishkek", "KG"),
    ("Kyiv", "UA"),
    ("Chisinau", "MD"),
    ("Sarajevo", "BA"),
    ("Skopje", "MK"),
    ("Podgorica", "ME"),
    ("Belgrade", "RS"),
    ("Zagreb", "HR"),
    ("Ljubljana", "SI"),
    ("Budapest", "HU"),
    ("Prague", "CZ"),
    ("Warsaw", "PL"),
    ("Vilnius", "LT"),
    ("Riga", "LV"),
    ("Copenhagen", "DK"),
    ("Stockholm", "SE"),
    ("Amsterdam", "NL"),
    ("Brussels", "BE"),
    ("Dublin", "IE"),
    ("Lisbon", "PT"),
    ("Rome", "IT"),
    ("Athens", "GR"),
    ("Istanbul", "TR"),
    ("Nicosia", "CY"),
    ("Montréal", "CA"),
    ("Pittsburgh", "US"),
    ("Dubai", "AE"),
)
YEARS = range(2015, 2025)
SEED = 2026
PASSWORD = "citydiplomacy-demo"
#: Demo accounts: user name -> (role, cities it edits).
ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "secretariat": (Role.ADMIN, ()),
    "geneva": (Role.EDITOR, ("Geneva",)),
    "lyon": (Role.EDITOR, ("Lyon",)),
    "analyst": (Role.ANALYST, ()),
}


@dataclass
class DemoReport:
    cities: int
    created: int
    updated: int
    unchanged: int
    published: int
    accounts: list[str]


def demo_cities() -> list[City]:
    """The registry cities of :data:`DEMO_CITIES` (the largest of a name in its country)."""
    out = []
    missing = []
    for name, cc in DEMO_CITIES:
        city = City.objects.filter(name=name, country_id=cc).order_by("-population").first()
        if city is None:
            missing.append(f"{name} ({cc})")
        else:
            out.append(city)
    if missing:
        raise CityDiplomacyError(
            "demo cities missing from the registry: "
            + ", ".join(missing)
            + "; load the registry first (citydiplomacy manage load_geonames)"
        )
    return out


def _accounts(cities: list[City]) -> list[str]:
    by_name = {c.name: c for c in cities}
    made = []
    user_model = get_user_model()
    for username, (role, city_names) in ACCOUNTS.items():
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org"}
        )
        if created:
            user.set_password(PASSWORD)
            user.is_staff = role == Role.ADMIN
            user.is_superuser = role == Role.ADMIN
            user.save()
        membership, _ = Membership.objects.get_or_create(user=user, defaults={"role": role})
        for n in city_names:
            CityAssignment.objects.get_or_create(membership=membership, city=by_name[n])
        made.append(username)
    return made


def load_demo(progress: Callable[[str], None] = lambda _: None, years: range = YEARS) -> DemoReport:
    """Load the demo accounts and data; safe to run again.

    Parameters
    ----------
    progress
        Called with a line of text before each long step.
    years
        Years of synthetic data (the default is the full demo; tests use fewer).
    """
    cities = demo_cities()
    with transaction.atomic():
        accounts = _accounts(cities)
    admin = get_user_model().objects.get(username="secretariat")
    table = pd.DataFrame(
        {
            "city": [c.name for c in cities],
            "country": [c.country_id for c in cities],
            "geonames_id": [c.pk for c in cities],
            "population": [c.population for c in cities],
        }
    )
    progress(
        f"generating synthetic demo values for {len(cities)} cities, {years.start}-{years.stop - 1}"
    )
    long = synthetic_long(services.framework(), cities=table, years=years, seed=SEED)
    buffer = io.StringIO()
    long.to_csv(buffer, index=False)
    checked = services.check_file(admin, "demo.csv", buffer.getvalue().encode())
    if not checked.ok:
        raise CityDiplomacyError(
            "the demo data did not validate: " + "; ".join(str(p) for p in checked.problems[:5])
        )
    progress(f"writing {len(checked.rows)} values")
    counts = services.write_values(admin, checked.rows, via="demo", check_permissions=False)
    # Publish every year but the latest: the latest is 'under review' and shows how
    # unpublished data stay with editors, analysts and the secretariat.
    published = 0
    stored = sorted(set(KpiValue.objects.values_list("year", flat=True).distinct()))
    for city in cities:
        for year in stored[:-1]:
            _, made = Publication.objects.get_or_create(
                city=city, year=year, defaults={"published_by": admin}
            )
            published += int(made)
    if published:
        services.bump_data_version()
    return DemoReport(
        len(cities), counts.created, counts.updated, counts.unchanged, published, accounts
    )
