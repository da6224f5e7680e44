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
least :data:`FLOOR` times that mean share (on the platform's 34,000 cities, about 0.2 %,
far below the cap asked; on a registry of 400 cities, 10 %).

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
    if not 0.0 < cap <= 1.0:
        raise ValueError(f"cap must be in (0, 1], got {cap}")
    if candidates.shape != scores.shape:
        raise ValueError("candidates and scores must have the same shape")
    factor = np.ones(n)
    lists = candidates.shape[0]
    if lists == 0 or candidates.shape[1] == 0:
        return factor
    valid = candidates >= 0
    safe = np.where(valid, candidates, 0)
    base = np.where(valid, np.nan_to_num(scores, nan=0.0), -np.inf)
    take = min(k, candidates.shape[1])
    distinct = np.unique(candidates[valid]).size
    limit = max(cap, FLOOR * take / max(distinct, 1)) * lists
    for _ in range(rounds):
        adjusted = np.where(valid, base * factor[safe], -np.inf)
        top = np.argpartition(-adjusted, take - 1, axis=1)[:, :take]
        chosen = np.take_along_axis(safe, top, axis=1)
        chosen = chosen[np.take_along_axis(valid, top, axis=1)]
        counts = np.bincount(chosen, minlength=n).astype(np.float64)
        over = counts > limit
        if not over.any():
            break
        factor[over] *= limit / counts[over]
    return factor
