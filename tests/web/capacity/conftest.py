"""Fixtures of the capacity tests: a cohort of ten people in two cities (five each), one
person per role of the permission matrix, ratings before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from django.test import Client

from citydiplomacy.web.capacity import services
from citydiplomacy.web.capacity.models import (
    Assessment,
    CapacityGrant,
    Module,
    Participant,
    Person,
    Programme,
    Rating,
)
from tests.web import factories

#: Who the permission matrix asks about.
WHO = (
    "anonymous", "public", "participant", "other_participant", "manager", "lyon_manager",
    "organiser", "other_organiser", "analyst", "admin",
)  # fmt: skip


def client_for(user: Any) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def rate(
    person: Person, levels: dict[str, int], phase: str = "before", rater: str = "self"
) -> None:
    fv = services.current_framework()
    a, _ = Assessment.objects.get_or_create(person=person, framework=fv, phase=phase, rater=rater)
    ids = dict(fv.competencies.values_list("code", "pk"))
    a.ratings.all().delete()
    Rating.objects.bulk_create(
        Rating(assessment=a, competency_id=ids[c], level=v) for c, v in levels.items()
    )


@pytest.fixture
def cohort(users: dict[str, Any], geneva: Any, lyon: Any) -> dict[str, Any]:
    """Ten people (five in Geneva, five in Lyon) in one programme, rated before and after."""
    fv = services.current_framework()
    fw = services.framework_of(fv)
    Module.objects.create(
        code="M1",
        title="Negotiation",
        provider="Test",
        format="online",
        hours=4,
        competency_codes=[fw.codes[0], fw.codes[1]],
    )
    Module.objects.create(
        code="M2",
        title="Protocol",
        provider="Test",
        format="online",
        hours=2,
        competency_codes=[fw.codes[2]],
    )
    rng = np.random.default_rng(7)
    people: dict[str, list[Person]] = {"geneva": [], "lyon": []}
    for key, city in (("geneva", geneva), ("lyon", lyon)):
        for i in range(5):
            p = Person.objects.create(name=f"{key}-{i}", city=city, role="officer")
            before = {c: int(rng.integers(1, 4)) for c in fw.codes}
            rate(p, before)
            rate(p, {c: min(v + 1, 5) for c, v in before.items()}, phase="after")
            people[key].append(p)
    organiser = factories.user(None, username="organiser")
    other_organiser = factories.user(None, username="other-organiser")
    for u in (organiser, other_organiser):
        CapacityGrant.objects.create(user=u, kind="organiser")
    manager = factories.user(None, username="geneva-manager")
    CapacityGrant.objects.create(user=manager, kind="manager", city=geneva)
    lyon_manager = factories.user(None, username="lyon-manager")
    CapacityGrant.objects.create(user=lyon_manager, kind="manager", city=lyon)
    participant = factories.user(None, username="participant")
    other = factories.user(None, username="other-participant")
    people["geneva"][0].user = participant
    people["geneva"][0].save()
    people["lyon"][0].user = other
    people["lyon"][0].save()
    programme = services.create_programme(
        organiser,
        slug="masterclass",
        name="Masterclass",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 1),
    )
    for p in people["geneva"] + people["lyon"]:
        Participant.objects.create(programme=programme, person=p)
    # Another programme of the other organiser, with nobody of this cohort.
    services.create_programme(
        other_organiser,
        slug="other",
        name="Other",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 2, 1),
    )
    who = {
        "anonymous": None,
        "public": users["public"],
        "participant": participant,
        "other_participant": other,
        "manager": manager,
        "lyon_manager": lyon_manager,
        "organiser": organiser,
        "other_organiser": other_organiser,
        "analyst": users["analyst"],
        "admin": users["admin"],
    }
    return {
        "people": people,
        "programme": programme,
        "who": who,
        "fw": fw,
        "geneva": geneva,
        "lyon": lyon,
    }


@pytest.fixture
def programme(cohort: dict[str, Any]) -> Programme:
    return cohort["programme"]
