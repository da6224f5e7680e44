"""Page-wide checks: query counts (no N+1), accessibility structure, no external requests."""

from __future__ import annotations

import itertools
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from citydiplomacy.core.bands import BAND_COLOURS
from citydiplomacy.web.indicators import charts
from tests.web.profiles.conftest import ROLES, Cohort, client_for
from tests.web.profiles.html import Node, parse

#: Most queries a page may make (session and user included), whatever the city or year.
# The dashboard's own 12, plus the panels other apps register: engagement's deadlines and
# off-track commitments (2 queries together) and the report downloads with guidance (1).
MAX_QUERIES = {"dashboard": 15, "compare": 12, "ranking": 12}


def _urls(cohort: Cohort) -> dict[str, str]:
    ids = "&".join(f"city={c.pk}" for c in list(cohort.cities.values())[:5])
    return {
        "dashboard": reverse("indicators:dashboard", args=[cohort.geneva.pk]) + "?year=2023",
        "compare": reverse("indicators:compare") + f"?{ids}&year=2023",
        "ranking": reverse("indicators:ranking") + "?year=2023",
    }


@pytest.mark.parametrize("who", ["anonymous", "editor", "analyst"])
@pytest.mark.parametrize("page", ["dashboard", "compare", "ranking"])
def test_query_count_is_bounded(
    cohort: Cohort, who: str, page: str, django_assert_max_num_queries: object
) -> None:
    client = client_for(cohort.users, who)
    url = _urls(cohort)[page]
    client.get(url)  # warm the framework cache
    with django_assert_max_num_queries(MAX_QUERIES[page]):  # type: ignore[operator]
        assert client.get(url).status_code == 200


def test_dashboard_queries_do_not_grow_with_kpis(cohort: Cohort) -> None:
    """Same number of queries for a city-year with more or fewer values (no per-KPI query)."""
    client = client_for(cohort.users, "analyst")
    counts = []
    for city in ("Geneva", "Osaka", "Nantes"):
        for year in (2021, 2024):
            url = reverse("indicators:dashboard", args=[cohort.cities[city].pk]) + f"?year={year}"
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            counts.append(len(ctx.captured_queries))
    assert len(set(counts)) == 1, counts


def _all_pages(cohort: Cohort) -> list[tuple[str, str]]:
    urls = _urls(cohort)
    return [(who, url) for who in ("anonymous", "analyst") for url in urls.values()]


def _headings(root: Node) -> list[int]:
    return [int(n.tag[1]) for n in root.iter() if n.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}]


def test_accessible_structure(cohort: Cohort) -> None:
    for who, url in _all_pages(cohort):
        root = parse(client_for(cohort.users, who).get(url).content)
        html = root.find("html")
        assert html.attrs.get("lang"), url
        levels = _headings(root)
        assert levels[0] == 1 and levels.count(1) == 1, (url, levels)
        for a, b in itertools.pairwise(levels):
            assert b <= a + 1, (url, levels)
        for table in root.find_all("table"):
            first = next(c for c in table.children if not isinstance(c, str))
            assert first.tag == "caption" and first.text(), url
            for th in table.find_all("th"):
                assert th.attrs.get("scope") in ("col", "row", "colgroup", "rowgroup"), th.text()
        labels = {lab.attrs.get("for") for lab in root.find_all("label")}
        for control in [*root.find_all("input"), *root.find_all("select")]:
            if control.attrs.get("type") == "hidden":
                continue
            assert control.attrs.get("id") in labels or control.attrs.get("aria-label"), url


@pytest.mark.parametrize("who", ROLES)
def test_no_external_requests(cohort: Cohort, who: str) -> None:
    """Nothing is loaded from another host: scripts, styles, images and SVG references are
    local, and the page content links only within the site (the footer credits GeoNames)."""
    client = client_for(cohort.users, who)
    for url in _urls(cohort).values():
        response = client.get(url)
        root = parse(response.content)
        for node in root.iter():
            for attr in ("src", "srcset", "data", "xlink:href", "poster", "action"):
                value = node.attrs.get(attr, "")
                assert not urlparse(value).netloc, (url, node.tag, attr, value)
            if node.tag in ("link", "use", "image", "script", "iframe", "img"):
                assert not urlparse(node.attrs.get("href", "")).netloc, (url, node.tag)
        for a in root.find("main").iter("a"):
            assert not urlparse(a.attrs.get("href", "")).netloc, (url, a.attrs)
        assert b"url(http" not in response.content and b"@import" not in response.content


def test_css_band_colours_match_the_engine() -> None:
    from django.contrib.staticfiles import finders

    path = finders.find("css/profiles.css")
    assert path is not None
    with open(path, encoding="utf-8") as f:
        css = f.read()
    for code, colour in BAND_COLOURS.items():
        assert f".swatch.band-{code} {{ background: {colour}; }}" in css


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_chart_contrast() -> None:
    """Chart text meets 4.5:1 on white; bar outlines 3:1 (bands are also named in text)."""
    assert _contrast(charts.TEXT, "#ffffff") >= 4.5
    assert _contrast(charts.MUTED, "#ffffff") >= 4.5
    assert _contrast(charts.OUTLINE, "#ffffff") >= 3.0
