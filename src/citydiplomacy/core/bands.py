"""U4SSC target bands: performance as a share of the target, points 1 to 4, aggregate ratings.

The published rule (U4SSC Factsheet Valencia 2020, p14): each reported KPI or data point is
placed by its performance as a share of its target in one of four bands, worth 1 to 4 points:

====================  ======  ==========================
performance / target  points  label
====================  ======  ==========================
below 33 %            1       Less than 33% of target
33 % to below 66 %    2       33-66% of target
66 % to below 95 %    3       66-95% of target
95 % and above        4       95%+ of target
====================  ======  ==========================

A category, sub-dimension or dimension scores the sum of its KPIs' and data points' points over
the maximum (4 per scored KPI or data point), in percent, shown in the same four bands. KPIs not
reported, or without a target, are left out of both numerator and denominator.

How performance is computed is published only for higher-is-better KPIs; the other rules here
are the project's, documented in ``docs/scoring.md``:

* higher is better: ``value / target``;
* lower is better: ``target / value`` (100 % when the value is at or below the target); with a
  target of 0, 100 % for a value of 0 and 0 % otherwise;
* two-sided (direction 0, e.g. gender pay parity 1.0): ``min(value/target, target/value)``;
* yes/no: ``yes`` is 100 % of a ``yes`` target, ``no`` is 0 %.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: Lower edges of bands 2, 3 and 4, as a share of the target.
BAND_EDGES = (0.33, 0.66, 0.95)
BAND_LABELS = {
    1: "Less than 33% of target",
    2: "33-66% of target",
    3: "66-95% of target",
    4: "95%+ of target",
}
#: Colour of each band (after the Trondheim U4SSC dashboard), always shown beside its label.
BAND_COLOURS = {1: "#dd7947", 2: "#ddac42", 3: "#5ab47d", 4: "#009e69"}


def performance(
    values: NDArray[np.float64],
    targets: NDArray[np.float64],
    directions: NDArray[np.int64],
    yesno: NDArray[np.bool_] | None = None,
    *,
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Performance as a share of the target (1.0 = target met), per the module's rules.

    Parameters
    ----------
    values
        Shape ``(..., n_measures)``; NaN = not reported.
    targets
        Shape ``(n_measures,)``; NaN = no target (result NaN).
    directions
        ``1``, ``-1`` or ``0`` per measure.
    yesno
        True for yes/no measures (values 1 = yes, 0 = no).
    out
        Array of the shape of ``values`` to fill (e.g. a year of a bigger one), instead of a
        new one.

    Returns
    -------
    numpy.ndarray
        Same shape as ``values``; NaN where the value or the target is missing.
    """
    x = np.asarray(values, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    d = np.asarray(directions)
    yn = np.zeros(x.shape[-1], dtype=bool) if yesno is None else np.asarray(yesno, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Higher is better with a positive target, the usual case, is x / t: one pass over
        # every column at once (NaN targets give NaN). The other rules then overwrite their
        # own columns only.
        out = np.divide(x, t, out=out)
        lower = np.flatnonzero((d == -1) & ~yn & (t > 0))
        if len(lower):
            xs, ts = x[..., lower], t[lower]
            met = xs <= ts
            np.divide(ts, xs, out=xs, where=~met)  # t / x (NaN stays NaN), 1 where x <= t
            np.copyto(xs, 1.0, where=met)
            out[..., lower] = xs
        for cols, rule in (
            (np.flatnonzero((d == 1) & ~yn & (t <= 0)), _higher),
            (np.flatnonzero((d == -1) & ~yn & (t <= 0)), _lower),
            (np.flatnonzero((d == 0) & ~yn), _two_sided),
            (np.flatnonzero(yn), _yes_no),
        ):
            if len(cols):
                xs = x[..., cols]
                ts = t[cols]
                out[..., cols] = np.where(np.isnan(xs) | np.isnan(ts), np.nan, rule(xs, ts))
        np.clip(out, 0.0, None, out=out)
    return out


def _higher(x: NDArray[np.float64], t: NDArray[np.float64]) -> NDArray[np.float64]:
    # A target at or below zero is met by any value at or above it.
    return np.where(t > 0, x / t, np.where(x >= t, 1.0, 0.0))


def _lower(x: NDArray[np.float64], t: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.where(x <= t, 1.0, np.where(t > 0, t / x, 0.0))


def _two_sided(x: NDArray[np.float64], t: NDArray[np.float64]) -> NDArray[np.float64]:
    ratio = np.where((x > 0) & (t > 0), np.minimum(x / t, t / x), 0.0)
    return np.where(x == t, 1.0, ratio)


def _yes_no(x: NDArray[np.float64], t: NDArray[np.float64]) -> NDArray[np.float64]:
    # A 'yes' target is met by yes; a 'no' target (0) is met by no.
    return np.where(t > 0, x, 1.0 - x)


def points(
    share: NDArray[np.float64], *, out: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Points 1-4 from performance (a share of the target, or a share of maximum points).

    NaN stays NaN (not scored). ``out`` (same shape, e.g. a slice of a bigger array) is
    filled instead of a new array.
    """
    s = np.asarray(share, dtype=np.float64)
    # A tiny tolerance keeps 0.95 exactly (e.g. 19/20) in the top band despite rounding.
    e1, e2, e3 = (edge - 1e-12 for edge in BAND_EDGES)
    # Sums of 0/1 in place: a few passes, no full-size temporaries.
    pts = np.empty(s.shape) if out is None else out
    np.copyto(pts, s >= e1)
    pts += s >= e2
    pts += s >= e3
    pts += 1.0
    np.copyto(pts, s, where=np.isnan(s))  # NaN stays NaN
    return pts


def aggregate_points(
    leaf_points: NDArray[np.float64], membership: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Points, maximum points and percentage of every aggregate.

    Parameters
    ----------
    leaf_points
        Shape ``(..., n_measures)``: 1-4 per scored measure, NaN if not scored.
    membership
        Shape ``(n_measures, n_aggregates)``: True where a measure lies under an aggregate.

    Returns
    -------
    tuple of numpy.ndarray
        ``(points, max_points, percent)``, each ``(..., n_aggregates)``; ``percent`` is NaN
        where nothing under the aggregate was scored.
    """
    scored = ~np.isnan(leaf_points)
    # Points and counts are small whole numbers: float32 sums are exact and twice as fast.
    m = membership.astype(np.float32)
    leaf32 = np.asarray(leaf_points).astype(np.float32)  # straight to float32: no float64 copy
    np.copyto(leaf32, 0.0, where=~scored)
    total = (leaf32 @ m).astype(np.float64)
    del leaf32
    maximum = 4.0 * (scored.astype(np.float32) @ m).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(maximum > 0, 100.0 * total / maximum, np.nan)
    return total, maximum, pct


def band_of_percent(percent: NDArray[np.float64]) -> NDArray[np.float64]:
    """Band (1-4) of a percentage of target or of maximum points; NaN stays NaN."""
    return points(np.asarray(percent, dtype=np.float64) / 100.0)


def band_label(band: float) -> str:
    """Text of a band, '' when not scored."""
    if band != band:  # NaN
        return ""
    return BAND_LABELS[int(band)]
