"""A report cohort from a DATA file's validated observations, scored by the engine.

The command line reads and validates a DATA file as the ``score`` command does, and this
module scores it (U4SSC target bands by default, the method of the web platform's profiles),
adds the robustness analysis of the composite index (the engine's
:func:`citydiplomacy.core.robustness.rank_intervals`, which the platform's snapshot calls too,
so a report and the dashboard of the same data show the same intervals) and the cities'
contexts from GeoNames, M49 and the World Bank groups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.robustness import (
    ROBUSTNESS_FACTORS,
    ROBUSTNESS_RUNS,
    RankInterval,
    RobustnessSettings,
    rank_intervals,
)
from citydiplomacy.core.score import score
from citydiplomacy.core.spec import Spec
from citydiplomacy.reports.model import Cohort, cohort_from_result
from citydiplomacy.reports.reference import contexts_from_units

__all__ = ["ROBUSTNESS_FACTORS", "ROBUSTNESS_RUNS", "cohort_from_long", "robustness"]


def robustness(
    panel: Panel, framework: Framework, years: Iterable[int], runs: int = ROBUSTNESS_RUNS
) -> tuple[dict[tuple[str, int], RankInterval], dict[str, object]]:
    """Rank intervals of every city on the composite index in ``years`` (the engine's one
    robustness computation, with ``runs`` replications), and the method (with the Sobol'
    indices of the last year analysed)."""
    settings = RobustnessSettings(runs=runs)
    found = rank_intervals(panel, framework, years, settings)
    out = {
        (unit, year): interval
        for year, analysed in found.items()
        for unit, interval in analysed.intervals.items()
    }
    last = list(found.values())[-1].indices if found else []
    return out, {**settings.describe(), "indices": last}


def cohort_from_long(
    framework: Framework,
    long: pd.DataFrame,
    spec: Spec,
    *,
    years: Iterable[int] | None = None,
    runs: int = ROBUSTNESS_RUNS,
    source_label: str = "",
    progress: Callable[[str], None] | None = None,
) -> Cohort:
    """Score validated observations and wrap them as a report :class:`Cohort`.

    Parameters
    ----------
    framework
        The framework the data were validated against.
    long
        ``read_kpi_data(...).long``.
    spec
        The scoring recipe (``Spec(method="u4ssc")`` for profiles).
    years
        Years that need a robustness analysis (all when ``None``).
    runs
        Replications of the uncertainty analysis (0: none).
    """
    panel = Panel.from_long(long, framework)
    result = score(panel, framework, spec)
    if progress:
        progress("scored")
    intervals: dict[tuple[str, int], RankInterval] = {}
    method: dict[str, object] = {}
    if runs:
        intervals, method = robustness(
            panel, framework, panel.years if years is None else years, runs
        )
        if progress:
            progress("robustness analysed")
    units = panel.units.copy()
    contexts = contexts_from_units(units)
    return cohort_from_result(
        result, long, contexts, robustness=intervals, robustness_method=method,
        source_label=source_label,
    )  # fmt: skip
