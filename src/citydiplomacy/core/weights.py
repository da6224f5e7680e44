"""Weights: normalisation, PCA-based weights and random perturbation for uncertainty analysis."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from citydiplomacy.errors import DataError, SpecError


def normalise_weights(w: NDArray[Any]) -> NDArray[np.float64]:
    """Scale weights to sum to 1 along the last axis.

    Parameters
    ----------
    w
        Non-negative finite weights, any shape with at least one axis; every set (slice
        along the last axis) needs a positive weight.

    Returns
    -------
    numpy.ndarray
        ``w / w.sum(axis=-1, keepdims=True)`` as a new ``float64`` array.

    Raises
    ------
    SpecError
        Negative, missing or infinite weights, or a set whose weights are all zero.
    """
    arr = np.asarray(w, dtype=np.float64)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise SpecError(f"weights need at least one value on their last axis; got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise SpecError("weights must be finite numbers (no NaN or infinity)")
    if np.any(arr < 0):
        raise SpecError("weights must be non-negative")
    total = arr.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        raise SpecError("weights are all zero: at least one weight must be positive")
    out: NDArray[np.float64] = arr / total
    return out


def pca_weights(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weights from the first principal component of standardised data.

    The rows with no missing value are standardised column by column (mean 0, sample sd 1),
    which makes the PCA one of the correlation matrix ``R``. With ``v`` the unit eigenvector
    of the largest eigenvalue ``lambda`` of ``R``, the loadings are ``v * sqrt(lambda)`` and
    the weights are the squared loadings scaled to sum 1, i.e. ``w_i = v_i**2`` (the OECD/JRC
    Handbook on Constructing Composite Indicators, 2008, section 6.1, uses squared loadings
    scaled to unity, there after a varimax rotation of several factors; with the first
    component alone no rotation applies).

    This differs from COINr's ``get_PCA``, which uses the raw loadings ``v`` of
    ``prcomp(center = TRUE, scale = TRUE)``: those can be negative and their sign is
    arbitrary. Squaring makes the weights non-negative and sign-free, and summing to 1.

    Parameters
    ----------
    x
        Data of shape ``(n_units, n_children)``; rows with any NaN are dropped.

    Returns
    -------
    numpy.ndarray
        Weights of shape ``(n_children,)`` summing to 1.

    Raises
    ------
    DataError
        Fewer than 3 complete rows, or a column that is constant over the complete rows.
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise DataError(f"pca_weights needs a 2-D array (n_units, n_children); got {arr.shape}")
    complete = arr[~np.isnan(arr).any(axis=1)]
    if complete.shape[0] < 3:
        raise DataError(
            f"PCA weights need at least 3 units with no missing value; got {complete.shape[0]}"
        )
    if arr.shape[1] == 1:
        return np.ones(1)
    sd = complete.std(axis=0, ddof=1)
    const = (complete.max(axis=0) == complete.min(axis=0)) | ~(sd > 0)
    if np.any(const):
        raise DataError(
            "PCA weights cannot standardise constant columns (over the complete rows): "
            f"{np.flatnonzero(const).tolist()}"
        )
    z = (complete - complete.mean(axis=0)) / sd
    corr = z.T @ z / (complete.shape[0] - 1)
    _, vecs = np.linalg.eigh(corr)  # eigenvalues in ascending order
    v = vecs[:, -1]
    w: NDArray[np.float64] = v**2 / np.sum(v**2)
    return w


def noisy_weights(
    w: NDArray[Any], noise: float, n: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Random perturbations of a weight set, as COINr's ``get_noisy_weights``.

    Each weight is multiplied by ``1 + u`` with ``u ~ U(-noise, noise)`` drawn independently
    per weight and replication (COINr: ``w + (runif * 2 - 1) * noise * w``), then every
    replication is scaled to sum 1 (COINr leaves them relative; aggregation rescales anyway).
    A zero weight stays zero.

    Parameters
    ----------
    w
        Nominal non-negative weights, shape ``(k,)``, with a positive weight.
    noise
        Relative perturbation, between 0 and 1 (0.25 means +/-25 %).
    n
        Number of replications (at least 1).
    rng
        Random generator, for reproducible draws.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, k)``; each row sums to 1.

    Raises
    ------
    SpecError
        Bad weights, ``noise`` outside ``[0, 1]`` or ``n < 1``.
    """
    base = normalise_weights(w)
    if base.ndim != 1:
        raise SpecError(f"noisy_weights needs a 1-D weight vector; got shape {base.shape}")
    if isinstance(noise, bool) or not (
        isinstance(noise, int | float | np.integer | np.floating) and 0.0 <= noise <= 1.0
    ):
        raise SpecError(f"noise must be a number between 0 and 1; got {noise!r}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise SpecError(f"n must be a positive integer; got {n!r}")
    u = rng.uniform(-noise, noise, size=(int(n), base.shape[0]))
    return normalise_weights(base * (1.0 + u))
