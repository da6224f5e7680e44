"""A learning plan: the fewest training modules that cover a person's largest gaps.

Each module addresses some competencies. A person's *shortfalls* (positive gaps) are the
competencies to cover; each is weighted by its shortfall. The plan is a weighted set cover:

* ``greedy``: repeatedly take the module that covers the most uncovered shortfall (ties:
  fewer hours). This is the classic greedy set cover, within a factor
  ``H(s) = 1 + 1/2 + ... + 1/s <= 1 + ln s`` of the fewest modules, ``s`` the most
  competencies one module covers; it takes well under a millisecond;
* ``exact``: the fewest modules that together address every competency with a shortfall of
  at least ``min_gap`` that some module addresses, as a 0/1 linear programme solved by HiGHS
  (``scipy.optimize.milp``) after removing *dominated* modules (one whose competencies
  another module covers too, with no more hours). Set cover is NP-hard: a catalogue of 200
  modules against 30 gaps can take HiGHS a second to *prove* optimal;
* ``auto`` (the default): the greedy plan, then HiGHS within ``time_limit`` (20 ms by
  default); the better of the two is kept, and ``optimal`` says whether it is proved to use
  the fewest modules (HiGHS finished, or the greedy plan meets HiGHS's lower bound).

With ``max_modules`` the plan instead keeps to that many modules and covers as much shortfall
as it can (weighted maximum coverage): greedily within ``1 - 1/e`` of the best coverage, or
exactly by HiGHS. In every case the modules are listed in the order that covers the largest
gaps first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp

from citydiplomacy.core.capacity.gaps import CapacityError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IndexArray = npt.NDArray[np.intp]

METHODS = ("auto", "exact", "greedy")
#: Seconds HiGHS may spend on a plan in ``auto`` mode before the greedy plan is kept.
AUTO_TIME_LIMIT = 0.02


@dataclass(frozen=True)
class PlanStep:
    """One module of a plan and the shortfall it newly covers."""

    module: int
    covers: tuple[int, ...]
    covered_shortfall: float


@dataclass(frozen=True)
class LearningPlan:
    """The modules proposed and what remains uncovered.

    Attributes
    ----------
    steps
        The modules, largest newly covered shortfall first.
    uncovered
        Competencies with a shortfall that no chosen module addresses (none in the catalogue,
        or left out by ``max_modules``).
    method
        How the plan was found, with its guarantee.
    optimal
        Whether the plan is proved optimal (fewest modules, or most shortfall covered).
    """

    steps: tuple[PlanStep, ...]
    uncovered: tuple[int, ...]
    total_shortfall: float
    covered_shortfall: float
    hours: float
    method: str
    optimal: bool

    @property
    def modules(self) -> tuple[int, ...]:
        return tuple(s.module for s in self.steps)


def harmonic(n: int) -> float:
    """``H(n) = 1 + 1/2 + ... + 1/n``, the greedy set cover's approximation factor."""
    return math.fsum(1.0 / k for k in range(1, n + 1))


def _order(
    chosen: Sequence[int], covers: BoolArray, weight: FloatArray, hours: FloatArray
) -> list[PlanStep]:
    """The chosen modules, each next the one covering the most still-uncovered weight."""
    left = list(chosen)
    covered = np.zeros(covers.shape[1], dtype=bool)
    steps = []
    while left:
        gains = [float(weight[covers[m] & ~covered].sum()) for m in left]
        best = max(range(len(left)), key=lambda k: (gains[k], -hours[left[k]], -left[k]))
        m = left.pop(best)
        new = covers[m] & ~covered & (weight > 0)
        steps.append(PlanStep(m, tuple(int(i) for i in np.nonzero(new)[0]), gains[best]))
        covered |= covers[m]
    return steps


def undominated(covers: BoolArray, hours: FloatArray) -> IndexArray:
    """Positions of the modules no other module makes redundant.

    Module ``i`` is dominated by ``j`` when ``j`` covers all of ``i``'s competencies and either
    more of them, or fewer hours, or the same hours and an earlier position. Removing dominated
    modules never makes the fewest-modules cover larger (swap ``i`` for ``j``).
    """
    c = covers.astype(np.int32)
    n = c.shape[0]
    size = c.sum(axis=1)
    subset = (c @ (1 - c).T) == 0  # subset[i, j]: i's competencies all in j
    order = np.arange(n)
    better = (
        (size[None, :] > size[:, None])
        | (hours[None, :] < hours[:, None])
        | ((hours[None, :] == hours[:, None]) & (order[None, :] < order[:, None]))
    )
    dominated = (subset & better & ~np.eye(n, dtype=bool)).any(axis=1)
    return np.nonzero(~dominated)[0]


def learning_plan(
    shortfall: FloatArray,
    covers: BoolArray,
    hours: FloatArray | None = None,
    *,
    min_gap: float = 1.0,
    max_modules: int | None = None,
    method: str = "auto",
    time_limit: float | None = None,
) -> LearningPlan:
    """The modules that cover a person's largest gaps.

    Parameters
    ----------
    shortfall
        Per competency: the positive gap (0 or NaN: nothing to learn).
    covers
        ``modules x competencies``: which competencies each module addresses.
    hours
        Per module: its length (breaks ties: the shorter plan); default all 1.
    min_gap
        Only shortfalls of at least this many levels must be covered.
    max_modules
        At most this many modules: cover as much shortfall as possible (maximum coverage).
    method
        ``auto``, ``exact`` or ``greedy`` (see the module's description).
    time_limit
        Seconds HiGHS may take (default: 20 ms for ``auto``, 10 s for ``exact``).
    """
    if method not in METHODS:
        raise CapacityError(f"unknown method {method!r}; use {', '.join(METHODS)}")
    s = np.nan_to_num(np.asarray(shortfall, dtype=np.float64), nan=0.0)
    c = np.asarray(covers, dtype=bool)
    if c.ndim != 2 or c.shape[1] != s.shape[0]:
        raise CapacityError(f"covers has shape {c.shape}; expected modules x {s.shape[0]}")
    h = np.ones(c.shape[0]) if hours is None else np.asarray(hours, dtype=np.float64)
    if h.shape != (c.shape[0],) or not np.isfinite(h).all() or (h < 0).any():
        raise CapacityError("hours must be one non-negative number per module")
    if (s < 0).any():
        raise CapacityError("shortfalls must not be negative")
    if max_modules is not None and max_modules < 1:
        raise CapacityError("max_modules must be at least 1")
    limit = (
        time_limit if time_limit is not None else (AUTO_TIME_LIMIT if method == "auto" else 10.0)
    )
    weight = np.where(s >= min_gap, s, 0.0)
    need = weight > 0
    coverable = need & c.any(axis=0)
    useful = np.nonzero((c & coverable).any(axis=1))[0]
    total = float(weight.sum())
    chosen: list[int] = []
    optimal, how = True, "nothing to cover"
    if useful.size:
        cover_of = c[:, coverable]
        useful = useful[undominated(cover_of[useful], h[useful])]
        greedy: list[int] | None = None
        if method in ("greedy", "auto"):
            greedy = _greedy(c, weight, h, useful, max_modules)
            chosen, optimal = greedy, False
            if max_modules is None:
                largest = int(cover_of[useful].sum(axis=1).max())
                how = (
                    f"greedy set cover (at most H({largest}) = {harmonic(largest):.2f} "
                    "times the fewest modules)"
                )
            else:
                how = (
                    f"greedy maximum coverage with {max_modules} modules "
                    "(at least 63 % of the best)"
                )
        if method in ("exact", "auto"):
            exact, proved, bound = _exact(c, weight, useful, coverable, max_modules, limit)
            if max_modules is None:
                what = "fewest modules covering every coverable gap"
                if exact is not None and (greedy is None or _key(exact, h) < _key(greedy, h)):
                    chosen, optimal, how = exact, proved, f"{what} (HiGHS MILP)"
                elif greedy is not None and len(greedy) <= math.ceil(bound - 1e-9):
                    optimal = True
                    how = f"{what} (greedy plan, proved by HiGHS's bound)"
                if not optimal:
                    floor = math.ceil(bound - 1e-9)
                    how += f"; not proved optimal within {limit:g} s"
                    if floor > 0:
                        how += f" (at least {floor} modules are needed)"
            else:
                what = f"largest covered shortfall with {max_modules} modules"
                got_greedy = _covered(c, weight, greedy)
                got_exact = _covered(c, weight, exact)
                if exact is not None and (
                    greedy is None
                    or got_exact > got_greedy + 1e-9
                    or (proved and got_exact >= got_greedy - 1e-9)
                ):
                    chosen, optimal, how = exact, proved, f"{what} (HiGHS MILP)"
                elif greedy is not None and got_greedy >= -bound - 1e-9:
                    optimal, how = True, f"{what} (greedy plan, proved by HiGHS's bound)"
                if not optimal:
                    how += f"; not proved optimal within {limit:g} s"
    steps = _order(chosen, c, weight, h)
    covered = c[chosen].any(axis=0) if chosen else np.zeros(s.shape[0], dtype=bool)
    uncovered = tuple(int(i) for i in np.nonzero(need & ~covered)[0])
    return LearningPlan(
        steps=tuple(steps),
        uncovered=uncovered,
        total_shortfall=total,
        covered_shortfall=float(weight[covered].sum()),
        hours=float(h[chosen].sum()) if chosen else 0.0,
        method=how,
        optimal=optimal,
    )


def _covered(c: BoolArray, weight: FloatArray, modules: Sequence[int] | None) -> float:
    if not modules:
        return 0.0
    return float(weight[c[list(modules)].any(axis=0)].sum())


def _key(modules: Sequence[int], hours: FloatArray) -> tuple[int, float]:
    return len(modules), float(hours[list(modules)].sum())


def _greedy(
    c: BoolArray, weight: FloatArray, h: FloatArray, useful: IndexArray, max_modules: int | None
) -> list[int]:
    left = weight.copy()
    chosen: list[int] = []
    cu = c[useful].astype(np.float64)
    while max_modules is None or len(chosen) < max_modules:
        gain = cu @ left
        if gain.max() <= 0:
            break
        # Most uncovered shortfall; then fewer hours; then catalogue order.
        ties = np.nonzero(gain >= gain.max() - 1e-12)[0]
        k = int(ties[np.argmin(h[useful[ties]])])
        chosen.append(int(useful[k]))
        left[c[useful[k]]] = 0.0
    if max_modules is None:
        # Reverse delete: a module picked early may have become redundant; drop the longest
        # such modules first (the cover stays complete, and never grows).
        needed = c[:, weight > 0]
        for m in sorted(chosen, key=lambda m: (-h[m], -m)):
            rest = [x for x in chosen if x != m]
            if rest and (needed[rest].any(axis=0) >= needed[chosen].any(axis=0)).all():
                chosen = rest
    return chosen


def _exact(
    c: BoolArray,
    weight: FloatArray,
    useful: IndexArray,
    coverable: BoolArray,
    max_modules: int | None,
    time_limit: float,
) -> tuple[list[int] | None, bool, float]:
    """HiGHS's plan (``None`` if it found none in time), whether proved, and its bound."""
    m = useful.size
    targets = np.nonzero(coverable)[0]
    a = c[useful][:, targets].T.astype(np.float64)  # competencies x modules
    if max_modules is None:
        cost = np.ones(m)
        constraints = [LinearConstraint(a, lb=np.ones(targets.size), ub=np.inf)]
        n_vars = m
    else:
        # Variables: x (modules) then y (competency covered); maximise the covered weight.
        t = targets.size
        cost = np.concatenate([np.zeros(m), -weight[targets]])
        link = np.hstack([-a, np.eye(t)])  # y_i <= sum of the x covering i
        budget = np.concatenate([np.ones(m), np.zeros(t)])[None, :]
        constraints = [
            LinearConstraint(link, lb=-np.inf, ub=np.zeros(t)),
            LinearConstraint(budget, lb=0, ub=max_modules),
        ]
        n_vars = m + t
    res = milp(
        cost,
        constraints=constraints,
        integrality=np.ones(n_vars),
        bounds=Bounds(np.zeros(n_vars), np.ones(n_vars)),
        options={"time_limit": max(time_limit, 1e-3), "disp": False},
    )
    bound = float(getattr(res, "mip_dual_bound", None) or 0.0)
    if res.x is None:
        return None, False, bound
    x = np.round(res.x[:m]).astype(bool)
    return [int(i) for i in useful[x]], bool(res.status == 0), bound
