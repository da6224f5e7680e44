"""Integer keys and codes, the validation's working material.

Every text column is turned into integer codes of its distinct values (:func:`strings`), pairs
of codes into dense pair codes (:class:`Pairs`), and the rows each check catches are gathered
slice by slice (:class:`Hits`). Nothing here knows about KPIs or cities.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

#: Integer key spaces up to this size are coded with a lookup table instead of hashing.
DENSE_KEYS = 1 << 24
#: Key spaces up to this size record the keys met by counting them.
SMALL_KEYS = 1 << 16


class Hits:
    """Row positions each check caught, gathered slice by slice."""

    def __init__(self) -> None:
        self._parts: dict[str, list[NDArray[np.int64]]] = {}

    def add(self, check: str, mask: NDArray[np.bool_], start: int) -> None:
        self.add_index(check, np.flatnonzero(mask), start)

    def add_index(self, check: str, idx: NDArray[np.intp], start: int) -> None:
        """Record positions ``idx`` (ascending) of the slice that starts at ``start``."""
        if len(idx):
            self._parts.setdefault(check, []).append(idx + start)

    def __getitem__(self, check: str) -> NDArray[np.int64]:
        parts = self._parts.get(check)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


class Distinct:
    """Distinct non-negative integer keys met over slices, then a dense code for each.

    Small key spaces (pairs of category codes, GeoNames ids) use a presence table, larger
    ones hashing. Codes come from binary search for a few keys and from a lookup table,
    built on first need, for many.
    """

    def __init__(self, space: int) -> None:
        self.space = space
        self._present: NDArray[np.bool_] | None = (
            np.zeros(space, dtype=bool) if space <= DENSE_KEYS else None
        )
        self._parts: list[NDArray[np.int64]] = []
        self._lookup: NDArray[np.int32] | None = None
        self.keys = np.zeros(0, dtype=np.int64)

    def add(self, keys: NDArray[np.integer]) -> None:
        if self._present is not None:
            if self.space <= SMALL_KEYS:
                # Counting is faster than scattering, and its table is small.
                self._present |= np.bincount(keys, minlength=self.space) > 0
            else:
                self._present[keys] = True
        else:
            self._parts.append(np.asarray(pd.unique(np.asarray(keys, dtype=np.int64))))

    def finish(self) -> NDArray[np.int64]:
        """The distinct keys, ascending; their positions are the codes."""
        if self._present is not None:
            self.keys = np.flatnonzero(self._present).astype(np.int64)
            self._present = None
        elif self._parts:
            self.keys = np.unique(np.concatenate(self._parts))
            self._parts = []
        return self.keys

    def codes(self, keys: NDArray[np.integer]) -> NDArray[np.integer]:
        """Code of each key; -1 for a key that was never added."""
        if self._lookup is None and len(keys) > 4096 and self.space <= DENSE_KEYS:
            lookup = np.full(self.space, -1, dtype=np.int32)
            lookup[self.keys] = np.arange(len(self.keys), dtype=np.int32)
            self._lookup = lookup  # published whole
        if self._lookup is not None:
            codes: NDArray[np.integer] = self._lookup[keys]  # int32: as good an index as intp
            return codes
        if len(self.keys) == 0:
            return np.full(len(keys), -1, dtype=np.intp)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.asarray(np.where(self.keys[pos] == keys, pos, -1), dtype=np.intp)


class Pairs:
    """Distinct pairs of codes ``(a, b)`` met over slices, then a dense code for each pair.

    ``a`` indexes ``rows`` things and ``b`` ``cols`` things; -1 stands for the last of each
    (how missing cells and unknown measures are coded), as numpy's negative indexing reads it.
    A pair's key is ``a * cols + b``, computed in place in the key type (three element-wise
    passes, three times faster than two table lookups and an addition); the few -1 codes
    are then moved to the last row or column.
    """

    def __init__(self, rows: int, cols: int) -> None:
        self.rows, self.cols = rows, cols
        self._key_type = np.int32 if rows * cols < 2**31 else np.int64
        self._distinct = Distinct(rows * cols)

    def keys(self, a: NDArray[np.integer], b: NDArray[np.integer]) -> NDArray[np.integer]:
        # the product in the key type, whatever the codes' own (int8 would overflow)
        key = cast(NDArray[np.int64], np.multiply(a, self.cols, dtype=self._key_type))
        np.add(key, b, out=key, casting="same_kind")
        if len(key):
            if a.min() < 0:  # -1: the last row, (rows - 1) * cols + b
                key[a < 0] += self.rows * self.cols
            if b.min() < 0:  # -1: the last column, cols - 1
                key[b < 0] += self.cols
        return key

    def add(self, a: NDArray[np.integer], b: NDArray[np.integer]) -> None:
        self._distinct.add(self.keys(a, b))

    def finish(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The distinct pairs as two arrays (``a`` ascending, then ``b``); codes index them."""
        a, b = np.divmod(self._distinct.finish(), self.cols)
        return a, b

    def codes(self, a: NDArray[np.integer], b: NDArray[np.integer]) -> NDArray[np.integer]:
        """Code of each pair; -1 for a pair that was never added."""
        return self._distinct.codes(self.keys(a, b))


def strings(series: pd.Series) -> tuple[NDArray[np.integer], list[str]]:
    """Codes of a column's distinct values and their stripped text.

    Missing cells have code -1, which indexes the last entry of the texts: an empty string
    appended for them. Categorical columns (what the readers produce) are not re-hashed and
    their codes are not copied.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes: NDArray[np.integer] = series.cat.codes.to_numpy()
        uniques: list[object] = list(series.cat.categories)
    else:
        codes, values = pd.factorize(series, use_na_sentinel=True)
        uniques = list(values)
    texts = ["" if u is None or u is pd.NA or u != u else str(u).strip() for u in uniques]
    texts.append("")
    return codes, texts


def code_dtype(size: int) -> type[np.signedinteger[Any]]:
    """The smallest signed integer type that holds codes ``-1 .. size - 1``."""
    return np.int8 if size < 2**7 else np.int16 if size < 2**15 else np.int32


def blank(n: int) -> NDArray[np.int8]:
    """Codes of an absent column: every cell missing (code -1), without allocating ``n``."""
    return np.broadcast_to(np.int8(-1), (n,))


def lut(values: list[bool] | list[int] | list[float], dtype: type) -> NDArray[Any]:
    return np.asarray(values, dtype=dtype)
