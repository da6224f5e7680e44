"""The demo loader: real registry cities, synthetic values labelled so, idempotent."""

from __future__ import annotations

from typing import Any

import pycountry
import pytest

from citydiplomacy.web.cities.models import City, Country
from citydiplomacy.web.indicators.demo import ACCOUNTS, DEMO_CITIES, PASSWORD, load_demo
from citydiplomacy.web.indicators.models import KpiValue, KpiValueChange, Publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> None:
    for i, (name, cc) in enumerate(DEMO_CITIES):
        c = pycountry.countries.get(alpha_2=cc)
        country, _ = Country.objects.get_or_create(
            iso2=cc, defaults={"iso3": c.alpha_3, "name": c.name, "continent": "EU"}
        )
        City.objects.create(
            id=8_000_000 + i, name=name, country=country, latitude=0, longitude=0, population=10**6
        )


def test_demo_is_idempotent_and_labelled(registry: Any) -> None:
    first = load_demo(years=range(2023, 2025))
    assert first.cities == len(DEMO_CITIES)
    assert first.created > 1000
    n_values = KpiValue.objects.count()
    assert not KpiValue.objects.filter(synthetic=False).exists()
    assert all(
        "synthetic demo data" in s
        for s in KpiValue.objects.values_list("source", flat=True).distinct()
    )
    assert KpiValueChange.objects.filter(via="demo").count() == n_values
    # Every year but the latest is published.
    assert set(Publication.objects.values_list("year", flat=True)) == {2023}
    second = load_demo(years=range(2023, 2025))
    assert (second.created, second.updated) == (0, 0)
    assert second.unchanged == n_values
    assert KpiValue.objects.count() == n_values
    assert KpiValueChange.objects.count() == n_values


def test_demo_accounts(registry: Any) -> None:
    from django.contrib.auth import authenticate

    load_demo(years=range(2024, 2025))
    from django.contrib.auth import get_user_model

    from citydiplomacy.web.accounts import permissions

    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(ACCOUNTS) <= set(users)
    assert permissions.is_admin(users["secretariat"])
    geneva = City.objects.get(name="Geneva")
    lyon = City.objects.get(name="Lyon")
    assert permissions.can_edit_city(users["geneva"], geneva)
    assert not permissions.can_edit_city(users["geneva"], lyon)
    assert permissions.role_of(users["analyst"]) == "analyst"
    assert users["geneva"].check_password(PASSWORD)
    assert authenticate is not None


def test_demo_refuses_without_the_registry(db: Any) -> None:
    from citydiplomacy.errors import CityDiplomacyError

    with pytest.raises(CityDiplomacyError, match="load the registry first"):
        load_demo()
