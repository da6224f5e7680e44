"""Outlier treatment, as COINr's ``Treat`` with its default specification.

A measure fails the outlier test when its absolute skewness and its kurtosis are both at or
above their thresholds (COINr ``check_SkewKurt`` passes if ``abs(skew) < skew_thresh`` OR
``kurt < kurt_thresh``). A failing measure is Winsorised point by point (COINr ``winsorise``);
if that does not make it pass within ``winmax`` points, the original measure is
log-transformed instead (COINr ``log_CT``, applied to the untreated data because
``combine_treat = FALSE``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.errors import DataError, SpecError

TREAT_METHODS: tuple[str, ...] = ("none", "winsorise_log")

REPORT_COLUMNS: tuple[str, ...] = (
    "column",
    "skew_before",
    "kurtosis_before",
    "winsorised",
    "log",
    "skew_after",
    "kurtosis_after",
    "treated",
)


def skew_kurt(x: NDArray[Any]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Bias-corrected sample skewness and excess kurtosis per column, NaN skipped.

    With ``n`` observed values, ``m_r = mean((x - mean(x))**r)``, ``g1 = m3 / m2**1.5`` and
    ``g2 = m4 / m2**2``:

    * skewness ``G1 = g1 * sqrt(n * (n - 1)) / (n - 2)`` (needs ``n >= 3``),
    * kurtosis ``G2 = ((n + 1) * (g2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))``
      (needs ``n >= 4``),

    COINr's ``skew`` and ``kurt`` (e1071 type 2, Excel's SKEW and KURT), equal to
    ``scipy.stats.skew`` / ``kurtosis`` with ``bias=False, nan_policy="omit"``. Too few values
    give NaN (scipy returns the biased value there), as does a constant column (scipy's test:
    ``m2 <= (eps * mean)**2``).

    Parameters
    ----------
    x
        Array whose axis 0 holds the observations, e.g. ``(n_units, n_measures)``.

    Returns
    -------
    tuple of numpy.ndarray
        Skewness and kurtosis, each of shape ``x.shape[1:]``.
    """
    arr = np.asarray(x, dtype=np.float64)
    present = ~np.isnan(arr)
    n = present.sum(axis=0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.sum(arr, axis=0, where=present) / n
        dev = np.where(present, arr - mean, 0.0)
        dev2 = dev * dev
        m2 = dev2.sum(axis=0) / n
        m3 = (dev2 * dev).sum(axis=0) / n
        m4 = (dev2 * dev2).sum(axis=0) / n
        const = m2 <= (np.finfo(np.float64).resolution * mean) ** 2
        g1 = m3 / m2**1.5
        g2 = m4 / m2**2
        skew = g1 * np.sqrt(n * (n - 1)) / (n - 2)
        kurt = ((n + 1) * (g2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    skew = np.where((n >= 3) & ~const, skew, np.nan)
    kurt = np.where((n >= 4) & ~const, kurt, np.nan)
    return skew, kurt


def treat(
    x: NDArray[np.float64],
    method: str = "winsorise_log",
    *,
    skew_threshold: float = 2.0,
    kurtosis_threshold: float = 3.5,
    winmax: int = 5,
) -> tuple[NDArray[np.float64], pd.DataFrame]:
    """Treat outliers column by column.

    For each column (measure), with skewness and kurtosis from :func:`skew_kurt`:

    1. Test: the column fails if ``abs(skew) >= skew_threshold`` and
       ``kurtosis >= kurtosis_threshold``. A column whose statistics are NaN (fewer than 4
       values, constant) is left untreated, as COINr leaves it; so is a column that
       Winsorisation makes constant (COINr stops on the NA test result and returns the
       column untreated).
    2. Winsorisation (COINr ``winsorise``): while the column fails and fewer than ``winmax``
       points have been Winsorised, take the side given by the current skewness (high if
       ``skew >= 0``, else low) and replace every value equal to the extreme by the next
       value inward (the largest, resp. smallest, other value). Tied extremes move together,
       so the count may overshoot ``winmax`` by the size of a tie. The count is COINr's: the
       number of points at the current high extreme (all of which have been moved) plus
       those at the low one.
    3. If the column still fails, the original column is log-transformed (COINr ``log_CT``):
       ``log(x - min(x) + 0.01 * (max(x) - min(x)))``, whatever the test says afterwards.

    Parameters
    ----------
    x
        Shape ``(n_units, n_measures)``; NaN = missing, ignored and kept.
    method
        ``"winsorise_log"`` (the above) or ``"none"``.
    skew_threshold, kurtosis_threshold
        Test thresholds (COINr defaults 2 and 3.5).
    winmax
        Maximum number of Winsorised points per column (COINr default 5); 0 goes straight to
        the log transform.

    Returns
    -------
    tuple
        The treated copy of ``x``, and a report with one row per column: ``column`` (index),
        ``skew_before``, ``kurtosis_before``, ``winsorised`` (points Winsorised in the
        returned data, so 0 when the log transform replaced the Winsorised column), ``log``,
        ``skew_after``, ``kurtosis_after`` and ``treated``.

    Raises
    ------
    SpecError
        Unknown method or bad thresholds / ``winmax``.
    DataError
        ``x`` is not 2-D.
    """
    if method not in TREAT_METHODS:
        raise SpecError(f"unknown treatment method {method!r}; allowed: {', '.join(TREAT_METHODS)}")
    for name, value in (
        ("skew_threshold", skew_threshold),
        ("kurtosis_threshold", kurtosis_threshold),
    ):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | np.number)
            or not np.isfinite(value)
        ):
            raise SpecError(f"{name} must be a finite number; got {value!r}")
    if isinstance(winmax, bool) or not isinstance(winmax, int | np.integer) or winmax < 0:
        raise SpecError(f"winmax must be a non-negative integer; got {winmax!r}")
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise DataError(f"treat needs a 2-D array (n_units, n_measures); got shape {arr.shape}")

    sk0, kt0 = skew_kurt(arr)
    n_cols = arr.shape[1]
    if method == "none":
        return arr.copy(), _report(
            sk0, kt0, np.zeros(n_cols, int), np.zeros(n_cols, bool), sk0, kt0
        )

    def fails(sk: NDArray[np.float64], kt: NDArray[np.float64]) -> NDArray[np.bool_]:
        # NaN compares False: no statistics, no treatment
        out: NDArray[np.bool_] = (np.abs(sk) >= skew_threshold) & (kt >= kurtosis_threshold)
        return out

    out = arr.copy()
    sk, kt = sk0.copy(), kt0.copy()
    n_hi = np.zeros(n_cols, dtype=np.int64)
    n_lo = np.zeros(n_cols, dtype=np.int64)
    active = fails(sk, kt) & (winmax > 0)
    # each pass moves at least one point of every active column, so at most winmax passes
    while active.any():
        cols = np.flatnonzero(active)
        sub = out[:, cols]
        high = sk[cols] >= 0
        extreme = np.where(high, np.fmax.reduce(sub, axis=0), np.fmin.reduce(sub, axis=0))
        at_ext = sub == extreme
        rest = np.where(at_ext, np.nan, sub)
        inward = np.where(high, np.fmax.reduce(rest, axis=0), np.fmin.reduce(rest, axis=0))
        # nothing inward (cannot happen for a column with a skewness, but stay safe)
        at_ext &= ~np.isnan(inward)
        sub = np.where(at_ext, inward, sub)
        out[:, cols] = sub
        moved = at_ext.sum(axis=0)
        n_hi[cols] = np.where(high, moved, n_hi[cols])
        n_lo[cols] = np.where(high, n_lo[cols], moved)
        sk[cols], kt[cols] = skew_kurt(sub)
        still = fails(sk[cols], kt[cols]) & (moved > 0)
        active[cols] = still & (n_hi[cols] + n_lo[cols] < winmax)

    n_win = n_hi + n_lo
    # Winsorising made the column constant: COINr's test returns NA there, its loop stops
    # with an error and Treat returns the column untreated; so do we
    broken = fails(sk0, kt0) & (np.isnan(sk) | np.isnan(kt))
    if broken.any():
        out[:, broken] = arr[:, broken]
        n_win[broken] = 0
        sk[broken], kt[broken] = sk0[broken], kt0[broken]
    use_log = fails(sk, kt) & ~broken
    if use_log.any():
        cols = np.flatnonzero(use_log)
        orig = arr[:, cols]
        mn = np.fmin.reduce(orig, axis=0)
        mx = np.fmax.reduce(orig, axis=0)
        out[:, cols] = np.log(orig - mn + 0.01 * (mx - mn))
        n_win[cols] = 0
        sk[cols], kt[cols] = skew_kurt(out[:, cols])
    return out, _report(sk0, kt0, n_win, use_log, sk, kt)


def _report(
    sk0: NDArray[np.float64],
    kt0: NDArray[np.float64],
    n_win: NDArray[Any],
    use_log: NDArray[np.bool_],
    sk: NDArray[np.float64],
    kt: NDArray[np.float64],
) -> pd.DataFrame:
    """One row per column of the treatment report."""
    n_win = np.asarray(n_win, dtype=np.int64)
    return pd.DataFrame(
        {
            "column": np.arange(sk0.shape[0], dtype=np.int64),
            "skew_before": sk0,
            "kurtosis_before": kt0,
            "winsorised": n_win,
            "log": np.asarray(use_log, dtype=bool),
            "skew_after": sk,
            "kurtosis_after": kt,
            "treated": (n_win > 0) | use_log,
        },
        columns=list(REPORT_COLUMNS),
    )


def treat_cube(
    cube: NDArray[np.float64], method: str = "winsorise_log", **params: Any
) -> tuple[NDArray[np.float64], pd.DataFrame]:
    """Apply :func:`treat` to every year of a ``(n_years, n_units, n_measures)`` cube.

    Parameters
    ----------
    cube
        The data cube; each year is treated on its own.
    method
        As for :func:`treat`.
    **params
        ``skew_threshold``, ``kurtosis_threshold``, ``winmax``, passed to :func:`treat`.

    Returns
    -------
    tuple
        The treated cube and the reports of all years stacked, with a leading
        ``year_index`` column (position on axis 0).

    Raises
    ------
    SpecError
        Unknown method or parameter.
    DataError
        ``cube`` is not 3-D.
    """
    allowed = ("skew_threshold", "kurtosis_threshold", "winmax")
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise SpecError(f"unknown treatment parameter(s) {unknown}; allowed: {', '.join(allowed)}")
    arr = np.asarray(cube, dtype=np.float64)
    if arr.ndim != 3:
        raise DataError(
            f"treat_cube needs a cube of shape (n_years, n_units, n_measures); got {arr.shape}"
        )
    out = np.empty_like(arr)
    reports = []
    for i in range(arr.shape[0]):
        out[i], rep = treat(arr[i], method, **params)
        rep.insert(0, "year_index", i)
        reports.append(rep)
    if reports:
        report = pd.concat(reports, ignore_index=True)
    else:
        report = pd.DataFrame(columns=["year_index", *REPORT_COLUMNS])
    return out, report
