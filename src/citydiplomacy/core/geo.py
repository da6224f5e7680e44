"""Great-circle geometry for city coordinates: unit vectors and distances in kilometres.

A point on the sphere as a unit vector makes the nearest-neighbour search over all cities a
k-d tree query on Euclidean chords, and a distance a dot product.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: Mean Earth radius (IUGG), km.
EARTH_KM = 6371.0088


def unit_vectors(latitude: npt.ArrayLike, longitude: npt.ArrayLike) -> FloatArray:
    """``(n, 3)`` unit vectors of points given in degrees."""
    la = np.radians(np.asarray(latitude, dtype=np.float64))
    lo = np.radians(np.asarray(longitude, dtype=np.float64))
    out: FloatArray = np.column_stack(
        [np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]
    )
    return out


def km_between(a: FloatArray, b: FloatArray) -> FloatArray:
    """Great-circle distance in km between unit vectors (rows of ``a`` and ``b``, broadcast)."""
    cos = np.clip(np.sum(a * b, axis=-1), -1.0, 1.0)
    out: FloatArray = EARTH_KM * np.arccos(cos)
    return out


def chord_for_km(km: float) -> float:
    """The Euclidean chord between unit vectors ``km`` apart on the sphere."""
    return float(2.0 * np.sin(km / EARTH_KM / 2.0))
