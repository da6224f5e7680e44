"""Build the packaged open city facts from the downloaded sources (run by hand, not at run time).

Reads, from a folder holding the original downloads (given on the command line):

* ``city_indicators/undata_city_population_2024/UNdata_city_population_20240220.csv`` (UNSD
  Demographic Statistics, city population by sex, city and city type), and
* ``city_indicators/net_zero_tracker_2022/nzt_cities_2022-12-20.csv`` (Net Zero Tracker, city
  rows of the 2022-12-20 snapshot),

and writes into ``src/citydiplomacy/data/city_facts/``:

* ``undata_city_population.csv``: the latest year of each (country, city, city type), both
  sexes, with its record type and reliability (footnote rows dropped);
* ``net_zero_tracker_cities.csv``: the target columns of the city rows.

Usage::

    python scripts/build_city_facts.py SOURCE_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src/citydiplomacy/data/city_facts"

NZT_COLUMNS = [
    "id_code",
    "name",
    "country",
    "end_target",
    "end_target_year",
    "end_target_percentage_reduction",
    "end_target_baseline_year",
    "end_target_status",
    "interim_target",
    "interim_target_percentage_reduction",
    "interim_target_baseline_year",
    "interim_target_year",
    "source_url",
    "last_updated",
]


def build(source: Path) -> None:
    undata = pd.read_csv(
        source / "city_indicators/undata_city_population_2024/UNdata_city_population_20240220.csv",
        dtype=str,
    )
    undata = undata[undata["Sex"].eq("Both Sexes") & undata["Area"].eq("Total")].copy()
    undata["Year"] = undata["Year"].astype(int)
    undata["Value"] = pd.to_numeric(undata["Value"])
    latest = (
        undata.sort_values("Year")
        .groupby(["Country or Area", "City", "City type"], as_index=False)
        .last()
    )
    latest = latest.rename(
        columns={
            "Country or Area": "country_or_area",
            "Year": "year",
            "City": "city",
            "City type": "city_type",
            "Record Type": "record_type",
            "Reliability": "reliability",
            "Value": "population",
        }
    )[["country_or_area", "city", "city_type", "year", "population", "record_type", "reliability"]]
    latest["population"] = latest["population"].round().astype("int64")
    latest.sort_values(["country_or_area", "city", "city_type"]).to_csv(
        OUT / "undata_city_population.csv", index=False
    )

    nzt = pd.read_csv(
        source / "city_indicators/net_zero_tracker_2022/nzt_cities_2022-12-20.csv", dtype=str
    )
    nzt[NZT_COLUMNS].to_csv(OUT / "net_zero_tracker_cities.csv", index=False)
    print(f"{len(latest)} UNdata city populations, {len(nzt)} Net Zero Tracker cities -> {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/build_city_facts.py SOURCE_DIR")
    build(Path(sys.argv[1]))
