"""Did it work: change between a first and a second assessment, with a paired test.

For each competency, the people rated both times form pairs; the change is ``after - before``.
The Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, two-sided, zero differences dropped
as Wilcoxon did) asks whether the changes are centred on zero. It needs no normal
distribution, which five-level ratings do not have. Groups of fewer than
:data:`~citydiplomacy.core.capacity.gaps.MIN_GROUP` pairs are neither shown nor tested: with
five pairs the smallest two-sided p-value possible is already 0.0625.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from citydiplomacy.core.capacity.gaps import MIN_GROUP, CapacityError, _as_ratings

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Change:
    """Change on one competency (or on the mean over competencies) across a group.

    ``p_value`` is ``None`` with a ``note`` saying why when no test was possible.
    """

    n_pairs: int
    mean_change: float | None
    median_change: float | None
    improved: int
    worsened: int
    statistic: float | None
    p_value: float | None
    note: str


def paired_change(before: FloatArray, after: FloatArray, min_group: int = MIN_GROUP) -> Change:
    """Wilcoxon signed-rank test of ``after - before`` over the pairs where both are rated."""
    b = _as_ratings(before, "before")
    a = _as_ratings(after, "after")
    if a.shape != b.shape or a.ndim != 1:
        raise CapacityError(f"before {b.shape} and after {a.shape} must be equal-length vectors")
    both = ~np.isnan(a) & ~np.isnan(b)
    d = a[both] - b[both]
    n = int(d.size)
    if n < min_group:
        return Change(
            n,
            None,
            None,
            0,
            0,
            None,
            None,
            f"fewer than {min_group} people rated before and after: not shown",
        )
    improved, worsened = int((d > 0).sum()), int((d < 0).sum())
    mean, median = float(d.mean()), float(np.median(d))
    if improved + worsened == 0:
        return Change(n, mean, median, 0, 0, None, None, "no rating changed: nothing to test")
    from scipy import stats  # here, not at import: slow to import, and only this test needs it

    # R's wilcox.test convention: the exact distribution for fewer than 50 pairs without ties
    # or zero differences, else the normal approximation with the tie correction and the
    # continuity correction. SciPy's "auto" runs an exact permutation test for 13 pairs or
    # fewer with ties: ratings on a 1-5 scale nearly always tie, and that took 0.5 s per
    # competency, seconds for a programme's page.
    nonzero = d[d != 0]
    exact = nonzero.size == d.size < 50 and np.unique(np.abs(nonzero)).size == nonzero.size
    res = stats.wilcoxon(
        d,
        zero_method="wilcox",
        alternative="two-sided",
        method="exact" if exact else "approx",
        correction=not exact,
    )
    p = float(res.pvalue)
    return Change(
        n,
        mean,
        median,
        improved,
        worsened,
        float(res.statistic),
        p if math.isfinite(p) else None,
        "Wilcoxon signed-rank, two-sided, zeros dropped",
    )


def change_by_competency(
    before: FloatArray, after: FloatArray, min_group: int = MIN_GROUP
) -> list[Change]:
    """:func:`paired_change` of every column of two people x competencies arrays."""
    b = _as_ratings(before, "before")
    a = _as_ratings(after, "after")
    if a.shape != b.shape or a.ndim != 2:
        raise CapacityError(f"before {b.shape} and after {a.shape} must be equal 2-d arrays")
    return [paired_change(b[:, k], a[:, k], min_group) for k in range(a.shape[1])]


def overall_change(before: FloatArray, after: FloatArray, min_group: int = MIN_GROUP) -> Change:
    """The test on each person's mean change over the competencies rated both times."""
    b = _as_ratings(before, "before")
    a = _as_ratings(after, "after")
    if a.shape != b.shape or a.ndim != 2:
        raise CapacityError(f"before {b.shape} and after {a.shape} must be equal 2-d arrays")
    both = ~np.isnan(a) & ~np.isnan(b)
    has = both.any(axis=1)
    diff = np.where(both, a - b, 0.0).sum(axis=1)
    per_person = np.full(a.shape[0], np.nan)
    per_person[has] = diff[has] / both[has].sum(axis=1)
    zeros = np.where(has, 0.0, np.nan)
    return paired_change(zeros, per_person, min_group)


def person_change(before: FloatArray, after: FloatArray) -> FloatArray:
    """One person's change per competency (NaN where not rated both times)."""
    b = _as_ratings(before, "before")
    a = _as_ratings(after, "after")
    if a.shape != b.shape:
        raise CapacityError(f"before {b.shape} and after {a.shape} differ in shape")
    out: FloatArray = a - b
    return out
