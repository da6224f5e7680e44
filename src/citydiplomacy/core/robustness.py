"""How robust a city's rank is: one computation for the dashboard, the ranking and the report.

The web platform's score snapshot (dashboard, ranking, profile API) and the report's cohort
(``citydiplomacy profile``, the PDF) both show each city's 5-95 % rank interval on the
composite index. Both call :func:`rank_intervals` with the same :class:`RobustnessSettings`
(spec, replications, factors, seed), so the same data give the same intervals wherever they
are shown.

The rule: a year's intervals are computed from that year's data alone, among the cities with
at least one value that year (a city without data that year has no rank to be uncertain
about); fewer than three such cities give no intervals. The trend rule of the profiles
(:func:`trend_codes`) lives here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.sensitivity import sensitivity
from citydiplomacy.core.spec import Spec
from citydiplomacy.errors import CityDiplomacyError

#: The ranking's recipe: the composite index with the defaults of :class:`Spec`.
RANKING_SPEC = Spec(method="composite")
#: Replications of the uncertainty analysis.
ROBUSTNESS_RUNS = 256
#: The assumptions varied: weights, normalisation and aggregation.
ROBUSTNESS_FACTORS = ("weights", "normalise", "aggregate")
#: Seed of the design and the noisy weights: the same data give the same intervals.
ROBUSTNESS_SEED = 0
ROBUSTNESS_METHOD = "composite index, Saltelli design (SALib), 5-95 % interval"
#: At least this many cities with data in a year for a rank interval to mean anything.
MIN_CITIES = 3

#: A change of the score under one point counts as stable.
TREND_STEP = 1.0


@dataclass(frozen=True)
class RankInterval:
    """A city's rank on the composite index in one year, with its 5-95 % interval.

    Attributes
    ----------
    rank
        The nominal rank (the spec as given).
    low, median, high
        5th percentile, median and 95th percentile of the simulated ranks.
    n
        Cities ranked that year.
    """

    rank: float | None
    low: float | None
    median: float | None
    high: float | None
    n: int


@dataclass(frozen=True)
class RobustnessSettings:
    """Spec, replications, factors and seed of the rank intervals."""

    runs: int = ROBUSTNESS_RUNS
    factors: tuple[str, ...] = ROBUSTNESS_FACTORS
    seed: int = ROBUSTNESS_SEED
    spec: Spec = field(default=RANKING_SPEC)

    def describe(self) -> dict[str, Any]:
        """The settings as plain data, for a methodology note or a stored snapshot."""
        return {"runs": self.runs, "factors": list(self.factors), "method": ROBUSTNESS_METHOD}


@dataclass(frozen=True)
class YearRobustness:
    """The rank intervals of one year (by unit key) and the Sobol' indices of its analysis."""

    year: int
    intervals: dict[str, RankInterval]
    indices: list[dict[str, Any]]


def _one_year(panel: Panel, year: int) -> Panel | None:
    """``year``'s data of the cities with at least one value that year (``None`` if fewer
    than :data:`MIN_CITIES`)."""
    t = panel.year_index(year)
    present = ~np.all(np.isnan(panel.values[t]), axis=1)
    if int(present.sum()) < MIN_CITIES:
        return None
    return Panel(
        panel.units[present].reset_index(drop=True),
        (year,),
        panel.measures,
        panel.values[t : t + 1, present],
    )


def _number(x: Any) -> float | None:
    value = float(x)
    return None if np.isnan(value) else value


def year_rank_intervals(
    panel: Panel,
    framework: Framework,
    year: int,
    settings: RobustnessSettings | None = None,
) -> YearRobustness | None:
    """Each city's rank interval on the composite index in ``year``.

    Parameters
    ----------
    panel
        The cohort; only ``year``'s values of the cities with data that year are used.
    framework
        The indicator tree.
    year
        The year analysed.
    settings
        Spec, replications, factors and seed (default: :class:`RobustnessSettings`).

    Returns
    -------
    YearRobustness or None
        ``None`` when the year has too few cities, or the analysis cannot be made.
    """
    settings = settings or RobustnessSettings()
    sub = _one_year(panel, year)
    if sub is None:
        return None
    try:
        res = sensitivity(
            sub,
            framework,
            settings.spec,
            runs=settings.runs,
            factors=settings.factors,
            year=year,
            seed=settings.seed,
        )
    except CityDiplomacyError:  # e.g. nothing to vary for this framework
        return None
    n = len(res.ranks)
    intervals = {
        str(rec["unit"]): RankInterval(
            _number(rec["nominal_rank"]),
            _number(rec["p05_rank"]),
            _number(rec["median_rank"]),
            _number(rec["p95_rank"]),
            n,
        )
        for rec in res.ranks.to_dict("records")
    }
    indices = [
        {"factor": str(r["factor"]), "S1": float(r["S1"]), "ST": float(r["ST"])}
        for r in res.indices.to_dict("records")
    ]
    return YearRobustness(year, intervals, indices)


def rank_intervals(
    panel: Panel,
    framework: Framework,
    years: Iterable[int],
    settings: RobustnessSettings | None = None,
) -> dict[int, YearRobustness]:
    """:func:`year_rank_intervals` of each of ``years`` that has enough cities with data."""
    out: dict[int, YearRobustness] = {}
    for year in years:
        found = year_rank_intervals(panel, framework, int(year), settings)
        if found is not None:
            out[int(year)] = found
    return out


def trend_codes(change: NDArray[np.float64]) -> NDArray[np.object_]:
    """``up``, ``down``, ``flat`` or ``''`` per element from the change of the score since the
    previous reported year (a change under :data:`TREND_STEP` is flat; NaN is ``''``)."""
    out = np.full(change.shape, "", dtype=object)
    with np.errstate(invalid="ignore"):
        out[change >= TREND_STEP] = "up"
        out[change <= -TREND_STEP] = "down"
        out[np.abs(change) < TREND_STEP] = "flat"
    return out


__all__ = [
    "RANKING_SPEC",
    "ROBUSTNESS_FACTORS",
    "ROBUSTNESS_METHOD",
    "ROBUSTNESS_RUNS",
    "ROBUSTNESS_SEED",
    "TREND_STEP",
    "RankInterval",
    "RobustnessSettings",
    "YearRobustness",
    "rank_intervals",
    "trend_codes",
    "year_rank_intervals",
]
