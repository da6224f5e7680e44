"""Change since the previous year and progress to target, on whole cubes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from citydiplomacy.core.panel import change_since_previous, progress_to_target

cells = st.sampled_from([np.nan, 0.0, 1.0, 2.0, 5.0, -1.0, 3.5])


def progress_by_year(x: np.ndarray, t: np.ndarray, d: np.ndarray) -> np.ndarray:
    """The definition, year by year: (x_k - x_first) / (target - x_first)."""
    two = d == 0
    x = np.where(two, -np.abs(x - t), x)
    t = np.where(two, 0.0, t)
    out = np.full(x.shape, np.nan)
    first = np.full(x.shape[1:], np.nan)
    for k in range(x.shape[0]):
        seen = ~np.isnan(first)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = t - first
            met = np.where(d < 0, first <= t, first >= t)
            out[k] = np.where(seen & ~met & (gap != 0), (x[k] - first) / gap, np.nan)
        first = np.where(seen, first, x[k])
    return out


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(0, 4), st.integers(1, 3), st.just(4)), elements=cells
    ),
    hnp.arrays(np.float64, 4, elements=st.sampled_from([np.nan, 0.0, 1.0, 2.0, 5.0])),
    hnp.arrays(np.int64, 4, elements=st.sampled_from([-1, 0, 1])),
)
def test_progress_follows_its_definition(x: np.ndarray, t: np.ndarray, d: np.ndarray) -> None:
    np.testing.assert_array_equal(progress_to_target(x, t, d), progress_by_year(x, t, d))


def test_progress_fills_a_given_array() -> None:
    x = np.array([[[10.0, 1.0]], [[20.0, 2.0]]])
    whole = np.zeros((2, 1, 3))
    out = progress_to_target(x, np.array([30.0, 3.0]), np.array([1, 0]), out=whole[..., :2])
    assert np.shares_memory(out, whole)
    np.testing.assert_allclose(whole[1, 0, :2], [0.5, 0.5])  # two-sided: distance 2 -> 1
    assert np.isnan(whole[0, 0, :2]).all() and whole[0, 0, 2] == 0.0


def test_change_bridges_gaps() -> None:
    s = np.array([[[1.0]], [[np.nan]], [[4.0]]])
    np.testing.assert_array_equal(change_since_previous(s)[:, 0, 0], [np.nan, np.nan, 3.0])
