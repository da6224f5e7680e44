"""A report cohort from a DATA file's validated observations, scored by the engine.

The command line reads and validates a DATA file as the ``score`` command does, and this
module scores it (U4SSC target bands by default, the method of the web platform's profiles),
adds the robustness analysis of the composite index (as the platform's snapshot does) and the
cities' contexts from GeoNames, M49 and the World Bank groups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.score import score
from citydiplomacy.core.sensitivity import sensitivity
from citydiplomacy.core.spec import Spec
from citydiplomacy.errors import CityDiplomacyError
from citydiplomacy.reports.model import Cohort, RankInterval, cohort_from_result
from citydiplomacy.reports.reference import contexts_from_units

#: Replications of the uncertainty analysis (the platform's default).
ROBUSTNESS_RUNS = 256
ROBUSTNESS_FACTORS = ("weights", "normalise", "aggregate")


def robustness(
    panel: Panel, framework: Framework, years: Iterable[int], runs: int = ROBUSTNESS_RUNS
) -> tuple[dict[tuple[str, int], RankInterval], dict[str, object]]:
    """Rank intervals of every city on the composite index in ``years``, and the method
    (with the Sobol' indices of the last year analysed)."""
    out: dict[tuple[str, int], RankInterval] = {}
    indices: list[dict[str, object]] = []
    for year in years:
        try:
            res = sensitivity(
                panel, framework, Spec(method="composite"), runs=runs,
                factors=ROBUSTNESS_FACTORS, year=year, seed=0,
            )  # fmt: skip
        except CityDiplomacyError:  # e.g. fewer than three cities with data that year
            continue
        n = len(res.ranks)
        for rec in res.ranks.to_dict("records"):
            out[(str(rec["unit"]), int(year))] = RankInterval(
                float(rec["nominal_rank"]), float(rec["p05_rank"]), float(rec["median_rank"]),
                float(rec["p95_rank"]), n,
            )  # fmt: skip
        indices = [
            {"factor": str(r["factor"]), "S1": float(r["S1"]), "ST": float(r["ST"])}
            for r in res.indices.to_dict("records")
        ]
    method = {
        "runs": runs,
        "factors": list(ROBUSTNESS_FACTORS),
        "method": "composite index, Saltelli design (SALib), 5-95 % interval",
        "indices": indices,
    }
    return out, method


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
