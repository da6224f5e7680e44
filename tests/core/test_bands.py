"""U4SSC target bands: the published worked example and the documented rules."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.core import bands


def test_published_worked_example_four_kpis() -> None:
    # Valencia Factsheet 2020 p14: four Education KPIs scoring 1, 3, 4 and 1
    pts, mx, pct = bands.aggregate_points(np.array([1.0, 3.0, 4.0, 1.0]), np.ones((4, 1), bool))
    assert (pts[0], mx[0], pct[0]) == (9.0, 16.0, 56.25)
    assert bands.band_label(bands.band_of_percent(pct)[0]) == "33-66% of target"


def test_published_worked_example_three_reported() -> None:
    # ... and only three reported, scoring 3, 4 and 2: the fourth leaves both sums
    pts, mx, pct = bands.aggregate_points(np.array([3.0, 4.0, 2.0, np.nan]), np.ones((4, 1), bool))
    assert (pts[0], mx[0], pct[0]) == (9.0, 12.0, 75.0)
    assert bands.band_label(bands.band_of_percent(pct)[0]) == "66-95% of target"


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.0, 1),
        (0.3299, 1),
        (0.33, 2),
        (0.6599, 2),
        (0.66, 3),
        (0.9499, 3),
        (0.95, 4),
        (19 / 20, 4),
        (3.0, 4),
    ],
)
def test_band_edges(share: float, expected: int) -> None:
    assert bands.points(np.array([share]))[0] == expected


def test_performance_rules() -> None:
    x = np.array([50.0, 20.0, 5.0, 0.9, 1.1, 1.0, 0.0, 0.0, 3.0])
    t = np.array([100.0, 10.0, 10.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    d = np.array([1, -1, -1, 0, 0, 1, 1, -1, -1])
    yn = np.array([False] * 5 + [True, True, False, False])
    p = bands.performance(x, t, d, yn)
    np.testing.assert_allclose(p, [0.5, 0.5, 1.0, 0.9, 1 / 1.1, 1.0, 0.0, 1.0, 0.0])


def test_missing_value_or_target_is_not_scored() -> None:
    p = bands.performance(np.array([np.nan, 5.0]), np.array([10.0, np.nan]), np.array([1, 1]))
    assert np.isnan(p).all()
    assert np.isnan(bands.points(p)).all()


@given(st.lists(st.integers(1, 4), min_size=1, max_size=30))
def test_aggregate_is_points_over_four_times_count(pts: list[int]) -> None:
    arr = np.asarray(pts, dtype=float)
    total, mx, pct = bands.aggregate_points(arr, np.ones((len(pts), 1), bool))
    assert total[0] == sum(pts)
    assert mx[0] == 4 * len(pts)
    assert 25.0 <= pct[0] <= 100.0


@given(
    st.floats(0.01, 1e6),
    st.floats(0.01, 1e6),
    st.floats(0.01, 1e6),
)
def test_performance_is_monotonic_in_the_good_direction(t: float, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    up = bands.performance(np.array([lo, hi]), np.array([t, t]), np.array([1, 1]))
    down = bands.performance(np.array([lo, hi]), np.array([t, t]), np.array([-1, -1]))
    assert up[0] <= up[1]
    assert down[0] >= down[1]


def test_zero_and_negative_targets() -> None:
    p = bands.performance(
        np.array([0.0, -3.0, -6.0, 0.0]),
        np.array([0.0, -5.0, -5.0, 0.0]),
        np.array([0, 1, 1, -1]),
    )
    np.testing.assert_allclose(p, [1.0, 1.0, 0.0, 1.0])


def test_points_fill_a_slice_of_a_bigger_array_in_place() -> None:
    share = np.array([[0.1, np.nan, 0.5], [0.7, 0.95, 2.0]])
    big = np.full((2, 5), -1.0)
    got = bands.points(share, out=big[:, :3])
    assert np.shares_memory(got, big)
    np.testing.assert_array_equal(big[:, :3], bands.points(share))
    np.testing.assert_array_equal(big[:, :3], [[1.0, np.nan, 2.0], [3.0, 4.0, 4.0]])
    assert (big[:, 3:] == -1.0).all()  # the rest untouched


def test_performance_fills_a_year_of_a_bigger_array_in_place() -> None:
    values = np.array([[[50.0, np.nan, 2.0, 1.0], [120.0, 5.0, 0.5, 0.0]]] * 2)
    targets = np.array([100.0, 10.0, 1.0, 1.0])
    directions = np.array([1, -1, 0, 1])
    yesno = np.array([False, False, False, True])
    whole = bands.performance(values, targets, directions, yesno)
    out = np.full(values.shape, -1.0)
    got = bands.performance(values[1], targets, directions, yesno, out=out[1])
    assert np.shares_memory(got, out)
    np.testing.assert_array_equal(out[1], whole[1])
    assert (out[0] == -1.0).all()
