"""Progress of a city's commitment against its KPI data: the linear-path rule.

A commitment moves a KPI from a *baseline* ``(y0, v0)`` to a *target* ``(y1, v1)``. The rule
(documented in ``docs/engagement.md``) is:

1. The expected value in year ``t`` lies on the straight line between baseline and target::

       expected(t) = v0 + (v1 - v0) * (t - y0) / (y1 - y0)

   clipped to the path (before ``y0`` it is ``v0``; after ``y1`` it stays ``v1``).
2. The value assessed is the *latest* reported value of a year after the baseline year
   (values of the baseline year or earlier say nothing about progress since the pledge).
3. With no such value, the status is **insufficient data**.
4. Otherwise the commitment is **on track** when the value is at least as far along the path
   as expected: the fraction of the way covered, ``(v - v0) / (v1 - v0)``, is at least the
   expected fraction ``(t - y0) / (y1 - y0)`` (capped at 1). The direction is the path's own:
   a target above the baseline is progress upwards, below it downwards, so a lower-is-better
   KPI with a lower target is handled by the same formula. Else it is **off track**.
5. A *hold* commitment (``v1 == v0``) has no path; the KPI's direction decides: on track when
   the value is at least the target (higher is better), at most (lower is better), or within
   a relative tolerance of it (two-sided KPIs).

Everything here is pure: no Django, no files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

#: Relative tolerance for comparisons of fractions and values (floating-point noise only).
TOLERANCE = 1e-9


class Status(StrEnum):
    """The outcome of :func:`assess`."""

    ON_TRACK = "on_track"
    OFF_TRACK = "off_track"
    INSUFFICIENT_DATA = "insufficient_data"

    @property
    def label(self) -> str:
        """The status in words, in English (the CLI, the API, logs). The web pages translate
        it in their own layer (``web/engagement/progress.py``): this module has no Django."""
        return _LABELS[self]


_LABELS = {
    Status.ON_TRACK: "On track",
    Status.OFF_TRACK: "Off track",
    Status.INSUFFICIENT_DATA: "Insufficient data",
}


@dataclass(frozen=True)
class Path:
    """A commitment's straight path from baseline to target.

    Attributes
    ----------
    baseline_year, baseline_value
        Where the commitment starts.
    target_year, target_value
        Where it must arrive; ``target_year`` is after ``baseline_year``.
    direction
        The KPI's direction: 1 higher is better, -1 lower is better, 0 two-sided. Used only
        for a hold commitment (target equal to baseline).
    """

    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float
    direction: int = 1

    def __post_init__(self) -> None:
        if self.target_year <= self.baseline_year:
            raise ValueError(
                f"target year {self.target_year} must be after baseline year {self.baseline_year}"
            )
        for name in ("baseline_value", "target_value"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number")
        if self.direction not in (-1, 0, 1):
            raise ValueError(f"direction must be -1, 0 or 1, not {self.direction}")

    def expected_fraction(self, year: int) -> float:
        """Share of the way expected to be covered by ``year``, in [0, 1]."""
        raw = (year - self.baseline_year) / (self.target_year - self.baseline_year)
        return min(max(raw, 0.0), 1.0)

    def expected_value(self, year: int) -> float:
        """The value on the path in ``year`` (the baseline before it, the target after)."""
        fraction = self.expected_fraction(year)
        if fraction >= 1.0:
            return self.target_value  # exactly, not through rounding
        return self.baseline_value + (self.target_value - self.baseline_value) * fraction

    def covered_fraction(self, value: float) -> float | None:
        """Share of the way that ``value`` covers (may be negative or above 1); ``None`` for a
        hold commitment, which has no way to cover."""
        change = self.target_value - self.baseline_value
        if change == 0:
            return None
        return (value - self.baseline_value) / change


@dataclass(frozen=True)
class Progress:
    """The assessment of a commitment.

    Attributes
    ----------
    status
        On track, off track or insufficient data.
    year, value
        The observation assessed (``None`` with insufficient data).
    expected
        The value expected on the path in ``year``.
    expected_fraction, covered_fraction
        Shares of the way expected and covered (``covered_fraction`` is ``None`` for a hold
        commitment or with insufficient data).
    reason
        One sentence explaining the status, in English (the web layer writes it again in the
        page's language from the other fields and ``path``).
    path
        The path assessed (its baseline year, target and direction explain the status).
    """

    status: Status
    year: int | None
    value: float | None
    expected: float | None
    expected_fraction: float | None
    covered_fraction: float | None
    reason: str
    path: Path | None = None


def _finite_after(observations: Iterable[tuple[int, float]], year: int) -> list[tuple[int, float]]:
    return sorted(
        (int(y), float(v)) for y, v in observations if int(y) > year and math.isfinite(float(v))
    )


def assess(path: Path, observations: Mapping[int, float] | Iterable[tuple[int, float]]) -> Progress:
    """Assess a commitment on its KPI's observations by the linear-path rule.

    Parameters
    ----------
    path
        Baseline, target and KPI direction.
    observations
        Reported values by year (a mapping or ``(year, value)`` pairs); values of the
        baseline year or before, and NaN or infinite values, are ignored.

    Returns
    -------
    Progress
        The status with the numbers behind it.
    """
    pairs = observations.items() if isinstance(observations, Mapping) else observations
    after = _finite_after(pairs, path.baseline_year)
    if not after:
        return Progress(
            Status.INSUFFICIENT_DATA,
            None,
            None,
            None,
            None,
            None,
            f"no value reported for a year after the baseline year {path.baseline_year}",
            path,
        )
    year, value = after[-1]
    expected = path.expected_value(year)
    expected_fraction = path.expected_fraction(year)
    covered = path.covered_fraction(value)
    if covered is None:
        on_track = _hold_met(value, path.target_value, path.direction)
        rule = {1: "at least", -1: "at most", 0: "equal to"}[path.direction]
        reason = (
            f"{year} value {value:g} is {'' if on_track else 'not '}{rule} the held value "
            f"{path.target_value:g}"
        )
    else:
        on_track = covered >= expected_fraction - TOLERANCE
        reason = (
            f"{year} value {value:g} covers {covered:.0%} of the way from baseline to target; "
            f"{expected_fraction:.0%} was expected by {year} (expected value {expected:g})"
        )
    return Progress(
        Status.ON_TRACK if on_track else Status.OFF_TRACK,
        year,
        value,
        expected,
        expected_fraction,
        covered,
        reason,
        path,
    )


def _hold_met(value: float, target: float, direction: int) -> bool:
    slack = TOLERANCE * max(1.0, abs(target))
    if direction == 1:
        return value >= target - slack
    if direction == -1:
        return value <= target + slack
    return abs(value - target) <= slack


def path_direction_conflicts(path: Path) -> bool:
    """Does the path move against the KPI's direction (e.g. a higher target for a
    lower-is-better KPI)? Such a commitment is refused when it is recorded."""
    change = path.target_value - path.baseline_value
    return (path.direction == 1 and change < 0) or (path.direction == -1 and change > 0)
