"""SDSN-style scoring: bounded 0-100 scores, traffic lights and trend arrows.

After Lafortune et al. (2018), *SDG Index and Dashboards: Detailed Methodological Paper*
(SDSN & Bertelsmann Stiftung), as summarised in ``docs/scoring.md``:

* **Score.** Values are censored at the lower bound (score 0) and the optimum (score 100) and
  rescaled linearly between them; bounds are in the indicator's own units, so a
  lower-is-better indicator simply has ``optimum < lower_bound``.
* **Traffic light of an indicator.** The value is mapped piecewise-linearly to 0-3 (lower bound
  0, red threshold 1, green threshold 2, optimum 3); 2 and above is green, 1.5-2 yellow, 1-1.5
  orange, below 1 red.
* **Traffic light of an aggregate** (the SDR "two worst" rule): the mean rating of its two
  worst children; green only if both are green (else yellow at best), red only if both are
  red (else orange at worst); one child: its colour; fewer than half the children rated: grey.
* **Trend arrow.** The linear annual change of the score over the last ``window`` years is
  compared with the annual change needed to reach the green threshold by 2030: on track
  (at least the needed pace, or green and not falling), moderately improving (at least half
  the pace), stagnating (below half, not falling), decreasing.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

COLOUR_LABELS = ("red", "orange", "yellow", "green")
#: Labels of :func:`colour_codes`: the four colours, then '' (not rated) and grey.
COLOUR_CODE_LABELS = (*COLOUR_LABELS, "", "grey")
NO_COLOUR = 4
GREY = 5
TREND_LABELS = {
    "on_track": "↑ on track",
    "improving": "↗ moderately improving",
    "stagnating": "→ stagnating",
    "decreasing": "↓ decreasing",
}
TARGET_YEAR = 2030


def bounded_scores(
    x: NDArray[np.float64],
    lower: NDArray[np.float64],
    optimum: NDArray[np.float64],
    directions: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Censor to [lower bound, optimum] and rescale to 0-100.

    Parameters
    ----------
    x
        Values, shape ``(..., n_measures)``.
    lower, optimum
        Bounds per measure in the measure's units (score 0 and 100).
    directions
        Per measure; for two-sided measures (0) the score falls with the distance from the
        optimum, reaching 0 at the distance of the lower bound.

    Returns
    -------
    numpy.ndarray
        Scores in [0, 100]; NaN where the value or a bound is missing or the bounds coincide.
    """
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        span = optimum - lower
        linear = (x - lower) / span
        two = 1.0 - np.abs(x - optimum) / np.abs(span)
        s = np.where(directions == 0, two, linear)
        s = np.clip(s, 0.0, 1.0) * 100.0
    bad = np.isnan(x) | ~np.isfinite(span) | (span == 0)
    return np.where(bad, np.nan, s)


def dashboard_rating(
    x: NDArray[np.float64],
    lower: NDArray[np.float64],
    optimum: NDArray[np.float64],
    red: NDArray[np.float64],
    green: NDArray[np.float64],
    directions: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Rating 0-3 of each value (0 lower bound, 1 red threshold, 2 green, 3 optimum)."""
    s = bounded_scores(x, lower, optimum, directions)
    sr = bounded_scores(np.asarray(red)[None, :], lower, optimum, directions)[0]
    sg = bounded_scores(np.asarray(green)[None, :], lower, optimum, directions)[0]
    sr = np.clip(sr, 0.0, 100.0)
    sg = np.clip(np.maximum(sg, sr), 0.0, 100.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        seg1 = np.where(sr > 0, s / sr, 1.0)
        seg2 = 1.0 + np.where(sg > sr, (s - sr) / (sg - sr), 1.0)
        seg3 = 2.0 + np.where(sg < 100, (s - sg) / (100.0 - sg), 1.0)
    r = np.where(s < sr, seg1, np.where(s < sg, seg2, seg3))
    r = np.clip(r, 0.0, 3.0)
    return np.where(np.isnan(s) | np.isnan(sr) | np.isnan(sg), np.nan, r)


def goal_rating(children: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rating of an aggregate from its children's ratings (last axis), by the two-worst rule.

    The both-green and both-red conditions are folded into the number: a mean that would be
    green without both children green is capped just below 2 (yellow), and one that would be
    red without both red is raised to 1 (orange).
    """
    c = np.asarray(children, dtype=np.float64)
    k = c.shape[-1]
    n = np.sum(~np.isnan(c), axis=-1)
    worst = np.sort(np.where(np.isnan(c), np.inf, c), axis=-1)[..., :2]
    if k == 1:
        worst = np.concatenate([worst, worst], axis=-1)
    w1 = worst[..., 0]
    w2 = np.where(np.isfinite(worst[..., 1]), worst[..., 1], w1)
    mean = (w1 + w2) / 2.0
    both_green = (w1 >= 2) & (w2 >= 2)
    both_red = (w1 < 1) & (w2 < 1)
    mean = np.where((mean >= 2) & ~both_green, np.nextafter(2.0, 0.0), mean)
    mean = np.where((mean < 1) & ~both_red, 1.0, mean)
    return np.where((n == 0) | (n < 0.5 * k), np.nan, mean)


def colour_codes(rating: NDArray[np.float64]) -> NDArray[np.int8]:
    """Index into :data:`COLOUR_CODE_LABELS` of each rating (NaN: not rated)."""
    r = np.asarray(rating, dtype=np.float64)
    idx = np.searchsorted(np.asarray([1.0, 1.5, 2.0]), np.nan_to_num(r, nan=-1.0), side="right")
    return np.where(np.isnan(r), NO_COLOUR, idx).astype(np.int8)


def trend_arrows(
    scores: NDArray[np.float64],
    years: tuple[int, ...] | list[int],
    green_scores: NDArray[np.float64],
    *,
    window: int = 5,
) -> NDArray[np.object_]:
    """Trend labels for every year, unit and node.

    Parameters
    ----------
    scores
        Shape ``(n_years, n_units, n_nodes)`` on the 0-100 scale.
    years
        The year of each slice on axis 0.
    green_scores
        Green threshold per node on the 0-100 scale.
    window
        The trend of year ``y`` uses the scores of years ``y - window + 1`` to ``y``.

    Returns
    -------
    numpy.ndarray
        Labels from :data:`TREND_LABELS`; '' where fewer than two years of data exist.
    """
    s = np.asarray(scores, dtype=np.float64)
    yrs = np.asarray(years, dtype=np.float64)
    out = np.full(s.shape, "", dtype=object)
    for t, year in enumerate(yrs):
        sel = (yrs > year - window) & (yrs <= year)  # the last `window` calendar years
        ys = s[sel]
        xs = yrs[sel][:, None, None] * np.ones_like(ys)
        ok = ~np.isnan(ys)
        n = ok.sum(axis=0)
        xm = np.where(ok, xs, 0).sum(axis=0) / np.maximum(n, 1)
        ym = np.where(ok, ys, 0).sum(axis=0) / np.maximum(n, 1)
        dx = np.where(ok, xs - xm, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (dx * np.where(ok, ys - ym, 0.0)).sum(axis=0) / (dx**2).sum(axis=0)
        current = s[t]
        needed = (green_scores - current) / max(TARGET_YEAR - year, 1.0)
        valid = (n >= 2) & ~np.isnan(current) & np.isfinite(slope)
        label = np.where(
            slope < 0,
            TREND_LABELS["decreasing"],
            np.where(
                (current >= green_scores) | (slope >= needed),
                TREND_LABELS["on_track"],
                np.where(
                    slope >= 0.5 * needed, TREND_LABELS["improving"], TREND_LABELS["stagnating"]
                ),
            ),
        )
        out[t] = np.where(valid, label, "")
    return out
