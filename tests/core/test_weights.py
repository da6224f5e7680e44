"""Tests of citydiplomacy.core.weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

from citydiplomacy.core.weights import noisy_weights, normalise_weights, pca_weights
from citydiplomacy.errors import DataError, SpecError

NAN = np.nan
TOL = 1e-9


def test_normalise_weights_hand() -> None:
    np.testing.assert_allclose(normalise_weights(np.array([1, 1, 2])), [0.25, 0.25, 0.5])
    w = np.array([[1.0, 3.0], [0.0, 5.0]])
    np.testing.assert_allclose(normalise_weights(w), [[0.25, 0.75], [0.0, 1.0]])


@pytest.mark.parametrize(
    ("w", "match"),
    [
        (np.array([0.0, 0.0]), "all zero"),
        (np.array([1.0, -0.5]), "non-negative"),
        (np.array([1.0, NAN]), "finite"),
        (np.array([[1.0, 1.0], [0.0, 0.0]]), "all zero"),
        (np.array([]), "at least one"),
    ],
)
def test_normalise_weights_errors(w: NDArray[np.float64], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        normalise_weights(w)


def test_pca_weights_collinear_columns_share_equally() -> None:
    t = np.arange(10.0)
    x = np.column_stack([t, 3 * t + 7, -0.5 * t])  # perfectly correlated (sign is irrelevant)
    np.testing.assert_allclose(pca_weights(x), [1 / 3, 1 / 3, 1 / 3], atol=TOL)


def test_pca_weights_match_svd_of_standardised_data() -> None:
    rng = np.random.default_rng(0)
    f = rng.normal(size=(200, 1))
    x = np.column_stack([f[:, 0] + 0.1 * rng.normal(size=200), f[:, 0], rng.normal(size=200)])
    x = x * np.array([1.0, 100.0, 5.0]) + np.array([3.0, -2.0, 50.0])
    xm = x.copy()
    xm[::7, 2] = NAN  # incomplete rows are dropped
    complete = xm[~np.isnan(xm).any(axis=1)]
    z = (complete - complete.mean(axis=0)) / complete.std(axis=0, ddof=1)
    v = np.linalg.svd(z, full_matrices=False)[2][0]
    w = pca_weights(xm)
    np.testing.assert_allclose(w, v**2, atol=TOL)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert w[2] < w[0] and w[2] < w[1]  # the unrelated column gets little weight
    # standardisation: rescaling a column changes nothing
    np.testing.assert_allclose(pca_weights(xm * np.array([7.0, 0.01, 3.0])), w, atol=TOL)


def test_pca_weights_errors() -> None:
    with pytest.raises(DataError, match="at least 3"):
        pca_weights(np.array([[1.0, 2.0], [2.0, 1.0], [NAN, 3.0], [4.0, NAN]]))
    with pytest.raises(DataError, match="constant"):
        pca_weights(np.array([[1.0, 2.0], [1.0, 1.0], [1.0, 3.0]]))
    with pytest.raises(DataError):
        pca_weights(np.ones(5))
    np.testing.assert_array_equal(pca_weights(np.arange(4.0).reshape(-1, 1)), [1.0])


def test_noisy_weights_formula() -> None:
    w = np.array([1.0, 2.0, 0.0, 1.0])
    out = noisy_weights(w, 0.25, 1000, np.random.default_rng(7))
    assert out.shape == (1000, 4)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(out[:, 2] == 0.0)  # a zero weight stays zero
    # the same draws by hand: w * (1 + U(-noise, noise)), rescaled to sum 1
    u = np.random.default_rng(7).uniform(-0.25, 0.25, size=(1000, 4))
    expected = (w / 4) * (1 + u)
    np.testing.assert_allclose(out, expected / expected.sum(axis=1, keepdims=True), atol=1e-12)
    # perturbation ratios stay within (1 - noise, 1 + noise) before rescaling
    ratio = out[:, [0, 1, 3]] / (w[[0, 1, 3]] / 4)
    spread = ratio.max(axis=1) / ratio.min(axis=1)
    assert np.all(spread <= 1.25 / 0.75 + 1e-12)
    # reproducible, and zero noise gives the nominal weights
    np.testing.assert_array_equal(out, noisy_weights(w, 0.25, 1000, np.random.default_rng(7)))
    np.testing.assert_allclose(
        noisy_weights(w, 0.0, 3, np.random.default_rng(1)), np.tile(w / 4, (3, 1)), atol=1e-15
    )


def test_noisy_weights_errors() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(SpecError, match="noise"):
        noisy_weights(np.ones(3), -0.1, 5, rng)
    with pytest.raises(SpecError, match="noise"):
        noisy_weights(np.ones(3), 1.5, 5, rng)
    with pytest.raises(SpecError, match="positive integer"):
        noisy_weights(np.ones(3), 0.1, 0, rng)
    with pytest.raises(SpecError, match="1-D"):
        noisy_weights(np.ones((2, 3)), 0.1, 5, rng)
    with pytest.raises(SpecError, match="all zero"):
        noisy_weights(np.zeros(3), 0.1, 5, rng)


weights_strategy = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 4), st.integers(1, 8)),
    elements=st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1e6)),
).filter(lambda w: bool(np.all(w.sum(axis=-1) > 0)))


@settings(max_examples=100, deadline=None)
@given(w=weights_strategy)
def test_normalised_weights_sum_to_one(w: NDArray[np.float64]) -> None:
    out = normalise_weights(w)
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, atol=1e-12)
    assert np.all(out >= 0)


@settings(max_examples=100, deadline=None)
@given(
    w=weights_strategy.map(lambda w: w[0]),
    noise=st.floats(min_value=0.0, max_value=0.99),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_noisy_weights_sum_to_one(w: NDArray[np.float64], noise: float, seed: int) -> None:
    out = noisy_weights(w, noise, 20, np.random.default_rng(seed))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(out >= 0)
    np.testing.assert_array_equal(out == 0, np.broadcast_to(w == 0, out.shape))


@settings(max_examples=100, deadline=None)
@given(
    x=hnp.arrays(
        np.float64,
        st.tuples(st.integers(3, 15), st.integers(1, 4)),
        elements=st.integers(-1000, 1000).map(float),
    )
)
def test_pca_weights_sum_to_one(x: NDArray[np.float64]) -> None:
    try:
        w = pca_weights(x)
    except DataError:
        return  # constant columns
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(w >= 0)
