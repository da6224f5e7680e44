"""Exposure control for partner suggestions: no city suggested to almost everyone.

A ranking that scores each pair on its own favours the same few cities for many cities: the
most twinned, the largest, those of the countries many others twin with. Issue 16 asks that
across many cities' lists no suggested city appears in more than 5 % of them.

:func:`exposure_factors` takes the ranked candidates of a sample of cities (scores before
control) and returns one factor in ``(0, 1]`` per city of the registry: multiplying every
score by its candidate's factor keeps each candidate within ``cap`` of the sample's top-``k``
lists. The factors are found by a few rounds of discounting: each round, every candidate
above the cap has its factor multiplied by ``cap / share`` (its share of the lists under the
current factors), and the lists are re-ranked. Candidates are never raised, so a city that
was in no list stays as it was; a candidate below the cap keeps factor 1.

A cap can be impossible: ``L`` lists of ``k`` over ``D`` distinct candidates put each in
``k / D`` of the lists on average, so no cap below that can hold, and one near it would
discount every candidate until the scores meant nothing. The cap applied is therefore at
least :data:`FLOOR` times that mean share.

The lists must go deep: a candidate below the calibration's depth is never discounted, and
once the first candidates of a region are, it rises into the lists unchecked. Calibrated on
lists 60 deep, Seattle (beyond the 60th place of most Australian and New Zealand cities'
lists, and so never discounted) ended in half of that region's top 10s; at 200 deep
(:data:`citydiplomacy.core.ranking.EXPOSURE_DEPTH`) the cap holds.

The factors are a property of one data version (they are computed when the ranker is
trained and cached with it); applying them costs one multiplication per candidate.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The cap applied is at least this many times the mean share of the lists a candidate is in.
FLOOR = 4.0


def exposure_factors(
    candidates: IntArray,
    scores: FloatArray,
    n: int,
    *,
    cap: float,
    k: int = 10,
    rounds: int = 50,
) -> FloatArray:
    """Per registry row, the factor that keeps it within ``cap`` of the top-``k`` lists.

    Parameters
    ----------
    candidates
        ``(cities, depth)`` candidate rows of each sampled city, best first (``-1`` pads a
        shorter list); ``depth`` should exceed ``k`` enough for lists to refill.
    scores
        Their scores (non-negative; NaN where padded).
    n
        Number of registry rows (length of the result).
    cap
        Largest share of the lists a candidate may be in (e.g. 0.02; raised to
        :data:`FLOOR` times the mean share when below it).
    k, rounds
        List length; discounting rounds (each re-ranks every list).

    Returns
    -------
    FloatArray
        ``(n,)`` factors in ``(0, 1]``.
    """
    group = np.zeros(candidates.shape[0], dtype=np.int64)
    out: FloatArray = grouped_exposure_factors(
        candidates, scores, group, n, cap=cap, overall_cap=1.0, k=k, rounds=rounds
    )[0]
    return out


def grouped_exposure_factors(
    candidates: IntArray,
    scores: FloatArray,
    group: IntArray,
    n: int,
    *,
    cap: float,
    overall_cap: float,
    k: int = 10,
    rounds: int = 50,
) -> FloatArray:
    """Per group of cities (a world region) and registry row, the factor that keeps the row
    within ``cap`` of the group's top-``k`` lists and within ``overall_cap`` of all the
    lists, each group weighing the same.

    A cap per group alone lets a city that is just under it in every group through: in
    every group's lists at once, it is in ``cap`` of any mix of them (and, drawing a few
    dozen cities per continent, in more by chance). The overall cap discounts such a city
    in every group.

    Parameters
    ----------
    candidates, scores
        As in :func:`exposure_factors`.
    group
        ``(cities,)`` group of each list's city, integers from 0.
    n
        Number of registry rows.
    cap, overall_cap
        Largest share of one group's lists, and of all lists (groups weighed equally), a
        candidate may be in; each raised to :data:`FLOOR` times the mean share when below.
    k, rounds
        List length; discounting rounds.

    Returns
    -------
    FloatArray
        ``(groups, n)`` factors in ``(0, 1]`` (``groups = group.max() + 1``).
    """
    if not (0.0 < cap <= 1.0 and 0.0 < overall_cap <= 1.0):
        raise ValueError(f"caps must be in (0, 1], got {cap} and {overall_cap}")
    if candidates.shape != scores.shape:
        raise ValueError("candidates and scores must have the same shape")
    n_groups = int(group.max()) + 1 if group.size else 1
    factor = np.ones((n_groups, n))
    if candidates.shape[0] == 0 or candidates.shape[1] == 0:
        return factor
    valid = candidates >= 0
    safe = np.where(valid, candidates, 0)
    base = np.where(valid, np.nan_to_num(scores, nan=0.0), -np.inf)
    take = min(k, candidates.shape[1])
    lists = np.bincount(group, minlength=n_groups).astype(np.float64)
    limit = np.zeros(n_groups)
    for g in np.flatnonzero(lists):
        distinct = np.unique(candidates[group == g][valid[group == g]]).size
        limit[g] = max(cap, FLOOR * take / max(distinct, 1)) * lists[g]
    # every group weighs the same in the overall share
    weight = 1.0 / (lists[group] * np.count_nonzero(lists))
    overall = max(overall_cap, FLOOR * take / max(np.unique(candidates[valid]).size, 1))
    rows = group[:, None]
    for _ in range(rounds):
        adjusted = np.where(valid, base * factor[rows, safe], -np.inf)
        top = np.argpartition(-adjusted, take - 1, axis=1)[:, :take]
        inside = np.take_along_axis(valid, top, axis=1)
        chosen = np.take_along_axis(safe, top, axis=1)[inside]
        owner = np.broadcast_to(rows, top.shape)[inside]
        counts = np.bincount(owner * n + chosen, minlength=n_groups * n).reshape(n_groups, n)
        share = np.bincount(
            chosen, weights=np.broadcast_to(weight[:, None], top.shape)[inside], minlength=n
        )
        over = counts > limit[:, None]
        wide = share > overall
        if not over.any() and not wide.any():
            break
        factor[over] *= (limit[:, None] / np.maximum(counts, 1))[over]
        factor[:, wide] *= overall / share[wide]
    return factor
