"""The engagement demo: sourced facts plus demo representatives and commitments marked
synthetic; running it twice changes nothing."""

from __future__ import annotations

from typing import Any

import pycountry
import pytest
from django.apps import apps

from citydiplomacy.web.cities.models import City, Country
from citydiplomacy.web.engagement import demo
from citydiplomacy.web.engagement.models import (
    Commitment,
    Declaration,
    Event,
    Representative,
    Signature,
)
from citydiplomacy.web.indicators import demo as kpi_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> None:
    for i, (name, cc) in enumerate(kpi_demo.DEMO_CITIES):
        c = pycountry.countries.get(alpha_2=cc)
        country, _ = Country.objects.get_or_create(
            iso2=cc, defaults={"iso3": c.alpha_3, "name": c.name, "continent": "EU"}
        )
        City.objects.create(
            id=8_000_000 + i, name=name, country=country, latitude=0, longitude=0, population=10**6
        )


def test_demo_is_idempotent_and_labelled(registry: Any) -> None:
    kpi_demo.load_demo(years=range(2018, 2025))
    lines: list[str] = []
    apps.get_app_config("engagement").load_demo(lines.append)  # type: ignore[attr-defined]
    assert any("demo commitments (on synthetic KPI values)" in line for line in lines)
    counts = (
        Event.objects.count(),
        Declaration.objects.count(),
        Signature.objects.count(),
        Representative.objects.count(),
        Commitment.objects.count(),
    )
    assert counts[0] >= 10 and counts[1] == 4 and counts[2] == 252 + 85  # 3 real, 1 demo draft
    assert counts[3] == 2  # geneva and lyon may sign for their cities
    assert counts[4] >= 1
    assert all(c.synthetic for c in Commitment.objects.all())
    assert all("(demo)" in c.title for c in Commitment.objects.all())
    demo.load_demo()
    assert counts == (
        Event.objects.count(),
        Declaration.objects.count(),
        Signature.objects.count(),
        Representative.objects.count(),
        Commitment.objects.count(),
    )
    geneva = City.objects.get(name="Geneva")
    assert Event.objects.filter(slug="unece-forum-of-mayors-2020", cities=geneva).exists()
