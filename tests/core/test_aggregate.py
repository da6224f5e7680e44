"""Tests of citydiplomacy.core.aggregate: COINr's a_* definitions, scipy, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray
from scipy import stats

from citydiplomacy.core import aggregate as agg_mod
from citydiplomacy.core.aggregate import AGGREGATE_METHODS, aggregate
from citydiplomacy.errors import DataError, SpecError

NAN = np.nan
TOL = 1e-9


# --- hand-computed values -------------------------------------------------------------


def test_arithmetic_hand_with_missing() -> None:
    x = np.array([[1.0, 2.0, 3.0], [4.0, NAN, 6.0], [NAN, NAN, NAN]])
    w = np.array([1.0, 1.0, 2.0])
    out = aggregate(x, w)
    # missing children dropped and the remaining weights renormalised (COINr a_amean)
    np.testing.assert_allclose(out, [(1 + 2 + 6) / 4, (4 + 12) / 3, NAN], atol=TOL)


def test_geometric_and_harmonic_hand() -> None:
    x = np.array([[1.0, 4.0], [2.0, 8.0], [3.0, NAN]])
    w = np.array([1.0, 1.0])
    np.testing.assert_allclose(aggregate(x, w, "geometric"), [2.0, 4.0, 3.0], atol=TOL)
    np.testing.assert_allclose(
        aggregate(x, w, "harmonic"), [2 / (1 + 1 / 4), 2 / (1 / 2 + 1 / 8), 3.0], atol=TOL
    )
    # weights 1:3 -> exp((log 1 + 3 log 4) / 4) = 4 ** 0.75
    np.testing.assert_allclose(
        aggregate(x[:1], np.array([1.0, 3.0]), "geometric"), [4**0.75], atol=TOL
    )


def test_matches_scipy_means() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 100, size=(40, 7))
    x[rng.random(x.shape) < 0.2] = NAN
    w = rng.uniform(0.1, 2.0, size=7)
    am, gm, hm = (aggregate(x, w, m) for m in ("arithmetic", "geometric", "harmonic"))
    for i in range(x.shape[0]):
        ok = ~np.isnan(x[i])
        if not ok.any():
            assert np.isnan(am[i])
            continue
        assert am[i] == pytest.approx(np.average(x[i, ok], weights=w[ok]), rel=TOL)
        assert gm[i] == pytest.approx(stats.gmean(x[i, ok], weights=w[ok]), rel=TOL)
        assert hm[i] == pytest.approx(stats.hmean(x[i, ok], weights=w[ok]), rel=TOL)


def test_weights_are_relative() -> None:
    x = np.array([[1.0, 5.0, 9.0]])
    for method in AGGREGATE_METHODS[:3]:
        a = aggregate(x, np.array([1.0, 2.0, 3.0]), method)
        b = aggregate(x, np.array([10.0, 20.0, 30.0]), method)
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_coverage() -> None:
    x = np.array([[1.0, 2.0, NAN], [1.0, NAN, NAN], [1.0, 2.0, 3.0]])
    w = np.ones(3)
    np.testing.assert_allclose(aggregate(x, w, coverage=2 / 3), [1.5, NAN, 2.0])
    np.testing.assert_allclose(aggregate(x, w, coverage=0.7), [NAN, NAN, 2.0])
    np.testing.assert_allclose(aggregate(x, w, coverage=0.0), [1.5, 1.0, 2.0])
    # a child of weight 0 does not count toward coverage
    np.testing.assert_allclose(
        aggregate(x, np.array([1.0, 1.0, 0.0]), coverage=1.0), [1.5, NAN, 1.5]
    )


def test_zero_weight_child_is_ignored_even_if_missing_or_nonpositive() -> None:
    x = np.array([[2.0, 8.0, -1.0], [2.0, 8.0, NAN]])
    w = np.array([1.0, 1.0, 0.0])
    np.testing.assert_allclose(aggregate(x, w, "geometric"), [4.0, 4.0], atol=TOL)
    np.testing.assert_allclose(aggregate(x, w, "arithmetic"), [5.0, 5.0], atol=TOL)


def test_nonpositive_values_need_floor() -> None:
    x = np.array([[0.0, 4.0], [2.0, 8.0]])
    w = np.ones(2)
    for method in ("geometric", "harmonic"):
        with pytest.raises(SpecError, match=r"positive values.*\[1, 100\].*floor"):
            aggregate(x, w, method)
    np.testing.assert_allclose(aggregate(x, w, "geometric", floor=1.0), [2.0, 4.0], atol=TOL)
    np.testing.assert_allclose(
        aggregate(x, w, "harmonic", floor=1.0), [2 / (1 + 1 / 4), 2 / (1 / 2 + 1 / 8)], atol=TOL
    )
    # the floor raises every value below it, and keeps missing values missing
    y = np.array([[0.5, NAN], [-3.0, 4.0]])
    np.testing.assert_allclose(aggregate(y, w, "geometric", floor=1.0), [1.0, 2.0], atol=TOL)


def test_per_replication_weights() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 100, size=(5, 3, 20, 4))
    x[rng.random(x.shape) < 0.1] = NAN
    w = rng.uniform(0.1, 1, size=(5, 1, 1, 4))
    for method in AGGREGATE_METHODS:
        out = aggregate(x, w, method)
        assert out.shape == (5, 3, 20)
        for r in range(5):
            for y in range(3):
                np.testing.assert_allclose(
                    out[r, y], aggregate(x[r, y], w[r, 0, 0], method), rtol=1e-12
                )
    # weights broadcast over years: (3, 1, 4) against (5, 3, 20, 4)
    w2 = rng.uniform(0.1, 1, size=(3, 1, 4))
    out = aggregate(x, w2)
    np.testing.assert_allclose(out[2, 1], aggregate(x[2, 1], w2[1, 0]), rtol=1e-12)


def test_blocks_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(1, 100, size=(7, 30, 5))
    x[rng.random(x.shape) < 0.1] = NAN
    w = rng.uniform(0.1, 1, size=(7, 1, 5))
    whole = {m: aggregate(x, w, m) for m in AGGREGATE_METHODS}
    monkeypatch.setattr(agg_mod, "_BLOCK", 64)  # forces many small blocks
    for m in AGGREGATE_METHODS:
        np.testing.assert_allclose(aggregate(x, w, m), whole[m], rtol=1e-12)


# --- Copeland -------------------------------------------------------------------------


def coinr_copeland(x: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """Literal translation of COINr's outrankMatrix + a_copeland (complete data only)."""
    n = x.shape[0]
    w = w / w.sum()
    orm = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i == j:
                orm[i, j] = 0
            elif i > j:
                orm[i, j] = 1 - orm[j, i]
            else:
                orm[i, j] = w[x[i] > x[j]].sum() + w[x[i] == x[j]].sum() / 2
    res = np.where(orm > 0.5, 1.0, np.where(orm < 0.5, -1.0, 0.0))
    np.fill_diagonal(res, 0)
    out: NDArray[np.float64] = res.sum(axis=1)
    return out


def test_copeland_hand() -> None:
    x = np.array([[3.0, 1.0], [2.0, 2.0], [1.0, 3.0]])
    # equal weights: every pair splits its weight evenly -> all ties
    np.testing.assert_array_equal(aggregate(x, np.ones(2), "copeland"), [0, 0, 0])
    # the first child counts double: A beats B and C, B beats C
    np.testing.assert_array_equal(aggregate(x, np.array([2.0, 1.0]), "copeland"), [2, 0, -2])


def test_copeland_matches_coinr_on_complete_data() -> None:
    rng = np.random.default_rng(3)
    x = np.round(rng.uniform(0, 5, size=(25, 6)))  # many ties
    w = rng.integers(1, 4, size=6).astype(np.float64)
    np.testing.assert_array_equal(aggregate(x, w, "copeland"), coinr_copeland(x, w))


def test_copeland_missing_values_are_symmetric() -> None:
    x = np.array([[5.0, NAN, 1.0], [4.0, 3.0, NAN], [NAN, NAN, NAN], [1.0, 1.0, 1.0]])
    out = aggregate(x, np.ones(3), "copeland")
    # unit 0 vs 1: only child 0 shared -> 0 wins; 0 vs 3: 5>1 and 1=1 -> 0 wins;
    # 1 vs 3: 4>1 and 3>1 -> 1 wins; unit 2 has no data
    np.testing.assert_array_equal(out, [2, 0, NAN, -2])
    # reversing the unit order reverses the scores: no row-order bias
    np.testing.assert_array_equal(aggregate(x[::-1], np.ones(3), "copeland"), out[::-1])


def test_copeland_coverage_excludes_units() -> None:
    x = np.array([[5.0, NAN], [4.0, 4.0], [1.0, 1.0]])
    out = aggregate(x, np.ones(2), "copeland", coverage=1.0)
    np.testing.assert_array_equal(out, [NAN, 1, -1])


# --- errors -----------------------------------------------------------------------------


def test_errors() -> None:
    x = np.ones((3, 2))
    with pytest.raises(SpecError, match="allowed: arithmetic, geometric"):
        aggregate(x, np.ones(2), "median")
    with pytest.raises(SpecError, match="one value per child"):
        aggregate(x, np.ones(3))
    with pytest.raises(SpecError, match="non-negative"):
        aggregate(x, np.array([1.0, -1.0]))
    with pytest.raises(SpecError, match="positive weight"):
        aggregate(x, np.zeros(2))
    with pytest.raises(SpecError, match="units axis"):
        aggregate(x, np.ones((3, 2)))
    with pytest.raises(SpecError, match="broadcast"):
        aggregate(np.ones((4, 3, 2)), np.ones((5, 1, 2)))
    with pytest.raises(SpecError, match="coverage"):
        aggregate(x, np.ones(2), coverage=1.5)
    with pytest.raises(SpecError, match="floor"):
        aggregate(x, np.ones(2), "geometric", floor=0.0)
    with pytest.raises(DataError):
        aggregate(np.ones(3), np.ones(3))


def test_large_array_is_vectorised() -> None:
    import time

    rng = np.random.default_rng(4)
    x = rng.uniform(1, 100, size=(10, 10_000, 112))
    w = rng.uniform(size=112)
    start = time.perf_counter()
    aggregate(x, w, "geometric")
    assert time.perf_counter() - start < 5.0


# --- properties -------------------------------------------------------------------------

positive = st.floats(min_value=1e-3, max_value=1e3)


@st.composite
def positive_data(draw: st.DrawFn) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Positive (n_units, n_children) data with some NaN, and non-negative weights."""
    n = draw(st.integers(min_value=1, max_value=8))
    k = draw(st.integers(min_value=1, max_value=6))
    x = draw(hnp.arrays(np.float64, (n, k), elements=positive)).copy()
    mask = draw(hnp.arrays(np.bool_, (n, k)))
    x[mask] = NAN
    w = draw(
        hnp.arrays(
            np.float64,
            (k,),
            elements=st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=10.0)),
        )
    )
    w = w.copy()
    w[0] += 0.5  # at least one positive weight
    return x, w


@settings(max_examples=100, deadline=None)
@given(
    data=positive_data(),
    method=st.sampled_from(("arithmetic", "geometric", "harmonic")),
    delta=st.floats(min_value=1e-3, max_value=1e3),
    pos=st.integers(min_value=0, max_value=47),
)
def test_monotonic_in_each_child(
    data: tuple[NDArray[np.float64], NDArray[np.float64]], method: str, delta: float, pos: int
) -> None:
    x, w = data
    i, c = divmod(pos % x.size, x.shape[1])
    before = aggregate(x, w, method)
    x2 = x.copy()
    x2[i, c] += delta
    after = aggregate(x2, w, method)
    if not (np.isnan(before[i]) or np.isnan(after[i])):
        assert after[i] >= before[i] * (1 - 1e-12)


@settings(max_examples=100, deadline=None)
@given(data=positive_data())
def test_harmonic_le_geometric_le_arithmetic(
    data: tuple[NDArray[np.float64], NDArray[np.float64]],
) -> None:
    x, w = data
    am = aggregate(x, w, "arithmetic")
    gm = aggregate(x, w, "geometric")
    hm = aggregate(x, w, "harmonic")
    np.testing.assert_array_equal(np.isnan(am), np.isnan(gm))
    ok = ~np.isnan(am)
    assert np.all(gm[ok] <= am[ok] * (1 + 1e-12))
    assert np.all(hm[ok] <= gm[ok] * (1 + 1e-12))
    # all lie between the smallest and largest present value with positive weight
    xs = np.where(w > 0, x, NAN)
    with np.errstate(invalid="ignore"):
        lo, hi = np.fmin.reduce(xs, axis=1), np.fmax.reduce(xs, axis=1)
    assert np.all(hm[ok] >= lo[ok] * (1 - 1e-12))
    assert np.all(am[ok] <= hi[ok] * (1 + 1e-12))


@settings(max_examples=100, deadline=None)
@given(data=positive_data())
def test_copeland_scores_sum_to_zero(
    data: tuple[NDArray[np.float64], NDArray[np.float64]],
) -> None:
    x, w = data
    out = aggregate(x, w, "copeland")
    ok = ~np.isnan(out)
    assert out[ok].sum() == 0  # every win is someone's loss
    assert np.all(np.abs(out[ok]) <= ok.sum() - 1)
