"""Tests of citydiplomacy.core.treat: scipy moments, COINr's Winsorisation and log_CT."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray
from scipy import stats

from citydiplomacy.core.treat import REPORT_COLUMNS, skew_kurt, treat, treat_cube
from citydiplomacy.errors import DataError, SpecError

NAN = np.nan
TOL = 1e-9


def col(values: list[float] | NDArray[np.float64]) -> NDArray[np.float64]:
    """One measure as a (n_units, 1) array."""
    return np.asarray(values, dtype=np.float64).reshape(-1, 1)


def log_ct(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """COINr log_CT: log(x - min + 0.01 * (max - min))."""
    mn, mx = np.nanmin(x), np.nanmax(x)
    out: NDArray[np.float64] = np.log(x - mn + 0.01 * (mx - mn))
    return out


def coinr_treat(x: NDArray[np.float64], winmax: int = 5) -> tuple[NDArray[np.float64], int, bool]:
    """Literal translation of COINr's default Treat.numeric for one column (with NaN)."""

    def passing(v: NDArray[np.float64]) -> bool:
        o = v[~np.isnan(v)]
        sk = stats.skew(o, bias=False)
        kt = stats.kurtosis(o, bias=False)
        return bool(abs(sk) < 2 or kt < 3.5)

    x = x.copy()
    orig = x.copy()
    if passing(x):
        return x, 0, False
    nwin, imax, imin = 0, np.array([], int), np.array([], int)
    ok = False
    while not ok and nwin < winmax:
        o = x[~np.isnan(x)]
        if stats.skew(o, bias=False) >= 0:
            imax = np.flatnonzero(x == np.nanmax(x))
            x[imax] = np.nanmax(np.delete(x, imax))
        else:
            imin = np.flatnonzero(x == np.nanmin(x))
            x[imin] = np.nanmin(np.delete(x, imin))
        nwin = len(imax) + len(imin)
        ok = passing(x)
    if ok:
        return x, nwin, False
    return log_ct(orig), 0, True


def test_skew_kurt_matches_scipy() -> None:
    rng = np.random.default_rng(0)
    x = rng.lognormal(0, 1.5, size=(40, 8))
    x[rng.random(x.shape) < 0.2] = NAN
    sk, kt = skew_kurt(x)
    for j in range(8):
        o = x[~np.isnan(x[:, j]), j]
        assert sk[j] == pytest.approx(stats.skew(o, bias=False), rel=TOL)
        assert kt[j] == pytest.approx(stats.kurtosis(o, bias=False), rel=TOL)
    sk2, kt2 = skew_kurt(x[:, 0])  # a single column as a 1-D array
    assert sk2 == pytest.approx(sk[0], rel=1e-12) and kt2 == pytest.approx(kt[0], rel=1e-12)


def test_skew_kurt_hand_and_edge_cases() -> None:
    # 1, 2, 3, 10: mean 4, m2 = 12.5, m3 = 45, m4 = 1012.25/4... via the closed forms
    x = np.array([1.0, 2.0, 3.0, 10.0])
    d = x - 4.0
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    g1, g2 = m3 / m2**1.5, m4 / m2**2
    sk, kt = skew_kurt(col(x))
    assert sk[0] == pytest.approx(g1 * np.sqrt(4 * 3) / 2, rel=TOL)
    assert kt[0] == pytest.approx(((5 * (g2 - 3)) + 6) * 3 / (2 * 1), rel=TOL)
    # too few values, constant column
    sk, kt = skew_kurt(
        np.array([[1.0, 2.0, 5.0], [2.0, 2.0, 5.0], [4.0, 2.0, 5.0], [NAN, 2.0, 5.0]])
    )
    assert not np.isnan(sk[0]) and np.isnan(kt[0])
    assert np.isnan(sk[1:]).all() and np.isnan(kt[1:]).all()


def test_winsorise_coinr_example() -> None:
    # COINr's documentation example: x <- c(1:10, 30, 100)
    x = col([*range(1, 11), 30, 100])
    out, rep = treat(x)
    np.testing.assert_array_equal(out[:, 0], [*range(1, 11), 30, 30])
    row = rep.iloc[0]
    assert row["winsorised"] == 1 and not row["log"] and row["treated"]
    assert row["skew_before"] == pytest.approx(stats.skew(x[:, 0], bias=False), rel=TOL)
    assert row["kurtosis_after"] == pytest.approx(stats.kurtosis(out[:, 0], bias=False), rel=TOL)


def test_winsorise_low_side_and_ties() -> None:
    # mirrored data: negative skew, so the low end is Winsorised; the tie moves together
    x = col([-100.0, -100.0, *[-v for v in range(1, 31)]])
    out, rep = treat(x)
    expected = x[:, 0].copy()
    expected[:2] = -30.0
    np.testing.assert_array_equal(out[:, 0], expected)
    assert rep.loc[0, "winsorised"] == 2


def test_log_when_winsorising_is_not_enough() -> None:
    x = col([*([1.0] * 50), 100, 200, 300, 400, 500, 600, 700])
    out, rep = treat(x)
    np.testing.assert_allclose(out[:, 0], log_ct(x[:, 0]), rtol=TOL)
    row = rep.iloc[0]
    assert row["log"] and row["winsorised"] == 0 and row["treated"]
    sk, kt = skew_kurt(out)
    assert row["skew_after"] == pytest.approx(sk[0]) and row["kurtosis_after"] == pytest.approx(
        kt[0]
    )


def test_winmax_zero_goes_straight_to_log() -> None:
    x = col([*range(1, 11), 30, 100])
    out, rep = treat(x, winmax=0)
    np.testing.assert_allclose(out[:, 0], log_ct(x[:, 0]), rtol=TOL)
    assert rep.loc[0, "log"]


def test_thresholds_are_inclusive() -> None:
    # COINr passes only if abs(skew) < thr or kurt < thr: equality fails the test
    x = col([*range(1, 11), 30, 100])
    sk, kt = skew_kurt(x)
    _, rep = treat(x, skew_threshold=float(abs(sk[0])), kurtosis_threshold=float(kt[0]))
    assert rep.loc[0, "treated"]
    _, rep = treat(x, skew_threshold=float(abs(sk[0])) + 1e-9, kurtosis_threshold=float(kt[0]))
    assert not rep.loc[0, "treated"]


def test_matches_coinr_reference_on_heavy_tails() -> None:
    rng = np.random.default_rng(0)  # a seed whose data use both treatments
    x = rng.lognormal(0, 2, size=(60, 30))
    x[:, ::2] *= -1  # negative skew too
    x[rng.random(x.shape) < 0.1] = NAN
    out, rep = treat(x)
    assert rep["log"].sum() > 0 and (rep["winsorised"] > 0).sum() > 0  # both paths used
    for j in range(x.shape[1]):
        ref, nwin, logged = coinr_treat(x[:, j])
        np.testing.assert_allclose(out[:, j], ref, rtol=TOL, atol=0)
        assert rep.loc[j, "winsorised"] == nwin
        assert rep.loc[j, "log"] == logged
    np.testing.assert_array_equal(np.isnan(out), np.isnan(x))


def test_untreatable_columns_pass_through() -> None:
    x = np.array([[1.0, 3.0], [1.0, 100.0], [1.0, NAN], [1.0, 1.0]])  # constant; 3 values
    out, rep = treat(x)
    np.testing.assert_array_equal(out, x)
    assert not rep["treated"].any()


def test_column_made_constant_by_winsorising_is_left_untreated() -> None:
    x = col([1.0, 1.0, 1.0, 1.0, 100.0])  # skew 2.24, kurtosis 5: fails
    sk, kt = skew_kurt(x)
    assert sk[0] == pytest.approx(np.sqrt(5), rel=TOL) and kt[0] == pytest.approx(5, rel=TOL)
    out, rep = treat(x)
    np.testing.assert_array_equal(out, x)
    assert not rep.loc[0, "treated"] and rep.loc[0, "winsorised"] == 0


def test_report_columns_and_none() -> None:
    x = col([*range(1, 11), 30, 100])
    out, rep = treat(x, "none")
    np.testing.assert_array_equal(out, x)
    assert out is not x
    assert tuple(rep.columns) == REPORT_COLUMNS
    np.testing.assert_array_equal(rep["skew_before"], rep["skew_after"])
    assert not rep.loc[0, "treated"]
    assert rep["column"].dtype == np.int64 and rep["log"].dtype == bool


def test_treat_cube() -> None:
    rng = np.random.default_rng(2)
    cube = rng.lognormal(0, 2, size=(3, 40, 5))
    out, rep = treat_cube(cube, winmax=3)
    assert list(rep.columns) == ["year_index", *REPORT_COLUMNS]
    assert len(rep) == 15
    for y in range(3):
        one, rep_y = treat(cube[y], winmax=3)
        np.testing.assert_array_equal(out[y], one)
        pd.testing.assert_frame_equal(
            rep[rep["year_index"] == y].drop(columns="year_index").reset_index(drop=True), rep_y
        )


def test_errors() -> None:
    x = col([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(SpecError, match="allowed: none, winsorise_log"):
        treat(x, "boxcox")
    with pytest.raises(SpecError, match="winmax"):
        treat(x, winmax=-1)
    with pytest.raises(SpecError, match="skew_threshold"):
        treat(x, skew_threshold=float("nan"))
    with pytest.raises(SpecError, match="unknown treatment parameter"):
        treat_cube(x.reshape(1, 4, 1), winmx=3)
    with pytest.raises(DataError):
        treat(np.ones(4))
    with pytest.raises(DataError):
        treat_cube(np.ones((4, 2)))


@settings(max_examples=100, deadline=None)
@given(
    x=hnp.arrays(
        np.float64,
        st.tuples(st.integers(4, 25), st.integers(1, 3)),
        elements=st.one_of(
            st.floats(min_value=-1e4, max_value=1e4, allow_subnormal=False),
            st.sampled_from([1e6, -1e6, 0.0]),
        ),
    )
)
def test_treatment_properties(x: NDArray[np.float64]) -> None:
    out, rep = treat(x)
    assert out.shape == x.shape
    for j in range(x.shape[1]):
        r = rep.iloc[j]
        if not r["treated"]:
            np.testing.assert_array_equal(out[:, j], x[:, j])
        elif r["log"]:
            np.testing.assert_allclose(out[:, j], log_ct(x[:, j]), rtol=TOL)
        else:
            # Winsorising only pulls values into the original range, keeping the order
            assert np.nanmin(out[:, j]) >= np.nanmin(x[:, j])
            assert np.nanmax(out[:, j]) <= np.nanmax(x[:, j])
            order = np.argsort(x[:, j], kind="stable")
            assert np.all(np.diff(out[order, j]) >= 0)
            # every counted point sits at a moved extreme, so it has changed
            assert (out[:, j] != x[:, j]).sum() == r["winsorised"] > 0
