"""KPI data as a dense cube: years x units (cities) x measures.

The long table (one row per observation) is what readers and the database hold; the cube is
what the scoring stages compute on, so that every stage is a vectorised numpy operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import DataError

#: Columns of a validated long table (see :func:`citydiplomacy.core.validate.validate_long`).
LONG_COLUMNS = ("unit", "city", "country", "geonames_id", "year", "measure", "value")
UNIT_COLUMNS = ("unit", "city", "country", "geonames_id")


@dataclass(frozen=True, eq=False)
class Panel:
    """Observed values of many cities over many years.

    Attributes
    ----------
    units
        One row per city, in cube order: ``unit`` (key), ``city``, ``country`` (ISO 3166
        alpha-2), ``geonames_id`` (nullable), plus any extra attribute columns (e.g. groups
        used by group imputation).
    years
        Years in ascending order (axis 0).
    measures
        Measure codes in framework order (axis 2).
    values
        ``float64`` array of shape ``(len(years), len(units), len(measures))``; NaN = missing.
    """

    units: pd.DataFrame
    years: tuple[int, ...]
    measures: tuple[str, ...]
    values: NDArray[np.float64]

    @classmethod
    def from_long(cls, long: pd.DataFrame, framework: Framework) -> Panel:
        """Build the cube from a validated long table.

        Parameters
        ----------
        long
            Columns :data:`LONG_COLUMNS`; ``measure`` holds measure codes of ``framework``;
            extra columns named in ``units`` attributes are ignored here.
        framework
            Fixes the measure axis (all measures, reported or not).
        """
        if long.empty:
            raise DataError("no observations to score: the data table is empty")
        # Units in category order (sorted keys when the column is plain text): the codes of a
        # categorical column are used as they are, not hashed again.
        unit_cat = _categorical(long["unit"])
        if (unit_cat.codes < 0).any():
            raise DataError("rows without a unit (city key) in the data table")
        first_rows = _first_rows(unit_cat.codes, len(unit_cat.categories))
        if (first_rows < 0).any():  # categories without rows are not units
            unit_cat = unit_cat.remove_unused_categories()
            first_rows = first_rows[first_rows >= 0]
        measure_cat = _categorical(long["measure"], list(framework.measures))
        mcodes = measure_cat.codes
        if (mcodes < 0).any():
            bad = sorted(set(long["measure"][mcodes < 0]))[:5]
            raise DataError(f"measure(s) not in framework '{framework.name}': {', '.join(bad)}")
        year_values = long["year"].to_numpy()
        if year_values.dtype.kind not in "iu":
            year_values = year_values.astype(np.int64)
        years, position = _year_positions(year_values)
        n_units, n_measures = len(unit_cat.categories), len(framework.measures)
        cube = np.full((len(years), n_units, n_measures), np.nan)
        flat_cube = cube.reshape(-1)
        values = long["value"].to_numpy(dtype=np.float64)
        ucodes = unit_cat.codes
        # Each row's flat index into the cube, a slice of rows at a time: the slice's index
        # (8 MB) is reused, where one for every row would be 80 MB of fresh memory.
        for start in range(0, len(values), _SLICE_ROWS):
            stop = start + _SLICE_ROWS
            flat = position(year_values[start:stop])
            flat *= n_units
            flat += ucodes[start:stop]
            flat *= n_measures
            flat += mcodes[start:stop]
            flat_cube[flat] = values[start:stop]
        del flat_cube
        cols = [c for c in UNIT_COLUMNS if c in long.columns]
        # The first row of each unit: a few thousand rows taken, not the whole table copied.
        units = pd.DataFrame({c: long[c].take(first_rows).array for c in cols})
        units["unit"] = units["unit"].astype(str)
        return cls(units, tuple(int(y) for y in years), framework.measures, cube)

    # ---------------------------------------------------------------- views
    def year_index(self, year: int) -> int:
        """Position of ``year`` on axis 0."""
        try:
            return self.years.index(int(year))
        except ValueError:
            raise DataError(
                f"no data for year {year}; the data cover {', '.join(map(str, self.years))}"
            ) from None

    def select_years(self, years: list[int]) -> Panel:
        """A panel holding only ``years``."""
        idx = [self.year_index(y) for y in years]
        return Panel(self.units, tuple(self.years[i] for i in idx), self.measures, self.values[idx])

    def unit_index(self, city: str, country: str | None = None) -> int:
        """Position of a city on axis 1, by name (case-insensitive) and optional country."""
        names = self.units["city"].astype(str).str.lower()
        mask = names == city.strip().lower()
        if country:
            mask &= self.units["country"].astype(str).str.upper() == country.strip().upper()
        hits = np.flatnonzero(mask.to_numpy())
        if len(hits) == 0:
            raise DataError(f"no city {city!r}{f' ({country})' if country else ''} in the data")
        if len(hits) > 1:
            options = ", ".join(
                f"{self.units['city'].iloc[i]} ({self.units['country'].iloc[i]})" for i in hits
            )
            raise DataError(f"{city!r} is ambiguous: {options}; add --country")
        return int(hits[0])

    def to_long(self) -> pd.DataFrame:
        """The observed (non-missing) values as a long table."""
        y, u, m = np.nonzero(~np.isnan(self.values))
        out = self.units.iloc[u].reset_index(drop=True)
        out["year"] = np.asarray(self.years, dtype=np.int64)[y]
        out["measure"] = np.asarray(self.measures, dtype=object)[m]
        out["value"] = self.values[y, u, m]
        return out


def _categorical(column: pd.Series, categories: list[str] | None = None) -> pd.Categorical:
    """A column as a categorical (with these categories, if given), reusing its own codes."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cat = column.array
        assert isinstance(cat, pd.Categorical)
        if categories is None or list(cat.categories) == categories:
            return cat
        return cat.set_categories(categories)
    return pd.Categorical(column, categories=categories)


#: Rows per slice when building the cube.
_SLICE_ROWS = 1 << 20


def _year_positions(
    years: NDArray[np.integer[Any]],
) -> tuple[NDArray[np.int64], Callable[[NDArray[np.integer[Any]]], NDArray[np.int64]]]:
    """The distinct years (ascending), and a function giving rows' positions among them.

    The function maps a slice of ``years`` to a new int64 array of positions. Years span a
    few decades at most: a lookup table by year beats sorting or hashing ten million values.
    """
    if len(years) == 0:
        return np.zeros(0, dtype=np.int64), lambda part: np.zeros(len(part), dtype=np.int64)
    first, last = int(years.min()), int(years.max())
    if last - first > 10 * len(years) + 100_000:
        distinct = np.unique(years).astype(np.int64)
        return distinct, lambda part: np.searchsorted(distinct, part).astype(np.int64)
    span = last - first + 1
    present = np.zeros(span, dtype=bool)
    for start in range(0, len(years), _SLICE_ROWS):
        part = years[start : start + _SLICE_ROWS].astype(np.int64)
        part -= first
        present |= np.bincount(part, minlength=span) > 0
    lookup = np.cumsum(present) - 1

    def position(part: NDArray[np.integer[Any]]) -> NDArray[np.int64]:
        offset = part.astype(np.int64)
        offset -= first
        return lookup[offset]

    return np.flatnonzero(present) + first, position


def _first_rows(codes: NDArray[np.integer], n: int) -> NDArray[np.int64]:
    """Row of the first occurrence of each code ``0 .. n - 1``; -1 for codes that never occur.

    A code's first row starts a run of equal codes, and long tables come sorted by city:
    only the run starts are looked at.
    """
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.empty(len(codes), dtype=bool)
    change[0] = True
    np.not_equal(codes[1:], codes[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    distinct, first = np.unique(codes[starts], return_index=True)
    rows = np.full(n, -1, dtype=np.int64)
    rows[distinct] = starts[first]
    return rows
