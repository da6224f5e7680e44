"""The calendar maintained in the web (issue 19, item 4): the secretariat creates, edits and
cancels events through forms; links are checked (http/https, no staging host); cancelled
events stay, shown as cancelled and carried as STATUS:CANCELLED in the feeds; past events
are kept in an archive; the shipped data holds no staging address."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from citydiplomacy.web.engagement import seed, services
from citydiplomacy.web.engagement.models import Declaration, DeclarationCommitment, Event
from tests.web.engagement.conftest import client_for
from tests.web.engagement.test_permissions import WHO, person, status

pytestmark = pytest.mark.django_db


def event_post(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "Sixth UN Forum of Mayors",
        "kind": "forum_of_mayors",
        "start_date": "2027-10-04",
        "end_date": "2027-10-05",
        "place": "Palais des Nations, Geneva",
        "organiser": "UNECE",
        "official_url": "https://unece.org/forumofmayors",
        "source_url": "https://unece.org/forumofmayors",
        "description": "",
    }
    data.update(changes)
    return data


# ------------------------------------------------------------------ permission matrix
ONLY_SECRETARIAT = {w: 403 for w in WHO} | {"anonymous": "login"}


@pytest.mark.parametrize("who", WHO)
def test_creating_an_event(who: str, users: dict[str, Any], reps: dict[str, Any]) -> None:
    client = client_for(person(who, users, reps))
    get = client.get(reverse("engagement:event-new"))
    response = client.post(reverse("engagement:event-new"), event_post())
    expected = 302 if who == "admin" else ONLY_SECRETARIAT[who]
    assert status(get) == (200 if who == "admin" else ONLY_SECRETARIAT[who])
    assert status(response) == expected
    assert Event.objects.filter(name="Sixth UN Forum of Mayors").exists() == (who == "admin")


@pytest.mark.parametrize("who", WHO)
def test_editing_and_cancelling_an_event(
    who: str, users: dict[str, Any], reps: dict[str, Any], events: dict[str, Any]
) -> None:
    client = client_for(person(who, users, reps))
    edit = client.post(
        reverse("engagement:event-edit", args=["cop-test"]),
        event_post(name="Renamed", start_date="2030-11-10", end_date="2030-11-21"),
    )
    cancel = client.post(
        reverse("engagement:event-cancel", args=["cop-test"]), {"reason": "Postponed."}
    )
    cop = Event.objects.get(slug="cop-test")
    if who == "admin":
        assert status(edit) == 302 and status(cancel) == 302
        assert cop.name == "Renamed" and cop.is_cancelled
    else:
        assert status(edit) == ONLY_SECRETARIAT[who] == status(cancel)
        assert cop.name == "COP test, Belém" and not cop.is_cancelled


def test_public_pages_show_no_management_links(events: dict[str, Any]) -> None:
    for url in (reverse("engagement:events"), reverse("engagement:event", args=["cop-test"])):
        page = Client().get(url).content.decode()
        assert "/events/new/" not in page and "/cancel/" not in page
    assert Client().get(reverse("engagement:events-archive")).status_code == 200


# ------------------------------------------------------------------ hostile input
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("source_url", "javascript:alert(1)", "http:// or https://"),
        ("source_url", "ftp://unece.org/dates", "http:// or https://"),
        ("source_url", "", "required"),
        ("official_url", "data:text/html,x", "http:// or https://"),
        ("source_url", "https://drupal-main-staging.unece.org/x", "staging"),
        ("end_date", "2027-10-01", "before the first day"),
        ("start_date", "not a date", "valid date"),
    ],
)
def test_a_bad_event_is_refused_and_nothing_written(
    users: dict[str, Any], field: str, value: str, message: str
) -> None:
    response = client_for(users["admin"]).post(
        reverse("engagement:event-new"), event_post(**{field: value})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_editing_with_a_bad_link_changes_nothing(
    users: dict[str, Any], events: dict[str, Any]
) -> None:
    before = Event.objects.get(slug="cop-test")
    response = client_for(users["admin"]).post(
        reverse("engagement:event-edit", args=["cop-test"]),
        event_post(name="Changed", source_url="javascript:alert(1)"),
    )
    assert response.status_code == 400
    after = Event.objects.get(slug="cop-test")
    assert (after.name, after.source_url, after.updated_at) == (
        before.name,
        before.source_url,
        before.updated_at,
    )


def test_a_cancellation_needs_a_reason_and_happens_once(
    users: dict[str, Any], events: dict[str, Any]
) -> None:
    cop = events["cop"]
    with pytest.raises(services.EngagementError):
        services.cancel_event(users["admin"], cop, "  ")
    assert not Event.objects.get(pk=cop.pk).is_cancelled
    services.cancel_event(users["admin"], cop, "Moved to 2031.")
    with pytest.raises(services.EngagementError, match="already cancelled"):
        services.cancel_event(users["admin"], cop, "again")


# ------------------------------------------------------------------ upcoming, archive, feeds
@pytest.mark.django_db(transaction=False)
def test_a_created_event_shows_in_upcoming_and_in_the_feed(users: dict[str, Any]) -> None:
    today = dt.date.today()
    start = today + dt.timedelta(days=40)
    client = client_for(users["admin"])
    response = client.post(
        reverse("engagement:event-new"),
        event_post(start_date=start.isoformat(), end_date=start.isoformat()),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.created_by == users["admin"]
    assert str(start.year) in event.slug
    upcoming = Client().get(reverse("engagement:events")).content.decode()  # default: upcoming
    assert "Sixth UN Forum of Mayors" in upcoming
    archive = Client().get(reverse("engagement:events-archive")).content.decode()
    assert "Sixth UN Forum of Mayors" not in archive
    cal = Calendar.from_ical(Client().get(reverse("engagement:calendar")).content)
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["uid"]) == f"event-{event.slug}@citydiplomacy"
    assert str(vevent["status"]) == "CONFIRMED"


def test_a_cancelled_event_stays_shown_as_cancelled_and_in_the_feed(
    users: dict[str, Any], events: dict[str, Any]
) -> None:
    services.cancel_event(users["admin"], events["cop"], "The conference is postponed.")
    page = Client().get(reverse("engagement:events")).content.decode()
    assert "COP test, Belém" in page and "cancelled" in page
    detail = Client().get(reverse("engagement:event", args=["cop-test"])).content.decode()
    assert "The conference is postponed." in detail
    cal = Calendar.from_ical(Client().get(reverse("engagement:calendar")).content)
    by_uid = {str(c["uid"]): c for c in cal.walk("VEVENT")}
    cop = by_uid["event-cop-test@citydiplomacy"]
    assert str(cop["status"]) == "CANCELLED"
    assert str(cop["summary"]).startswith("Cancelled: ")
    # its deadline is cancelled with it; the other event is untouched
    assert str(by_uid[f"deadline-{events['deadline'].pk}@citydiplomacy"]["status"]) == "CANCELLED"
    assert str(by_uid["event-fom-test@citydiplomacy"]["status"]) == "CONFIRMED"


def test_past_events_are_in_the_archive_not_in_upcoming(events: dict[str, Any]) -> None:
    archive = Client().get(reverse("engagement:events-archive")).content.decode()
    assert "Forum of Mayors test" in archive and "COP test" not in archive
    upcoming = Client().get(reverse("engagement:events")).content.decode()
    assert "Forum of Mayors test" not in upcoming and "COP test" in upcoming


def test_upcoming_events_are_those_of_the_next_twelve_months(events: dict[str, Any]) -> None:
    assert list(services.upcoming_events(dt.date(2030, 1, 1))) == [events["cop"]]
    assert not services.upcoming_events(dt.date(2029, 1, 1)).exists()  # 22 months ahead
    assert not services.upcoming_events(dt.date(2031, 1, 1)).exists()  # over


def test_an_empty_upcoming_list_says_why_and_links_the_archive(db: Any) -> None:
    page = Client().get(reverse("engagement:events")).content.decode()
    assert "No sourced event is recorded for the coming months" in page
    assert reverse("engagement:events-archive") in page


# ------------------------------------------------------------------ shipped data
def _shipped_urls() -> list[str]:
    urls: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and node.startswith(("http://", "https://")):
            urls.append(node)

    for name in ("events.yaml", "declarations.yaml", "forum_sessions.yaml"):
        walk(yaml.safe_load(seed.data_text(name)))
    return urls


@pytest.mark.parametrize(
    ("url", "staging"),
    [
        ("https://drupal-main-staging.unece.org/info/publications/pub/353744", True),
        ("https://staging.example.org/", True),
        ("https://uat-portal.example.org/", True),
        ("https://unece.org/forumofmayors", False),
        ("https://land.unece.org/forumofmayors", False),
        ("https://www.stagecoach.com/", False),
    ],
)
def test_staging_hosts_are_recognised(url: str, staging: bool) -> None:
    assert services.is_staging_url(url) is staging


def test_no_shipped_source_url_is_a_staging_host() -> None:
    urls = _shipped_urls()
    assert len(urls) > 20
    assert [u for u in urls if services.is_staging_url(u)] == []
    assert "drupal-main-staging" not in seed.data_text("declarations.yaml")


def test_the_seeded_declaration_and_api_carry_no_staging_address(db: Any) -> None:
    seed.seed_events()
    seed.seed_declarations()
    d = Declaration.objects.get(slug="geneva-declaration-of-mayors-2020")
    assert d.source_url == "https://forumofmayors.unece.org/geneva-declaration-mayors"
    assert not any(
        services.is_staging_url(c.source_url)
        for c in DeclarationCommitment.objects.filter(declaration=d)
    )
    page = Client().get(d.get_absolute_url()).content.decode()
    response = Client().get(f"/api/declarations/{d.slug}")
    assert response.status_code == 200
    api = response.content.decode()
    assert "forumofmayors.unece.org" in api
    assert "staging" not in page and "staging" not in api


def test_the_api_says_an_event_is_cancelled(users: dict[str, Any], events: dict[str, Any]) -> None:
    services.cancel_event(users["admin"], events["cop"], "Postponed.")
    results = {e["slug"]: e for e in Client().get("/api/events").json()["results"]}
    assert results["cop-test"]["cancelled"] is True
    assert results["cop-test"]["cancellation_reason"] == "Postponed."
    assert results["fom-test"]["cancelled"] is False
