"""Capacity benchmark: the cohort heat map and a learning plan.

1. Heat map compute: 500 participants x 50 competencies (10 % unrated), 25 cities: the gaps,
   the per-city heat map (groups under five hidden), the per-person heat map and the cohort
   summary (:func:`citydiplomacy.core.capacity.gaps.heat_map`). Target: under 300 ms.
2. The cohort page: ``GET /capacity/programmes/<slug>/`` as the organiser (both heat maps,
   25,000 cells each for the per-person one, and the Wilcoxon tests of 50 competencies), in a
   SQLite database built once under ``--data-dir`` (Django's test client, in-process: server
   time). Target: under 1 s.
3. A learning plan from a catalogue of 200 modules (each addressing 2-6 of 50 competencies),
   exact (HiGHS) and greedy. Target: under 50 ms.

Usage::

    .venv/bin/python benchmarks/bench_capacity.py [--data-dir benchmarks/_data/capacity]
        [--repeat 15] [--skip-page]

Prints the median and the slowest of ``--repeat`` runs, the machine and its load average.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import machine
from citydiplomacy.core.capacity import gaps, plan

ROOT = Path(__file__).resolve().parent.parent
N_PEOPLE, N_COMP, N_CITIES, N_MODULES = 500, 50, 25, 200
SLUG = "bench-cohort"


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """Median and slowest wall time, and median CPU time of this process, in ms."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), max(wall), statistics.median(cpu)


def cohort_arrays(seed: int = 1) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    rng = np.random.default_rng(seed)
    ratings = rng.integers(1, 6, size=(N_PEOPLE, N_COMP)).astype(float)
    ratings[rng.random(ratings.shape) < 0.1] = np.nan
    targets = rng.integers(1, 6, size=(N_PEOPLE, N_COMP)).astype(float)
    cities = [f"City {i % N_CITIES:02d}" for i in range(N_PEOPLE)]
    people = [f"Person {i:03d}" for i in range(N_PEOPLE)]
    return targets, ratings, cities, people


def bench_heat_map(repeat: int) -> None:
    targets, ratings, cities, people = cohort_arrays()

    def run() -> None:
        gaps.heat_map(targets, ratings, cities)
        gaps.heat_map(targets, ratings, people, min_group=1)

    med, worst, cpu = timed(run, repeat)
    print(
        f"heat map compute, {N_PEOPLE} x {N_COMP}, by city and by person: "
        f"median {med:.1f} ms (CPU {cpu:.1f} ms), slowest {worst:.1f} ms (target < 300 ms)"
    )


def bench_plan(repeat: int) -> None:
    rng = np.random.default_rng(2)
    covers = np.zeros((N_MODULES, N_COMP), dtype=bool)
    for m in range(N_MODULES):
        covers[m, rng.choice(N_COMP, size=int(rng.integers(2, 7)), replace=False)] = True
    hours = rng.uniform(2, 40, N_MODULES)
    shortfall = np.clip(rng.integers(-2, 4, N_COMP), 0, None).astype(float)
    for method in ("auto", "greedy", "exact"):
        result = plan.learning_plan(shortfall, covers, hours, method=method)
        med, worst, cpu = timed(
            lambda m=method: plan.learning_plan(shortfall, covers, hours, method=m), repeat
        )
        proved = " (proved fewest)" if result.optimal else ""
        print(
            f"learning plan, {N_MODULES} modules x {N_COMP} competencies, {method}: "
            f"{len(result.modules)} modules{proved}, median {med:.1f} ms (CPU {cpu:.1f} ms), "
            f"slowest {worst:.1f} ms (target < 50 ms)"
        )


def framework_table() -> bytes:
    rows = []
    for i in range(N_COMP):
        d = f"D{i // 5}"
        rows.append(
            {
                "domain": d,
                "domain_name": f"Domain {d}",
                "domain_sources": "benchmark (synthetic)",
                "code": f"C{i:02d}",
                "name": f"Competency {i}",
                "description": "synthetic",
                **{f"level_{k}": f"level {k} of C{i:02d}" for k in range(1, 6)},
                "target_officer": str(1 + i % 5),
            }
        )
    return pd.DataFrame(rows).to_csv(index=False).encode()


def build(data_dir: Path) -> Any:
    os.environ["CITYDIPLOMACY_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydiplomacy.web.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from citydiplomacy.web.capacity import services
    from citydiplomacy.web.capacity.models import (
        Assessment,
        CapacityGrant,
        Participant,
        Person,
        Programme,
        Rating,
    )
    from citydiplomacy.web.cities.models import City, Country

    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    organiser, _ = user_model.objects.get_or_create(username="bench-organiser")
    if Programme.objects.filter(slug=SLUG).exists():
        return organiser
    t0 = time.perf_counter()
    admin, _ = user_model.objects.get_or_create(username="bench-admin", is_superuser=True)
    fv = services.import_framework(admin, framework_table(), "bench-framework.csv")
    CapacityGrant.objects.get_or_create(user=organiser, kind="organiser")
    country, _ = Country.objects.get_or_create(
        iso2="ZZ",
        defaults={
            "iso3": "ZZZ",
            "name": "Benchmark",
            "continent": "EU",
            "continent_name": "Europe",
        },
    )
    cities = [
        City.objects.get_or_create(
            id=99_000_000 + i,
            defaults={
                "name": f"Bench City {i}",
                "country": country,
                "latitude": 0,
                "longitude": 0,
                "population": 100_000,
            },
        )[0]
        for i in range(N_CITIES)
    ]
    programme = services.create_programme(
        organiser,
        slug=SLUG,
        name="Benchmark cohort",
        start_date=pd.Timestamp("2026-01-01").date(),
        end_date=pd.Timestamp("2026-06-01").date(),
    )
    _targets, ratings, _, _ = cohort_arrays()
    comp = list(fv.competencies.order_by("position").values_list("pk", flat=True))
    rng = np.random.default_rng(3)
    for i in range(N_PEOPLE):
        p = Person.objects.create(
            name=f"Person {i:03d}", city=cities[i % N_CITIES], role="officer", synthetic=True
        )
        Participant.objects.create(programme=programme, person=p)
        for phase, r in (
            ("before", ratings[i]),
            ("after", np.clip(ratings[i] + (rng.random(N_COMP) < 0.4), 1, 5)),
        ):
            a = Assessment.objects.create(person=p, framework=fv, phase=phase, rater="self")
            Rating.objects.bulk_create(
                Rating(assessment=a, competency_id=comp[k], level=int(v))
                for k, v in enumerate(r)
                if not np.isnan(v)
            )
    print(f"built the benchmark database in {time.perf_counter() - t0:.0f} s")
    return organiser


def bench_page(data_dir: Path, repeat: int) -> None:
    organiser = build(data_dir)
    from django.test import Client

    client = Client()
    client.force_login(organiser)
    url = f"/capacity/programmes/{SLUG}/"

    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert b'id="heat-person"' in response.content

    med, worst, cpu = timed(get, repeat)
    size = len(client.get(url).content) / 1e6
    print(
        f"cohort page ({N_PEOPLE} participants x {N_COMP} competencies, both heat maps, "
        f"{size:.1f} MB of HTML): median {med:.0f} ms (CPU {cpu:.0f} ms), slowest {worst:.0f} ms "
        "(target < 1 s)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "_data" / "capacity")
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--skip-page", action="store_true")
    args = ap.parse_args()
    print(machine())
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    bench_heat_map(args.repeat)
    bench_plan(args.repeat)
    if not args.skip_page:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        bench_page(args.data_dir, max(5, args.repeat // 3))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, line_buffering=True)
    main()
