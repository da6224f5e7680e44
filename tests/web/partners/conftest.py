"""Fixtures of the partners tests: a third city, partnerships in each state, tokens."""

from __future__ import annotations

from typing import Any

import pytest

from citydiplomacy.web.accounts.models import ApiToken
from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import Kind, Partnership, PartnershipCity, Status
from tests.web import factories


@pytest.fixture(autouse=True)
def _no_stale_matchmaker(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The matchmaker and the tie analysis are cached per process by data version; tests
    build fresh databases, so start each from an empty cache. The tie analysis of the tests'
    small graphs takes milliseconds: let pages wait for it, so that they show it."""
    monkeypatch.setattr(services, "ANALYSIS_WAIT", 30.0)
    services.clear_caches()
    yield
    services.clear_caches()


@pytest.fixture
def bonn(db: Any) -> Any:
    return factories.city(
        "Bonn", "DE", geonames_id=2946447, population=330_000, latitude=50.73, longitude=7.1
    )


@pytest.fixture
def proposed(users: dict[str, Any], geneva: Any, lyon: Any) -> Partnership:
    """Geneva's editor proposed a partnership with Lyon; Lyon has not confirmed."""
    return services.propose(
        users["editor"],
        services.Proposal(city_ids=[geneva.pk, lyon.pk], kind=Kind.TECHNICAL, title="Energy"),
    )


@pytest.fixture
def recorded(lyon: Any, bonn: Any) -> Partnership:
    """An imported (sourced) twinning of Lyon and Bonn."""
    p = Partnership.objects.create(
        kind=Kind.TWINNING, status=Status.RECORDED, source="wikidata-p190", source_ref="x"
    )
    PartnershipCity.objects.create(partnership=p, city=lyon)
    PartnershipCity.objects.create(partnership=p, city=bonn)
    return p


@pytest.fixture
def tokens(users: dict[str, Any]) -> dict[str, str]:
    return {
        role: ApiToken.objects.create_token(u, f"{role} script")[1] for role, u in users.items()
    }


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}
