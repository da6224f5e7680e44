"""One visibility rule: every page, endpoint and report shows exactly the city-years that
:func:`citydiplomacy.web.indicators.visibility.visible_years` allows, and asks it.

The matrix tests check the rule itself per role; the agreement tests check that the dashboard,
the comparison, the city page, the profile API, the report download and the value lists show
the years the rule gives (no page has a second copy that could disagree); the routing tests
replace the rule and watch every page follow, which fails for a page that decides alone.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from citydiplomacy.web.indicators import services, visibility
from citydiplomacy.web.indicators.models import CityYearScore, KpiValue, Publication
from tests.web.profiles.conftest import (
    PUBLISHED_YEARS,
    ROLES,
    SEES_GENEVA_UNPUBLISHED,
    UNPUBLISHED_YEAR,
    YEARS,
    Cohort,
    client_for,
)


def _user(cohort: Cohort, who: str) -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser() if who == "anonymous" else cohort.users[who]


# ------------------------------------------------------------------ the rule itself
@pytest.mark.parametrize("who", ROLES)
def test_visible_years_of_geneva_per_role(cohort: Cohort, who: str) -> None:
    got = visibility.visible_years(_user(cohort, who), cohort.geneva.pk, YEARS)
    expected = list(YEARS) if who in SEES_GENEVA_UNPUBLISHED else list(PUBLISHED_YEARS)
    assert got == expected


@pytest.mark.parametrize("who", ROLES)
def test_a_city_never_published_is_seen_by_analysts_admins_and_its_editors_only(
    cohort: Cohort, who: str
) -> None:
    got = visibility.visible_years(_user(cohort, who), cohort.nantes.pk, YEARS)
    assert got == (list(YEARS) if who in ("analyst", "admin") else [])


def test_visible_years_keeps_only_candidate_years_and_sorts_them(cohort: Cohort) -> None:
    """Years without data stay out even when published; the answer is oldest first."""
    anonymous = _user(cohort, "anonymous")
    assert visibility.visible_years(anonymous, cohort.geneva.pk, [2023, 2021, 1999]) == [
        2021,
        2023,
    ]
    assert visibility.visible_years(anonymous, cohort.geneva.pk, []) == []
    # The published years given by the caller are used as they are (no second query).
    assert visibility.visible_years(anonymous, cohort.geneva.pk, YEARS, published={2022}) == [2022]


def test_publication_queryset(cohort: Cohort) -> None:
    geneva, nantes = cohort.geneva.pk, cohort.nantes.pk
    assert Publication.objects.years_of(geneva) == set(PUBLISHED_YEARS)
    assert Publication.objects.years_of(nantes) == set()
    pairs = Publication.objects.city_years([geneva, nantes])
    assert pairs == {(geneva, y) for y in PUBLISHED_YEARS}
    assert pairs <= Publication.objects.city_years()
    rows = KpiValue.objects.filter(city_id=geneva).filter(Publication.objects.of_row())
    assert set(rows.values_list("year", flat=True)) == set(PUBLISHED_YEARS)
    assert visibility.published_years_of([geneva, nantes]) == {
        geneva: set(PUBLISHED_YEARS),
        nantes: set(),
    }
    assert visibility.latest_published_year(YEARS) == max(PUBLISHED_YEARS)
    assert visibility.latest_published_year([UNPUBLISHED_YEAR]) is None


# ------------------------------------------------------------------ pages agree with it
def _expected(cohort: Cohort, who: str, city: Any) -> list[int]:
    return visibility.visible_years(_user(cohort, who), city.pk, YEARS)


@pytest.mark.parametrize("who", ROLES)
def test_every_view_of_geneva_shows_the_years_of_the_rule(cohort: Cohort, who: str) -> None:
    client = client_for(cohort.users, who)
    city = cohort.geneva
    expected = _expected(cohort, who, city)
    dashboard = client.get(reverse("indicators:dashboard", args=[city.pk]))
    assert dashboard.context["years"] == expected
    detail = client.get(reverse("cities:detail", args=[city.pk]))
    assert sorted(item["year"] for item in detail.context["profile_years"]) == expected
    api = client.get(f"/api/profiles/{city.pk}").json()
    assert api["years"] == expected
    for year in YEARS:
        report = client.get(
            reverse("reports:download", kwargs={"pk": city.pk, "fmt": "json"}) + f"?year={year}"
        )
        assert (report.status_code == 200) == (year in expected), (who, year)
    values = services.visible_values(_user(cohort, who)).filter(city_id=city.pk)
    assert sorted(set(values.values_list("year", flat=True))) == expected


@pytest.mark.parametrize("who", ROLES)
def test_ranking_and_compare_show_the_years_of_the_rule(cohort: Cohort, who: str) -> None:
    client = client_for(cohort.users, who)
    user = _user(cohort, who)
    union = sorted(
        {
            y
            for city in cohort.cities.values()
            for y in visibility.visible_years(user, city.pk, YEARS)
        }
    )
    ranking = client.get(reverse("indicators:ranking"))
    assert ranking.context["years"] == union
    rows = CityYearScore.objects.filter(snapshot=cohort.snapshot)
    rule = visibility.visible_rows(user)
    if rule is not None:
        rows = rows.filter(rule)
    assert {(r.city_id, r.year) for r in rows} == {
        (c.pk, y)
        for c in cohort.cities.values()
        for y in visibility.visible_years(user, c.pk, YEARS)
    }
    compare = client.get(
        reverse("indicators:compare") + f"?city={cohort.geneva.pk}&city={cohort.nantes.pk}"
    )
    assert compare.context["years"] == sorted(
        set(_expected(cohort, who, cohort.geneva)) | set(_expected(cohort, who, cohort.nantes))
    )


# ------------------------------------------------------------------ pages ask it
def test_every_view_asks_the_one_rule(cohort: Cohort, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the rule hide 2022 from everyone: every page and endpoint must follow."""

    rule = visibility.visible_years

    def stricter(user: Any, city_id: int, years: Any, **kw: Any) -> list[int]:
        return [y for y in rule(user, city_id, years, **kw) if y != 2022]

    monkeypatch.setattr(visibility, "visible_years", stricter)
    city = cohort.geneva
    for who in ("anonymous", "analyst"):
        client = client_for(cohort.users, who)
        assert (
            client.get(reverse("indicators:dashboard", args=[city.pk]) + "?year=2022").status_code
            == 404
        )
        assert client.get(f"/api/profiles/{city.pk}?year=2022").status_code == 404
        report = reverse("reports:download", kwargs={"pk": city.pk, "fmt": "json"})
        assert client.get(report + "?year=2022").status_code == 404
        detail = client.get(reverse("cities:detail", args=[city.pk]))
        assert 2022 not in {item["year"] for item in detail.context["profile_years"]}
        compare = client.get(reverse("indicators:compare") + f"?city={city.pk}&year=2022")
        assert compare.context["year"] != 2022
        # The year still exists for the rule's own source of truth.
        assert (
            client.get(reverse("indicators:dashboard", args=[city.pk]) + "?year=2023").status_code
            == 200
        )


def test_lists_ask_the_one_rule(cohort: Cohort, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row rule that shows nothing empties the ranking and the value lists."""
    from django.db.models import Q

    monkeypatch.setattr(visibility, "visible_rows", lambda user: Q(pk__in=[]))
    client = client_for(cohort.users, "anonymous")
    assert client.get(reverse("indicators:ranking")).context.get("nothing_visible")
    assert not services.visible_values(_user(cohort, "anonymous")).exists()
    text = client.get(reverse("indicators:ranking")).content.decode()
    assert not any(city.name in text for city in cohort.cities.values())
