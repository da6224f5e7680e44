"""The OECD/JRC composite method: impute, treat, normalise, weight and aggregate.

:func:`composite_leaf_scores` and :func:`child_weights` are also the building blocks of the
uncertainty analysis (:mod:`citydiplomacy.core.sensitivity`), which varies their choices.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.aggregate import aggregate
from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.impute import impute
from citydiplomacy.core.normalise import normalise
from citydiplomacy.core.result import ScoreResult, Tree
from citydiplomacy.core.spec import Spec
from citydiplomacy.core.treat import treat_cube
from citydiplomacy.core.weights import normalise_weights, pca_weights
from citydiplomacy.errors import DataError, SpecError


def prepare_raw(
    x: NDArray[np.float64], directions: NDArray[np.int64], targets: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """Turn two-sided measures into distance from target (higher = better).

    Returns the transformed values, the directions (two-sided become 1) and targets (two-sided
    become 0, the best possible distance).
    """
    two = directions == 0
    if not two.any():
        return x, directions, targets
    x = x.copy()
    x[..., two] = -np.abs(x[..., two] - targets[two])
    return x, np.where(two, 1, directions), np.where(two, 0.0, targets)


def composite_leaf_scores(
    panel: Panel,
    fw: Framework,
    spec: Spec,
    targets: pd.DataFrame,
    *,
    out: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], dict[str, Any]]:
    """Impute, treat and normalise: the normalised measures, shape (years, units, measures).

    ``out``, when given, receives them (a float64 array of that shape, e.g. the measures' part
    of the scores of every node) and is returned; by default they go to a new array.
    """
    directions = fw.column("direction").astype(np.int64)
    t = targets["target"].to_numpy(dtype=np.float64)
    x, directions, t = prepare_raw(panel.values, directions, t)
    details: dict[str, Any] = {}
    groups = None
    by = spec.impute.get("by")
    if spec.impute.method.startswith("group_"):
        by = by or "country"
        if by not in panel.units.columns:
            raise SpecError(
                f"impute: no unit attribute {by!r} to group by; available: "
                + ", ".join(c for c in panel.units.columns if c != "unit")
            )
        groups = panel.units[by].astype(str).to_numpy(dtype=object)
    if spec.impute.method != "none":
        # "none" would only copy the panel (a fresh, full-size array): x is only read below
        x = impute(x, spec.impute.method, groups=groups, years=list(panel.years))
    if spec.treat.method != "none":
        x, report = treat_cube(x, spec.treat.method, **dict(spec.treat.params))
        details["treatment"] = report
    norm = spec.normalise
    params: dict[str, Any] = {"direction": directions}
    if "range" in norm.params:
        params["range"] = tuple(norm.params["range"])
    if norm.method == "zscore" and "mean_sd" in norm.params:
        params["mean_sd"] = tuple(norm.params["mean_sd"])
    usable = np.ones(len(fw.measures), dtype=bool)
    if norm.method == "dist2target":
        usable = np.isfinite(t)
        params["targets"] = t
        params["cap_max"] = bool(norm.get("cap_max", True))
    if norm.method == "goalposts":
        lower = fw.column("lower_bound").astype(np.float64)
        upper = fw.column("optimum").astype(np.float64)
        upper = np.where(np.isnan(upper), t, upper)
        usable = np.isfinite(lower) & np.isfinite(upper)
        params.update(lower=lower, upper=upper, trunc=bool(norm.get("trunc", True)))
    if not usable.all():
        # Measures without a target (or goalposts) are left out, and the result says which.
        details["not_normalised"] = [m for m, ok in zip(fw.measures, usable, strict=True) if not ok]
        if not usable.any():
            raise SpecError(
                f"normalise: {norm.method} needs targets (or lower_bound and optimum) and no "
                f"measure of framework {fw.name!r} has them"
            )
        for key in ("direction", "targets", "lower", "upper"):
            if key in params:
                params[key] = np.asarray(params[key])[usable]
    z = np.empty(x.shape) if out is None else out
    # Written in place: no copy of the data, no full-size temporary. Not for zscore: its sums
    # over units depend on the memory order, and ``x[..., usable]`` (a copy with the measures
    # outermost) is the order its results have always been computed in.
    if usable.all() and not norm.get("global", False) and norm.method != "zscore":
        normalise(x, norm.method, out=z, **params)
        return z, details
    z[...] = np.nan
    sub = x[..., usable]
    if norm.get("global", False):
        shape = sub.shape
        flat = sub.reshape(1, shape[0] * shape[1], shape[2])
        z[..., usable] = normalise(flat, norm.method, **params).reshape(shape)
    else:
        z[..., usable] = normalise(sub, norm.method, **params)
    return z, details


def child_weights(
    tree: Tree,
    fw: Framework,
    spec: Spec,
    scores: NDArray[np.float64],
    j: int,
    kids: NDArray[np.intp],
) -> NDArray[np.float64]:
    """Weights of an aggregate's children under the spec's weighting (before renormalising)."""
    level = int(tree.levels[j])
    method = spec.weights.get("by_level", {}).get(level, spec.weights.method)
    base = tree.weights[kids]
    if method == "equal":
        w = (base > 0).astype(np.float64)
    elif method == "framework":
        w = base.copy()
    else:  # pca on the latest year's child scores
        latest = scores[-1][:, kids]
        try:
            w = pca_weights(latest) * (base > 0)
        except DataError:
            warnings.warn(
                f"PCA weights for {tree.codes[j]}: too few complete cases, equal weights used",
                stacklevel=2,
            )
            w = (base > 0).astype(np.float64)
    values = spec.weights.get("values", {}) or {}
    for i, k in enumerate(kids):
        if tree.codes[k] in values:
            w[i] = float(values[tree.codes[k]])
    if not (w > 0).any():
        return np.ones_like(w) / len(w)
    return normalise_weights(w)


def score_composite(
    panel: Panel, fw: Framework, spec: Spec, tree: Tree, targets: pd.DataFrame
) -> ScoreResult:
    """Normalised measures aggregated up the tree with the spec's weights and method."""
    scores = np.empty((*panel.values.shape[:2], len(tree.codes)))
    # the measures' scores are written in place, the aggregates' filled below
    _, details = composite_leaf_scores(panel, fw, spec, targets, out=scores[..., : tree.n_measures])
    scores[..., tree.n_measures :] = np.nan
    coverage = float(spec.aggregate.get("coverage", 0.0))
    floor = spec.aggregate.get("floor")
    by_level = spec.aggregate.get("by_level", {}) or {}
    weights_used: dict[str, list[float]] = {}
    for j, kids in zip(tree.aggregate_positions, tree.children, strict=True):
        w = child_weights(tree, fw, spec, scores, j, kids)
        weights_used[tree.codes[j]] = w.tolist()
        method = by_level.get(int(tree.levels[j]), spec.aggregate.method)
        scores[..., j] = aggregate(scores[..., kids], w, method, coverage=coverage, floor=floor)
    details["weights"] = weights_used
    # No points in this method: one read-only NaN repeated (a view, no memory) rather than two
    # NaN-filled arrays of the scores' size, fresh memory slow to fault in.
    empty = np.broadcast_to(np.float64(np.nan), scores.shape)
    return ScoreResult(
        fw, panel, spec, tree, targets, scores, empty, empty,
        np.zeros(scores.shape, dtype=np.int8), ("",), details=details,
    )  # fmt: skip
