"""The secretariat's calendar journey: record an event through the form (a bad source link
refused first), see it in the upcoming list and in the iCalendar feed, cancel it and see
it shown as cancelled and carried as STATUS:CANCELLED."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from icalendar import Calendar

from citydiplomacy.web.engagement.models import Event
from tests.web import factories
from tests.web.e2e.test_signing_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_secretariat_creates_an_event_that_shows_in_upcoming_and_in_the_feed(
    page: Any, live_server: Any
) -> None:
    factories.user("admin", username="secretariat")
    start = dt.date.today() + dt.timedelta(days=60)
    log_in(page, "secretariat")
    page.goto("/events/")
    page.get_by_role("link", name="Record a new event").click()
    page.wait_for_load_state()
    page.get_by_label("Name").fill("Journey test forum")
    page.get_by_label("Kind").select_option("forum_of_mayors")
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill(start.isoformat())
    page.get_by_label("Place").fill("Palais des Nations, Geneva")
    page.get_by_label("Organiser").fill("UNECE")
    page.get_by_label("Official source of the dates").fill("javascript:alert(1)")
    page.get_by_role("button", name="Record the event").click()
    page.wait_for_load_state()
    assert "http:// or https://" in page.content()
    assert not Event.objects.exists()

    page.get_by_label("Official source of the dates").fill("https://unece.org/forumofmayors")
    page.get_by_role("button", name="Record the event").click()
    page.wait_for_load_state()
    assert "Event recorded: Journey test forum." in page.content()

    page.goto("/events/")  # upcoming, the default
    assert page.get_by_role("link", name="Journey test forum", exact=True).count() == 1
    feed = page.request.get(f"{live_server.url}/events/calendar.ics")
    (vevent,) = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert str(vevent["summary"]) == "Journey test forum"
    assert vevent.decoded("dtstart") == start
    assert str(vevent["status"]) == "CONFIRMED"

    # Cancelling keeps the event, shown as cancelled, and the feed says so.
    page.get_by_role("link", name="Journey test forum", exact=True).click()
    page.get_by_label("Reason for the cancellation").fill("Postponed by the organiser.")
    page.get_by_role("button", name="Mark as cancelled").click()
    page.wait_for_load_state()
    assert "This event was cancelled" in page.content()
    page.goto("/events/")
    row = page.get_by_role("row").filter(has_text="Journey test forum")
    assert "cancelled" in row.inner_text()
    feed = page.request.get(f"{live_server.url}/events/calendar.ics")
    (vevent,) = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert str(vevent["status"]) == "CANCELLED"
