"""Aggregation of children (indicators, pillars...) into a parent score, as COINr's ``a_*``.

Every method works on an array of shape ``(..., n_units, n_children)`` and returns
``(..., n_units)``. Weights are relative: missing children are dropped and the remaining
weights renormalised, as COINr's ``a_amean``, ``a_gmean`` and ``a_hmean`` do.
"""

from __future__ import annotations

from math import prod

import numpy as np
from numpy.typing import NDArray

from citydiplomacy.errors import DataError, SpecError

AGGREGATE_METHODS: tuple[str, ...] = ("arithmetic", "geometric", "harmonic", "copeland")

# Elements per temporary array: blocks of the leading axes are processed in turn so that
# Monte-Carlo sized inputs never need several full-size temporaries at once.
_BLOCK = 1 << 22


def aggregate(
    x: NDArray[np.float64],
    weights: NDArray[np.float64],
    method: str = "arithmetic",
    *,
    coverage: float = 0.0,
    floor: float | None = None,
) -> NDArray[np.float64]:
    """Aggregate children into one score per unit.

    For one unit, let ``P`` be its children that are present (not NaN) and have a positive
    weight, ``w`` the weights:

    ``arithmetic`` (COINr ``a_amean``)
        ``sum_P w x / sum_P w``.
    ``geometric`` (COINr ``a_gmean``)
        ``exp(sum_P w log x / sum_P w)``.
    ``harmonic`` (COINr ``a_hmean``)
        ``sum_P w / sum_P (w / x)``.
    ``copeland`` (COINr ``a_copeland``)
        For every pair of units ``(j, k)``, ``W_jk`` is the sum of the weights of children on
        which ``j`` beats ``k`` plus half the weights of children on which they tie (COINr's
        outranking matrix). ``j`` wins the pair if ``W_jk > W_kj``, loses it if
        ``W_jk < W_kj``; the score is wins minus losses over all other units.

    Coverage: a unit's result is NaN when ``|P| / |{children with w > 0}| < coverage`` (COINr's
    ``dat_thresh``, except that children of weight 0 do not count), and whenever ``P`` is
    empty.

    Differences from COINr:

    * ``geometric``/``harmonic`` need positive values. COINr stops on any value ``<= 0``
      (``a_hmean`` only on zeros). Here, with ``floor`` given, every present value below
      ``floor`` is raised to ``floor`` first (whether or not any value is ``<= 0``, so that the
      result does not jump); without ``floor`` a value ``<= 0`` raises :class:`SpecError`.
      Values of children with weight 0 are ignored, also in this check.
    * ``copeland``: COINr fills the lower triangle of the outranking matrix with
      ``1 - W_kj``, which, when a pair has children missing, hands the missing weight to one
      unit depending on row order. Comparing ``W_jk`` with ``W_kj`` over the children both
      units have is the same when nothing is missing and symmetric otherwise. Weight sums
      equal within ``1e-12`` of the total weight count as a tie. Units below ``coverage``
      get NaN and take no part in the comparisons (COINr ignores ``dat_thresh`` here). Cost is
      ``O(n_units**2 * n_children)`` per leading index; memory is bounded by blocks.

    Parameters
    ----------
    x
        Scores of shape ``(..., n_units, n_children)``; NaN = missing.
    weights
        Non-negative weights, shape ``(n_children,)``, or broadcastable to ``x`` with the units
        axis of length 1, e.g. ``(R, 1, n_children)`` for one weight set per replication.
        They need not sum to 1; each set needs a positive weight.
    method
        One of :data:`AGGREGATE_METHODS`.
    coverage
        Minimum fraction (0 to 1) of weighted children that must be present.
    floor
        Positive lower bound applied to values before ``geometric``/``harmonic``; ignored by
        the other methods.

    Returns
    -------
    numpy.ndarray
        ``float64`` array of shape ``x.shape[:-1]``.

    Raises
    ------
    SpecError
        Unknown method, bad weights, coverage or floor, or non-positive values for
        ``geometric``/``harmonic`` without ``floor``.
    DataError
        ``x`` has fewer than two dimensions.
    """
    if method not in AGGREGATE_METHODS:
        raise SpecError(
            f"unknown aggregation method {method!r}; allowed: {', '.join(AGGREGATE_METHODS)}"
        )
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < 2:
        raise DataError(
            f"aggregate needs an array of shape (..., n_units, n_children); got {arr.shape}"
        )
    if not (_is_number(coverage) and 0.0 <= coverage <= 1.0):
        raise SpecError(f"coverage must be a number between 0 and 1; got {coverage!r}")
    if floor is not None and not (_is_number(floor) and 0.0 < floor < np.inf):
        raise SpecError(f"floor must be a positive number or None; got {floor!r}")
    lead = arr.shape[:-2]
    n_units, k = arr.shape[-2], arr.shape[-1]
    w = _weights(weights, arr.shape)
    n_lead = prod(lead)
    x3 = arr.reshape(n_lead, n_units, k)
    # one weight row per leading index, or a single shared row
    w3 = w.reshape(1, 1, k) if w.ndim == 1 else np.broadcast_to(w, (*lead, 1, k)).reshape(-1, 1, k)
    out = np.empty((n_lead, n_units), dtype=np.float64)
    if method == "copeland":
        _copeland(x3, w3, coverage, out)
    else:
        step = max(1, _BLOCK // max(1, n_units * k))
        for i in range(0, n_lead, step):
            wb = w3 if w3.shape[0] == 1 else w3[i : i + step]
            out[i : i + step] = _mean_block(x3[i : i + step], wb, method, coverage, floor)
    return out.reshape(arr.shape[:-1])


def _is_number(value: object) -> bool:
    """A real number, not a bool (which Python counts as an int)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _weights(weights: NDArray[np.float64], x_shape: tuple[int, ...]) -> NDArray[np.float64]:
    """Validate weights against the shape of ``x``."""
    w = np.asarray(weights, dtype=np.float64)
    k = x_shape[-1]
    if w.ndim == 0 or w.shape[-1] != k:
        raise SpecError(f"weights need one value per child ({k}) on their last axis; got {w.shape}")
    if w.ndim > 1:
        if w.shape[-2] != 1:
            raise SpecError(
                f"weights of shape {w.shape}: the units axis (second to last) must have length 1"
            )
        try:
            bshape = np.broadcast_shapes(w.shape, x_shape)
        except ValueError as exc:
            raise SpecError(f"weights of shape {w.shape} do not broadcast to {x_shape}") from exc
        if bshape != x_shape:
            raise SpecError(f"weights of shape {w.shape} do not broadcast to {x_shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise SpecError("weights must be finite and non-negative")
    wmax = w.max(axis=-1, keepdims=True)
    if np.any(wmax <= 0):
        raise SpecError("every weight set needs at least one positive weight")
    # relative weights: a largest weight of 1 keeps tiny or huge scales from under/overflowing
    out: NDArray[np.float64] = w / wmax
    return out


def _mean_block(
    xb: NDArray[np.float64],
    wb: NDArray[np.float64],
    method: str,
    coverage: float,
    floor: float | None,
) -> NDArray[np.float64]:
    """Arithmetic, geometric or harmonic mean of one block ``(L, U, K)`` -> ``(L, U)``."""
    active = wb > 0  # (L or 1, 1, K)
    use = ~np.isnan(xb) & active
    n_use = use.sum(axis=-1)
    wcol = np.swapaxes(wb, -1, -2)  # (L or 1, K, 1) for matmul
    wsum = (use.astype(np.float64) @ wcol)[..., 0]
    if method == "arithmetic":
        terms = np.where(use, xb, 0.0)
    else:
        vals = xb if floor is None else np.fmax(xb, floor)  # fmax keeps NaN as missing
        if floor is None and np.any(use & (vals <= 0)):
            raise SpecError(
                f"the {method} mean needs positive values, and some are zero or negative; "
                "normalise to a positive range such as [1, 100], or set the `floor` option"
            )
        # unused children contribute 0 to the weighted sums
        terms = np.zeros(xb.shape, dtype=np.float64)
        if method == "geometric":
            np.log(vals, out=terms, where=use)
        else:
            np.divide(1.0, vals, out=terms, where=use)
    total = (terms @ wcol)[..., 0]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if method == "arithmetic":
            res = total / wsum
        elif method == "geometric":
            res = np.exp(total / wsum)
        else:
            res = wsum / total
    n_active = active.sum(axis=-1)  # (L or 1, 1)
    ok = (n_use > 0) & (n_use / n_active >= coverage)
    return np.where(ok, res, np.nan)


def _copeland(
    x3: NDArray[np.float64],
    w3: NDArray[np.float64],
    coverage: float,
    out: NDArray[np.float64],
) -> None:
    """Copeland scores for every leading index of ``x3`` ``(L, U, K)``, written to ``out``."""
    n_lead, n_units, k = x3.shape
    rows = max(1, _BLOCK // max(1, n_units * k))
    for i in range(n_lead):
        wl = w3[0 if w3.shape[0] == 1 else i, 0]
        active = wl > 0
        # children of weight 0 play no part (and their NaN must not reach the matrix product)
        wl = wl[active]
        xl = x3[i][:, active]
        n_use = (~np.isnan(xl)).sum(axis=-1)
        ok = (n_use > 0) & (n_use / wl.shape[0] >= coverage)
        # units below coverage take no part in the comparisons
        xv = np.where(ok[:, None], xl, np.nan)
        has_nan = bool(np.isnan(xv).any())
        tol = 1e-12 * float(wl.sum())
        score = np.empty(n_units, dtype=np.float64)
        for j in range(0, n_units, rows):
            diff = xv[j : j + rows, None, :] - xv[None, :, :]  # (rows, U, K)
            sgn = np.sign(diff, out=diff)
            if has_nan:
                # a missing value on either side: the child does not count for the pair
                np.copyto(sgn, 0.0, where=np.isnan(sgn))
            margin = sgn @ wl  # W_jk - W_kj, ties count half on both sides so cancel
            score[j : j + rows] = (margin > tol).sum(axis=-1) - (margin < -tol).sum(axis=-1)
        score[~ok] = np.nan
        out[i] = score
