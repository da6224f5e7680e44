"""Benchmark the city registry: seeding from GeoNames, search and autocomplete times.

Run from the repository root::

    .venv/bin/python benchmarks/bench_registry.py [--repeat 9] [--data-dir DIR]
        [--database-url postgres://USER@HOST:5432/EMPTY_DATABASE]

In a fresh temporary data directory (SQLite there; or ``--data-dir``, emptied first; or the
empty database of ``--database-url``) it

1. migrates, then seeds the whole registry (``seed_registry``, as ``manage.py load_geonames``
   does): all countries, the ~34,000 cities of GeoNames' cities15000 and their ~325,000 names;
2. seeds again (idempotent: nothing to write) and checks that nothing changed;
3. times typical searches, each the median of ``--repeat`` runs: the search page's two queries
   (count and first page of 25) and the autocomplete's (``suggest``, 10 results), in the ORM;
   then the two views through Django's test client (in-process, no network).

Prints a Markdown table with the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench_engine import machine  # the benchmarks' one description of the machine

ROOT = Path(__file__).resolve().parents[1]
QUERIES = [
    "gen",
    "par",
    "new y",
    "francisco",
    "york",
    "sao paulo",
    "Женева",
    "ジュネーヴ",
    "CH",
    "Switzerland",
    "s",
]


def setup_django(data_dir: Path, database_url: str | None) -> None:
    """Django with its SQLite database in ``data_dir`` (a new, empty directory), or the
    database at ``database_url``."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ["CITYDIPLOMACY_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "citydiplomacy.web.settings"
    os.environ.setdefault("CITYDIPLOMACY_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def median_ms(action: Callable[[], Any], repeat: int) -> float:
    action()  # warm the caches once
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def run(repeat: int, data_dir: Path, database_url: str | None = None) -> None:
    setup_django(data_dir, database_url)
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from citydiplomacy.web.cities.models import City, CityName, CityWord
    from citydiplomacy.web.cities.services import seed_registry

    print(f"machine: {machine()}")
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    first = seed_registry()
    seed_s = time.perf_counter() - started
    started = time.perf_counter()
    second = seed_registry()
    reseed_s = time.perf_counter() - started
    unchanged = all(
        second[k]["created"] == second[k]["updated"] == 0
        for k in ("countries", "cities", "names", "words")
    )
    n_cities, n_names, n_words = (
        City.objects.count(),
        CityName.objects.count(),
        CityWord.objects.count(),
    )

    print()
    print("| step | figure |")
    print("|---|---|")
    print(f"| seed the full registry (fresh database) | {seed_s:.1f} s |")
    print(f"| seed again (idempotent; nothing changed: {unchanged}) | {reseed_s:.1f} s |")
    print(f"| rows | {n_cities:,} cities, {n_names:,} names, {n_words:,} later words |")
    print(f"| written by the first run | {first['names']['created']:,} names |")

    setup_test_environment()
    client = Client()
    print()
    print(f"Median of {repeat} runs, milliseconds; in the ORM and through the views (test client).")
    print()
    print(
        "| query | matches | search page (count + 25) | suggest (10) "
        "| GET /cities/ | GET autocomplete |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for q in QUERIES:

        def page(q: str = q) -> int:
            qs = City.objects.search(q).select_related("country")
            n = qs.count()
            list(qs[:25])
            return n

        count = page()
        page_ms = median_ms(page, repeat)
        suggest_ms = median_ms(lambda q=q: City.objects.suggest(q), repeat)
        view_ms = median_ms(lambda q=q: client.get("/cities/?" + urlencode({"q": q})), repeat)
        ac_ms = median_ms(
            lambda q=q: client.get("/cities/autocomplete/?" + urlencode({"q": q})), repeat
        )
        figures = " | ".join(f"{ms:.1f}" for ms in (page_ms, suggest_ms, view_ms, ac_ms))
        print(f"| `{q}` | {count:,} | {figures} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="runs per query (median)")
    parser.add_argument(
        "--data-dir", type=Path, help="data directory to use (emptied first); default: a temp dir"
    )
    parser.add_argument("--database-url", help="an empty database to use instead of SQLite")
    args = parser.parse_args()
    if args.data_dir:
        shutil.rmtree(args.data_dir, ignore_errors=True)
        args.data_dir.mkdir(parents=True)
        run(args.repeat, args.data_dir.resolve(), args.database_url)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-registry-") as tmp:
            run(args.repeat, Path(tmp), args.database_url)


if __name__ == "__main__":
    main()
