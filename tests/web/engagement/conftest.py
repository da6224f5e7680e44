"""Fixtures of the engagement tests: representatives, a draft and an adopted declaration."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import (
    Deadline,
    Declaration,
    DeclarationStatus,
    DeclarationVersion,
    Event,
    Representative,
    Tag,
)
from tests.web import factories


@pytest.fixture
def reps(users: dict[str, Any], geneva: Any, lyon: Any) -> dict[str, Any]:
    """A representative of Geneva and one of Lyon, granted by the secretariat."""
    g = factories.user(None, username="geneva-mayor")
    g.first_name, g.last_name = "Ada", "Genevois"
    g.save()
    lyon_rep = factories.user(None, username="lyon-mayor")
    lyon_rep.first_name, lyon_rep.last_name = "Louis", "Lyonnais"
    lyon_rep.save()
    return {
        "geneva": services.grant_representative(
            users["admin"], g, geneva, title="Mayor of Geneva", capacity="on behalf of the city"
        ),
        "lyon": services.grant_representative(
            users["admin"], lyon_rep, lyon, title="Mayor of Lyon", capacity="on behalf of the city"
        ),
    }


@pytest.fixture
def draft(users: dict[str, Any], geneva: Any) -> Declaration:
    """A draft in which Geneva takes part (Lyon does not)."""
    return services.create_declaration(
        users["admin"],
        slug="cities-for-clean-air",
        title="Cities for clean air",
        text="We commit to act on air quality.\nWe report every year.",
        participants=[geneva],
    )


@pytest.fixture
def adopted(users: dict[str, Any], geneva: Any, lyon: Any) -> Declaration:
    d = Declaration.objects.create(
        slug="open-declaration",
        title="An open declaration",
        status=DeclarationStatus.ADOPTED,
        adopted_on=dt.date(2026, 10, 1),
    )
    DeclarationVersion.objects.create(declaration=d, number=1, text="We, mayors, agree.")
    return d


@pytest.fixture
def events(geneva: Any, lyon: Any) -> dict[str, Any]:
    climate = Tag.objects.create(slug="climate", name="Climate")
    cop = Event.objects.create(
        slug="cop-test",
        name="COP test, Belém",
        kind="cop",
        start_date=dt.date(2030, 11, 10),
        end_date=dt.date(2030, 11, 21),
        place="Belém",
        organiser="UNFCCC",
        source_url="https://example.org/cop",
    )
    cop.tags.add(climate)
    cop.cities.add(geneva)
    fom = Event.objects.create(
        slug="fom-test",
        name="Forum of Mayors test",
        kind="forum_of_mayors",
        start_date=dt.date(2020, 10, 6),
        end_date=dt.date(2020, 10, 6),
        place="Geneva",
        organiser="UNECE",
        source_url="https://example.org/fom",
    )
    fom.cities.add(lyon)
    deadline = Deadline.objects.create(
        event=cop,
        kind="registration",
        title="Registration closes",
        due_date=dt.date(2030, 9, 1),
        source_url="https://example.org/cop/register",
    )
    return {"cop": cop, "fom": fom, "tag": climate, "deadline": deadline}


def sign_data(declaration: Any, city: Any, **extra: Any) -> dict[str, Any]:
    """What the signing confirmation page posts: the city, the version read, the tick."""
    version = declaration.current_version()
    return {"city": city.pk, "version": version.number, "confirm": "on", **extra}


def client_for(who: Any) -> Client:
    client = Client()
    if who is not None:
        client.force_login(who)
    return client


def rep_user(reps: dict[str, Any], city: str) -> Any:
    rep: Representative = reps[city]
    return rep.user
