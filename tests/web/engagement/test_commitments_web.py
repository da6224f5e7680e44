"""Commitments on KPI data: progress from visible values only, the chart, the dashboard
panels and the city-page section."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from citydiplomacy.core.commitments import Status
from citydiplomacy.web.engagement import dashboard, services
from citydiplomacy.web.engagement.models import Commitment, Deadline, Event
from citydiplomacy.web.indicators.models import KpiValue, Publication
from tests.web.engagement.conftest import client_for

pytestmark = pytest.mark.django_db


def value(city: Any, year: int, v: float, measure: str = "EN-EN-PSN-1C") -> None:
    KpiValue.objects.create(city=city, year=year, measure=measure, kpi="EN-EN-PSN-1C", value=v)


@pytest.fixture
def green(users: dict[str, Any], geneva: Any) -> Commitment:
    """Green area from 100 (2020) to 200 (2030); 2024 expects 140."""
    return services.record_commitment(
        users["editor"],
        geneva,
        {
            "title": "More green area",
            "origin": "own",
            "measure": "EN-EN-PSN-1C",
            "baseline_year": "2020",
            "baseline_value": "100",
            "target_year": "2030",
            "target_value": "200",
        },
    )


def test_progress_uses_only_values_the_reader_may_see(
    users: dict[str, Any], geneva: Any, green: Commitment
) -> None:
    value(geneva, 2022, 125.0)  # published: on track (25% of the way, 20% expected)
    value(geneva, 2024, 120.0)  # unpublished: off track (20% < 40%)
    Publication.objects.create(city=geneva, year=2022)
    public = services.progress(users["public"], green)
    assert (public.status, public.year) == (Status.ON_TRACK, 2022)
    editor = services.progress(users["editor"], green)
    assert (editor.status, editor.year) == (Status.OFF_TRACK, 2024)
    assert services.progress(users["analyst"], green).status == Status.OFF_TRACK
    assert services.off_track(users["public"], geneva) == []
    assert [c for c, _ in services.off_track(users["editor"], geneva)] == [green]


def test_insufficient_data_without_values_after_the_baseline(
    users: dict[str, Any], geneva: Any, green: Commitment
) -> None:
    value(geneva, 2019, 90.0)
    value(geneva, 2020, 100.0)
    assert services.progress(users["admin"], green).status == Status.INSUFFICIENT_DATA


def test_commitments_are_validated(users: dict[str, Any], geneva: Any) -> None:
    with pytest.raises(services.EngagementError) as err:
        services.record_commitment(
            users["editor"],
            geneva,
            {
                "title": "",
                "origin": "network",
                "measure": "EN-EN-AQ-2C",  # lower is better
                "baseline_year": "2020",
                "baseline_value": "5",
                "target_year": "2030",
                "target_value": "8",
            },
        )
    message = str(err.value)
    assert "title: expected" in message
    assert "lower is better" in message
    assert "network: name the network" in message
    with pytest.raises(services.EngagementError, match="not a measure of the framework"):
        services.record_commitment(
            users["editor"],
            geneva,
            {
                "title": "x",
                "origin": "own",
                "measure": "NOPE",
                "baseline_year": "2020",
                "baseline_value": "5",
                "target_year": "2019",
                "target_value": "8",
            },
        )


def test_detail_page_has_an_accessible_chart_and_a_table(
    users: dict[str, Any], geneva: Any, green: Commitment
) -> None:
    value(geneva, 2022, 125.0)
    value(geneva, 2024, 120.0)
    page = client_for(users["editor"]).get(reverse("engagement:commitment", args=[green.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Off track" in html and "✖" in html
    start = html.index("<svg")
    svg = ET.fromstring(html[start : html.index("</svg>", start) + 6])
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("role") == "img"
    assert svg.find(f"{ns}title") is not None and svg.find(f"{ns}desc") is not None
    assert "reported 120 (2024)" in html
    assert '<td class="num">140</td>' in html  # expected value on the path in 2024


def test_dashboard_panels_and_city_section(
    users: dict[str, Any], geneva: Any, green: Commitment, rf: Any
) -> None:
    value(geneva, 2024, 110.0)
    request = rf.get("/")
    request.user = users["editor"]
    panel = dashboard.off_track_panel(request, geneva, 2024)
    assert panel is not None and panel.context["rows"][0][0] == green
    assert dashboard.deadlines_panel(request, geneva, 2024) is None  # nothing ahead
    event = Event.objects.create(
        slug="e",
        name="E",
        kind="cop",
        start_date=dt.date(2099, 1, 1),
        end_date=dt.date(2099, 1, 2),
        place="P",
        organiser="O",
        source_url="https://example.org/e",
    )
    event.cities.add(geneva)
    Deadline.objects.create(
        event=event,
        kind="submission",
        title="Submit",
        due_date=dt.date(2098, 12, 1),
        source_url="https://example.org/d",
    )
    request = rf.get("/")  # a new page view (the flags are kept per request)
    request.user = users["editor"]
    panel = dashboard.deadlines_panel(request, geneva, 2024)
    assert panel is not None and panel.context["rows"][0].title == "Submit"
    section = dashboard.city_section(request, geneva)
    assert section is not None and section.context["off_track"] == 1
    # their templates render (the city page and dashboard include them: tested by their apps)
    html = render_to_string(section.template_name, {"section": section, "city": geneva})
    assert "More green area" in html and "Off track" in html
    for p in (panel, dashboard.off_track_panel(request, geneva, 2024)):
        assert p is not None
        html = render_to_string(p.template_name, {"panel": p})
        assert "Submit" in html or "More green area" in html


def test_commitment_list_filters_by_status(
    users: dict[str, Any], geneva: Any, green: Commitment
) -> None:
    client = Client()
    html = client.get(reverse("engagement:commitments") + "?status=insufficient_data")
    assert "More green area" in html.content.decode()
    html = client.get(reverse("engagement:commitments") + "?status=on_track")
    assert "More green area" not in html.content.decode()
