"""KPI data as a dense cube: years x units (cities) x measures.

The long table (one row per observation) is what readers and the database hold; the cube is
what the scoring stages compute on, so that every stage is a vectorised numpy operation.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        year_values = long["year"].to_numpy(dtype=np.int64)
        years, flat = _year_positions(year_values)
        n_units, n_measures = len(unit_cat.categories), len(framework.measures)
        # One flat index into the cube, built in place: no full-size temporaries beyond it.
        flat *= n_units
        flat += unit_cat.codes
        flat *= n_measures
        flat += mcodes
        cube = np.full((len(years), n_units, n_measures), np.nan)
        cube.reshape(-1)[flat] = long["value"].to_numpy(dtype=np.float64)
        del flat
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


def _year_positions(years: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The distinct years (ascending) and each row's position among them.

    Years span a few decades at most: counting beats sorting or hashing ten million values.
    """
    first, last = int(years.min()), int(years.max())
    if last - first > 10 * len(years) + 100_000:
        distinct, positions = np.unique(years, return_inverse=True)
        return distinct, positions.astype(np.int64)
    offset = years - first
    present = np.bincount(offset, minlength=last - first + 1) > 0
    lookup = np.cumsum(present) - 1
    np.take(lookup, offset, out=offset)
    return np.flatnonzero(present) + first, offset


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
