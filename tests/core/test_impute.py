"""Tests of citydiplomacy.core.impute: hand-computed cases, numpy references, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

from citydiplomacy.core.impute import IMPUTE_METHODS, impute
from citydiplomacy.errors import DataError, SpecError

NAN = np.nan
TOL = 1e-9


def series(values: list[float]) -> NDArray[np.float64]:
    """One unit and one measure over years: shape (n_years, 1, 1)."""
    return np.array(values, dtype=np.float64).reshape(-1, 1, 1)


def test_none_is_a_copy() -> None:
    cube = np.array([[[1.0, NAN]]])
    out = impute(cube, "none")
    np.testing.assert_array_equal(out, cube)
    assert out is not cube
    out[0, 0, 0] = 9.0
    assert cube[0, 0, 0] == 1.0


def test_mean_and_median_hand() -> None:
    # one year, four units, two measures
    cube = np.array([[[1.0, NAN], [2.0, NAN], [NAN, NAN], [9.0, 5.0]]])
    out = impute(cube, "mean")
    np.testing.assert_allclose(out[0, :, 0], [1, 2, 4, 9], atol=TOL)
    np.testing.assert_allclose(out[0, :, 1], [5, 5, 5, 5], atol=TOL)
    out = impute(cube, "median")
    np.testing.assert_allclose(out[0, :, 0], [1, 2, 2, 9], atol=TOL)


def test_mean_is_per_year_and_measure() -> None:
    rng = np.random.default_rng(0)
    cube = rng.normal(size=(3, 20, 4))
    cube[rng.random(cube.shape) < 0.3] = NAN
    cube[1, :, 2] = NAN  # nothing to impute from
    for method, stat in (("mean", np.nanmean), ("median", np.nanmedian)):
        out = impute(cube, method)
        for y in range(3):
            for m in range(4):
                miss = np.isnan(cube[y, :, m])
                if y == 1 and m == 2:
                    assert np.isnan(out[y, :, m]).all()
                    continue
                np.testing.assert_allclose(out[y, miss, m], stat(cube[y, :, m]), rtol=TOL)


def test_group_mean_hand() -> None:
    cube = np.array([[[1.0], [NAN], [3.0], [10.0], [NAN], [NAN], [NAN]]])
    groups = np.array(["a", "a", "a", "b", "b", "c", None], dtype=object)
    out = impute(cube, "group_mean", groups=groups)
    # a: mean(1, 3) = 2; b: 10; c has no observation; unit without group left missing
    np.testing.assert_allclose(out[0, :, 0], [1, 2, 3, 10, 10, NAN, NAN], atol=TOL)
    out = impute(cube, "group_median", groups=groups)
    np.testing.assert_allclose(out[0, :, 0], [1, 2, 3, 10, 10, NAN, NAN], atol=TOL)


def test_group_median_and_numeric_labels() -> None:
    cube = np.array([[[1.0], [2.0], [7.0], [NAN], [4.0], [NAN]]])
    groups = np.array([1, 1, 1, 1, 2, 2])
    out = impute(cube, "group_median", groups=groups)
    np.testing.assert_allclose(out[0, :, 0], [1, 2, 7, 2, 4, 4], atol=TOL)
    out = impute(cube, "group_mean", groups=groups)
    np.testing.assert_allclose(out[0, :, 0], [1, 2, 7, 10 / 3, 4, 4], atol=TOL)


def test_panel_last_hand() -> None:
    out = impute(series([NAN, 1.0, NAN, NAN, 4.0, NAN]), "panel_last")
    np.testing.assert_array_equal(out[:, 0, 0], [NAN, 1, 1, 1, 4, 4])


def test_panel_linear_hand_uneven_years() -> None:
    cube = series([NAN, 1.0, NAN, 4.0, NAN])
    out = impute(cube, "panel_linear", years=[2000, 2001, 2003, 2004, 2010])
    # 2003 lies 2/3 of the way from 2001 to 2004; flat before the first / after the last
    np.testing.assert_allclose(out[:, 0, 0], [1, 1, 3, 4, 4], atol=TOL)
    out = impute(cube, "panel_linear")  # evenly spaced by default
    np.testing.assert_allclose(out[:, 0, 0], [1, 1, 2.5, 4, 4], atol=TOL)


def test_panel_linear_single_and_no_observation() -> None:
    cube = np.array([[[NAN, NAN]], [[5.0, NAN]], [[NAN, NAN]]])
    out = impute(cube, "panel_linear")
    np.testing.assert_array_equal(out[:, 0, 0], [5, 5, 5])
    assert np.isnan(out[:, 0, 1]).all()


def test_panel_linear_matches_numpy_interp() -> None:
    rng = np.random.default_rng(1)
    years = np.cumsum(rng.integers(1, 4, size=8)) + 2000
    cube = rng.normal(size=(8, 15, 6))
    cube[rng.random(cube.shape) < 0.4] = NAN
    out = impute(cube, "panel_linear", years=years.tolist())
    for u in range(15):
        for m in range(6):
            y = cube[:, u, m]
            ok = ~np.isnan(y)
            if not ok.any():
                assert np.isnan(out[:, u, m]).all()
                continue
            # np.interp extrapolates with the end values, as R's approx(rule = 2)
            expected = np.interp(years, years[ok], y[ok])
            np.testing.assert_allclose(out[:, u, m], expected, rtol=TOL, atol=TOL)


def test_panel_last_matches_loop() -> None:
    rng = np.random.default_rng(2)
    cube = rng.normal(size=(6, 10, 3))
    cube[rng.random(cube.shape) < 0.5] = NAN
    out = impute(cube, "panel_last")
    expected = cube.copy()
    for t in range(1, 6):
        expected[t] = np.where(np.isnan(expected[t]), expected[t - 1], expected[t])
    np.testing.assert_array_equal(out, expected)


def test_errors() -> None:
    cube = np.zeros((2, 3, 1))
    cube[0, 0, 0] = NAN
    with pytest.raises(SpecError, match="allowed: none, mean"):
        impute(cube, "knn")
    with pytest.raises(SpecError, match="groups"):
        impute(cube, "group_mean")
    with pytest.raises(SpecError, match="one label per unit"):
        impute(cube, "group_mean", groups=np.array(["a", "b"]))
    with pytest.raises(SpecError, match="one value per cube year"):
        impute(cube, "panel_linear", years=[2000])
    with pytest.raises(SpecError, match="strictly increasing"):
        impute(cube, "panel_linear", years=[2001, 2000])
    with pytest.raises(DataError):
        impute(np.zeros((3, 1)), "mean")


def test_large_cube_is_vectorised() -> None:
    import time

    rng = np.random.default_rng(3)
    cube = rng.normal(size=(10, 5_000, 112))
    cube[rng.random(cube.shape) < 0.2] = NAN
    start = time.perf_counter()
    for method in ("mean", "panel_last", "panel_linear"):
        impute(cube, method)
    assert time.perf_counter() - start < 10.0


# --- properties -------------------------------------------------------------------------


@st.composite
def cubes(draw: st.DrawFn) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """A small cube with a random NaN mask, and group labels."""
    shape = (
        draw(st.integers(min_value=1, max_value=5)),
        draw(st.integers(min_value=1, max_value=8)),
        draw(st.integers(min_value=1, max_value=3)),
    )
    x = draw(
        hnp.arrays(np.float64, shape, elements=st.floats(min_value=-1e6, max_value=1e6))
    ).copy()
    x[draw(hnp.arrays(np.bool_, shape))] = NAN
    groups = draw(hnp.arrays(np.int64, (shape[1],), elements=st.integers(min_value=0, max_value=2)))
    return x, groups


@settings(max_examples=100, deadline=None)
@given(data=cubes(), method=st.sampled_from(IMPUTE_METHODS))
def test_observed_values_never_change(
    data: tuple[NDArray[np.float64], NDArray[np.int64]], method: str
) -> None:
    cube, groups = data
    before = cube.copy()
    out = impute(cube, method, groups=groups, years=list(range(2010, 2010 + cube.shape[0])))
    observed = ~np.isnan(cube)
    np.testing.assert_array_equal(out[observed], cube[observed])
    np.testing.assert_array_equal(cube, before)  # input untouched
    assert out.shape == cube.shape


@settings(max_examples=100, deadline=None)
@given(data=cubes(), method=st.sampled_from(IMPUTE_METHODS[1:]))
def test_imputed_values_lie_within_observed_range(
    data: tuple[NDArray[np.float64], NDArray[np.int64]], method: str
) -> None:
    # every method fills with a mean, median, carried or interpolated observation
    cube, groups = data
    out = impute(cube, method, groups=groups)
    if np.isnan(cube).all():
        return
    lo, hi = np.nanmin(cube), np.nanmax(cube)
    filled = ~np.isnan(out)
    assert np.all(out[filled] >= lo - 1e-9 * abs(lo)) and np.all(out[filled] <= hi + 1e-9 * abs(hi))
