"""What the busiest pages cost, locked in (issue 14 item 7, the 50-client load): the start
page counts once per data version, a profile's tables and charts are built once per data
version and kind of viewer, and the dashboard's report panel builds its report once per
snapshot. Each saving is checked to show new data at once after a change."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import KpiValue

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _unmasked(page: str) -> str:
    """The page without its CSRF tokens (masked anew in every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def _body(page: str) -> str:
    """The profile's tables and charts (the part built once per data version)."""
    start = page.index('<section aria-labelledby="h-results">')
    end = page.index('<section aria-labelledby="h-more">')
    return page[start:end]


def test_the_start_page_counts_once_per_data_version(
    cities: list[Any], users: dict[str, Any]
) -> None:
    client = Client()
    first, page = _queries(client, "/")
    again, same = _queries(client, "/")
    assert again <= first - 3, (first, again)  # three counts over every value saved
    assert _unmasked(same) == _unmasked(page)
    shown = re.search(r"(\d+) values", page)
    assert shown and int(shown.group(1)) == services.visible_values(AnonymousUser()).count()
    services.publish(users["admin"], cities[0], 2022)  # more values the public may see
    _, after = _queries(client, "/")
    now = re.search(r"(\d+) values", after)
    assert (
        now
        and int(now.group(1))
        == KpiValue.objects.filter(year=2021).count()
        + KpiValue.objects.filter(city=cities[0], year=2022).count()
    )
    assert int(now.group(1)) > int(shown.group(1))


def test_a_profile_seen_before_costs_fewer_queries_and_reads_the_same(
    cities: list[Any],
) -> None:
    client = Client()  # the public
    url = reverse("indicators:dashboard", args=[cities[0].pk]) + "?year=2021"
    client.get(url)  # the framework and the snapshot, read once per process
    cache.clear()  # ... but the page's tables and charts built again
    first, page = _queries(client, url)
    again, same = _queries(client, url)
    assert again <= first - 2, (first, again)  # the values' statuses and synthetic flags
    assert _body(same) == _body(page)
    assert _unmasked(same) == _unmasked(page)


def test_a_profile_shows_a_change_at_once(cities: list[Any], users: dict[str, Any]) -> None:
    client = Client()
    url = reverse("indicators:dashboard", args=[cities[0].pk]) + "?year=2021"
    before = _body(client.get(url).content.decode())
    assert "?year=2022" not in before  # 2022 is not published: the public does not see it
    services.publish(users["admin"], cities[0], 2022)
    after = _body(client.get(url).content.decode())
    assert "?year=2022" in after  # the index-per-year table has the new year at once


def test_a_renamed_city_shows_its_new_name_on_a_cached_profile(cities: list[Any]) -> None:
    """A reloaded registry renames cities without a new data version."""
    from citydiplomacy.web.cities.models import City

    client = Client()
    url = reverse("indicators:dashboard", args=[cities[0].pk]) + "?year=2021"
    assert "Geneva" in _body(client.get(url).content.decode())
    City.objects.filter(pk=cities[0].pk).update(name="Genf")
    body = _body(client.get(url).content.decode())
    assert "Genf" in body and "Geneva" not in body
