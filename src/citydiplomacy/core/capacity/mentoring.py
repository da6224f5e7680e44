"""Peer-mentoring pairs: one strong where the other is weak, across cities.

The benefit of pairing ``i`` with ``j`` is what ``i`` learns from ``j``: the sum, over the
competencies where ``i`` falls short of their target, of how far ``j`` rates above ``i``
(:func:`citydiplomacy.core.forum.learning_benefit` with every pair equally similar). Two people
of the same city are never paired (the point is to learn across cities), and the pairs are
chosen by the forum-pairing solver (:func:`citydiplomacy.core.forum.pair_forum`, a
maximum-weight matching solved exactly by HiGHS).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from citydiplomacy.core import forum
from citydiplomacy.core.capacity.gaps import CapacityError, _as_ratings, gaps

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MentoringPair:
    """Two people (positions) and what each learns from the other, per competency."""

    first: int
    second: int
    benefit: float
    first_learns: tuple[int, ...]
    second_learns: tuple[int, ...]


def mentoring_pairs(
    targets: FloatArray, ratings: FloatArray, cities: Sequence[str]
) -> tuple[list[MentoringPair], tuple[int, ...], str]:
    """The cross-city pairs with the most mutual learning.

    Returns
    -------
    tuple
        ``(pairs, unpaired, method)``: the pairs best first, positions of people left
        without a partner, and the solver's description.
    """
    r = _as_ratings(ratings, "ratings")
    if r.ndim != 2 or len(cities) != r.shape[0]:
        raise CapacityError(f"{len(cities)} cities for ratings of shape {r.shape}")
    n = r.shape[0]
    wants = np.nan_to_num(gaps(targets, r), nan=0.0) > 0
    benefit = forum.learning_benefit(r, wants, np.ones((n, n)), scale=1.0)
    city = np.asarray(cities, dtype=object).astype(str)
    allowed = city[:, None] != city[None, :]
    result = forum.pair_forum(benefit, allowed)
    pairs = []
    for g in result.groups:
        i, j = g.members
        pairs.append(
            MentoringPair(
                i,
                j,
                g.benefit,
                tuple(int(k) for k in np.nonzero(wants[i] & (r[j] > r[i]))[0]),
                tuple(int(k) for k in np.nonzero(wants[j] & (r[i] > r[j]))[0]),
            )
        )
    return pairs, result.unassigned, result.method
