"""Matchmaking: invariants of the recommendations and the exact context top-k."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.core.context import FACTORS, context_factors, context_similarity
from citydiplomacy.core.peers import (
    SIGNALS,
    Matchmaker,
    MatchWeights,
    Performance,
    nearest_contexts,
)
from citydiplomacy.core.ties import TieIndex

REGIONS = ["Western Europe", "Northern Europe", "Eastern Asia", ""]
INCOME = ["H", "UM", "LM", None]
LANGS = [("fr",), ("de",), ("fr", "de"), ("ja",), ()]


def contexts(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "name": [f"City {i}" for i in range(n)],
            "country": rng.choice(["FR", "DE", "JP"], n),
            "region": rng.choice(REGIONS, n),
            "income_group": [INCOME[i] for i in rng.integers(0, len(INCOME), n)],
            "population": rng.integers(15_000, 5_000_000, n),
            "latitude": rng.uniform(-60, 70, n),
            "longitude": rng.uniform(-180, 180, n),
            "languages": [LANGS[i] for i in rng.integers(0, len(LANGS), n)],
        },
        index=pd.Index(np.arange(100, 100 + n), name="id"),
    )


def performance(ids: list[int], seed: int = 1) -> Performance:
    rng = np.random.default_rng(seed)
    codes = ["T1", "T1-a", "T1-b", "T2", "T2-a"]
    scores = pd.DataFrame(rng.uniform(0, 100, (len(ids), 5)), index=ids, columns=codes)
    scores.iloc[0, 0] = np.nan  # a city without a score on T1
    change = pd.DataFrame(rng.uniform(-5, 5, (len(ids), 5)), index=ids, columns=codes)
    return Performance(
        scores=scores,
        change=change,
        themes={"T1": ["T1-a", "T1-b"], "T2": ["T2-a"]},
        names={c: f"Name {c}" for c in codes},
    )


def matchmaker(n: int = 40, pairs: list[tuple[int, int]] | None = None) -> Matchmaker:
    ctx = contexts(n)
    ids = ctx.index.tolist()
    pairs = pairs if pairs is not None else [(100, 101), (101, 102), (100, 103), (110, 111)]
    ties = TieIndex.build(ids, ctx["country"].to_numpy(str), pairs, [(100, "net"), (105, "net")])
    return Matchmaker(ctx, ties, performance(ids[::2]))


def test_never_itself_nor_an_existing_partner() -> None:
    mm = matchmaker()
    for city in (100, 101, 110):
        partners = {int(mm.ids[j]) for j in mm.ties.partners(mm.row(city))}
        recs = mm.suggest(city, k=39)
        got = [r.city_id for r in recs]
        assert city not in got
        assert not partners & set(got)
        assert len(got) == len(set(got)) == 39 - len(partners)
        with_partners = [r.city_id for r in mm.suggest(city, k=39, exclude_partners=False)]
        assert partners <= set(with_partners) and city not in with_partners


def test_explanations_add_up_to_the_score_and_the_order() -> None:
    mm = matchmaker()
    w = MatchWeights()
    for theme in (None, "T1", "T2"):
        recs = mm.suggest(100, theme=theme, k=10, weights=w)
        scores = [r.score for r in recs]
        assert scores == sorted(scores, reverse=True)
        for r in recs:
            assert set(r.components) == set(SIGNALS)
            assert sum(r.components.values()) == pytest.approx(r.score)
            for s in SIGNALS:
                assert r.components[s] == pytest.approx(w.as_dict()[s] * r.signals[s])
                assert 0.0 <= r.signals[s] <= 1.0
            assert r.reasons
            if theme is not None:
                assert r.kpis and r.kpis[0].code == theme


def test_context_signal_and_factors_agree_with_core_context() -> None:
    mm = matchmaker()
    recs = mm.suggest(104, k=5)
    sims = context_similarity(mm.contexts, 104)
    factors = context_factors(mm.contexts, 104, [r.city_id for r in recs])
    for r in recs:
        assert r.signals["context"] == pytest.approx(sims[r.city_id], abs=1e-9)
        for f in FACTORS:
            assert r.factors[f] == pytest.approx(factors.at[r.city_id, f])


def test_peers_on_a_theme_are_stronger_or_improving() -> None:
    mm = matchmaker()
    perf = mm.performance
    own = perf.scores.at[102, "T1"]
    recs = mm.suggest(102, theme="T1", k=20)
    assert recs
    for r in recs:
        theirs = perf.scores.at[r.city_id, "T1"]
        change = perf.change.at[r.city_id, "T1"]
        assert theirs > own or change > 0
        assert r.signals["performance"] > 0


def test_reciprocal_partners_can_each_teach_the_other() -> None:
    mm = matchmaker()
    perf = mm.performance.scores
    recs = mm.suggest(102, mode="reciprocal", k=20)
    assert recs
    for r in recs:
        mine, theirs = perf.loc[102, ["T1", "T2"]], perf.loc[r.city_id, ["T1", "T2"]]
        assert (theirs > mine).any() and (mine > theirs).any()
        gains = {e.gap for e in r.kpis}
        assert any(g > 0 for g in gains) and any(g < 0 for g in gains)


def test_reciprocal_needs_a_profile() -> None:
    mm = matchmaker()
    assert mm.suggest(101, mode="reciprocal") == []  # 101 has no scores


def test_unknown_theme_city_and_bad_k() -> None:
    mm = matchmaker()
    with pytest.raises(KeyError):
        mm.suggest(100, theme="NOPE")
    with pytest.raises(KeyError):
        mm.suggest(1)
    with pytest.raises(ValueError):
        mm.suggest(100, k=0)


def test_candidates_and_exclusions_are_respected() -> None:
    mm = matchmaker()
    got = {r.city_id for r in mm.suggest(100, candidates=[100, 104, 105, 106], exclude=[106])}
    assert got == {104, 105}


def test_partners_of_partners_raise_a_candidate() -> None:
    # 100-101 and 101-102 are partners: 102 is a partner of a partner of 100.
    mm = matchmaker()
    recs = {r.city_id: r for r in mm.suggest(100, k=39)}
    assert recs[102].signals["partners_of_partners"] > 0
    assert recs[104].signals["partners_of_partners"] == 0
    assert recs[105].signals["shared_networks"] > 0


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 60), seed=st.integers(0, 1000), k=st.integers(1, 8))
def test_nearest_contexts_is_exact(n: int, seed: int, k: int) -> None:
    ctx = contexts(n, seed)
    ids, dist = nearest_contexts(ctx, k)
    for row, city in enumerate(ctx.index):
        sims = context_similarity(ctx, city).drop(city)
        found = [i for i in ids[row] if i >= 0]
        assert city not in found
        assert len(found) == min(k, n - 1)
        # distances are D, similarity is 1 - min(D, 1): compare where D < 1
        expected = sims.sort_values(ascending=False)
        kth = expected.iloc[len(found) - 1]
        for i, d in zip(found, dist[row][: len(found)], strict=True):
            assert 1 - min(d, 1) == pytest.approx(sims[i], abs=1e-9)
            assert sims[i] >= kth - 1e-9


def test_with_performance_shares_the_embedding_and_changes_only_the_scores() -> None:
    mm = matchmaker()
    other = mm.with_performance(Performance.empty())
    assert other.embedding is mm.embedding and other.ties is mm.ties
    assert other.suggest(100, theme=None, k=3) and mm.performance is not other.performance
    with pytest.raises(KeyError):
        other.suggest(100, theme="T1")  # no themes without scores
    assert mm.suggest(102, theme="T1", k=3)
