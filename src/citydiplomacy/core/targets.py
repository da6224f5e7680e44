"""Targets with provenance, and SDSN bounds and thresholds.

A target comes from, in order of precedence:

1. a user override (``targets.overrides`` in the spec), labelled ``user override``;
2. the framework, where a public source sets one (``target_source`` cites it);
3. the cohort, by the SDSN rule: the mean of the ``top_n`` best-performing cities of the year's
   cohort, after censoring values at the ``censor`` percentiles (so a single outlier cannot set
   the bar), labelled ``peer: ...`` with the cohort size and year. No peer target is derived
   from fewer than ``min_cohort`` reporting cities, nor for a two-sided measure.

Measures left without a target are not scored by the U4SSC method (as U4SSC does for KPIs with
"No Benchmark Available").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.spec import TargetSpec

TARGET_COLUMNS = ("target", "target_source", "target_kind", "cohort_n")


def peer_targets(
    values: NDArray[np.float64],
    directions: NDArray[np.int64],
    *,
    top_n: int = 5,
    censor: tuple[float, float] = (2.5, 97.5),
    min_cohort: int = 5,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """SDSN-style peer targets for each measure of one year's cohort.

    Parameters
    ----------
    values
        Shape ``(n_units, n_measures)``; NaN = not reported.
    directions
        ``1`` or ``-1`` per measure (``0``: no peer target).
    top_n, censor, min_cohort
        See the module docstring.

    Returns
    -------
    tuple of numpy.ndarray
        ``(targets, cohort_sizes)``; target NaN where none can be derived.
    """
    x = np.asarray(values, dtype=np.float64)
    n = np.sum(~np.isnan(x), axis=0)
    out = np.full(x.shape[1], np.nan)
    # Sorting contiguous rows of the transpose is several times faster than down columns.
    ordered = np.sort(np.ascontiguousarray(x.T), axis=1).T  # ascending, NaN last
    lo = column_percentile(ordered, n, censor[0])
    hi = column_percentile(ordered, n, censor[1])
    censored = np.clip(ordered, lo, hi)
    # The best top_n: the last present values for higher-is-better, the first for lower.
    rows = np.arange(x.shape[0])[:, None]
    k = np.minimum(n, top_n)
    best_high = (rows >= (n - k)[None, :]) & (rows < n[None, :])
    best_low = rows < k[None, :]
    pick = np.where((directions < 0)[None, :], best_low, best_high)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(pick, censored, 0.0).sum(axis=0) / np.maximum(k, 1)
    ok = (n >= min_cohort) & (directions != 0)
    out[ok] = mean[ok]
    return out, n.astype(np.int64)


def column_percentile(
    ordered: NDArray[np.float64], n: NDArray[np.int64], q: float
) -> NDArray[np.float64]:
    """The ``q``-th percentile of every column (linear interpolation, as numpy's default).

    Parameters
    ----------
    ordered
        Columns sorted ascending with NaN last (``np.sort(x, axis=0)``).
    n
        Number of non-NaN values per column; NaN where a column has none.
    q
        Percentile in [0, 100].
    """
    pos = (np.maximum(n, 1) - 1) * q / 100.0
    below = np.floor(pos).astype(np.int64)
    above = np.minimum(below + 1, np.maximum(n - 1, 0))
    cols = np.arange(ordered.shape[1])
    a = ordered[below, cols]
    b = ordered[above, cols]
    value = a + (b - a) * (pos - below)
    return np.where(n > 0, value, np.nan)


def resolve_targets(framework: Framework, panel: Panel, spec: TargetSpec) -> pd.DataFrame:
    """The target of every measure and KPI, with where it came from.

    Returns
    -------
    pandas.DataFrame
        Indexed by measure code: :data:`TARGET_COLUMNS`. ``target_kind`` is ``user``,
        ``reference``, ``peer`` or ``none``.
    """
    measures = list(framework.measures)
    year = spec.year if spec.year is not None else panel.years[-1]
    cohort = panel.values[panel.year_index(year)]
    directions = framework.column("direction").astype(np.int64)
    refs = framework.column("target").astype(np.float64)
    ref_sources = framework.column("target_source")
    weights = framework.column("weight").astype(np.float64)
    parents = framework.column("parent")
    levels = framework.column("level")
    # Peer targets only where nothing else sets one (the sort is the costly part).
    needed = ~np.isfinite(refs) & (weights > 0) & (directions != 0)
    sizes = np.sum(~np.isnan(cohort), axis=0).astype(np.int64)
    peer = np.full(len(measures), np.nan)
    if needed.any():
        peer[needed] = peer_targets(
            cohort[:, needed],
            directions[needed],
            top_n=spec.top_n,
            censor=spec.censor,
            min_cohort=spec.min_cohort,
        )[0]
    rows: list[tuple[float, str, str, int]] = []
    for j, code in enumerate(measures):
        kpi = str(parents[j]) if levels[j] == 0 else code
        user = spec.overrides.get(code, spec.overrides.get(kpi) if kpi != code else None)
        ref = float(refs[j])
        if user is not None:
            rows.append((float(user), "user override", "user", int(sizes[j])))
        elif np.isfinite(ref):
            rows.append((ref, str(ref_sources[j]), "reference", int(sizes[j])))
        elif weights[j] == 0:
            rows.append((np.nan, "informational data point, not scored", "none", int(sizes[j])))
        elif np.isfinite(peer[j]):
            source = (
                f"peer: mean of the top {min(spec.top_n, int(sizes[j]))} of {int(sizes[j])} "
                f"cities in {year}, values censored at the {spec.censor[0]:g}th/"
                f"{spec.censor[1]:g}th percentiles (SDSN rule)"
            )
            rows.append((float(peer[j]), source, "peer", int(sizes[j])))
        else:
            why = (
                "two-sided KPI without a target"
                if directions[j] == 0
                else f"no benchmark: {int(sizes[j])} reporting cities in {year}, "
                f"fewer than {spec.min_cohort} needed for a peer target"
            )
            rows.append((np.nan, why, "none", int(sizes[j])))
    return pd.DataFrame(rows, index=pd.Index(measures, name="code"), columns=list(TARGET_COLUMNS))


def sdsn_bounds(
    framework: Framework, panel: Panel, targets: pd.DataFrame, year: int | None = None
) -> pd.DataFrame:
    """Lower bound, optimum and traffic-light thresholds of every measure (SDSN rules).

    The optimum (score 100) is the framework's ``optimum``, else the measure's target. The
    lower bound (score 0) is the framework's ``lower_bound``, else the 2.5th percentile (worst
    side) of the cohort. Thresholds not in the framework follow the SDSN US-cities rule: the
    cohort mean separates yellow from orange, one standard deviation either side sets the
    green and red thresholds, kept between the bounds.

    Returns
    -------
    pandas.DataFrame
        Indexed by measure: ``lower_bound, optimum, green_threshold, red_threshold,
        bounds_source``.
    """
    y = year if year is not None else panel.years[-1]
    x = panel.values[panel.year_index(y)]
    directions = framework.column("direction").astype(np.int64)
    sign = np.where(directions < 0, -1.0, 1.0)
    n = np.sum(~np.isnan(x), axis=0)
    ordered = np.sort(np.ascontiguousarray(x.T), axis=1).T
    worst = np.where(
        sign > 0, column_percentile(ordered, n, 2.5), column_percentile(ordered, n, 97.5)
    )
    with np.errstate(all="ignore"):
        mean = np.nansum(x, axis=0) / n
        sd = np.sqrt(np.nansum((x - mean) ** 2, axis=0) / (n - 1))
    rows = []
    for j, code in enumerate(framework.measures):
        notes: list[str] = []
        optimum = framework.num(code, "optimum")
        if not np.isfinite(optimum):
            optimum = float(targets["target"].to_numpy(dtype=np.float64)[j])
            if np.isfinite(optimum):
                notes.append("optimum = target")
        lower = framework.num(code, "lower_bound")
        if not np.isfinite(lower) and np.isfinite(worst[j]):
            lower = float(worst[j])
            notes.append(f"lower bound = cohort {'2.5th' if sign[j] > 0 else '97.5th'} percentile")
            if directions[j] != 0 and np.isfinite(optimum) and sign[j] * (optimum - lower) <= 0:
                # Nearly every city is past the optimum: the bound must stay on the worse
                # side, so take the worst city, or, if all are past it, one unit below.
                extreme = float(np.nanmin(x[:, j]) if sign[j] > 0 else np.nanmax(x[:, j]))
                if sign[j] * (optimum - extreme) > 0:
                    lower = extreme
                    notes[-1] = "lower bound = worst city (the percentile passed the optimum)"
                else:
                    lower = optimum - sign[j] * max(abs(optimum), 1.0)
                    notes[-1] = "every city is at or past the optimum (all score 100)"
        green = framework.num(code, "green_threshold")
        red = framework.num(code, "red_threshold")
        if (not np.isfinite(green) or not np.isfinite(red)) and np.isfinite(sd[j]):
            g = mean[j] + sign[j] * sd[j]
            r = mean[j] - sign[j] * sd[j]
            lo_b, hi_b = (
                sorted((lower, optimum)) if np.isfinite(lower + optimum) else (-np.inf, np.inf)
            )
            if not np.isfinite(green):
                green = float(np.clip(g, lo_b, hi_b))
            if not np.isfinite(red):
                red = float(np.clip(r, lo_b, hi_b))
            notes.append("thresholds = cohort mean +/- 1 SD (SDSN US-cities rule)")
        rows.append((lower, optimum, green, red, "; ".join(notes) or "framework"))
    return pd.DataFrame(
        rows,
        index=pd.Index(framework.measures, name="code"),
        columns=["lower_bound", "optimum", "green_threshold", "red_threshold", "bounds_source"],
    )
