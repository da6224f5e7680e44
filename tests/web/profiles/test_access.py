"""Who sees which profile: the public sees published city-years only (anything else is a 404
that does not reveal the data exist); editors also see their own cities' unpublished years;
analysts and the secretariat see everything."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.web.profiles.conftest import (
    ROLES,
    SEES_GENEVA_UNPUBLISHED,
    UNPUBLISHED_YEAR,
    Cohort,
    client_for,
)
from tests.web.profiles.html import parse


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("year", [2023, UNPUBLISHED_YEAR])
def test_dashboard_matrix(cohort: Cohort, who: str, year: int) -> None:
    url = reverse("indicators:dashboard", args=[cohort.geneva.pk]) + f"?year={year}"
    response = client_for(cohort.users, who).get(url)
    visible = year != UNPUBLISHED_YEAR or who in SEES_GENEVA_UNPUBLISHED
    assert response.status_code == (200 if visible else 404)
    if visible:
        assert (
            f"Geneva, Switzerland: city profile {year}" in parse(response.content).find("h1").text()
        )


@pytest.mark.parametrize("who", ROLES)
def test_dashboard_default_year_is_latest_visible(cohort: Cohort, who: str) -> None:
    response = client_for(cohort.users, who).get(
        reverse("indicators:dashboard", args=[cohort.geneva.pk])
    )
    assert response.status_code == 200
    expected = UNPUBLISHED_YEAR if who in SEES_GENEVA_UNPUBLISHED else 2023
    assert response.context["year"] == expected
    options = [
        o.text() for o in parse(response.content).find("select", id="profile-year").iter("option")
    ]
    assert (str(UNPUBLISHED_YEAR) in options) == (who in SEES_GENEVA_UNPUBLISHED)


@pytest.mark.parametrize("who", ROLES)
def test_city_without_published_year(cohort: Cohort, who: str) -> None:
    """Nantes has data but nothing published: a 404 for the public and other cities' editors."""
    response = client_for(cohort.users, who).get(
        reverse("indicators:dashboard", args=[cohort.nantes.pk])
    )
    assert response.status_code == (200 if who in ("analyst", "admin") else 404)


def test_publication_status_only_for_those_allowed(cohort: Cohort) -> None:
    url = reverse("indicators:dashboard", args=[cohort.geneva.pk])
    public = client_for(cohort.users, "anonymous").get(url + "?year=2023")
    assert b"Publication status" not in public.content
    editor = client_for(cohort.users, "editor")
    page = parse(editor.get(url + f"?year={UNPUBLISHED_YEAR}").content)
    assert "Unpublished" in page.find("p", cls="pub-status").text()
    assert (
        "Published"
        in parse(editor.get(url + "?year=2023").content).find("p", cls="pub-status").text()
    )


def test_unpublished_years_hidden_from_public_chart_and_table(cohort: Cohort) -> None:
    page = parse(
        client_for(cohort.users, "anonymous")
        .get(reverse("indicators:dashboard", args=[cohort.geneva.pk]))
        .content
    )
    years_table = page.find("table", cls="years")
    assert [th.text() for th in years_table.find("tbody").iter("th")] == ["2021", "2022", "2023"]
    svg = page.find("svg", id="chart-index-years")
    assert str(UNPUBLISHED_YEAR) not in svg.text()


@pytest.mark.parametrize("bad", ["2019", "abc", "2024x"])
def test_bad_or_absent_year_is_404(cohort: Cohort, bad: str) -> None:
    url = reverse("indicators:dashboard", args=[cohort.geneva.pk]) + f"?year={bad}"
    assert client_for(cohort.users, "analyst").get(url).status_code == 404


def test_unknown_city_is_404(cohort: Cohort) -> None:
    url = reverse("indicators:dashboard", args=[123])
    assert client_for(cohort.users, "admin").get(url).status_code == 404


def test_city_without_data_is_404(cohort: Cohort) -> None:
    from tests.web import factories

    empty = factories.city("Bern", "CH")
    url = reverse("indicators:dashboard", args=[empty.pk])
    assert client_for(cohort.users, "admin").get(url).status_code == 404


@pytest.mark.parametrize("who", ROLES)
def test_ranking_matrix(cohort: Cohort, who: str) -> None:
    client = client_for(cohort.users, who)
    url = reverse("indicators:ranking")
    response = client.get(url)
    assert response.status_code == 200
    names = {r["row"].city.name for r in response.context["rows"]}
    sees_all = who in ("analyst", "admin")
    # the ranking opens on the latest year with published profiles, except for those who see all
    assert response.context["year"] == (UNPUBLISHED_YEAR if sees_all else 2023)
    assert ("Nantes" in names) == sees_all
    unpublished = client.get(url + f"?year={UNPUBLISHED_YEAR}")
    if sees_all:
        assert unpublished.status_code == 200
        assert len(unpublished.context["rows"]) == 7
    elif who in ("editor", "lyon_editor"):
        # an editor sees the unpublished year of their own city only
        assert unpublished.status_code == 200
        own = "Geneva" if who == "editor" else "Lyon"
        assert [r["row"].city.name for r in unpublished.context["rows"]] == [own]
    else:
        assert unpublished.status_code == 404


@pytest.mark.parametrize("who", ROLES)
def test_compare_matrix(cohort: Cohort, who: str) -> None:
    client = client_for(cohort.users, who)
    base = reverse("indicators:compare") + f"?city={cohort.geneva.pk}&city={cohort.lyon.pk}"
    published = client.get(base + "&year=2023")
    assert published.status_code == 200
    assert [s["city"].name for s in published.context["shown"]] == ["Geneva", "Lyon"]
    unpublished = client.get(base + f"&year={UNPUBLISHED_YEAR}")
    assert unpublished.status_code == 200
    shown = {s["city"].name for s in unpublished.context["shown"]}
    expected = {
        "anonymous": set(),
        "public": set(),
        "lyon_editor": {"Lyon"},
        "editor": {"Geneva"},
        "analyst": {"Geneva", "Lyon"},
        "admin": {"Geneva", "Lyon"},
    }[who]
    if not expected:
        # the public never sees 2024: it is not offered, and the page falls back to 2023
        assert unpublished.context["year"] == 2023
        assert UNPUBLISHED_YEAR not in unpublished.context["years"]
    else:
        assert shown == expected


def test_compare_hides_unpublished_values(cohort: Cohort) -> None:
    """Nantes (nothing published) is named as having no profile; none of its data show."""
    client = client_for(cohort.users, "anonymous")
    url = reverse("indicators:compare") + f"?city={cohort.geneva.pk}&city={cohort.nantes.pk}"
    response = client.get(url)
    assert [c.name for c in response.context["missing"]] == ["Nantes"]
    table = parse(response.content).find("table", cls="compare")
    assert "Nantes" not in table.text()


def test_empty_state_without_any_data(cohort: Cohort, users: dict[str, Any]) -> None:
    from citydiplomacy.web.indicators.models import KpiValue, ScoreSnapshot
    from citydiplomacy.web.indicators.services import bump_data_version

    KpiValue.objects.all().delete()
    ScoreSnapshot.objects.all().delete()
    bump_data_version()
    client = client_for(users, "analyst")
    for url in (
        reverse("indicators:dashboard", args=[cohort.geneva.pk]),
        reverse("indicators:ranking"),
        reverse("indicators:compare") + f"?city={cohort.geneva.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"No profile data yet" in response.content, url
