"""The U4SSC method: every measure's performance against its target in four bands (1-4
points), aggregates as the sum of the points of the measures beneath them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from citydiplomacy.core import bands
from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.result import ScoreResult, Tree
from citydiplomacy.core.spec import Spec


def score_u4ssc(
    panel: Panel, fw: Framework, spec: Spec, tree: Tree, targets: pd.DataFrame
) -> ScoreResult:
    """Points (1-4 per measure against its target), scores in percent of the maximum points
    and bands of every node; a year at a time, aggregates over the whole panel at once."""
    x = panel.values
    t = targets["target"].to_numpy(dtype=np.float64)
    d = fw.column("direction").astype(np.int64)
    yesno = fw.column("value_type") == "yesno"
    scored = fw.column("weight").astype(np.float64) > 0
    target_scored = np.where(scored, t, np.nan)
    n = tree.n_measures
    shape = (*x.shape[:2], len(tree.codes))
    perf = np.empty(x.shape[1:])  # one year's performance, reused from year to year
    scores = np.empty(shape)
    pts = np.empty(shape)
    mx = np.empty(shape)
    band_codes = np.empty(shape, dtype=np.int8)
    # A year at a time (years are scored independently): the temporaries are a year's size
    # and reused from one year to the next, where whole-panel ones would each be fresh memory
    # (about 0.4 GB in all for 10,000 cities x 10 years), slow to fault in.
    leaf_points = pts[..., :n]  # the measures' points, computed where they are kept
    for year in range(x.shape[0]):
        bands.performance(x[year], target_scored, d, yesno, out=perf)
        bands.points(perf, out=leaf_points[year])
        # a measure's score: its performance as a percentage of target, capped at 100
        np.minimum(perf, 1.0, out=scores[year, :, :n])
        scores[year, :, :n] *= 100.0
    # The sums over each aggregate's measures for the whole panel at once: a matrix product
    # per year would leave the BLAS threads spinning between calls, costing CPU time.
    agg_points, agg_max, agg_pct = bands.aggregate_points(leaf_points, tree.membership)
    no_agg = agg_max == 0
    agg_points[no_agg] = np.nan
    agg_max[no_agg] = np.nan
    for year in range(x.shape[0]):
        scores[year, :, n:] = agg_pct[year]
        pts[year, :, n:] = agg_points[year]
        # 4 where scored, NaN where not: 0 * points + 4 (points are finite or NaN)
        np.multiply(leaf_points[year], 0.0, out=mx[year, :, :n])
        mx[year, :, :n] += 4.0
        mx[year, :, n:] = agg_max[year]
        # fmax ignores NaN: points where scored, band code 0 where not
        band_codes[year, :, :n] = np.fmax(leaf_points[year], 0.0)
        band_codes[year, :, n:] = np.fmax(bands.band_of_percent(agg_pct[year]), 0.0)
    labels = ("", *(bands.BAND_LABELS[i] for i in range(1, 5)))
    return ScoreResult(
        fw, panel, spec, tree, targets, scores, pts, mx,
        band_codes, labels,
    )  # fmt: skip
