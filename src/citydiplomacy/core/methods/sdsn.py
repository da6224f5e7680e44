"""The SDSN method (Sustainable Development Report): bounded scores between a lower bound and
an optimum, traffic-light ratings, aggregates as arithmetic means, and trend arrows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core import sdsn
from citydiplomacy.core.aggregate import aggregate
from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.result import ScoreResult, Tree
from citydiplomacy.core.spec import Spec
from citydiplomacy.core.targets import sdsn_bounds


def score_sdsn(
    panel: Panel, fw: Framework, spec: Spec, tree: Tree, targets: pd.DataFrame
) -> ScoreResult:
    """Bounded scores, traffic-light colours and trend arrows of every node."""
    bounds = sdsn_bounds(fw, panel, targets, spec.targets.year)
    x = panel.values
    lower = bounds["lower_bound"].to_numpy(dtype=np.float64)
    optimum = bounds["optimum"].to_numpy(dtype=np.float64)
    d = fw.column("direction").astype(np.int64)
    leaf = sdsn.bounded_scores(x, lower, optimum, d)
    scores = np.full((*x.shape[:2], len(tree.codes)), np.nan)
    scores[..., : tree.n_measures] = leaf
    rating = np.full_like(scores, np.nan)
    rating[..., : tree.n_measures] = sdsn.dashboard_rating(
        x,
        lower,
        optimum,
        bounds["red_threshold"].to_numpy(dtype=np.float64),
        bounds["green_threshold"].to_numpy(dtype=np.float64),
        d,
    )
    coverage = float(spec.aggregate.get("coverage", 0.0))
    scored = tree.weights > 0
    for j, kids in zip(tree.aggregate_positions, tree.children, strict=True):
        kids = kids[scored[kids]]
        w = tree.weights[kids]
        scores[..., j] = aggregate(scores[..., kids], w, "arithmetic", coverage=coverage)
        rating[..., j] = sdsn.goal_rating(rating[..., kids])
    colour_codes = sdsn.colour_codes(rating)
    # An aggregate with a score but too few rated children is grey (SDR: insufficient data).
    agg = colour_codes[..., tree.n_measures :]
    colour_codes[..., tree.n_measures :] = np.where(
        (agg == sdsn.NO_COLOUR) & ~np.isnan(scores[..., tree.n_measures :]), sdsn.GREY, agg
    )
    trends = sdsn.trend_arrows(scores, panel.years, green_scores(bounds, tree, d))
    empty = np.broadcast_to(np.float64(np.nan), scores.shape)  # no points: a read-only view
    result = ScoreResult(
        fw, panel, spec, tree, targets, scores, empty, empty, colour_codes,
        sdsn.COLOUR_CODE_LABELS,
        trends, details={"bounds": bounds, "rating": rating},
    )  # fmt: skip
    return result


def green_scores(bounds: pd.DataFrame, tree: Tree, d: NDArray[np.int64]) -> NDArray[np.float64]:
    """The green threshold of every node on the 0-100 score scale (aggregates: 100 * 2/3)."""
    g = np.full(len(tree.codes), 200.0 / 3.0)
    g[: tree.n_measures] = sdsn.bounded_scores(
        bounds["green_threshold"].to_numpy(dtype=np.float64)[None, :],
        bounds["lower_bound"].to_numpy(dtype=np.float64),
        bounds["optimum"].to_numpy(dtype=np.float64),
        d,
    )[0]
    return g
