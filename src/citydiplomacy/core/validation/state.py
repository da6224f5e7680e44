"""The shared columns of a validation: one array entry per input row, written by the passes.

Each pass reads what earlier passes wrote and writes its own columns; which pass writes what
is said beside each field. Rows are always visited in slices (:attr:`Work.spans`), so that a
pass's temporaries stay a few megabytes whatever the size of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from citydiplomacy.core.validation.keys import Hits

#: The runs of rows of one city in a slice (starts, lengths), or None (checked row by row).
Runs = tuple[NDArray[np.intp], NDArray[np.intp]] | None


def _none() -> NDArray[np.int8]:
    return np.zeros(0, dtype=np.int8)


@dataclass(eq=False)
class Work:
    """What the passes share.

    Attributes
    ----------
    n, spans
        Rows of the input, and the slices ``(start, stop)`` the passes visit them in.
    hits
        Rows each check caught (every pass).
    bad
        Rows with an error (every pass).
    gid
        GeoNames id of each row, -1 for none or invalid (pass 1); ``None`` without the column.
    city_code, country_code, year, mcode
        City, country, year (0 where bad) and measure code (-1 unknown) of each row (pass 2).
    value
        The values once one changed (a yes/no answer in words, a unit conversion; passes 2
        and 3); ``None`` while the input's own numbers stand.
    considered
        Rows that take part in the duplicate search (pass 2).
    runs
        Per slice, the runs of rows of one city (pass 2).
    year_min, year_max
        Years met among the considered rows (pass 2).
    verified
        The ``verified`` flag of each row (pass 3).
    ident, first_row, seen
        Each row's city identity, each identity's first row and whether it occurs (pass 4).
    """

    n: int
    spans: list[tuple[int, int]]
    hits: Hits = field(default_factory=Hits)
    bad: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    gid: NDArray[np.int32] | None = None
    city_code: NDArray[np.integer] = field(default_factory=_none)
    country_code: NDArray[np.integer] = field(default_factory=_none)
    year: NDArray[np.int16] = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    mcode: NDArray[np.integer] = field(default_factory=_none)
    value: NDArray[np.float64] | None = None
    considered: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    runs: list[Runs] = field(default_factory=list)
    year_min: int = 0
    year_max: int = 0
    verified: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    ident: NDArray[np.integer] = field(default_factory=_none)
    first_row: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    seen: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @classmethod
    def start(cls, n: int, chunk_rows: int) -> Work:
        spans = [(s, min(s + chunk_rows, n)) for s in range(0, n, chunk_rows)]
        return cls(n, spans, bad=np.zeros(n, dtype=bool))
