"""A learning plan: the fewest training modules that cover a person's largest gaps.

Each module addresses some competencies. A person's *shortfalls* (positive gaps) are the
competencies to cover; each is weighted by its shortfall. The plan is a weighted set cover:

* ``exact``: choose the fewest modules that together address every competency with a
  shortfall of at least ``min_gap`` that some module addresses (ties broken by fewer hours),
  as a 0/1 linear programme solved by HiGHS (``scipy.optimize.milp``). Set cover is NP-hard,
  but a person has a few dozen gaps and the programme solves in milliseconds;
* ``greedy``: repeatedly take the module that covers the most uncovered shortfall per module
  (ties: fewer hours). This is the classic greedy set cover, within a factor
  ``H(s) = 1 + 1/2 + ... + 1/s <= 1 + ln s`` of the fewest modules, ``s`` the most
  competencies one module covers.

With ``max_modules`` the plan instead keeps to that many modules and covers as much shortfall
as it can (weighted maximum coverage): exactly by HiGHS, or greedily within ``1 - 1/e`` of the
best coverage. In both cases the modules are listed in the order that covers the largest gaps
first.
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

METHODS = ("exact", "greedy")


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
        Whether the plan is proved optimal (``exact`` solved to optimality).
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


def learning_plan(
    shortfall: FloatArray,
    covers: BoolArray,
    hours: FloatArray | None = None,
    *,
    min_gap: float = 1.0,
    max_modules: int | None = None,
    method: str = "exact",
    time_limit: float = 5.0,
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
        ``exact`` (HiGHS) or ``greedy``.
    """
    if method not in METHODS:
        raise CapacityError(f"unknown method {method!r}; use exact or greedy")
    s = np.nan_to_num(np.asarray(shortfall, dtype=np.float64), nan=0.0)
    c = np.asarray(covers, dtype=bool)
    if c.ndim != 2 or c.shape[1] != s.shape[0]:
        raise CapacityError(f"covers has shape {c.shape}; expected modules x {s.shape[0]}")
    h = np.ones(c.shape[0]) if hours is None else np.asarray(hours, dtype=np.float64)
    if h.shape != (c.shape[0],) or (h < 0).any() or not np.isfinite(h).all():
        raise CapacityError("hours must be one non-negative number per module")
    if (s < 0).any():
        raise CapacityError("shortfalls must not be negative")
    if max_modules is not None and max_modules < 1:
        raise CapacityError("max_modules must be at least 1")
    weight = np.where(s >= min_gap, s, 0.0)
    need = weight > 0
    coverable = need & c.any(axis=0)
    useful = np.nonzero((c & coverable).any(axis=1))[0]
    total = float(weight.sum())
    if useful.size == 0:
        chosen: list[int] = []
        optimal, how = True, "nothing to cover"
    elif method == "greedy":
        chosen = _greedy(c, weight, h, useful, max_modules)
        if max_modules is None:
            largest = int((c[useful] & coverable).sum(axis=1).max())
            bound = harmonic(largest)
            how = f"greedy set cover (at most H({largest}) = {bound:.2f} x the fewest modules)"
        else:
            how = (
                f"greedy maximum coverage with {max_modules} modules (at least 1 - 1/e of the best)"
            )
        optimal = False
    else:
        chosen, optimal = _exact(c, weight, h, useful, coverable, max_modules, time_limit)
        how = (
            "fewest modules covering every coverable gap (HiGHS MILP)"
            if max_modules is None
            else f"largest covered shortfall with {max_modules} modules (HiGHS MILP)"
        )
    steps = _order(chosen, c, weight, h)
    covered = np.zeros(s.shape[0], dtype=bool)
    for m in chosen:
        covered |= c[m]
    uncovered = tuple(int(i) for i in np.nonzero(need & ~covered)[0])
    return LearningPlan(
        steps=tuple(steps),
        uncovered=uncovered,
        total_shortfall=total,
        covered_shortfall=float(weight[covered].sum()),
        hours=float(h[list(chosen)].sum()) if chosen else 0.0,
        method=how,
        optimal=optimal,
    )


def _greedy(
    c: BoolArray,
    weight: FloatArray,
    h: FloatArray,
    useful: npt.NDArray[np.intp],
    max_modules: int | None,
) -> list[int]:
    left = weight.copy()
    chosen: list[int] = []
    cu = c[useful].astype(np.float64)
    while max_modules is None or len(chosen) < max_modules:
        gain = cu @ left
        if gain.max() <= 0:
            break
        # Most uncovered shortfall; then fewer hours; then catalogue order.
        best_gain = gain.max()
        ties = np.nonzero(gain >= best_gain - 1e-12)[0]
        k = int(ties[np.argmin(h[useful[ties]])])
        chosen.append(int(useful[k]))
        left[c[useful[k]]] = 0.0
    return chosen


def _exact(
    c: BoolArray,
    weight: FloatArray,
    h: FloatArray,
    useful: npt.NDArray[np.intp],
    coverable: BoolArray,
    max_modules: int | None,
    time_limit: float,
) -> tuple[list[int], bool]:
    m = useful.size
    cu = c[useful]
    targets = np.nonzero(coverable)[0]
    a = cu[:, targets].T.astype(np.float64)  # competencies x modules
    # Hours only break ties: their total weight stays below one module.
    tie = h[useful] / (h[useful].sum() + 1.0)
    if max_modules is None:
        cost = 1.0 + tie
        constraints = [LinearConstraint(a, lb=np.ones(targets.size), ub=np.inf)]
        integrality = np.ones(m)
        bounds = Bounds(np.zeros(m), np.ones(m))
    else:
        # Variables: x (modules) then y (competency covered); maximise covered weight.
        t = targets.size
        w = weight[targets]
        scale = float(w.min()) / (2.0 * (m + 1)) if t else 0.0
        cost = np.concatenate([tie * scale, -w])
        link = np.hstack([-a, np.eye(t)])  # y_i <= sum of x covering i
        budget = np.concatenate([np.ones(m), np.zeros(t)])[None, :]
        constraints = [
            LinearConstraint(link, lb=-np.inf, ub=np.zeros(t)),
            LinearConstraint(budget, lb=0, ub=max_modules),
        ]
        integrality = np.ones(m + t)
        bounds = Bounds(np.zeros(m + t), np.ones(m + t))
    res = milp(
        cost,
        constraints=constraints,
        integrality=integrality,
        bounds=bounds,
        options={"time_limit": time_limit, "disp": False},
    )
    if res.x is None:
        raise CapacityError(f"the plan could not be solved: {res.message}")
    x = np.round(res.x[:m]).astype(bool)
    chosen = [int(i) for i in useful[x]]
    return chosen, bool(res.status == 0)


def harmonic(n: int) -> float:
    """``H(n) = 1 + 1/2 + ... + 1/n``, the greedy set cover's approximation factor."""
    return math.fsum(1.0 / k for k in range(1, n + 1))
