"""iCalendar feeds: they parse with ``icalendar``, carry the required properties, use DATE
values for all-day events, stable UIDs, and each feed holds what it should."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from citydiplomacy.web.engagement import seed, services
from citydiplomacy.web.engagement.models import Event

pytestmark = pytest.mark.django_db


def feed(url: str) -> Calendar:
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n")), "lines must be folded"
    return Calendar.from_ical(body)


def vevents(cal: Calendar) -> dict[str, Any]:
    return {str(c["uid"]): c for c in cal.walk("VEVENT")}


def test_all_events_feed_is_valid(events: dict[str, Any]) -> None:
    cal = feed("/events/calendar.ics")
    assert cal["version"] == "2.0" and "citydiplomacy" in str(cal["prodid"])
    found = vevents(cal)
    assert set(found) == {
        "event-cop-test@citydiplomacy",
        "event-fom-test@citydiplomacy",
        f"deadline-{events['deadline'].pk}@citydiplomacy",
    }
    for component in found.values():
        for prop in ("uid", "dtstamp", "dtstart", "dtend", "summary"):
            assert prop in component, prop
        # all-day: DATE values (not date-times), DTEND exclusive
        start, end = component.decoded("dtstart"), component.decoded("dtend")
        assert type(start) is dt.date and type(end) is dt.date
        assert end > start
        assert component.decoded("dtstamp").tzinfo is not None
    cop = found["event-cop-test@citydiplomacy"]
    assert cop.decoded("dtstart") == dt.date(2030, 11, 10)
    assert cop.decoded("dtend") == dt.date(2030, 11, 22)  # the day after the last day
    assert "https://example.org/cop" in str(cop["description"])
    deadline = found[f"deadline-{events['deadline'].pk}@citydiplomacy"]
    assert deadline.decoded("dtstart") == dt.date(2030, 9, 1)
    assert deadline.decoded("dtend") == dt.date(2030, 9, 2)
    assert str(deadline["summary"]).startswith("Deadline: Registration closes")


def test_uids_are_stable_across_requests(events: dict[str, Any]) -> None:
    first = set(vevents(feed("/events/calendar.ics")))
    Event.objects.filter(slug="cop-test").update(name="COP renamed")
    second = vevents(feed("/events/calendar.ics"))
    assert first == set(second)
    assert str(second["event-cop-test@citydiplomacy"]["summary"]) == "COP renamed"


def test_tag_feed(events: dict[str, Any]) -> None:
    found = vevents(feed(reverse("engagement:calendar-tag", args=["climate"])))
    assert set(found) == {
        "event-cop-test@citydiplomacy",
        f"deadline-{events['deadline'].pk}@citydiplomacy",
    }
    assert Client().get("/events/tags/no-such-tag/calendar.ics").status_code == 404


def test_city_feed(events: dict[str, Any], geneva: Any, lyon: Any) -> None:
    geneva_feed = vevents(feed(reverse("engagement:calendar-city", args=[geneva.pk])))
    assert set(geneva_feed) == {
        "event-cop-test@citydiplomacy",
        f"deadline-{events['deadline'].pk}@citydiplomacy",
    }
    lyon_feed = vevents(feed(reverse("engagement:calendar-city", args=[lyon.pk])))
    assert set(lyon_feed) == {"event-fom-test@citydiplomacy"}
    assert Client().get("/events/cities/1/calendar.ics").status_code == 404


def test_upcoming_deadlines_of_a_city(events: dict[str, Any], geneva: Any, lyon: Any) -> None:
    assert list(services.upcoming_deadlines(geneva, dt.date(2030, 1, 1))) == [events["deadline"]]
    assert list(services.upcoming_deadlines(geneva, dt.date(2030, 9, 2))) == []
    assert list(services.upcoming_deadlines(lyon, dt.date(2030, 1, 1))) == []


def test_seeded_events_are_sourced_and_parse(geneva: Any) -> None:
    """The packaged events: each has a source, sane dates, and the feed parses."""
    assert seed.seed_events() >= 10
    assert seed.seed_events() >= 10  # idempotent
    for e in Event.objects.all():
        assert e.source_url.startswith("http"), e.slug
        assert e.start_date <= e.end_date
    assert Event.objects.get(slug="unece-forum-of-mayors-2020").host_city == geneva
    cal = feed("/events/calendar.ics")
    assert len(cal.walk("VEVENT")) == Event.objects.count()


def test_event_list_filters(events: dict[str, Any], geneva: Any) -> None:
    client = Client()
    page = client.get("/events/?kind=cop").content.decode()
    assert "COP test" in page and "Forum of Mayors test" not in page
    page = client.get("/events/?tag=climate").content.decode()
    assert "COP test" in page and "Forum of Mayors test" not in page
    page = client.get(f"/events/?city={geneva.pk}").content.decode()
    assert "COP test" in page and "Forum of Mayors test" not in page
    page = client.get("/events/?when=past").content.decode()
    assert "COP test" not in page and "Forum of Mayors test" in page


def test_seeded_forum_sessions(geneva: Any) -> None:
    from citydiplomacy.web.engagement.models import ForumSession, Recommendation

    seed.seed_events()
    assert seed.seed_sessions() == 4
    seed.seed_sessions()  # idempotent
    assert ForumSession.objects.count() == 4
    assert Recommendation.objects.count() == 3
    for rec in Recommendation.objects.all():
        assert rec.source_url.startswith("https://")
        assert [h.status for h in rec.history.all()] == [rec.status]
    s2022 = ForumSession.objects.get(date=dt.date(2022, 4, 4))
    assert [a.number for a in s2022.agenda.all()] == [1, 2, 3, 4]
    assert ForumSession.objects.get(date=dt.date(2020, 10, 6)).cities.get() == geneva
    page = Client().get(reverse("engagement:session", args=[s2022.pk])).content.decode()
    assert "nature-based solutions" in page
