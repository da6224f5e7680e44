"""The packaged calendar data (``data/engagement/events.yaml``): every source is an http(s)
page on a public host, a news report is used only where flagged (with the reason, and the
event's page says so), and on 6 December 2026 the calendar's "upcoming" list is not empty.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
import yaml
from django.test import Client
from django.utils.html import escape

from citydiplomacy.web.engagement import seed, services
from citydiplomacy.web.engagement.models import Event

#: Hosts of news sites that the data has cited or could cite. A source on one of these is
#: allowed only with the event's ``news_source`` flag (no official page was found).
NEWS_HOSTS = frozenset(
    {
        "news.az",
        "trend.az",
        "en.trend.az",
        "www.trend.az",
        "azernews.az",
        "www.azernews.az",
        "report.az",
        "menafn.com",
        "www.gtachronicle.com",
        "www.portalolavodutra.com.br",
        "allafrica.com",
    }
)

#: The day of the review that found the calendar's "upcoming" list empty.
REVIEW_DAY = dt.date(2026, 12, 6)


def events() -> list[dict[str, Any]]:
    return list(yaml.safe_load(seed.data_text("events.yaml"))["events"])


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


@pytest.mark.parametrize("e", events(), ids=lambda e: e["slug"])
def test_links_are_public_http_pages(e: dict[str, Any]) -> None:
    for field in ("source_url", "official_url"):
        url = e.get(field) or ""
        if field == "official_url" and not url:
            continue
        assert urlsplit(url).scheme in ("http", "https"), (e["slug"], field, url)
        assert not services.is_staging_url(url), (e["slug"], field, url)
        assert services.event_url_problem(url, field) is None


@pytest.mark.parametrize("e", events(), ids=lambda e: e["slug"])
def test_a_news_source_is_only_used_where_flagged(e: dict[str, Any]) -> None:
    """A news host needs the flag (and its reason); the flag on an official page is wrong."""
    is_news = host(e["source_url"]) in NEWS_HOSTS
    flagged = bool(str(e.get("news_source") or "").strip())
    assert is_news == flagged, (e["slug"], e["source_url"])


def test_the_replaced_news_sources_are_gone() -> None:
    """The review of 2026-12-06 replaced these news sources with official pages."""
    text = seed.data_text("events.yaml")
    for gone in ("gtachronicle.com", "portalolavodutra.com.br", "en.trend.az/azerbaijan"):
        assert gone not in text


def test_a_flagged_event_says_so_on_its_page(db: Any) -> None:
    seed.seed_events()
    flagged = {e["slug"] for e in events() if e.get("news_source")}
    for event in Event.objects.all():
        assert (seed.NEWS_SOURCE_NOTE in event.description) == (event.slug in flagged)
    # Since 2026-12-07 no seeded event is flagged (official pages were found for COP29,
    # WUF13 and COP31), so the note's way to the page is checked on a synthetic flag.
    event = Event.objects.order_by("slug").first()
    assert event is not None
    synthetic = {"description": "Synthetic.", "news_source": "synthetic: no official page"}
    Event.objects.filter(pk=event.pk).update(description=seed._description(synthetic))
    page = Client().get(f"/events/{event.slug}/").content.decode()
    assert "no official page stating them was found" in page


def test_upcoming_is_not_empty_on_the_review_day(db: Any) -> None:
    """Sourced events within twelve months of 6 December 2026 exist, and the calendar's
    default ("upcoming") list shows them."""
    seed.seed_events()
    upcoming = list(services.upcoming_events(REVIEW_DAY))
    assert upcoming, "no seeded event in the twelve months after 2026-12-06"
    with mock.patch("django.utils.timezone.localdate", return_value=REVIEW_DAY):
        page = Client().get("/events/").content.decode()
    for event in upcoming:
        assert escape(event.name) in page, event.slug


def test_the_seed_refuses_a_staging_link(db: Any) -> None:
    bad = {"slug": "x", "source_url": "https://drupal-main-staging.unece.org/x"}
    with pytest.raises(services.EngagementError, match="staging"):
        seed._url(bad["source_url"], bad["slug"])
