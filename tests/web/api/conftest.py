"""Fixtures of the API tests: tokens per role, and a small cohort of cities with KPI values."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from django.core.cache import cache

from citydiplomacy.synthetic import synthetic_long
from citydiplomacy.web.accounts.models import ApiToken
from citydiplomacy.web.indicators import scoring, services
from tests.web import factories

YEARS = (2022, 2023, 2024)
#: Population of the cohort's cities besides Geneva and Lyon.
OTHERS = (
    ("Zurich", "CH", 420_000),
    ("Bern", "CH", 140_000),
    ("Munich", "DE", 1_500_000),
    ("Osaka", "JP", 2_700_000),
    ("Boston", "US", 650_000),
)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Throttling counts requests in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_tests(settings: Any) -> None:
    """A fast password hasher (the ``users`` fixture makes five users per test) and few
    rank-interval runs."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CITYDIPLOMACY_SENSITIVITY_RUNS = 4


@pytest.fixture
def no_rank_intervals(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the uncertainty analysis of ranks (most of a snapshot's time), for tests that
    only look at who sees what."""
    monkeypatch.setattr(scoring, "_rank_intervals", lambda panel, year: {})


@pytest.fixture
def tokens(users: dict[str, Any]) -> dict[str, str]:
    """A clear API token per user of the ``users`` fixture (same keys)."""
    return {
        role: ApiToken.objects.create_token(u, f"{role} script")[1] for role, u in users.items()
    }


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@functools.cache
def _template(n_cities: int, n_measures: int | None) -> tuple[tuple[Any, ...], ...]:
    """Synthetic observations of ``n_cities`` cities (by position), computed once."""
    fw = services.framework()
    table = pd.DataFrame(
        {
            "city": [f"City {i}" for i in range(n_cities)],
            "country": ["CH"] * n_cities,
            "geonames_id": list(range(1, n_cities + 1)),
            "population": [100_000 * (i + 1) for i in range(n_cities)],
        }
    )
    long = synthetic_long(fw, cities=table, years=YEARS, yesno_text=False, seed=1)
    keep = set(fw.measures[:n_measures]) if n_measures else set(fw.measures)
    units = fw.nodes["unit"]
    out = []
    for rec in long.to_dict("records"):
        kpi, dp = str(rec["kpi"]), str(rec["data_point"])
        measure = fw.data_points(kpi)[dp.lower()] if dp else kpi
        if measure in keep:
            out.append(
                (
                    int(rec["geonames_id"]) - 1,
                    int(rec["year"]),
                    measure,
                    kpi,
                    dp,
                    float(rec["value"]),
                    str(units[measure]),
                    str(rec["source"]),
                )
            )
    return tuple(out)


def synthetic_rows(cities: list[Any], n_measures: int | None = None) -> list[services.Row]:
    """Synthetic values of ``cities`` for :data:`YEARS` as rows for ``write_values``."""
    return [
        services.Row(
            city_id=cities[i].pk,
            year=year,
            measure=measure,
            kpi=kpi,
            data_point=dp,
            value=value,
            unit=unit,
            source=source,
            note="",
            verified=False,
            synthetic=True,
        )
        for i, year, measure, kpi, dp, value, unit, source in _template(len(cities), n_measures)
    ]


def make_cohort(
    users: dict[str, Any], geneva: Any, lyon: Any, n_measures: int | None
) -> dict[str, Any]:
    others = [factories.city(n, cc, population=p) for n, cc, p in OTHERS]
    cities = [geneva, lyon, *others]
    services.write_values(users["admin"], synthetic_rows(cities, n_measures), via="demo")
    services.publish(users["admin"], geneva, 2023)
    return {"cities": cities, "geneva": geneva, "lyon": lyon}


@pytest.fixture
def cohort(users: dict[str, Any], geneva: Any, lyon: Any) -> dict[str, Any]:
    """Seven cities with synthetic values of every measure for 2022-2024; only Geneva's
    2023 profile is published."""
    return make_cohort(users, geneva, lyon, None)


@pytest.fixture
def small_cohort(users: dict[str, Any], geneva: Any, lyon: Any) -> dict[str, Any]:
    """Like ``cohort`` with the first 12 measures only (fast to write and score)."""
    return make_cohort(users, geneva, lyon, 12)
