"""A scored cohort for the profile pages, built once for this package.

Seven cities (Geneva and Lyon as in ``tests/web/conftest.py``, and five more) with four years of
synthetic values written through the same checked import as an upload (``check_file`` then
``write_values``); 2021-2023 published for every city but Nantes, 2024 unpublished everywhere;
two of Geneva's 2023 values verified. Scoring the cohort takes seconds, so the data are built
once in an outer transaction (rolled back at the end) and every test runs in its own savepoint
inside it. The ``geneva``, ``lyon`` and ``users`` fixtures are overridden here to return the
cohort's objects, made with the same factories and roles as the shared ones.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from django.db import transaction
from django.test import Client, override_settings

from citydiplomacy.synthetic import synthetic_long
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators import scoring, services
from citydiplomacy.web.indicators.models import KpiValue, Publication, ScoreSnapshot, Status
from tests.web import factories

YEARS = range(2021, 2025)
PUBLISHED_YEARS = (2021, 2022, 2023)
UNPUBLISHED_YEAR = 2024
#: Geneva's KPIs verified by the secretariat in 2023.
VERIFIED = ("EC-ICT-ICT-1C", "EC-I-WS-1C")
#: Who may see what: True = sees unpublished years of Geneva.
ROLES = ("anonymous", "public", "lyon_editor", "editor", "analyst", "admin")
SEES_GENEVA_UNPUBLISHED = {"editor", "analyst", "admin"}


@dataclass
class Cohort:
    cities: dict[str, City]
    users: dict[str, Any]
    snapshot: ScoreSnapshot
    long: pd.DataFrame  # the synthetic values as written (the engine's long format)

    @property
    def geneva(self) -> City:
        return self.cities["Geneva"]

    @property
    def lyon(self) -> City:
        return self.cities["Lyon"]

    @property
    def nantes(self) -> City:
        return self.cities["Nantes"]


def write_synthetic(admin: Any, cities: list[City], years: range, seed: int = 1) -> pd.DataFrame:
    """Write synthetic values for ``cities`` through ``check_file`` and ``write_values``;
    returns the long table written."""
    table = pd.DataFrame(
        {
            "city": [c.name for c in cities],
            "country": [c.country.pk for c in cities],
            "geonames_id": [c.pk for c in cities],
            "population": [c.population for c in cities],
        }
    )
    long = synthetic_long(services.framework(), cities=table, years=years, seed=seed)
    buffer = io.StringIO()
    long.to_csv(buffer, index=False)
    checked = services.check_file(admin, "x.csv", buffer.getvalue().encode())
    assert checked.ok, checked.problems[:3]
    services.write_values(admin, checked.rows, via="test", check_permissions=False)
    return long


def _build() -> Cohort:
    geneva = factories.city("Geneva", "CH", geonames_id=2660646, alternate_names=("Genève", "Genf"))
    lyon = factories.city(
        "Lyon", "FR", geonames_id=2996944, population=522_000, latitude=45.75, longitude=4.85
    )
    users = {
        "admin": factories.user("admin", username="admin"),
        "editor": factories.user("editor", cities=(geneva,), username="geneva-editor"),
        "lyon_editor": factories.user("editor", cities=(lyon,), username="lyon-editor"),
        "analyst": factories.user("analyst", username="analyst"),
        "public": factories.user(None, username="someone"),
    }
    others = [
        factories.city("Bonn", "DE", population=330_000),
        factories.city("Osaka", "JP", population=2_700_000),
        factories.city("Pittsburgh", "US", population=300_000),
        factories.city("Basel", "CH", population=175_000),
        factories.city("Nantes", "FR", population=320_000),
    ]
    cities = [geneva, lyon, *others]
    admin = users["admin"]
    long = write_synthetic(admin, cities, YEARS)
    for city in cities:
        if city.name != "Nantes":  # Nantes: no published profile at all
            for year in PUBLISHED_YEARS:
                Publication.objects.create(city=city, year=year, published_by=admin)
    services.set_status(
        admin,
        KpiValue.objects.filter(city=geneva, year=2023, measure__in=VERIFIED),
        Status.VERIFIED,
        via="test",
    )
    snapshot = scoring.current_snapshot()
    assert snapshot is not None
    return Cohort({c.name: c for c in cities}, users, snapshot, long)


@pytest.fixture(scope="package")
def _cohort_data(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Cohort]:
    with django_db_blocker.unblock(), override_settings(CITYDIPLOMACY_SENSITIVITY_RUNS=16):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def cohort(_cohort_data: Cohort, db: Any) -> Cohort:
    """The scored cohort; the test runs in a savepoint, so it may change anything."""
    return _cohort_data


@pytest.fixture
def geneva(cohort: Cohort) -> City:
    return cohort.geneva


@pytest.fixture
def lyon(cohort: Cohort) -> City:
    return cohort.lyon


@pytest.fixture
def users(cohort: Cohort) -> dict[str, Any]:
    return cohort.users


def client_for(users: dict[str, Any], who: str) -> Client:
    """A client signed in as ``who`` (a key of ``users``), or anonymous."""
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    return client
