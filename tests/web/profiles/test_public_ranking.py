"""The public ranking: index and ranks of the published profiles alone.

Nantes has no published profile (see the conftest), so what the public and the city editors
see must be computed as if Nantes did not exist; analysts and the secretariat see the whole
cohort's ranking.
"""

from __future__ import annotations

import re

from django.urls import reverse

from citydiplomacy.web.indicators.models import CityYearScore, Publication
from tests.web.profiles.conftest import Cohort, client_for

YEAR = 2023


def _rows(cohort: Cohort) -> list[CityYearScore]:
    return list(CityYearScore.objects.filter(snapshot=cohort.snapshot, year=YEAR))


def test_public_ranks_are_of_the_published_profiles_alone(cohort: Cohort) -> None:
    rows = _rows(cohort)
    published = set(Publication.objects.filter(year=YEAR).values_list("city_id", flat=True))
    public = [r for r in rows if r.city_id in published]
    unpublished = [r for r in rows if r.city_id not in published]
    assert unpublished and public  # Nantes, and the others
    assert all(r.public_rank is None and r.public_score is None for r in unpublished)
    assert sorted(r.public_rank for r in public) == list(range(1, len(public) + 1))
    assert sorted(r.rank for r in rows) == list(range(1, len(rows) + 1))
    # The public index differs from the cohort's: min-max bounds no longer include Nantes.
    assert any(r.public_score != r.score for r in public)
    for r in public:
        assert r.public_rank_low is not None and r.public_rank_high is not None
        assert 1 <= r.public_rank_low <= r.public_rank_high <= len(public)


def test_the_ranking_page_shows_the_public_ranking_to_the_public(cohort: Cohort) -> None:
    url = reverse("indicators:ranking") + f"?year={YEAR}"
    n_published = Publication.objects.filter(year=YEAR).count()
    for who in ("anonymous", "editor"):
        text = client_for(cohort.users, who).get(url).content.decode()
        assert f"{n_published} published profiles" in text, who
        assert "Nantes" not in text or who == "editor"
    text = client_for(cohort.users, "analyst").get(url).content.decode()
    assert f"all <strong>{len(_rows(cohort))} cities in the cohort" in text
    assert "Nantes" in text


def test_the_dashboard_headline_follows_the_viewer(cohort: Cohort) -> None:
    row = CityYearScore.objects.get(snapshot=cohort.snapshot, city=cohort.geneva, year=YEAR)
    url = reverse("indicators:dashboard", args=[cohort.geneva.pk]) + f"?year={YEAR}"
    n_published = Publication.objects.filter(year=YEAR).count()
    public_text = client_for(cohort.users, "anonymous").get(url).content.decode()
    found = re.search(r'class="big">(\d+)<span class="unit">of (\d+) cities', public_text)
    assert found and (int(found[1]), int(found[2])) == (row.public_rank, n_published)
    analyst_text = client_for(cohort.users, "analyst").get(url).content.decode()
    found = re.search(r'class="big">(\d+)<span class="unit">of (\d+) cities', analyst_text)
    assert found and (int(found[1]), int(found[2])) == (row.rank, len(_rows(cohort)))


def test_the_profile_api_headline_follows_the_viewer(cohort: Cohort) -> None:
    row = CityYearScore.objects.get(snapshot=cohort.snapshot, city=cohort.geneva, year=YEAR)
    url = f"/api/profiles/{cohort.geneva.pk}?year={YEAR}"
    public = client_for(cohort.users, "anonymous").get(url).json()["headline"]
    assert public["rank"] == row.public_rank and public["score"] == row.public_score
    full = client_for(cohort.users, "analyst").get(url).json()["headline"]
    assert full["rank"] == row.rank and full["score"] == row.score
