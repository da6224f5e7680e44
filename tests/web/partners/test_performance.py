"""The profile scores that themes and reciprocal mode use: the years the one visibility rule
allows, read from the typed node records."""

from __future__ import annotations

from typing import Any

import pytest

from citydiplomacy.web.indicators import scoring, visibility
from citydiplomacy.web.indicators.models import CityScore, ScoreSnapshot
from citydiplomacy.web.indicators.services import framework
from citydiplomacy.web.partners import services

pytestmark = pytest.mark.django_db


def _record(score: float, change: float, public_change: float) -> list[Any]:
    rec = scoring.NodeRecord(
        value=1.0,
        score=score,
        band=3,
        change=change,
        progress=None,
        rank=1.0,
        trend="up",
        public_change=public_change,
        public_progress=None,
        public_trend="up",
    )
    return list(rec)


def test_performance_asks_the_visibility_rule_and_reads_records_by_name(
    lyon: Any, geneva: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    nodes = framework().nodes
    theme = str(nodes.index[nodes["level"].astype(int) == 2][0])
    snap = ScoreSnapshot.objects.create(data_version=1, framework="u4ssc", spec={}, provenance={})
    for city in (lyon, geneva):
        CityScore.objects.create(
            snapshot=snap,
            city=city,
            nodes={
                "2022": {theme: _record(40.0, 5.0, 4.0)},
                "2023": {theme: _record(60.0, 20.0, 9.0)},
            },
        )
    monkeypatch.setattr(scoring, "current_snapshot", lambda: snap)
    asked: list[list[int]] = []

    def rule(city_ids: Any) -> dict[int, set[int]]:
        ids = [int(c) for c in city_ids]
        asked.append(ids)
        # No Publication row exists: only the rule says Lyon's 2022 is public.
        return {c: ({2022} if c == lyon.pk else set()) for c in ids}

    monkeypatch.setattr(visibility, "published_years_of", rule)
    public = services.performance(public=True)
    assert asked and sorted(asked[0]) == sorted([lyon.pk, geneva.pk])
    assert list(public.scores.index) == [lyon.pk]
    assert public.scores.at[lyon.pk, theme] == 40.0
    assert public.change.at[lyon.pk, theme] == 4.0  # the change between published years
    # an editor's own city: every year, the full change
    own = services.performance(public=True, own_city_ids=[geneva.pk])
    assert own.scores.at[geneva.pk, theme] == 60.0 and own.change.at[geneva.pk, theme] == 20.0
    full = services.performance(public=False)
    assert full.scores.at[lyon.pk, theme] == 60.0
