"""A city's administrative standing (its GeoNames feature code) in partner ranking: the mapping,
the pair features, unknown codes, and what the model learns from it (synthetic data)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.core import ranking
from citydiplomacy.core.geo import km_between, unit_vectors
from citydiplomacy.core.ranking import _medians, _standing_sentence
from citydiplomacy.core.tieworld import PLAIN_PLACE, standing
from tests.core.test_ranking import NEIGHBOURS, planted_ties, synthetic_registry


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("PPLC", 0.0),
        ("PPLG", 0.0),
        ("PPLA", 1.0),
        ("PPLA2", 2.0),
        ("PPLA5", 5.0),
        ("PPL", PLAIN_PLACE),
        ("PPLL", PLAIN_PLACE),
        ("STLMT", PLAIN_PLACE),
        ("PPLX", 7.0),
        (" pplc ", 0.0),
    ],
)
def test_feature_codes_map_to_standing(code: str, expected: float) -> None:
    assert standing(code) == expected


@pytest.mark.parametrize("code", ["", None, math.nan, "ADM1", "HTL", "P"])
def test_an_unknown_or_foreign_code_is_unknown_not_guessed(code: object) -> None:
    assert math.isnan(standing(code))


@given(st.text(max_size=8))
def test_any_text_gives_a_standing_or_unknown(code: str) -> None:
    value = standing(code)
    assert math.isnan(value) or value in {0.0, 1.0, 2.0, 3.0, 4.0, 5.0, PLAIN_PLACE, 7.0}


def _registry_with_codes(codes: list[str]) -> pd.DataFrame:
    ctx = synthetic_registry(len(codes), seed=3)
    ctx["feature_code"] = codes
    return ctx


def test_pair_features_carry_both_cities_standing() -> None:
    ctx = _registry_with_codes(["PPLC", "PPLA", "PPLX", "", "PPL", "PPLA3", "PPLA2", "PPL"])
    world = ranking.TieWorld.build(ctx, [], [], {})
    x = world.features(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 5]))
    col = {f: k for k, f in enumerate(ranking.FEATURES)}
    assert x[:, col["own_standing"]][:3].tolist() == [0.0, 1.0, 7.0]
    assert math.isnan(x[3, col["own_standing"]])
    assert x[[0, 1, 3], col["standing"]].tolist() == [1.0, 7.0, 3.0]
    assert math.isnan(x[2, col["standing"]])


def test_a_registry_without_codes_has_unknown_standing_everywhere() -> None:
    world = ranking.TieWorld.build(synthetic_registry(12), [], [], {})
    assert np.isnan(world.standing).all() and world.standing.size == 12


def test_neutral_values_leave_unknown_values_out() -> None:
    x = np.array([[1.0, np.nan, np.nan], [3.0, 5.0, np.nan], [2.0, 7.0, np.nan]])
    x = np.hstack([x, np.zeros((3, len(ranking.FEATURES) - 3))])
    out = _medians(x)
    assert out[:3].tolist() == [2.0, 6.0, 0.0]
    assert _medians(np.zeros((0, len(ranking.FEATURES)))).tolist() == [0.0] * len(ranking.FEATURES)


def test_standing_in_words() -> None:
    assert _standing_sentence(0.0, 0.0) == "a national capital, like you"
    assert _standing_sentence(1.0, 6.0) == "a regional capital (seat of a first-order division)"
    assert _standing_sentence(3.0, 1.0) == "seat of a third-order administrative division"
    assert _standing_sentence(PLAIN_PLACE, 0.0) is None
    assert _standing_sentence(7.0, 7.0) is None
    assert _standing_sentence(math.nan, 0.0) is None
    said = _standing_sentence(3.0, 3.0)
    assert said is not None
    assert (said.key, dict(said.params)) == ("division_seat", {"order": 3, "like_you": True})


def _sections_and_seats(seed: int = 0) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """SYNTHETIC: the registry of ``synthetic_registry`` where every third city is a section
    (PPLX) and the rest seats of a division (PPLA2); the planted ties, with every tie of a
    section moved to the nearest seat of its country (sections never twin)."""
    ctx = synthetic_registry(400, seed=seed)
    codes = np.where(np.arange(len(ctx)) % 3 == 0, "PPLX", "PPLA2")
    ctx["feature_code"] = codes
    ids = ctx.index.to_numpy()
    xyz = unit_vectors(ctx["latitude"], ctx["longitude"])
    country = ctx["country"].to_numpy()
    position = {int(i): k for k, i in enumerate(ids)}

    def seat_for(k: int) -> int:
        if codes[k] != "PPLX":
            return int(ids[k])
        pool = np.flatnonzero((country == country[k]) & (codes != "PPLX"))
        return int(ids[pool[np.argmin(km_between(xyz[k], xyz[pool]))]])

    ties = {
        tuple(sorted((seat_for(position[a]), seat_for(position[b]))))
        for a, b in planted_ties(ctx, seed)
    }
    return ctx, [(a, b) for a, b in ties if a != b]


def test_the_model_learns_that_sections_do_not_twin() -> None:
    ctx, ties = _sections_and_seats()
    with_codes = ranking.train(
        ranking.TieWorld.build(ctx, ties, [], NEIGHBOURS),
        seed=1,
        min_ties=50,
        max_iter=40,
        exposure_cap=None,
    )
    blind = ranking.train(
        ranking.TieWorld.build(ctx.drop(columns="feature_code"), ties, [], NEIGHBOURS),
        seed=1,
        min_ties=50,
        max_iter=40,
        exposure_cap=None,
    )
    rows = np.arange(0, 400, 7, dtype=np.int64)
    sections = ctx["feature_code"].to_numpy() == "PPLX"

    def share_of_sections(ranker: ranking.Ranker) -> float:
        cands, _ = ranker.top_many(rows, 10, threads=1)
        return float(sections[cands[cands >= 0]].mean())

    # a third of the cities are sections; knowing the codes, the lists hold almost none
    assert share_of_sections(with_codes) < 0.05 < share_of_sections(blind)


def test_an_explanation_says_the_standing_that_carried_a_suggestion() -> None:
    ctx = _registry_with_codes(["PPLC", "PPLC", "PPLA", "PPL"] * 5)
    world = ranking.TieWorld.build(ctx, [], [], {})
    ranker = ranking.train(world, min_ties=50, exposure_cap=None)  # the fixed rule
    only_standing = {g: 0.0 for g in ranking.GROUPS} | {"standing": 1.0}
    assert ranker.explain(0, 1, only_standing) == ("a national capital, like you",)
    assert ranker.explain(3, 2, only_standing) == (
        "a regional capital (seat of a first-order division)",
    )


def test_one_partnership_is_said_in_the_singular() -> None:
    ctx = _registry_with_codes(["PPL"] * 6)
    ids = ctx.index.to_numpy()
    world = ranking.TieWorld.build(
        ctx, [(int(ids[1]), int(ids[2])), (int(ids[3]), int(ids[2]))], [], {}
    )
    ranker = ranking.train(world, min_ties=50, exposure_cap=None)
    only_activity = {g: 0.0 for g in ranking.GROUPS} | {"activity": 1.0}
    assert ranker.explain(0, 1, only_activity) == ("an active twinner (1 partnership)",)
    assert ranker.explain(0, 2, only_activity) == ("an active twinner (2 partnerships)",)
