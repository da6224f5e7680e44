"""KPI upload benchmark: check + preview, commit, an unchanged re-upload, and the commit of an
invalid upload (which must not read its file again).

Builds a fresh SQLite database in a temporary directory with ``--cities`` registry cities and
synthetic values for ``--years`` years, then times, as the secretariat:

1. upload of the whole file (engine checks, registry matching, preview) and its commit;
2. the same file again: upload and commit (every value unchanged: nothing written);
3. a file with one value changed per city: upload and commit;
4. an XLSX of the same rows with one bad row: upload, then ``--attempts`` commits of it.

Usage::

    .venv/bin/python benchmarks/bench_upload.py [--cities 100] [--years 3] [--attempts 3]

Run it with ``PYTHONPATH`` set to another checkout's ``src`` to time that code on the same
data. The figures go into docs/performance.md by hand, with the machine they came from.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_engine import machine  # the benchmarks' one description of the machine


def timed(label: str, fn: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    try:
        result = fn()
    except Exception as exc:  # an invalid commit raises: its time is what we measure
        result = exc
    print(f"{label:<58} {time.perf_counter() - started:8.2f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=100)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--attempts", type=int, default=3)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="bench-upload-")
    os.environ["CITYDIPLOMACY_DATA_DIR"] = tmp.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydiplomacy.web.settings")
    import django

    django.setup()
    import pandas as pd
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    import citydiplomacy
    from citydiplomacy.synthetic import synthetic_long
    from citydiplomacy.web.accounts.models import Membership
    from citydiplomacy.web.cities.models import City, Country
    from citydiplomacy.web.indicators import services

    print(machine(), file=sys.stderr)
    print(f"code: {Path(citydiplomacy.__file__).parent}", file=sys.stderr)
    call_command("migrate", verbosity=0)
    country, _ = Country.objects.get_or_create(
        iso2="CH",
        defaults={
            "iso3": "CHE",
            "name": "Switzerland",
            "continent": "EU",
            "continent_name": "Europe",
        },
    )
    cities = [
        City.objects.create(
            id=9_000_000 + i,
            name=f"Benchville {i:04d}",
            country=country,
            latitude=46.0,
            longitude=6.0,
            population=100_000 + i,
        )
        for i in range(args.cities)
    ]
    admin = get_user_model().objects.create(username="bench-admin")
    Membership.objects.create(user=admin, role="admin")
    table = pd.DataFrame(
        {
            "city": [c.name for c in cities],
            "country": ["CH"] * len(cities),
            "geonames_id": [c.pk for c in cities],
            "population": [c.population for c in cities],
        }
    )
    long = synthetic_long(
        services.framework(), cities=table, years=range(2024 - args.years, 2024), seed=3
    )
    long = long.drop(columns=["verified"], errors="ignore")
    csv = long.to_csv(index=False).encode()
    print(f"{len(long):,} values, CSV {len(csv):,} bytes", file=sys.stderr)

    sub = timed("1. upload, all new", lambda: services.upload(admin, "a.csv", csv))
    timed("   commit", lambda: services.commit(admin, sub))
    sub = timed("2. same file again: upload", lambda: services.upload(admin, "b.csv", csv))
    timed("   commit (nothing changes)", lambda: services.commit(admin, sub))
    changed = long.copy()
    first_of_city = ~changed.duplicated("city")
    changed.loc[first_of_city, "value"] = changed.loc[first_of_city, "value"] * 0.5
    csv_changed = changed.to_csv(index=False).encode()
    sub = timed(
        f"3. one value changed per city ({first_of_city.sum()}): upload",
        lambda: services.upload(admin, "c.csv", csv_changed),
    )
    timed("   commit", lambda: services.commit(admin, sub))
    bad = pd.concat([long, long.head(1).assign(kpi="XX-NOPE")], ignore_index=True)
    buffer = io.BytesIO()
    bad.to_excel(buffer, index=False)
    xlsx = buffer.getvalue()
    print(f"invalid XLSX {len(xlsx):,} bytes", file=sys.stderr)
    sub = timed("4. invalid XLSX: upload", lambda: services.upload(admin, "d.xlsx", xlsx))
    for i in range(args.attempts):
        outcome = timed(f"   commit attempt {i + 1} (refused)", lambda: services.commit(admin, sub))
        assert isinstance(outcome, Exception), "an invalid upload was committed"
    tmp.cleanup()


if __name__ == "__main__":
    main()
