"""Forum pairing: put the cities of a forum into pairs (or triads) that learn most.

The input is a *benefit matrix* ``B`` (``B[i, j]``: what city ``i`` learns from city ``j``,
for example how much stronger ``j`` is on ``i``'s themes) and an *allowed* mask (no existing
partners, a shared working language, never a city with itself). A pair is worth
``B[i, j] + B[j, i]``; a triad the sum over its three pairs.

Three exact formulations, each solved by an established solver rather than a greedy loop:

* ``group_size=2``: every city meets up to ``k`` partners in separate bilateral sessions
  (``k=1``: disjoint pairs); a maximum-weight b-matching, solved as a 0/1 linear programme
  with HiGHS (``scipy.optimize.milp``). For ``k=1`` this is the maximum-weight matching;
  :func:`matching_benefit` gives the blossom algorithm's optimum (``networkx``) to check it
  against (HiGHS takes 0.2 s for 200 cities where the pure-Python blossom takes 2 s);
* ``group_size=3``: groups of two or three, every city in at most one group; a weighted set
  packing over every allowed pair and the allowed triads among each city's
  ``triad_neighbours`` best partners, solved with HiGHS. Grouping into triads is a
  three-dimensional matching (NP-hard): the restriction to near neighbours keeps the
  programme small, and the answer says whether the solver proved it optimal within its time
  limit or what relative gap to the bound remained.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from citydiplomacy.errors import CityDiplomacyError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Pairs worth no more than this are not worth a meeting (and are left out).
MIN_BENEFIT = 1e-9


class ForumError(CityDiplomacyError, ValueError):
    """The forum's inputs are inconsistent (shapes, values, options), or no valid assignment
    came out of the solver. A :class:`~citydiplomacy.errors.CityDiplomacyError`, so the CLI
    and the pages report it as a message, never a traceback."""


@dataclass(frozen=True)
class Group:
    """One group of the forum: two or three participant positions and what it is worth."""

    members: tuple[int, ...]
    benefit: float


@dataclass(frozen=True)
class ForumAssignment:
    """The solver's answer.

    Attributes
    ----------
    groups
        The pairs or triads (participant positions, ascending), best first.
    total_benefit
        The sum of the groups' benefits: the objective the solver maximised.
    unassigned
        Positions of participants left without a group (no allowed partner, or an odd one
        out).
    method
        Which formulation and solver produced it.
    optimal
        Whether the solver proved the assignment optimal.
    gap
        Relative gap between the assignment and the solver's upper bound (0 when optimal).
    """

    groups: tuple[Group, ...]
    total_benefit: float
    unassigned: tuple[int, ...]
    method: str
    optimal: bool = True
    gap: float = 0.0


def _check(benefit: FloatArray, allowed: BoolArray) -> tuple[FloatArray, BoolArray]:
    b = np.asarray(benefit, dtype=np.float64)
    a = np.asarray(allowed, dtype=bool)
    if b.ndim != 2 or b.shape[0] != b.shape[1]:
        raise ForumError(f"the benefit matrix must be square, got shape {b.shape}")
    if a.shape != b.shape:
        raise ForumError(f"the allowed mask has shape {a.shape}, the benefits {b.shape}")
    if not np.isfinite(b).all():
        raise ForumError("the benefit matrix holds a missing or infinite value")
    if (b < 0).any():
        raise ForumError("benefits must not be negative")
    a = a & a.T  # a pair is allowed only if allowed both ways
    np.fill_diagonal(a, False)
    return b, a


def learning_benefit(
    scores: FloatArray, wants: BoolArray, similarity: FloatArray, scale: float = 100.0
) -> FloatArray:
    """What each participant learns from each other one.

    ``B[i, j] = sum_t wants[i, t] * max(0, S[j, t] - S[i, t]) / scale * (0.5 + 0.5 * sim[i, j])``:
    how much stronger ``j`` scores on ``i``'s themes, discounted when their contexts differ
    (lessons travel better between similar cities). Missing scores teach nothing.

    Parameters
    ----------
    scores
        ``n x T`` theme scores (NaN where unscored).
    wants
        ``n x T``: the themes each participant wants to learn about.
    similarity
        ``n x n`` context similarity in [0, 1].
    """
    s = np.asarray(scores, dtype=np.float64)
    w = np.asarray(wants, dtype=bool)
    if s.shape != w.shape or similarity.shape != (s.shape[0], s.shape[0]):
        raise ForumError("scores, wants and similarity do not fit together")
    gap = s[None, :, :] - s[:, None, :]  # gap[i, j, t] = S[j, t] - S[i, t]
    gain = np.where(np.isnan(gap), 0.0, np.maximum(gap, 0.0)) * w[:, None, :]
    out: FloatArray = gain.sum(axis=2) / scale * (0.5 + 0.5 * np.clip(similarity, 0.0, 1.0))
    np.fill_diagonal(out, 0.0)
    return out


def pair_weights(benefit: FloatArray) -> FloatArray:
    """``W[i, j] = B[i, j] + B[j, i]``: what a pair is worth to both cities together."""
    b = np.asarray(benefit, dtype=np.float64)
    return b + b.T


def pair_forum(
    benefit: FloatArray,
    allowed: BoolArray,
    *,
    k: int = 1,
    group_size: int = 2,
    triad_neighbours: int = 6,
    time_limit: float = 10.0,
) -> ForumAssignment:
    """The assignment of participants to groups with the largest total benefit.

    Parameters
    ----------
    benefit
        ``n x n`` non-negative; ``benefit[i, j]`` is what ``i`` learns from ``j``.
    allowed
        ``n x n`` booleans; a pair may meet only where it is ``True`` both ways.
    k
        Most partners per city (``group_size=2`` only): 1 gives disjoint pairs.
    group_size
        2 (pairs) or 3 (groups of two or three, each city in one group).
    triad_neighbours
        For triads: a triad is a candidate when each member is among the others' best
        ``triad_neighbours`` allowed partners.
    time_limit
        Seconds the linear-programming solver may take.

    Returns
    -------
    ForumAssignment
    """
    b, a = _check(benefit, allowed)
    if group_size not in (2, 3):
        raise ForumError(f"group_size must be 2 or 3, got {group_size}")
    if k < 1:
        raise ForumError(f"k (partners per city) must be at least 1, got {k}")
    if group_size == 3 and k != 1:
        raise ForumError("with triads every city joins one group: k must be 1")
    w = pair_weights(b)
    n = w.shape[0]
    iu, ju = np.nonzero(np.triu(a & (w > MIN_BENEFIT), 1))
    if group_size == 2:
        groups, status = _b_matching(w, iu, ju, n, k, time_limit)
        method = (
            "maximum-weight matching (HiGHS MILP)"
            if k == 1
            else f"maximum-weight b-matching, at most {k} partners each (HiGHS MILP)"
        )
    else:
        groups, status = _set_packing(w, a, iu, ju, n, triad_neighbours, time_limit)
        method = "weighted set packing of pairs and triads (HiGHS MILP)"
    groups = sorted(groups, key=lambda g: (-g.benefit, g.members))
    verify(groups, a, k=k if group_size == 2 else 1)
    seen = {m for g in groups for m in g.members}
    return ForumAssignment(
        groups=tuple(groups),
        total_benefit=float(sum(g.benefit for g in groups)),
        unassigned=tuple(i for i in range(n) if i not in seen),
        method=method,
        optimal=status[0],
        gap=status[1],
    )


def verify(groups: Sequence[Group], allowed: BoolArray, *, k: int = 1) -> None:
    """Check an assignment against the constraints, whatever produced it.

    The solver's answer is read from floating-point values (``x > 0.5``) and may come from a
    time-limited run, so it is checked rather than trusted: every member a valid position,
    every pair within a group allowed (both ways, never a city with itself), no group
    repeated, and no city in more than ``k`` groups.

    Raises
    ------
    ForumError
        Naming the first broken constraint.
    """
    a = np.asarray(allowed, dtype=bool)
    n = a.shape[0]
    count = np.zeros(n, dtype=np.int64)
    seen: set[tuple[int, ...]] = set()
    for g in groups:
        members = g.members
        if len(members) not in (2, 3) or len(set(members)) != len(members):
            raise ForumError(f"invalid group {members}: two or three different cities")
        if any(not 0 <= m < n for m in members):
            raise ForumError(f"group {members} names a participant that does not exist")
        if members in seen:
            raise ForumError(f"group {members} appears twice")
        seen.add(members)
        for i, j in itertools.combinations(members, 2):
            if not (a[i, j] and a[j, i]):
                raise ForumError(f"group {members} pairs {i} and {j}, which is not allowed")
        count[list(members)] += 1
    over = np.flatnonzero(count > k)
    if over.size:
        raise ForumError(
            f"participant {int(over[0])} is in {int(count[over[0]])} groups, at most {k} allowed"
        )


def matching_benefit(benefit: FloatArray, allowed: BoolArray) -> float:
    """The total benefit of the best disjoint pairs by Edmonds' blossom algorithm
    (``networkx.max_weight_matching``): an independent optimum for checks and tests."""
    b, a = _check(benefit, allowed)
    w = pair_weights(b)
    iu, ju = np.nonzero(np.triu(a & (w > MIN_BENEFIT), 1))
    g: nx.Graph[int] = nx.Graph()
    g.add_weighted_edges_from((int(i), int(j), float(w[i, j])) for i, j in zip(iu, ju, strict=True))
    pairs = nx.max_weight_matching(g, maxcardinality=False, weight="weight")
    return float(sum(w[u, v] for u, v in pairs))


#: (proved optimal, relative gap) of a solve; inside :func:`_solve` the second item is the
#: solver's upper bound on the total instead.
Status = tuple[bool, float]


def _solve(
    values: FloatArray, incidence: sparse.csr_array, upper: FloatArray, time_limit: float
) -> tuple[npt.NDArray[np.bool_], Status]:
    """Maximise ``values @ x`` with ``incidence @ x <= upper``, ``x`` binary."""
    m = values.size
    if m == 0:
        return np.zeros(0, dtype=bool), (True, 0.0)
    res = milp(
        c=-values,
        constraints=LinearConstraint(incidence, -np.inf, upper),
        integrality=np.ones(m),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "disp": False},
    )
    if res.x is None:
        raise ForumError(f"the solver found no assignment: {res.message}")
    chosen: npt.NDArray[np.bool_] = res.x > 0.5
    optimal = bool(res.status == 0)
    # scipy minimises -values: the dual bound is minus the best possible total
    bound = getattr(res, "mip_dual_bound", None)
    ceiling = float("inf")
    if bound is not None and math.isfinite(float(bound)):
        ceiling = -float(bound)
    return chosen, (optimal, 0.0 if optimal else ceiling)


def _b_matching(
    w: FloatArray,
    iu: npt.NDArray[np.intp],
    ju: npt.NDArray[np.intp],
    n: int,
    k: int,
    time_limit: float,
) -> tuple[list[Group], Status]:
    m = iu.size
    cols = np.repeat(np.arange(m), 2)
    rows = np.column_stack([iu, ju]).ravel()
    inc = sparse.csr_array((np.ones(2 * m), (rows, cols)), shape=(n, m))
    chosen, (optimal, upper) = _solve(w[iu, ju], inc, np.full(n, float(k)), time_limit)
    pairs = zip(iu[chosen], ju[chosen], strict=True)
    groups = [Group((int(i), int(j)), float(w[i, j])) for i, j in pairs]
    gap = 0.0 if optimal else _gap(sum(g.benefit for g in groups), upper)
    return groups, (optimal, gap)


def candidate_triads(
    w: FloatArray, allowed: BoolArray, neighbours: int
) -> list[tuple[int, int, int]]:
    """Triads ``(i, j, h)`` (ascending) all of whose pairs are allowed and where each member
    is among another member's ``neighbours`` best allowed partners."""
    n = w.shape[0]
    masked = np.where(allowed & (w > MIN_BENEFIT), w, -np.inf)
    best: list[set[int]] = []
    for i in range(n):
        order = np.argsort(-masked[i], kind="stable")[:neighbours]
        best.append({int(j) for j in order if np.isfinite(masked[i, j])})
    found: set[tuple[int, int, int]] = set()
    for i in range(n):
        for j, h in itertools.combinations(sorted(best[i]), 2):
            if allowed[j, h]:
                t = tuple(sorted((i, j, h)))
                found.add((t[0], t[1], t[2]))
    return sorted(found)


def _set_packing(
    w: FloatArray,
    allowed: BoolArray,
    iu: npt.NDArray[np.intp],
    ju: npt.NDArray[np.intp],
    n: int,
    neighbours: int,
    time_limit: float,
) -> tuple[list[Group], Status]:
    triads = candidate_triads(w, allowed, neighbours)
    groups: list[tuple[int, ...]] = [(int(i), int(j)) for i, j in zip(iu, ju, strict=True)]
    groups += triads
    if not groups:
        return [], (True, 0.0)
    values = np.array(
        [sum(w[p, q] for p, q in itertools.combinations(g, 2)) for g in groups], dtype=np.float64
    )
    rows = np.fromiter((m for g in groups for m in g), dtype=np.intp)
    cols = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    inc = sparse.csr_array((np.ones(rows.size), (rows, cols)), shape=(n, len(groups)))
    chosen, (optimal, upper) = _solve(values, inc, np.ones(n), time_limit)
    packed = [Group(groups[c], float(values[c])) for c in np.flatnonzero(chosen)]
    if optimal:
        return packed, (True, 0.0)
    # Stopped at the time limit: the best disjoint pairs (solved exactly, and feasible here
    # too) may beat the incumbent the solver had so far; keep the better, with the gap to the
    # solver's bound.
    pairs, _ = _b_matching(w, iu, ju, n, 1, time_limit)
    best = max(packed, pairs, key=lambda gs: sum(g.benefit for g in gs))
    value = sum(g.benefit for g in best)
    return best, (False, _gap(value, upper))


def _gap(value: float, upper: float) -> float:
    """Relative gap between a total and the solver's upper bound on it."""
    if not np.isfinite(upper) or upper <= 0:
        return 1.0
    return float(max(upper - value, 0.0) / upper)
