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
        unit_cat = pd.Categorical(long["unit"])
        year_values = long["year"].to_numpy(dtype=np.int64)
        years = np.unique(year_values)
        measure_cat = pd.Categorical(long["measure"], categories=list(framework.measures))
        if (measure_cat.codes < 0).any():
            bad = sorted(set(long["measure"][measure_cat.codes < 0]))[:5]
            raise DataError(f"measure(s) not in framework '{framework.name}': {', '.join(bad)}")
        cube = np.full((len(years), len(unit_cat.categories), len(framework.measures)), np.nan)
        cube[np.searchsorted(years, year_values), unit_cat.codes, measure_cat.codes] = long[
            "value"
        ].to_numpy(dtype=np.float64)
        first = long.assign(_u=unit_cat.codes).drop_duplicates("_u").sort_values("_u")
        cols = [c for c in UNIT_COLUMNS if c in first.columns]
        units = first[cols].reset_index(drop=True)
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
