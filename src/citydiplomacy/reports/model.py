"""What a report is made from: a scored cohort, whatever scored it.

:class:`Cohort` holds the arrays of one scoring (years x cities x framework nodes) plus what a
profile shows beside the numbers: targets and their sources, the source and verification status
of each value, rank intervals of the robustness analysis, the cities' contexts (for peers) and
which city-years may be shown. The command line builds it from a :class:`ScoreResult` (the
scoring the ``score`` command runs on a DATA file, :func:`cohort_from_result`); the web platform
builds it from its stored score snapshot (``citydiplomacy.web.reports.services``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.robustness import TREND_STEP, RankInterval, trend_codes
from citydiplomacy.core.score import ScoreResult

# The rank interval and the trend rule are the engine's (one of each for the dashboard and
# the report); re-exported here, where reports have always found them.
__all__ = [
    "TREND_STEP",
    "Cohort",
    "RankInterval",
    "cohort_from_result",
    "optional_int",
    "trend_codes",
]


def optional_int(value: object) -> int | None:
    """A whole number from a cell that may be missing (``None``, NaN or ``pd.NA``), or ``None``.

    GeoNames ids arrive as nullable integers: ``pd.NA`` for a city outside the registry, whose
    truth value raises (``gid == gid`` does not test for it). Text that is not a whole number
    counts as missing too: a report shows no id rather than a wrong one.
    """
    if value is None:
        return None
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return None
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not np.isfinite(number) or number != int(number):
        return None
    return int(number)


@dataclass(eq=False)
class Cohort:
    """A scored cohort, ready for reports.

    Arrays are ``(n_years, n_units, n_nodes)`` with nodes in :attr:`codes` order; NaN where
    a city-year-node has no value or score, or may not be shown.

    Attributes
    ----------
    units
        Indexed by unit key (str): ``city``, ``country`` (ISO alpha-2), ``geonames_id``.
    observations
        One row per reported value that the report may show the provenance of: ``unit``,
        ``year``, ``measure``, ``source``, ``verified`` (bool), ``synthetic`` (bool).
    visible
        ``(n_years, n_units)``: which city-years may be shown (peers, cohort statistics).
    contexts
        Indexed by unit key, the columns of :data:`citydiplomacy.core.context.CONTEXT_COLUMNS`.
    """

    framework: Framework
    units: pd.DataFrame
    years: tuple[int, ...]
    codes: tuple[str, ...]
    values: NDArray[np.float64]
    scores: NDArray[np.float64]
    bands: NDArray[np.int8]
    change: NDArray[np.float64]
    progress: NDArray[np.float64]
    trends: NDArray[np.object_]
    targets: dict[str, tuple[float | None, str]]
    observations: pd.DataFrame
    visible: NDArray[np.bool_]
    contexts: pd.DataFrame
    method: dict[str, Any] = field(default_factory=dict)
    robustness: dict[tuple[str, int], RankInterval] = field(default_factory=dict)
    robustness_method: dict[str, Any] = field(default_factory=dict)
    source_label: str = ""
    _pos: dict[str, int] = field(default_factory=dict, repr=False)
    _unit_pos: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._pos = {c: i for i, c in enumerate(self.codes)}
        self._unit_pos = {str(u): i for i, u in enumerate(self.units.index)}

    def node(self, code: str) -> int:
        """Position of a node in the arrays."""
        return self._pos[code]

    def unit(self, key: str) -> int:
        """Position of a unit in the arrays."""
        return self._unit_pos[str(key)]

    def has(self, code: str) -> bool:
        return code in self._pos

    def year_index(self, year: int) -> int:
        return self.years.index(year)

    def find(self, name: str, country: str | None = None) -> list[str]:
        """Unit keys whose city name (or key, or GeoNames id) matches, case-insensitively."""
        wanted = name.strip().casefold()
        hits = []
        for key, row in self.units.iterrows():
            names = {str(row["city"]).casefold(), str(key).casefold()}
            gid = optional_int(row.get("geonames_id"))
            if gid is not None:
                names.add(str(gid))
            if wanted in names and (
                country is None or str(row["country"]).upper() == country.upper()
            ):
                hits.append(str(key))
        return hits

    def years_of(self, key: str) -> list[int]:
        """Years in which the unit has a visible result."""
        u = self.unit(key)
        present = ~np.all(np.isnan(self.scores[:, u, :]), axis=1) & self.visible[:, u]
        return [y for y, p in zip(self.years, present, strict=True) if p]


def cohort_from_result(
    result: ScoreResult,
    long: pd.DataFrame,
    contexts: pd.DataFrame,
    *,
    robustness: dict[tuple[str, int], RankInterval] | None = None,
    robustness_method: dict[str, Any] | None = None,
    source_label: str = "",
) -> Cohort:
    """A cohort from an engine result and the validated long table it was scored from.

    Parameters
    ----------
    result
        :func:`citydiplomacy.core.score.score` of the panel built from ``long``.
    long
        The validated observations (``read_kpi_data(...).long``): ``unit, year, measure,
        source, verified``.
    contexts
        City contexts by unit key (:func:`citydiplomacy.reports.reference.contexts_from_units`).
    """
    panel = result.panel
    units = panel.units.copy()
    units["unit"] = units["unit"].astype(str)
    units = units.set_index("unit")
    if "geonames_id" not in units.columns:
        units["geonames_id"] = None
    change = result.change
    progress = result.progress
    sources = [str(s) for s in result.targets["target_source"]]
    targets: dict[str, tuple[float | None, str]] = {}
    for i, code in enumerate(result.targets.index):
        t = float(result.targets["target"].iloc[i])
        targets[str(code)] = (None if np.isnan(t) else t, sources[i])
    obs = long[["unit", "year", "measure"]].copy()
    obs["unit"] = obs["unit"].astype(str)
    obs["source"] = long["source"].astype(str) if "source" in long else ""
    verified = long["verified"] if "verified" in long else pd.Series(False, index=long.index)
    obs["verified"] = verified.fillna(False).astype(bool)
    obs["synthetic"] = obs["source"].str.contains("synthetic", case=False, regex=False)
    return Cohort(
        framework=result.framework,
        units=units,
        years=tuple(int(y) for y in panel.years),
        codes=tuple(result.tree.codes),
        values=result.values,
        scores=result.scores,
        bands=result.band_codes.astype(np.int8),
        change=change,
        progress=progress,
        trends=trend_codes(change),
        targets=targets,
        observations=obs,
        visible=np.ones((len(panel.years), len(panel.units)), dtype=bool),
        contexts=contexts,
        method={"method": result.spec.method, "spec": result.spec.to_data()},
        robustness=robustness or {},
        robustness_method=robustness_method or {},
        source_label=source_label,
    )
