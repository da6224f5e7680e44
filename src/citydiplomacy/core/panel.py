"""Panels: change between years and progress towards target, on score arrays.

Both functions take arrays shaped ``(n_years, n_units, n_nodes)`` with years ascending, the
same verb for one city or a whole cohort.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


def change_since_previous(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """Score minus the score of the most recent earlier year with a score (NaN if none).

    Gaps are bridged: a city reporting in 2019 and 2021 gets its 2021 change against 2019.
    """
    s = np.asarray(scores, dtype=np.float64)
    out = np.empty_like(s)
    if s.shape[0] == 0:
        return out
    out[0] = np.nan
    last = s[0].copy()
    # In place, year by year: no temporaries the size of a year beyond the mask.
    for t in range(1, s.shape[0]):
        np.subtract(s[t], last, out=out[t])
        np.copyto(last, s[t], where=~np.isnan(s[t]))
    return out


def progress_to_target(
    values: NDArray[np.float64],
    targets: NDArray[np.float64],
    directions: NDArray[np.int64],
    *,
    out: NDArray[np.float64] | None = None,
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
    out
        Array of the same shape to fill (e.g. a slice of a bigger one), instead of a new one.
    """
    x = np.asarray(values, dtype=np.float64)
    if out is None:
        out = np.empty_like(x)
    if x.shape[0] < 2:  # no year has an earlier one to progress from
        out.fill(np.nan)
        return out
    basis = ProgressBasis.of(x, targets, directions)
    for k in range(x.shape[0]):
        basis.year(k, x[k], out=out[k])
    return out


@dataclass(frozen=True)
class ProgressBasis:
    """Each city's first reported value and gap to target: what a year's progress needs.

    Built once for a panel, it gives the progress of one year at a time (:meth:`year`), so
    that a large cohort's progress can be written year by year without a whole-panel array.
    """

    targets: NDArray[np.float64]
    two_sided: NDArray[np.intp]
    first_year: NDArray[np.intp]
    first: NDArray[np.float64]
    gap: NDArray[np.float64]
    ok: NDArray[np.bool_]

    @classmethod
    def of(
        cls,
        values: NDArray[np.float64],
        targets: NDArray[np.float64],
        directions: NDArray[np.int64],
    ) -> ProgressBasis:
        """The basis of a panel's raw values ``(n_years, n_units, n_measures)``."""
        x = np.asarray(values, dtype=np.float64)
        targets = np.asarray(targets, dtype=np.float64)
        two = np.flatnonzero(directions == 0)
        t = np.where(directions == 0, 0.0, targets)
        if x.shape[0] == 0:  # no year: nothing reported, no progress anywhere
            nothing = np.full(x.shape[1:], np.nan)
            return cls(targets, two, np.zeros(x.shape[1:], dtype=np.intp), nothing, nothing,
                       np.zeros(x.shape[1:], dtype=bool))  # fmt: skip
        # The first value never changes once seen: found once, then one pass per year.
        observed = ~np.isnan(x)
        observed[..., two[np.isnan(targets[two])]] = False  # no distance to a missing target
        first_year = np.argmax(observed, axis=0)  # 0 where never observed (``ok`` is False)
        first = _distance(np.take_along_axis(x, first_year[None], axis=0)[0], two, targets)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = t - first
            met = np.where(directions < 0, first <= t, first >= t)
            ok = observed.any(axis=0) & ~met & (gap != 0)
        return cls(targets, two, first_year, first, gap, ok)

    def year(
        self, k: int, values: NDArray[np.float64], *, out: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """Progress in year ``k`` (its position in the panel) from that year's raw values."""
        x = np.asarray(values, dtype=np.float64)
        if out is None:
            out = np.empty_like(x)
        out.fill(np.nan)
        if k == 0:
            return out
        step = np.subtract(_distance(x, self.two_sided, self.targets), self.first)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(step, self.gap, out=out, where=self.ok & (self.first_year < k))
        return out


def _distance(
    a: NDArray[np.float64], two_sided: NDArray[np.intp], targets: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Values with two-sided measures as minus the distance to their target (on a copy)."""
    if len(two_sided):
        a = a.copy()
        a[..., two_sided] = -np.abs(a[..., two_sided] - targets[two_sided])
    return a
