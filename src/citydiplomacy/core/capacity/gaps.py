"""Gap analysis: how far each person, city or cohort is from the target level of their role.

``gap = target level for the role - rating``. A positive gap is a shortfall; a negative one
means the person is above the target. Ratings are arrays of people x competencies on the
1-5 scale, NaN where a competency was not rated (an unrated competency has no gap, it is not
counted as zero).

A person may have a *second rating* (by a manager or a peer) beside their own. How the two
make the rating that the gaps use is an explicit choice, :data:`COMBINE_RULES`; the default,
``mean``, takes the mean of the ratings given, and :func:`disagreements` lists where the two
differ by two levels or more, so a page can show both instead of hiding a conflict.

Aggregates (a city, a cohort, a heat-map row of a group) never show a group of fewer than
:data:`MIN_GROUP` people: such a cell is suppressed (NaN, flagged) rather than shown, because a
small group's mean gives away individual ratings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Smallest group whose aggregate is shown.
MIN_GROUP = 5
#: How a self-rating and a second rating combine: ``self`` ignores the second rating; ``second``
#: uses it where given; ``mean`` averages the ratings given; ``lower`` takes the lower one (the
#: cautious reading for planning training).
COMBINE_RULES = ("self", "second", "mean", "lower")
#: Self and second rating this many levels apart are a disagreement worth a conversation.
DISAGREEMENT = 2.0


class CapacityError(ValueError):
    """Inputs of the capacity calculations do not fit together (shapes, rules, levels)."""


def _as_ratings(values: object, name: str) -> FloatArray:
    a = np.asarray(values, dtype=np.float64)
    finite = a[~np.isnan(a)]
    if finite.size and ((finite < 0).any() or (finite > 5).any() or np.isinf(finite).any()):
        raise CapacityError(f"{name}: levels must lie between 0 and 5")
    return a


def combine_ratings(
    self_ratings: FloatArray, second_ratings: FloatArray | None, rule: str = "mean"
) -> FloatArray:
    """The ratings the gaps are computed on, from self-ratings and optional second ratings.

    Parameters
    ----------
    self_ratings, second_ratings
        Arrays of the same shape (NaN: not rated). ``second_ratings`` may be ``None``.
    rule
        One of :data:`COMBINE_RULES`.
    """
    if rule not in COMBINE_RULES:
        raise CapacityError(f"unknown rule {rule!r}; use one of {', '.join(COMBINE_RULES)}")
    own = _as_ratings(self_ratings, "self ratings")
    if second_ratings is None or rule == "self":
        return own.copy()
    other = _as_ratings(second_ratings, "second ratings")
    if other.shape != own.shape:
        raise CapacityError(f"second ratings have shape {other.shape}, self ratings {own.shape}")
    if rule == "second":
        return np.where(np.isnan(other), own, other)
    stacked = np.stack([own, other])
    has_any = ~np.isnan(stacked).all(axis=0)
    out = np.full(own.shape, np.nan)
    with np.errstate(all="ignore"):
        if rule == "mean":
            out[has_any] = np.nanmean(stacked[:, has_any], axis=0)
        else:  # lower
            out[has_any] = np.nanmin(stacked[:, has_any], axis=0)
    return out


def disagreements(
    self_ratings: FloatArray, second_ratings: FloatArray, threshold: float = DISAGREEMENT
) -> BoolArray:
    """Where the self-rating and the second rating differ by ``threshold`` levels or more."""
    own = _as_ratings(self_ratings, "self ratings")
    other = _as_ratings(second_ratings, "second ratings")
    with np.errstate(invalid="ignore"):
        out: BoolArray = np.abs(own - other) >= threshold
    return out


def gaps(targets: FloatArray, ratings: FloatArray) -> FloatArray:
    """``targets - ratings`` (NaN where not rated); targets broadcast over people."""
    t = np.asarray(targets, dtype=np.float64)
    r = _as_ratings(ratings, "ratings")
    try:
        return np.broadcast_to(t, r.shape) - r
    except ValueError:
        raise CapacityError(f"targets of shape {t.shape} do not fit ratings {r.shape}") from None


@dataclass(frozen=True)
class Gap:
    """One competency's gap for a person."""

    code: str
    target: int
    rating: float | None
    gap: float | None

    @property
    def shortfall(self) -> float:
        """The gap when positive, else 0 (unrated: 0)."""
        return max(self.gap, 0.0) if self.gap is not None else 0.0


def person_gaps(codes: Sequence[str], targets: FloatArray, ratings: FloatArray) -> list[Gap]:
    """A person's gaps, the largest first; ties by code, unrated competencies last."""
    t = np.asarray(targets, dtype=np.float64)
    r = _as_ratings(ratings, "ratings")
    if t.shape != (len(codes),) or r.shape != t.shape:
        raise CapacityError(f"{len(codes)} codes, targets {t.shape}, ratings {r.shape}")
    rows = [
        Gap(
            code,
            int(t[i]),
            None if np.isnan(r[i]) else float(r[i]),
            None if np.isnan(r[i]) else float(t[i] - r[i]),
        )
        for i, code in enumerate(codes)
    ]
    return sorted(rows, key=lambda g: (g.gap is None, -(g.gap or 0.0), g.code))


@dataclass(frozen=True)
class GroupSummary:
    """Per-competency aggregates of a group, suppressed where fewer than ``min_group`` rated.

    Attributes
    ----------
    n_people
        People in the group.
    n_rated
        Per competency: people who rated it.
    mean_rating, mean_gap, share_below
        Per competency (NaN where suppressed): mean rating, mean gap, and the share of
        raters below their target.
    suppressed
        Per competency: the group of raters was too small to show.
    """

    n_people: int
    n_rated: IntArray
    mean_rating: FloatArray
    mean_gap: FloatArray
    share_below: FloatArray
    suppressed: BoolArray

    def order(self) -> IntArray:
        """Competency positions, the largest mean gap first, suppressed ones last."""
        key = np.where(self.suppressed, -np.inf, self.mean_gap)
        out: IntArray = np.argsort(-key, kind="stable").astype(np.int64)
        return out


def summarise(targets: FloatArray, ratings: FloatArray, min_group: int = MIN_GROUP) -> GroupSummary:
    """Aggregates of a group of people (rows of ``ratings``) per competency.

    ``targets`` is ``people x competencies`` (each person's role) or one vector for all.
    """
    r = _as_ratings(ratings, "ratings")
    if r.ndim != 2:
        raise CapacityError(f"ratings must be people x competencies, got shape {r.shape}")
    g = gaps(targets, r)
    rated = ~np.isnan(r)
    n_rated = rated.sum(axis=0).astype(np.int64)
    suppressed = n_rated < max(min_group, 1)
    safe_n = np.where(n_rated == 0, 1, n_rated)
    mean_rating = np.where(rated, r, 0.0).sum(axis=0) / safe_n
    mean_gap = np.where(rated, g, 0.0).sum(axis=0) / safe_n
    share_below = (rated & (g > 0)).sum(axis=0) / safe_n
    for a in (mean_rating, mean_gap, share_below):
        a[suppressed] = np.nan
    return GroupSummary(int(r.shape[0]), n_rated, mean_rating, mean_gap, share_below, suppressed)


@dataclass(frozen=True)
class HeatMap:
    """Mean gap per group (rows) and competency (columns), suppressed below ``min_group``.

    ``columns`` are competency positions ordered by the whole cohort's mean gap, largest
    first; ``values[g, k]`` is the mean gap of group ``g`` on competency ``columns[k]`` and
    ``counts`` the raters behind it.
    """

    groups: tuple[str, ...]
    columns: IntArray
    values: FloatArray
    counts: IntArray
    suppressed: BoolArray
    cohort: GroupSummary


def heat_map(
    targets: FloatArray,
    ratings: FloatArray,
    group_of: Sequence[str],
    min_group: int = MIN_GROUP,
) -> HeatMap:
    """The cohort heat map: mean gap of each group on each competency.

    Parameters
    ----------
    targets
        ``people x competencies`` targets (each person's role), or one vector.
    ratings
        ``people x competencies`` (NaN: not rated).
    group_of
        Each person's group label (a city, a role, or the person for an organiser's view with
        ``min_group=1``).
    min_group
        Cells with fewer raters are suppressed; so is the cohort's column summary.
    """
    r = _as_ratings(ratings, "ratings")
    if r.ndim != 2 or len(group_of) != r.shape[0]:
        raise CapacityError(f"{len(group_of)} group labels for ratings of shape {r.shape}")
    g = gaps(targets, r)
    labels, inverse = np.unique(np.asarray(group_of, dtype=object).astype(str), return_inverse=True)
    rated = ~np.isnan(r)
    n_groups, n_comp = len(labels), r.shape[1]
    # One scatter-add per quantity: sums and counts of every group x competency cell.
    sums = np.zeros((n_groups, n_comp))
    counts = np.zeros((n_groups, n_comp), dtype=np.int64)
    np.add.at(sums, inverse, np.where(rated, g, 0.0))
    np.add.at(counts, inverse, rated.astype(np.int64))
    suppressed = counts < max(min_group, 1)
    values = np.where(suppressed, np.nan, sums / np.where(counts == 0, 1, counts))
    cohort = summarise(targets, r, min_group=max(min_group, MIN_GROUP))
    columns = cohort.order()
    return HeatMap(
        groups=tuple(str(x) for x in labels),
        columns=columns,
        values=values[:, columns],
        counts=counts[:, columns],
        suppressed=suppressed[:, columns],
        cohort=cohort,
    )
