"""Panels: change between years and progress towards target, on score arrays.

Both functions take arrays shaped ``(n_years, n_units, n_nodes)`` with years ascending, the
same verb for one city or a whole cohort.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def change_since_previous(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """Score minus the score of the most recent earlier year with a score (NaN if none).

    Gaps are bridged: a city reporting in 2019 and 2021 gets its 2021 change against 2019.
    """
    s = np.asarray(scores, dtype=np.float64)
    out = np.full_like(s, np.nan)
    last = np.full(s.shape[1:], np.nan)
    for t in range(s.shape[0]):
        out[t] = s[t] - last
        last = np.where(np.isnan(s[t]), last, s[t])
    return out


def progress_to_target(
    values: NDArray[np.float64], targets: NDArray[np.float64], directions: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Share of the gap to target closed since the city's first reported year.

    ``(x_t - x_0) / (target - x_0)`` for one- and two-sided measures alike (for a two-sided
    measure the gap is the distance to the target). 1 means the target is reached, 0 no
    progress, negative a move away. NaN where the first value already met the target, in the
    first year itself, or without a target.

    Parameters
    ----------
    values
        Raw values ``(n_years, n_units, n_measures)``.
    targets
        Per measure.
    directions
        Per measure (1, -1 or 0).
    """
    x = np.asarray(values, dtype=np.float64)
    two = directions == 0
    x = np.where(two, -np.abs(x - targets), x)
    t = np.where(two, 0.0, targets)
    first = np.full(x.shape[1:], np.nan)
    out = np.full_like(x, np.nan)
    for k in range(x.shape[0]):
        seen = ~np.isnan(first)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = t - first
            met = np.where(directions < 0, first <= t, first >= t)
            p = np.where(seen & ~met & (gap != 0), (x[k] - first) / gap, np.nan)
        out[k] = p
        first = np.where(seen, first, x[k])
    return out
