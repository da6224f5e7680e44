"""Normalisation of indicator data, as in COINr's ``Normalise`` and its ``n_*`` functions.

Every method works on an array of shape ``(..., n_units, n_measures)`` and normalises each
measure across the units axis (``-2``), independently for every leading index (years,
Monte-Carlo replications...). Missing values (NaN) are ignored by the statistics and stay NaN.

Directions follow COINr's ``Normalise.numeric``: a measure with direction ``-1`` is multiplied
by ``-1`` before it is normalised (targets and goalposts are flipped with it), so that after
normalisation a higher score is always better.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np
from numpy.typing import NDArray

from citydiplomacy.errors import DataError, SpecError

NORMALISE_METHODS: tuple[str, ...] = (
    "none",
    "minmax",
    "zscore",
    "rank",
    "prank",
    "borda",
    "dist2target",
    "dist2max",
    "goalposts",
)


def normalise(
    x: NDArray[np.float64],
    method: str,
    *,
    direction: NDArray[Any] | None = None,
    range: tuple[float, float] = (0.0, 100.0),
    mean_sd: tuple[float, float] = (0.0, 1.0),
    targets: NDArray[Any] | None = None,
    cap_max: bool = True,
    lower: NDArray[Any] | None = None,
    upper: NDArray[Any] | None = None,
    trunc: bool = True,
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Normalise every measure across units.

    Let ``x' = d * x`` with ``d`` the direction (+1 or -1) of the measure, and let ``min``,
    ``max``, ``mean``, ``sd`` and ``n`` be taken over the non-missing values of ``x'`` in one
    column (one measure, one leading index). With ``(l, u) = range``:

    ``none``
        ``x'`` (COINr returns the direction-adjusted data for ``f_n = "none"``).
    ``minmax`` (COINr ``n_minmax``)
        ``l + (x' - min) / (max - min) * (u - l)``.
    ``zscore`` (COINr ``n_zscore``)
        ``m + s * (x' - mean) / sd`` with ``(m, s) = mean_sd`` and the sample standard
        deviation (``ddof=1``, as R's ``sd``).
    ``rank`` (COINr ``n_rank``)
        ``rank(x')`` with R's ``ties.method = "min"``: ``1 + #{j : x'_j < x'_i}``, so tied
        values all get the lowest of their ranks (1, 2, 2, 4); the best unit has rank ``n``.
    ``prank`` (COINr ``n_prank``)
        ``y = (rank(x') - 1) / (n - 1)``, ranks as for ``rank``, in ``[0, 1]`` as COINr; then
        ``l + y * (u - l)``.
    ``borda`` (COINr ``n_borda``)
        ``rank(x') - 1``, ranks as for ``rank``.
    ``dist2target`` (COINr ``n_dist2targ``)
        ``y = (x' - min) / (t' - min)`` with ``t' = d * target``, then ``l + y * (u - l)``. For
        direction -1 this is ``(max(x) - x) / (max(x) - target)``, COINr's
        ``n_dist2targ(direction = -1)`` (its ``use_iMeta`` route also flips the target with
        the data). With ``cap_max``, a value that reaches the target (``x' >= t'``) scores
        exactly 1 before rescaling.
    ``dist2max`` (COINr ``n_dist2max``)
        ``y = 1 - (max - x') / (max - min)``, then ``l + y * (u - l)``; algebraically the
        same as ``minmax``.
    ``goalposts`` (COINr ``n_goalposts``)
        ``y = (x' - g_lo) / (g_hi - g_lo)`` with ``(g_lo, g_hi) = (lower, upper)`` for
        direction +1 and ``(-upper, -lower)`` for direction -1 (in original units the latter
        is ``(upper - x) / (upper - lower)``: ``lower`` is the best value), as COINr's
        ``use_iMeta`` route does; clipped to ``[0, 1]`` when ``trunc``; then
        ``l + y * (u - l)``. COINr multiplies by a scale ``a`` instead: ``range = (0, a)`` is
        the same.

    Differences from COINr, all on edge cases:

    * A constant column (``max == min``) gives NaN for ``minmax``, ``zscore`` and
      ``dist2max`` (COINr warns and returns NaN too, except that ``n_zscore`` may return
      huge values when rounding makes ``sd`` a tiny positive number; we test ``max == min``
      instead of ``sd == 0``). ``zscore`` is also NaN when ``sd`` underflows to 0 (values
      of the order of ``1e-160``), and wherever a column has a single observation.
    * ``prank`` with a single observation gives NaN (``0 / 0``, as in COINr).
    * ``dist2target`` with ``cap_max``: COINr caps ``y > 1`` to 1, which is the same thing as
      long as ``t' > min``; when every unit has already reached the target (``t' <= min``)
      COINr returns negative scores or infinities, we return 1 (target reached). Without
      ``cap_max`` and ``t' == min`` the score is NaN.
    * Outputs that are bounded by definition (``minmax``, ``dist2max``, capped
      ``dist2target``, truncated ``goalposts``) are clipped to ``range`` to remove rounding
      overshoot of a few ulps.

    Parameters
    ----------
    x
        Data of shape ``(..., n_units, n_measures)``; NaN = missing.
    method
        One of :data:`NORMALISE_METHODS`.
    direction
        Per measure, +1 (higher is better) or -1 (lower is better); default all +1.
    range
        ``(l, u)`` with ``l < u``: target interval of ``minmax``, ``dist2target``,
        ``dist2max`` and ``goalposts``.
    mean_sd
        ``(m, s)`` with ``s > 0``: mean and standard deviation of ``zscore`` output.
    targets
        Per measure target values in original units (required by ``dist2target``).
    cap_max
        ``dist2target``: score 1 for values beyond the target instead of more than 1.
    lower, upper
        Per measure goalposts in original units, ``lower < upper`` (required by
        ``goalposts``).
    trunc
        ``goalposts``: clip scores to the goalposts.
    out
        Where to write the result: a ``float64`` array of the shape of ``x`` that does not
        overlap it, possibly a strided view (e.g. the measures' part of a larger array).
        Default: a new array. The min-max, z-score, distance and goalposts methods write
        into it directly, with no full-size temporary.

    Returns
    -------
    numpy.ndarray
        ``out``, or a new ``float64`` array of the shape of ``x``.

    Raises
    ------
    SpecError
        Unknown method, bad direction, range, mean_sd, targets or goalposts.
    DataError
        ``x`` has fewer than two dimensions.
    ValueError
        ``out`` has another shape or type than the result, or overlaps ``x``.
    """
    if method not in NORMALISE_METHODS:
        raise SpecError(
            f"unknown normalisation method {method!r}; allowed: {', '.join(NORMALISE_METHODS)}"
        )
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < 2:
        raise DataError(
            f"normalise needs an array of shape (..., n_units, n_measures); got shape {arr.shape}"
        )
    if out is not None:
        _check_out(out, arr)
    d = _direction(direction, arr.shape[-1])
    lo, hi = _range(range)
    job = _Job(
        arr=arr,
        d=d,
        lo=lo,
        hi=hi,
        out=out,
        mean_sd=mean_sd,
        targets=targets,
        cap_max=cap_max,
        lower=lower,
        upper=upper,
        trunc=trunc,
    )
    return _METHODS[method](job)


@dataclass(slots=True)  # not frozen: a frozen init costs microseconds on every call
class _Job:
    """The checked arguments of one :func:`normalise` call, as every method reads them."""

    arr: NDArray[np.float64]
    #: direction per measure, +1 or -1
    d: NDArray[np.float64]
    #: the output range ``(l, u)``
    lo: float
    hi: float
    out: NDArray[np.float64] | None
    mean_sd: tuple[float, float]
    targets: NDArray[Any] | None
    cap_max: bool
    lower: NDArray[Any] | None
    upper: NDArray[Any] | None
    trunc: bool

    @property
    def n_measures(self) -> int:
        return int(self.arr.shape[-1])

    def spread(
        self,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """``min``, ``max`` and ``max - min`` (NaN where it is 0) of ``x' = d * x``."""
        # Statistics of x' come from those of x (min x' = -max x when d = -1), so x' is never
        # materialised.
        raw_min, raw_max = _nan_min_max(self.arr)
        mn = np.where(self.d > 0, raw_min, -raw_max)
        mx = np.where(self.d > 0, raw_max, -raw_min)
        return mn, mx, np.where(mx == mn, np.nan, mx - mn)


# Every method below but the ranks is an affine map (x' - a) / b * c + e =
# (x - d * a) / (d * b) * c + e, evaluated by :func:`_affine` without materialising x' and
# with a single allocation; their statistics divide by zero on constant columns (NaN, as
# documented), so those warnings are silenced.
def _quiet() -> np.errstate:
    """Silence the floating-point warnings of constant columns."""
    return np.errstate(invalid="ignore", divide="ignore", over="ignore")


def _none(job: _Job) -> NDArray[np.float64]:
    """``x'``: the direction-adjusted data."""
    return np.multiply(job.arr, job.d, out=job.out)


def _rank(job: _Job) -> NDArray[np.float64]:
    """Min-ranks of ``x'``."""
    return _into(_rank_method(job.arr, job.d, "rank"), job.out)


def _borda(job: _Job) -> NDArray[np.float64]:
    """Min-ranks of ``x'`` minus one."""
    return _into(_rank_method(job.arr, job.d, "borda"), job.out)


def _prank(job: _Job) -> NDArray[np.float64]:
    """COINr's [0, 1] percentile rank, rescaled to the output range."""
    lo, hi = job.lo, job.hi
    return _into(lo + _rank_method(job.arr, job.d, "prank") * (hi - lo), job.out)


def _zscore(job: _Job) -> NDArray[np.float64]:
    """``m + s * (x' - mean) / sd``."""
    with _quiet():
        m, s = _mean_sd(job.mean_sd)
        mean, sd = _nan_mean_sd(job.arr)
        raw_min, raw_max = _nan_min_max(job.arr)
        # constant column (or sd underflowing to 0): NaN, not a division by rounding noise
        sd = np.where((raw_max == raw_min) | ~(sd > 0), np.nan, sd)
        return _affine(job.arr, job.d, job.d * mean, sd, s, m, None, job.out)


def _minmax(job: _Job) -> NDArray[np.float64]:
    """``l + (x' - min) / (max - min) * (u - l)``."""
    lo, hi = job.lo, job.hi
    with _quiet():
        mn, _, span = job.spread()
        return _affine(job.arr, job.d, mn, span, hi - lo, lo, (lo, hi), job.out)


def _dist2max(job: _Job) -> NDArray[np.float64]:
    """``1 - (max - x') / (max - min)``, rescaled."""
    lo, hi = job.lo, job.hi
    with _quiet():
        _, mx, span = job.spread()
        # 1 - (max - x') / (max - min), rescaled: (x' - max) * (u - l) / (max - min) + u
        return _affine(job.arr, job.d, mx, span, hi - lo, hi, (lo, hi), job.out)


def _dist2target(job: _Job) -> NDArray[np.float64]:
    """``(x' - min) / (t' - min)``, rescaled; 1 from the target on with ``cap_max``."""
    arr, d, lo, hi = job.arr, job.d, job.lo, job.hi
    with _quiet():
        mn, _, _ = job.spread()
        t = _per_measure(job.targets, job.n_measures, "targets", "dist2target") * d
        denom = np.where(t == mn, np.nan, t - mn)
        res = _affine(arr, d, mn, denom, hi - lo, lo, None, job.out)
        if job.cap_max:
            # the target is reached: score 1 whatever the minimum is
            np.copyto(res, hi, where=arr * d >= t)
            np.clip(res, lo, hi, out=res)
        return res


def _goalposts(job: _Job) -> NDArray[np.float64]:
    """``(x' - g_lo) / (g_hi - g_lo)``, clipped with ``trunc``, rescaled."""
    d, lo, hi = job.d, job.lo, job.hi
    with _quiet():
        g_lo = _per_measure(job.lower, job.n_measures, "lower", "goalposts")
        g_hi = _per_measure(job.upper, job.n_measures, "upper", "goalposts")
        if np.any(g_lo >= g_hi):
            bad = np.flatnonzero(g_lo >= g_hi).tolist()
            raise SpecError(f"goalposts need lower < upper for every measure; not so at {bad}")
        # flipping the data flips the posts: (lower, upper) -> (-upper, -lower)
        p_lo = np.where(d > 0, g_lo, -g_hi)
        p_hi = np.where(d > 0, g_hi, -g_lo)
        clip = (lo, hi) if job.trunc else None
        return _affine(job.arr, d, p_lo, p_hi - p_lo, hi - lo, lo, clip, job.out)


#: One function per method of :data:`NORMALISE_METHODS` (a test checks they agree).
_METHODS: dict[str, Callable[[_Job], NDArray[np.float64]]] = {
    "none": _none,
    "minmax": _minmax,
    "zscore": _zscore,
    "rank": _rank,
    "prank": _prank,
    "borda": _borda,
    "dist2target": _dist2target,
    "dist2max": _dist2max,
    "goalposts": _goalposts,
}


def _check_out(out: NDArray[np.float64], arr: NDArray[np.float64]) -> None:
    """Validate an ``out`` array for :func:`normalise`."""
    if not isinstance(out, np.ndarray) or out.dtype != np.float64 or out.shape != arr.shape:
        raise ValueError(f"out must be a float64 array of shape {arr.shape}")
    # the data are read again after some of the result is written (dist2target, blocks)
    if np.may_share_memory(out, arr):
        raise ValueError("out must not overlap the data")


def _into(res: NDArray[np.float64], out: NDArray[np.float64] | None) -> NDArray[np.float64]:
    """``res``, copied into ``out`` when one is given."""
    if out is None:
        return res
    np.copyto(out, res)
    return out


def _direction(direction: NDArray[Any] | None, n_measures: int) -> NDArray[np.float64]:
    """Validate directions: one +1 or -1 per measure."""
    if direction is None:
        return np.ones(n_measures)
    d = np.asarray(direction, dtype=np.float64).reshape(-1)
    if d.shape != (n_measures,):
        raise SpecError(
            f"direction needs one value per measure ({n_measures}); got {d.shape[0]} values"
        )
    if not np.all((d == 1.0) | (d == -1.0)):
        raise SpecError("direction values must be +1 (higher is better) or -1 (lower is better)")
    return d


def _range(rng: tuple[float, float]) -> tuple[float, float]:
    """Validate the target interval ``(l, u)``."""
    try:
        lo, hi = (float(v) for v in rng)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"range must be two numbers (lower, upper); got {rng!r}") from exc
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise SpecError(f"range must be finite with lower < upper; got {rng!r}")
    return lo, hi


def _per_measure(
    values: NDArray[Any] | None, n_measures: int, name: str, method: str
) -> NDArray[np.float64]:
    """Validate a per-measure parameter vector (targets, goalposts)."""
    if values is None:
        raise SpecError(f"method {method!r} needs {name!r}: one value per measure")
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.shape != (n_measures,):
        raise SpecError(f"{name} needs one value per measure ({n_measures}); got {v.shape[0]}")
    if not np.all(np.isfinite(v)):
        raise SpecError(
            f"{name} must be finite numbers; missing at {np.flatnonzero(~np.isfinite(v))}"
        )
    return v


def _mean_sd(mean_sd: tuple[float, float]) -> tuple[float, float]:
    """Validate the z-score target ``(mean, sd)``."""
    try:
        m, s = (float(v) for v in mean_sd)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"mean_sd must be two numbers (mean, sd); got {mean_sd!r}") from exc
    if not (np.isfinite(m) and np.isfinite(s) and s > 0):
        raise SpecError(f"mean_sd must be finite with sd > 0; got {mean_sd!r}")
    return m, s


def _nan_min_max(arr: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Column minimum and maximum over units, skipping NaN (NaN if all missing)."""
    # fmin/fmax skip NaN without nanmin's all-NaN warning
    mn: NDArray[np.float64] = np.fmin.reduce(arr, axis=-2, keepdims=True)
    mx: NDArray[np.float64] = np.fmax.reduce(arr, axis=-2, keepdims=True)
    return mn, mx


def _nan_mean_sd(arr: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Column mean and sample standard deviation (``ddof=1``) over units, skipping NaN."""
    present = ~np.isnan(arr)
    n = present.sum(axis=-2, keepdims=True)
    mean = np.sum(arr, axis=-2, keepdims=True, where=present) / n
    # two-pass variance, as R's var, for accuracy when the mean is large
    dev = arr - mean
    np.square(dev, out=dev)
    sd = np.sqrt(np.sum(dev, axis=-2, keepdims=True, where=present) / (n - 1))
    return mean, sd


def _affine(
    arr: NDArray[np.float64],
    d: NDArray[np.float64],
    shift: NDArray[np.float64],
    divisor: NDArray[np.float64],
    mult: float,
    offset: float,
    clip: tuple[float, float] | None,
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """``(d * arr - shift) / divisor * mult + offset``, in the order of the COINr formulas.

    Computed as ``(arr - d * shift) / (d * divisor)``: equal because ``d`` is +1 or -1, and it
    needs no temporary. Dividing before multiplying keeps tiny spreads from overflowing a
    precomputed ``mult / divisor``. The passes run block by block over the leading axes so
    that each block stays in cache. The result goes to ``out`` when given (same shape as
    ``arr``, no overlap), else to a new array.
    """
    lead = arr.shape[:-2]
    n_lead = prod(lead)
    n_units, k = arr.shape[-2], arr.shape[-1]
    a3 = arr.reshape(n_lead, n_units, k)
    # per (leading index, measure) parameters, as (L, 1, K)
    sh = np.broadcast_to(d * shift, (*lead, 1, k)).reshape(n_lead, 1, k)
    dv = np.broadcast_to(d * divisor, (*lead, 1, k)).reshape(n_lead, 1, k)
    res = np.empty(arr.shape, dtype=np.float64) if out is None else out
    try:
        # a view (an error rather than a copy): the passes below write through it
        r3 = np.reshape(res, (n_lead, n_units, k), copy=False)
    except ValueError:  # a strided ``out`` whose leading axes do not merge: via a new array
        return _into(_affine(arr, d, shift, divisor, mult, offset, clip), out)
    step = max(1, _AFFINE_BLOCK // max(1, n_units * k))
    for i in range(0, n_lead, step):
        o = r3[i : i + step]
        np.subtract(a3[i : i + step], sh[i : i + step], out=o)
        o /= dv[i : i + step]
        o *= mult
        o += offset
        if clip is not None:
            # removes rounding overshoot of a few ulps at the bounds
            np.clip(o, clip[0], clip[1], out=o)
    return res


# elements per block of the affine passes (a few hundred kB: stays in cache)
_AFFINE_BLOCK = 1 << 18
_SIGN = np.uint64(1 << 63)
_ALL_ONES = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
# elements per block of rows ranked at once
_RANK_BLOCK = 1 << 20
# Rankings of at least this many elements are shared between threads (numpy's sort and
# element-wise passes release the GIL); below it a thread costs more than it saves.
_RANK_PARALLEL_MIN = 1 << 19
_RANK_THREADS = min(2, os.cpu_count() or 1)


def rank_min(x: NDArray[np.float64], *, descending: bool = False) -> NDArray[np.float64]:
    """Ranks along axis ``-2`` with R's ``ties.method = "min"``; NaN stays NaN.

    ``rank_i = 1 + #{j : x_j < x_i}`` among the non-missing values of the column, i.e.
    ``scipy.stats.rankdata(x, method="min", axis=-2, nan_policy="omit")``.

    Parameters
    ----------
    x
        Array of shape ``(..., n_units, n_measures)``.
    descending
        Rank ``-x`` instead (the largest value ranks 1), without a negated copy of ``x``.

    Returns
    -------
    numpy.ndarray
        Float ranks (1-based) of the same shape.
    """
    arr = np.asarray(x, dtype=np.float64)
    # One pass: the transposed copy that is ranked in place (negated on the way if asked).
    if descending:
        xt = np.negative(np.swapaxes(arr, -1, -2), order="C")
    else:
        xt = np.array(np.swapaxes(arr, -1, -2), order="C")
    _rank_last_inplace(xt)
    return np.ascontiguousarray(np.swapaxes(xt, -1, -2))


def _rank_last_inplace(xt: NDArray[np.float64]) -> None:
    """Replace every row of the C-contiguous ``xt`` (last axis) by its min-ranks, NaN kept.

    Rows are processed in blocks so that the temporaries stay small for Monte-Carlo sized
    inputs; large inputs are shared between :data:`_RANK_THREADS` threads, block by block.
    """
    n = xt.shape[-1]
    if xt.size == 0:
        return
    if not xt.flags.c_contiguous:  # the reshape below must be a view
        raise ValueError("internal: _rank_last_inplace needs a C-contiguous array")
    rows = xt.reshape(-1, n)
    threads = _RANK_THREADS if xt.size >= _RANK_PARALLEL_MIN else 1
    # With threads, blocks of a quarter of each thread's share at most, so that they finish
    # together; rows are independent, so the result does not depend on the blocks.
    block = _RANK_BLOCK if threads == 1 else min(_RANK_BLOCK, xt.size // (4 * threads))
    step = max(1, block // n)
    blocks = [rows[start : start + step] for start in range(0, rows.shape[0], step)]
    if threads == 1 or len(blocks) == 1:
        for part in blocks:
            _rank_rows(part)
        return
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="rank") as pool:
        for _ in pool.map(_rank_rows, blocks):  # re-raises a block's error
            pass


def _rank_rows(rows: NDArray[np.float64]) -> None:
    """Min-ranks of every row of a C-contiguous 2-D block, in place.

    ``argsort`` of float64 is several times slower than ``sort``, so the sort runs on packed
    ``uint64`` keys: an order-preserving image of the value in the high bits and the position
    in the low bits. Distinct values that share their high bits can come out in the wrong
    order; such rows are detected and re-sorted exactly with ``argsort``.
    """
    n = rows.shape[1]
    nan = np.isnan(rows)
    bits = max(1, (n - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    # + 0.0 turns -0.0 into 0.0 so that the two zeros get the same key
    buf = np.add(rows, 0.0)
    key = buf.view(np.uint64)
    aux = key.view(np.int64) >> 63
    aux_u = aux.view(np.uint64)
    # order-preserving map of IEEE doubles: flip all bits of negatives, the sign bit of others
    aux_u |= _SIGN
    key ^= aux_u
    np.copyto(key, _ALL_ONES, where=nan)  # NaN (of either sign) last
    key &= ~low
    key |= np.arange(n, dtype=np.uint64)
    key.sort(axis=-1)
    np.bitwise_and(key, low, out=aux_u)
    order = aux  # positions, reusing the buffer
    order += (np.arange(rows.shape[0], dtype=np.int64) * n)[:, None]
    srt = buf  # sorted values, reusing the buffer
    np.take(rows.reshape(-1), order, out=srt)
    bad = np.flatnonzero(np.any(srt[:, 1:] < srt[:, :-1], axis=-1))
    if bad.size:
        exact = np.argsort(rows[bad], axis=-1, kind="stable")
        srt[bad] = np.take_along_axis(rows[bad], exact, axis=-1)
        order[bad] = exact + (bad * n)[:, None]
    starts = np.empty(srt.shape, dtype=bool)
    starts[:, 0] = True
    np.not_equal(srt[:, 1:], srt[:, :-1], out=starts[:, 1:])
    # rank of a run of ties = 1 + position of its first member
    np.multiply(starts, np.arange(1, n + 1, dtype=np.float64), out=srt)
    np.maximum.accumulate(srt, axis=-1, out=srt)
    np.put(rows, order, srt)
    np.copyto(rows, np.nan, where=nan)


def _rank_method(
    arr: NDArray[np.float64], d: NDArray[np.float64], method: str
) -> NDArray[np.float64]:
    """``rank``, ``prank`` and ``borda`` of ``d * arr`` from min-ranks."""
    xt = np.multiply(np.swapaxes(arr, -1, -2), d[:, None], order="C")
    _rank_last_inplace(xt)
    if method == "borda":
        xt -= 1.0
    elif method == "prank":
        n = (~np.isnan(xt)).sum(axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            xt -= 1.0
            xt /= n - 1
    return np.ascontiguousarray(np.swapaxes(xt, -1, -2))
