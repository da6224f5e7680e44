"""Engagement benchmark: a declaration's public page with 10,000 signatures, and 20
concurrent signers.

Builds (once, then reuses) a database with the GeoNames registry and a declaration signed
by the 10,000 most populous registry cities (imported signatures), then measures

1. the server time of the public page ``/declarations/<slug>/`` (Django's test client
   in-process, anonymous, a random page of 50 signatures per request): median and p95,
   and the number of SQL queries per page; the CSV export of all signatures once;
2. 20 concurrent signers, each in its own thread and database connection, started together
   by a barrier: rounds of 20 representatives of 20 different cities (every signature must
   be stored) and rounds of 20 representatives of 10 cities, two per city (exactly 10
   signatures, 10 refusals, no duplicate). Lost and duplicated signatures are counted.

Usage::

    .venv/bin/python benchmarks/bench_engagement.py [--data-dir benchmarks/_data/engagement]
        [--requests 300] [--rounds 10]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h6_bench \\
        .venv/bin/python benchmarks/bench_engagement.py

With ``DATABASE_URL`` the database must exist (it is migrated and filled on first use).
The figures go into docs/performance-engagement.md by hand, with the machine they came from.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from bench_engine import machine  # the benchmarks' one description of the machine
from bench_web import log, setup_django

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-ten-thousand"
N_SIGNATURES = 10_000
SIGNERS = 20


def build() -> Any:
    """Registry and the declaration with 10,000 imported signatures (once)."""
    from django.core.management import call_command

    from citydiplomacy.web.cities.models import City
    from citydiplomacy.web.cities.services import seed_registry
    from citydiplomacy.web.engagement.models import Declaration, Signature

    call_command("migrate", verbosity=0)
    if City.objects.count() < 30_000:
        started = time.perf_counter()
        seed_registry()
        log(f"registry: {City.objects.count()} cities in {time.perf_counter() - started:.0f} s")
    decl, _ = Declaration.objects.get_or_create(
        slug=SLUG, defaults={"title": "Benchmark declaration", "status": "adopted"}
    )
    have = Signature.objects.filter(declaration=decl).count()
    if have < N_SIGNATURES:
        started = time.perf_counter()
        Signature.objects.filter(declaration=decl).delete()
        cities = list(
            City.objects.order_by("-population", "pk").values_list("pk", "country_id", "name")[
                :N_SIGNATURES
            ]
        )
        Signature.objects.bulk_create(
            [
                Signature(
                    declaration=decl,
                    city_id=pk,
                    country_id=cc,
                    signer_name=f"Mayor {i:05d}",
                    signer_title=f"Mayor of {name}",
                    source="imported",
                    source_name="benchmark list (synthetic)",
                    source_url="https://example.org/benchmark",
                    listed_place=name,
                )
                for i, (pk, cc, name) in enumerate(cities)
            ],
            batch_size=2000,
        )
        log(f"{N_SIGNATURES} signatures in {time.perf_counter() - started:.1f} s")
    return decl


def bench_page(n_requests: int) -> dict[str, float]:
    from django.db import connection
    from django.test import Client

    client = Client()
    pages = N_SIGNATURES // 50
    url = f"/declarations/{SLUG}/"
    for _ in range(5):  # warm up
        client.get(url)
    times = []
    rng = random.Random(6)
    for _ in range(n_requests):
        page = rng.randint(1, pages)
        started = time.perf_counter()
        response = client.get(f"{url}?page={page}")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(f"{url}?page={pages}")
    started = time.perf_counter()
    csv_response = client.get(f"{url}signatures.csv")
    csv_ms = (time.perf_counter() - started) * 1000
    assert csv_response.content.count(b"\n") == N_SIGNATURES + 1
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
        "queries": float(len(queries)),
        "csv_ms": csv_ms,
    }


def concurrent_round(round_no: int, per_city: int) -> tuple[int, int, int, int]:
    """One round of 20 simultaneous signers, ``per_city`` representatives per city.

    Returns (expected signatures, stored signatures, refusals, errors other than refusal).
    """
    from django.contrib.auth import get_user_model
    from django.db import connections

    from citydiplomacy.web.cities.models import City
    from citydiplomacy.web.engagement import services
    from citydiplomacy.web.engagement.models import Declaration, Representative, Signature

    decl = Declaration.objects.create(
        slug=f"bench-race-{per_city}-{round_no}-{time.time_ns()}",
        title="Race",
        status="adopted",
    )
    n_cities = SIGNERS // per_city
    cities = list(City.objects.order_by("-population", "pk")[:n_cities])
    users = get_user_model().objects
    signers = []
    for i in range(SIGNERS):
        user = users.create(username=f"bench-{decl.pk}-{i}")
        city = cities[i % n_cities]
        Representative.objects.create(user=user, city=city, title="Mayor", capacity="bench")
        signers.append((user, city))
    barrier = threading.Barrier(SIGNERS)
    outcome: list[Any] = [None] * SIGNERS

    def worker(i: int) -> None:
        try:
            barrier.wait()
            outcome[i] = services.sign(signers[i][0], decl, signers[i][1]).pk
        except Exception as exc:
            outcome[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(SIGNERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    stored = Signature.objects.filter(declaration=decl, withdrawn_at__isnull=True)
    distinct = stored.values("city_id").distinct().count()
    assert distinct == stored.count(), "duplicate signature for a city"
    refused = sum(isinstance(o, services.AlreadySignedError) for o in outcome)
    other = [
        o
        for o in outcome
        if isinstance(o, Exception) and not isinstance(o, services.AlreadySignedError)
    ]
    for o in other[:3]:
        log(f"  unexpected error: {o!r}")
    return n_cities, stored.count(), refused, len(other)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks/_data/engagement")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(args.data_dir)
    from django.db import connection

    log(f"machine: {machine()}")
    log(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    build()
    figures = bench_page(args.requests)
    log(
        f"public page, 10,000 signatures, {args.requests} random pages of 50: median "
        f"{figures['median_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, max "
        f"{figures['max_ms']:.1f} ms, {figures['queries']:.0f} SQL queries per page "
        "(target: under 300 ms)"
    )
    log(f"CSV export of 10,000 signatures: {figures['csv_ms']:.0f} ms")
    for per_city in (1, 2):
        lost = duplicates = refused_total = other_total = 0
        started = time.perf_counter()
        for r in range(args.rounds):
            expected, stored, refused, other = concurrent_round(r, per_city)
            lost += max(expected - stored, 0)
            duplicates += max(stored - expected, 0)
            refused_total += refused
            other_total += other
        log(
            f"{args.rounds} rounds of {SIGNERS} concurrent signers, {per_city} per city: "
            f"{lost} lost, {duplicates} duplicated, {refused_total} refused as already "
            f"signed, {other_total} other errors ({time.perf_counter() - started:.1f} s)"
        )


if __name__ == "__main__":
    main()
