"""Imputation of missing values in a years x units x measures cube, as COINr's ``Impute``.

Every method returns a new array and never changes an observed value (COINr checks the same
after the fact; its ``i_mean_grp`` once broke it, issue 40). Values that cannot be imputed
(no observation to take them from) stay NaN.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.errors import DataError, SpecError

IMPUTE_METHODS: tuple[str, ...] = (
    "none",
    "mean",
    "median",
    "group_mean",
    "group_median",
    "panel_last",
    "panel_linear",
)


def impute(
    cube: NDArray[np.float64],
    method: str,
    *,
    groups: NDArray[Any] | None = None,
    years: Sequence[int] | None = None,
) -> NDArray[np.float64]:
    """Fill missing values of a data cube.

    ``none``
        A copy (COINr ``f_i = "none"``).
    ``mean`` / ``median`` (COINr ``i_mean`` / ``i_median`` by column)
        A missing value takes the mean / median of the observed values of the same year and
        measure over all units.
    ``group_mean`` / ``group_median`` (COINr ``i_mean_grp`` / ``i_median_grp``)
        The same, over the units of the unit's group. A unit whose group label is missing
        (``None``/NaN) is left as is (COINr ``skip_f_na = TRUE``); a group with no
        observation for a year and measure leaves NaN.
    ``panel_last`` (COINr ``impute_panel``, ``imp_type = "latest"``, no ``max_time``)
        Last observation carried forward along years, per unit and measure. Missing values
        before the first observation stay NaN.
    ``panel_linear`` (COINr ``impute_panel``, ``imp_type = "linear"``)
        Linear interpolation in time between the nearest observed years before and after:
        ``y = y0 + (y1 - y0) * (t - t0) / (t1 - t0)`` with ``t`` the ``years`` values, so
        uneven gaps are weighted by their length. Before the first and after the last
        observation the nearest observed value is carried (COINr uses ``stats::approx`` with
        ``rule = 2``). A series with a single observation is filled with that value (R's
        ``approx`` stops there); a series with none stays NaN.

    Parameters
    ----------
    cube
        Shape ``(n_years, n_units, n_measures)``, years in ascending order; NaN = missing.
    method
        One of :data:`IMPUTE_METHODS`.
    groups
        One label per unit; required by ``group_mean`` and ``group_median``.
    years
        The years of axis 0, strictly increasing; used as the time axis by ``panel_linear``
        (default ``0, 1, 2, ...``, i.e. evenly spaced) and checked by ``panel_last``.

    Returns
    -------
    numpy.ndarray
        A new ``float64`` array of the same shape.

    Raises
    ------
    SpecError
        Unknown method, missing or malformed ``groups`` or ``years``.
    DataError
        ``cube`` is not 3-D.
    """
    if method not in IMPUTE_METHODS:
        raise SpecError(
            f"unknown imputation method {method!r}; allowed: {', '.join(IMPUTE_METHODS)}"
        )
    arr = np.asarray(cube, dtype=np.float64)
    if arr.ndim != 3:
        raise DataError(
            f"impute needs a cube of shape (n_years, n_units, n_measures); got {arr.shape}"
        )
    missing = np.isnan(arr)
    if method == "none" or not missing.any():
        return arr.copy()
    if method in ("mean", "median"):
        filled = _column_stat(arr, method)
    elif method in ("group_mean", "group_median"):
        filled = _group_stat(arr, method.removeprefix("group_"), groups)
    else:
        t = _years(years, arr.shape[0])
        filled = _panel_last(arr) if method == "panel_last" else _panel_linear(arr, t)
    # the guarantee, whatever the method computed
    out: NDArray[np.float64] = np.where(missing, filled, arr)
    return out


def _column_stat(arr: NDArray[np.float64], stat: str) -> NDArray[np.float64]:
    """Mean or median over units (axis 1), NaN skipped; NaN where nothing is observed."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # an all-missing column legitimately gives NaN; silence numpy's warning about it
        warnings.simplefilter("ignore", RuntimeWarning)
        if stat == "mean":
            present = ~np.isnan(arr)
            res = np.sum(arr, axis=1, keepdims=True, where=present) / present.sum(
                axis=1, keepdims=True
            )
        else:
            res = np.nanmedian(arr, axis=1, keepdims=True)
    out: NDArray[np.float64] = res
    return out


def _group_stat(
    arr: NDArray[np.float64], stat: str, groups: NDArray[Any] | None
) -> NDArray[np.float64]:
    """Per-group mean or median over units; units without a group keep NaN."""
    if groups is None:
        raise SpecError(f"method 'group_{stat}' needs `groups`: one group label per unit")
    labels = np.asarray(groups, dtype=object).reshape(-1)
    if labels.shape[0] != arr.shape[1]:
        raise SpecError(f"groups needs one label per unit ({arr.shape[1]}); got {labels.shape[0]}")
    # factorize maps None/NaN labels to -1: those units are not imputed
    codes, uniques = pd.factorize(labels)
    filled = np.full(arr.shape, np.nan)
    for g in range(len(uniques)):
        sel = codes == g
        filled[:, sel, :] = _column_stat(arr[:, sel, :], stat)
    return filled


def _years(years: Sequence[int] | None, n_years: int) -> NDArray[np.float64]:
    """Validate the time axis."""
    if years is None:
        return np.arange(n_years, dtype=np.float64)
    t = np.asarray(years, dtype=np.float64).reshape(-1)
    if t.shape[0] != n_years:
        raise SpecError(f"years needs one value per cube year ({n_years}); got {t.shape[0]}")
    if not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise SpecError("years must be finite and strictly increasing")
    return t


def _panel_last(arr: NDArray[np.float64]) -> NDArray[np.float64]:
    """Last observation carried forward along axis 0."""
    n_years = arr.shape[0]
    observed = ~np.isnan(arr)
    steps = np.arange(n_years).reshape(n_years, 1, 1)
    # index of the latest observed year so far (0 if none: that value is NaN anyway)
    last = np.where(observed, steps, 0)
    np.maximum.accumulate(last, axis=0, out=last)
    out: NDArray[np.float64] = np.take_along_axis(arr, last, axis=0)
    return out


def _panel_linear(arr: NDArray[np.float64], t: NDArray[np.float64]) -> NDArray[np.float64]:
    """Linear interpolation along axis 0 at times ``t``; flat beyond the observed range."""
    n_years = arr.shape[0]
    observed = ~np.isnan(arr)
    steps = np.arange(n_years).reshape(n_years, 1, 1)
    prev = np.where(observed, steps, -1)
    np.maximum.accumulate(prev, axis=0, out=prev)
    # next observed year: a running minimum from the end
    nxt = np.where(observed, steps, n_years)[::-1]
    nxt = np.minimum.accumulate(nxt, axis=0)[::-1]
    has_prev = prev >= 0
    has_next = nxt < n_years
    i0 = np.where(has_prev, prev, nxt).clip(0, n_years - 1)
    i1 = np.where(has_next, nxt, prev).clip(0, n_years - 1)
    y0 = np.take_along_axis(arr, i0, axis=0)
    y1 = np.take_along_axis(arr, i1, axis=0)
    t0, t1 = t[i0], t[i1]
    tt = t.reshape(n_years, 1, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        interp = y0 + (y1 - y0) * (tt - t0) / (t1 - t0)
    # one side only (or an observed year): the nearest observation itself
    out: NDArray[np.float64] = np.where(i0 == i1, y0, interp)
    return out
