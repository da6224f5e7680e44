"""The calendar's sources after the review of 2026-12-07 (issue 19, item 4): the events that
were sourced to news reports (COP29, WUF13, COP31) and GREEN×EXPO 2027 (sourced to a site of
unconfirmed owner) now cite a page of the organiser, a UN body or a host government, and the
seeded events of 2027 are shown as upcoming on the day of the review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from citydiplomacy.web.engagement import seed, services

#: Event slug -> the host of the official page that states its dates, with who publishes it.
OFFICIAL_SOURCE_HOSTS = {
    "cop29-baku-2024": "unfccc.int",  # UNFCCC, "The road to Baku"
    "wuf13-baku-2026": "wuf.unhabitat.org",  # UN-Habitat, WUF13 practical information
    "cop31-antalya-2026": "cop30.br",  # COP30 Presidency (Government of Brazil)
    "green-expo-2027-yokohama": "expo2027yokohama.or.jp",  # the Expo's organiser
    "expo-2027-belgrade": "bie-paris.org",  # Bureau International des Expositions
}

#: Hosts whose pages gave these dates before the review, none of them the organiser's.
REPLACED_HOSTS = ("news.az", "trend.az", "azernews.az", "expoxexpos.com")


def _events() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(seed.data_text("events.yaml"))
    return {e["slug"]: e for e in data["events"]}


@pytest.mark.parametrize(("slug", "expected"), sorted(OFFICIAL_SOURCE_HOSTS.items()))
def test_the_dates_come_from_an_official_page(slug: str, expected: str) -> None:
    event = _events()[slug]
    assert (urlsplit(event["source_url"]).hostname or "").lower() == expected
    assert not event.get("news_source"), slug


def test_no_source_is_on_a_replaced_host() -> None:
    for slug, e in _events().items():
        for field in ("source_url", "official_url"):
            host = (urlsplit(e.get(field) or "").hostname or "").lower()
            assert not any(host == h or host.endswith("." + h) for h in REPLACED_HOSTS), (
                slug,
                field,
                host,
            )


def test_the_2027_events_are_upcoming_on_the_review_day(db: Any) -> None:
    seed.seed_events()
    review_day = dt.date(2026, 12, 7)
    upcoming = {e.slug for e in services.upcoming_events(review_day)}
    in_2027 = {s for s, e in _events().items() if e["start_date"].year == 2027}
    assert in_2027 == {"green-expo-2027-yokohama", "expo-2027-belgrade"}
    assert in_2027 <= upcoming
