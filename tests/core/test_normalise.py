"""Tests of citydiplomacy.core.normalise: COINr's n_* definitions, scipy, properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray
from scipy import stats

from citydiplomacy.core.normalise import NORMALISE_METHODS, normalise, rank_min
from citydiplomacy.errors import DataError, SpecError

NAN = np.nan
TOL = 1e-9


def col(values: list[float]) -> NDArray[np.float64]:
    """One measure as a (n_units, 1) array."""
    return np.array(values, dtype=np.float64).reshape(-1, 1)


# --- hand-computed values -------------------------------------------------------------


def test_minmax_hand() -> None:
    x = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, NAN], [5.0, 40.0]])
    out = normalise(x, "minmax")
    np.testing.assert_allclose(out[:, 0], [0.0, 25.0, 50.0, 100.0], atol=TOL)
    np.testing.assert_allclose(out[:, 1], [0.0, 100 / 3, NAN, 100.0], atol=TOL)
    out = normalise(x, "minmax", range=(1.0, 100.0))
    np.testing.assert_allclose(out[:, 0], [1.0, 25.75, 50.5, 100.0], atol=TOL)


def test_minmax_direction_hand() -> None:
    out = normalise(col([1.0, 2.0, 3.0, 5.0]), "minmax", direction=np.array([-1]))
    np.testing.assert_allclose(out[:, 0], [100.0, 75.0, 50.0, 0.0], atol=TOL)


def test_none_applies_direction_like_coinr() -> None:
    x = np.array([[1.0, 2.0], [3.0, NAN]])
    out = normalise(x, "none", direction=np.array([1, -1]))
    np.testing.assert_array_equal(out, [[1.0, -2.0], [3.0, NAN]])
    assert out is not x


def test_zscore_hand_and_scipy() -> None:
    out = normalise(col([2.0, 4.0, 6.0]), "zscore")
    np.testing.assert_allclose(out[:, 0], [-1.0, 0.0, 1.0], atol=TOL)  # sd = 2 (ddof=1)
    out = normalise(col([2.0, 4.0, 6.0]), "zscore", mean_sd=(10.0, 3.0))
    np.testing.assert_allclose(out[:, 0], [7.0, 10.0, 13.0], atol=TOL)
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=(50, 6)) * 1e3
    x[rng.random(x.shape) < 0.2] = NAN
    expected = stats.zscore(x, axis=0, ddof=1, nan_policy="omit")
    np.testing.assert_allclose(normalise(x, "zscore"), expected, rtol=TOL, atol=TOL)


def test_rank_ties_min_hand() -> None:
    x = col([10.0, 20.0, NAN, 20.0, 30.0, 5.0])
    np.testing.assert_array_equal(normalise(x, "rank")[:, 0], [2, 3, NAN, 3, 5, 1])
    np.testing.assert_array_equal(normalise(x, "borda")[:, 0], [1, 2, NAN, 2, 4, 0])
    np.testing.assert_allclose(
        normalise(x, "prank", range=(0.0, 1.0))[:, 0], [0.25, 0.5, NAN, 0.5, 1.0, 0.0], atol=TOL
    )
    # the default output range is [0, 100]; any other range rescales the same shares
    np.testing.assert_allclose(
        normalise(x, "prank", range=(1.0, 101.0))[:, 0], [26, 51, NAN, 51, 101, 1], atol=TOL
    )
    # lower is better: 5 is best
    np.testing.assert_array_equal(
        normalise(x, "rank", direction=np.array([-1]))[:, 0], [4, 2, NAN, 2, 1, 5]
    )


def test_prank_single_observation_is_nan() -> None:
    out = normalise(col([NAN, 3.0, NAN]), "prank")
    assert np.isnan(out).all()


@pytest.mark.parametrize("scale", [1.0, 1e-300, 1e300])
def test_rank_matches_scipy(scale: float) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 40, 7)) * scale
    x[..., 0] = np.round(x[..., 0] / scale * 2)  # many ties
    x[..., 1] = 0.0
    x[:5, :, 1] = -0.0  # the two zeros are equal
    x[rng.random(x.shape) < 0.15] = NAN
    x[:, :, 2] = NAN  # all missing
    expected = stats.rankdata(x, method="min", axis=-2, nan_policy="omit")
    np.testing.assert_array_equal(rank_min(x), expected)
    n = (~np.isnan(x)).sum(axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.testing.assert_allclose(
            normalise(x, "prank", range=(0.0, 1.0)), (expected - 1) / (n - 1), atol=TOL
        )
    np.testing.assert_array_equal(normalise(x, "borda"), expected - 1)


def test_rank_exact_when_values_differ_in_last_bits() -> None:
    # distinct values sharing all but their last mantissa bits exercise the exact fallback
    rng = np.random.default_rng(3)
    steps = rng.integers(0, 50, size=(300, 4)).astype(np.float64)
    x = 1.0 + steps * np.finfo(np.float64).eps
    x[rng.random(x.shape) < 0.1] = NAN
    expected = stats.rankdata(x, method="min", axis=0, nan_policy="omit")
    np.testing.assert_array_equal(rank_min(x), expected)
    # negative numbers and infinities keep their order too
    y = np.concatenate([-x, x, [[np.inf] * 4, [-np.inf] * 4]])
    expected = stats.rankdata(y, method="min", axis=0, nan_policy="omit")
    np.testing.assert_array_equal(rank_min(y), expected)


def test_dist2target_hand() -> None:
    x = col([0.0, 5.0, 10.0, 20.0])
    t = np.array([10.0])
    np.testing.assert_allclose(
        normalise(x, "dist2target", targets=t)[:, 0], [0, 50, 100, 100], atol=TOL
    )
    np.testing.assert_allclose(
        normalise(x, "dist2target", targets=t, cap_max=False)[:, 0], [0, 50, 100, 200], atol=TOL
    )
    np.testing.assert_allclose(
        normalise(x, "dist2target", targets=t, range=(0.0, 1.0))[:, 0], [0, 0.5, 1, 1], atol=TOL
    )


def test_dist2target_negative_direction_is_coinr_formula() -> None:
    # COINr n_dist2targ(direction = -1): (max - x) / (max - targ)
    x = col([0.0, 5.0, 10.0, 20.0])
    out = normalise(x, "dist2target", targets=np.array([5.0]), direction=np.array([-1]))
    np.testing.assert_allclose(out[:, 0], [100, 100, 100 * 10 / 15, 0], atol=TOL)
    out = normalise(
        x, "dist2target", targets=np.array([5.0]), direction=np.array([-1]), cap_max=False
    )
    np.testing.assert_allclose(out[:, 0], 100 * (20 - x[:, 0]) / 15, atol=TOL)


def test_dist2target_all_units_past_target() -> None:
    x = col([12.0, 15.0, 20.0])
    out = normalise(x, "dist2target", targets=np.array([10.0]))
    np.testing.assert_array_equal(out[:, 0], [100.0, 100.0, 100.0])


def test_dist2max_hand_equals_minmax() -> None:
    x = col([2.0, 4.0, 10.0, NAN])
    out = normalise(x, "dist2max")
    # COINr: 1 - (max - x) / (max - min)
    np.testing.assert_allclose(out[:, 0], 100 * (1 - (10 - x[:, 0]) / 8), atol=TOL)
    np.testing.assert_allclose(out, normalise(x, "minmax"), atol=TOL)


def test_goalposts_hand() -> None:
    x = col([-5.0, 0.0, 5.0, 10.0, 15.0])
    lo, up = np.array([0.0]), np.array([10.0])
    out = normalise(x, "goalposts", lower=lo, upper=up)
    np.testing.assert_allclose(out[:, 0], [0, 0, 50, 100, 100], atol=TOL)
    out = normalise(x, "goalposts", lower=lo, upper=up, trunc=False)
    np.testing.assert_allclose(out[:, 0], [-50, 0, 50, 100, 150], atol=TOL)
    # lower is better: (upper - x) / (upper - lower)
    out = normalise(x, "goalposts", lower=lo, upper=up, direction=np.array([-1]))
    np.testing.assert_allclose(out[:, 0], [100, 100, 50, 0, 0], atol=TOL)
    # COINr example: n_goalposts(1, gposts = c(0, 10, 1)) == 0.1
    out = normalise(col([1.0, 3.0]), "goalposts", lower=lo, upper=up, range=(0.0, 1.0))
    assert out[0, 0] == pytest.approx(0.1, abs=TOL)


@pytest.mark.parametrize("method", ["minmax", "zscore", "dist2max"])
def test_constant_column_is_nan(method: str) -> None:
    x = np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 4.0]])
    out = normalise(x, method)
    assert np.isnan(out[:, 0]).all()
    assert not np.isnan(out[:, 1]).any()


@pytest.mark.parametrize("method", NORMALISE_METHODS)
def test_missing_stays_missing_and_leading_axes_independent(method: str) -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 50, size=(2, 3, 12, 5))
    x[rng.random(x.shape) < 0.2] = NAN
    kw: dict[str, Any] = {
        "direction": np.array([1, -1, 1, -1, 1]),
        "targets": np.full(5, 25.0),
        "lower": np.full(5, 10.0),
        "upper": np.full(5, 40.0),
    }
    out = normalise(x, method, **kw)
    assert out.shape == x.shape
    assert out.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))
    for i in range(2):
        for j in range(3):
            one = normalise(x[i, j], method, **kw)
            np.testing.assert_allclose(out[i, j], one, rtol=1e-12, atol=1e-12)


def test_input_not_modified() -> None:
    x = np.array([[1.0, 5.0], [2.0, NAN], [4.0, 3.0]])
    before = x.copy()
    for method in NORMALISE_METHODS:
        normalise(
            x,
            method,
            direction=np.array([-1, 1]),
            targets=np.ones(2),
            lower=np.zeros(2),
            upper=np.full(2, 9.0),
        )
    np.testing.assert_array_equal(x, before)


# --- errors -----------------------------------------------------------------------------


def test_errors() -> None:
    x = col([1.0, 2.0])
    with pytest.raises(SpecError, match="allowed: none, minmax"):
        normalise(x, "maxmin")
    with pytest.raises(SpecError, match="targets"):
        normalise(x, "dist2target")
    with pytest.raises(SpecError, match="lower"):
        normalise(x, "goalposts", upper=np.array([3.0]))
    with pytest.raises(SpecError, match="lower < upper"):
        normalise(x, "goalposts", lower=np.array([3.0]), upper=np.array([3.0]))
    with pytest.raises(SpecError, match="one value per measure"):
        normalise(x, "dist2target", targets=np.array([1.0, 2.0]))
    with pytest.raises(SpecError, match="finite"):
        normalise(x, "dist2target", targets=np.array([NAN]))
    with pytest.raises(SpecError, match="direction"):
        normalise(x, "minmax", direction=np.array([0]))
    with pytest.raises(SpecError, match="direction"):
        normalise(x, "minmax", direction=np.array([1, 1]))
    with pytest.raises(SpecError, match="range"):
        normalise(x, "minmax", range=(100.0, 0.0))
    with pytest.raises(SpecError, match="sd > 0"):
        normalise(x, "zscore", mean_sd=(0.0, 0.0))
    with pytest.raises(DataError):
        normalise(np.array([1.0, 2.0]), "minmax")


# --- performance ------------------------------------------------------------------------


def test_large_array_is_vectorised() -> None:
    # a Python loop over units or columns would take far longer than this budget
    import time

    x = np.random.default_rng(5).normal(size=(10, 10_000, 112))
    start = time.perf_counter()
    normalise(x, "minmax")
    assert time.perf_counter() - start < 5.0


# --- properties -------------------------------------------------------------------------

# away from the underflow range (see data_and_mask), where squares of spreads vanish
finite = st.floats(min_value=-1e3, max_value=1e3, allow_subnormal=False)


@st.composite
def data_and_mask(draw: st.DrawFn) -> NDArray[np.float64]:
    """A (n_units, n_measures) array with some NaN, at least 2 values per column."""
    n = draw(st.integers(min_value=2, max_value=12))
    k = draw(st.integers(min_value=1, max_value=4))
    x = draw(hnp.arrays(np.float64, (n, k), elements=finite))
    mask = draw(hnp.arrays(np.bool_, (n, k)))
    mask[:2] = False
    x = x.copy()
    x[np.abs(x) < 1e-100] = 0.0
    x[mask] = NAN
    return x


def _params(x: NDArray[np.float64]) -> dict[str, Any]:
    """Targets and goalposts inside the data range of each column."""
    mn, mx = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    return {
        "targets": (mn + mx) / 2,
        "lower": mn - 1.0,
        "upper": mx + 1.0,
    }


MONOTONE = ("minmax", "zscore", "rank", "prank", "borda", "dist2target", "dist2max", "goalposts")


@settings(max_examples=100, deadline=None)
@given(
    x=data_and_mask(),
    method=st.sampled_from(MONOTONE),
    i=st.integers(min_value=0, max_value=1),
    delta=st.floats(min_value=1e-3, max_value=1e3),
)
def test_monotonic_in_own_value(x: NDArray[np.float64], method: str, i: int, delta: float) -> None:
    p = _params(x)
    before = normalise(x, method, **p)
    x2 = x.copy()
    x2[i] += delta
    after = normalise(x2, method, **p)
    ok = ~np.isnan(before[i]) & ~np.isnan(after[i])
    assert np.all(after[i][ok] >= before[i][ok] - 1e-9 * (1 + np.abs(before[i][ok])))


@settings(max_examples=100, deadline=None)
@given(
    x=data_and_mask(), method=st.sampled_from(("minmax", "dist2target", "goalposts", "dist2max"))
)
def test_bounded_methods_within_range(x: NDArray[np.float64], method: str) -> None:
    out = normalise(x, method, range=(1.0, 100.0), **_params(x))
    ok = ~np.isnan(out)
    assert np.all((out[ok] >= 1.0) & (out[ok] <= 100.0))


@settings(max_examples=100, deadline=None)
@given(x=data_and_mask())
def test_prank_within_unit_interval(x: NDArray[np.float64]) -> None:
    out = normalise(x, "prank", range=(0.0, 1.0))
    ok = ~np.isnan(out)
    assert np.all((out[ok] >= 0.0) & (out[ok] <= 1.0))


@settings(max_examples=100, deadline=None)
@given(x=data_and_mask(), method=st.sampled_from(NORMALISE_METHODS))
def test_direction_mirrors(x: NDArray[np.float64], method: str) -> None:
    p = _params(x)
    k = x.shape[1]
    down = normalise(x, method, direction=-np.ones(k), **p)
    # the same as normalising -x, with targets and goalposts flipped with the data
    flipped = {"targets": -p["targets"], "lower": -p["upper"], "upper": -p["lower"]}
    up = normalise(-x, method, direction=np.ones(k), **flipped)
    np.testing.assert_allclose(down, up, rtol=1e-9, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(x=data_and_mask())
def test_minmax_direction_is_reflection(x: NDArray[np.float64]) -> None:
    k = x.shape[1]
    lo, hi = 1.0, 100.0
    down = normalise(x, "minmax", direction=-np.ones(k), range=(lo, hi))
    up = normalise(x, "minmax", range=(lo, hi))
    np.testing.assert_allclose(down, lo + hi - up, rtol=1e-9, atol=1e-9)


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@settings(max_examples=100, deadline=None)
@given(x=data_and_mask())
def test_minmax_and_zscore_match_definitions(x: NDArray[np.float64]) -> None:
    mn, mx = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = (x - mn) / np.where(mx == mn, NAN, mx - mn) * 100
        z = stats.zscore(x, axis=0, ddof=1, nan_policy="omit")
    np.testing.assert_allclose(normalise(x, "minmax"), expected, rtol=1e-9, atol=1e-9)
    z = np.where(mx == mn, NAN, z)
    np.testing.assert_allclose(normalise(x, "zscore"), z, rtol=1e-9, atol=1e-9)


def test_rank_in_small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import citydiplomacy.core.normalise as norm_mod

    rng = np.random.default_rng(6)
    x = np.round(rng.normal(size=(4, 30, 5)), 1)
    x[rng.random(x.shape) < 0.1] = NAN
    whole = rank_min(x)
    monkeypatch.setattr(norm_mod, "_RANK_BLOCK", 7)  # one row per block
    np.testing.assert_array_equal(rank_min(x), whole)
    np.testing.assert_array_equal(
        whole, stats.rankdata(x, method="min", axis=-2, nan_policy="omit")
    )


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_rank_on_threads_matches_one_thread(monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    import citydiplomacy.core.normalise as norm_mod

    rng = np.random.default_rng(7)
    x = np.round(rng.normal(size=(3, 40, 9)), 1)
    x[rng.random(x.shape) < 0.1] = NAN
    x[0, :5, 0] = -0.0  # the two zeros tie
    x[0, 5:9, 0] = 0.0
    expected = stats.rankdata(x, method="min", axis=-2, nan_policy="omit")
    monkeypatch.setattr(norm_mod, "_RANK_PARALLEL_MIN", 1)  # every ranking on threads
    monkeypatch.setattr(norm_mod, "_RANK_THREADS", threads)
    np.testing.assert_array_equal(rank_min(x), expected)
    np.testing.assert_array_equal(
        rank_min(x, descending=True),
        stats.rankdata(-x, method="min", axis=-2, nan_policy="omit"),
    )


def test_rank_error_on_a_thread_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import citydiplomacy.core.normalise as norm_mod

    def broken(rows: NDArray[np.float64]) -> None:
        raise MemoryError("no room for the keys")

    monkeypatch.setattr(norm_mod, "_RANK_PARALLEL_MIN", 1)
    monkeypatch.setattr(norm_mod, "_RANK_THREADS", 2)
    monkeypatch.setattr(norm_mod, "_rank_rows", broken)
    with pytest.raises(MemoryError, match="no room"):
        rank_min(np.ones((20, 4)))


METHOD_PARAMS: dict[str, dict[str, Any]] = {
    "dist2target": {"targets": np.array([0.5, -1.0, 2.0])},
    "goalposts": {"lower": np.array([-1.0, -2.0, 0.0]), "upper": np.array([1.0, 0.5, 3.0])},
}


@pytest.mark.parametrize("method", NORMALISE_METHODS)
def test_out_receives_the_same_result(method: str) -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(size=(2, 4, 12, 3))
    x[rng.random(x.shape) < 0.2] = NAN
    params = {"direction": np.array([1, -1, 1]), **METHOD_PARAMS.get(method, {})}
    expected = normalise(x, method, **params)
    # a strided view, as the composite pipeline passes the measures' part of every node's scores
    big = np.full((2, 4, 12, 5), 7.0)
    got = normalise(x, method, out=big[..., 1:4], **params)
    assert np.shares_memory(got, big)
    np.testing.assert_array_equal(big[..., 1:4], expected)
    assert (big[..., 0] == 7.0).all() and (big[..., 4] == 7.0).all()
    # leading axes that cannot merge into one without a copy
    odd = np.full((4, 2, 12, 3), 7.0).swapaxes(0, 1)
    normalise(x, method, out=odd, **params)
    np.testing.assert_array_equal(odd, expected)


def test_out_must_fit_and_not_overlap() -> None:
    x = np.arange(12.0).reshape(4, 3)
    with pytest.raises(ValueError, match="shape"):
        normalise(x, "minmax", out=np.empty((3, 3)))
    with pytest.raises(ValueError, match="float64"):
        normalise(x, "minmax", out=np.empty((4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="overlap"):
        normalise(x, "dist2target", targets=np.full(3, 5.0), out=x)


def test_every_method_has_its_function_and_bad_arguments_fail_in_order() -> None:
    """The table of method functions covers exactly the documented methods, and a call with a
    bad direction and a bad range names the direction first (as before the table)."""
    from citydiplomacy.core.normalise import _METHODS

    assert tuple(_METHODS) == NORMALISE_METHODS
    x = np.ones((3, 2))
    with pytest.raises(SpecError, match="direction"):
        normalise(x, "minmax", direction=np.array([2.0, 1.0]), range=(1.0, 0.0))
    with pytest.raises(SpecError, match="unknown normalisation method 'nope'"):
        normalise(x, "nope", direction=np.array([2.0, 1.0]))
