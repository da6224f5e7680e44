"""Web platform benchmark: city dashboard server time and the cities search under load.

Builds (once, then reuses) a SQLite database with the full GeoNames registry (about 34,000
cities) and 10 years of synthetic KPI data for 1,000 of them, scores the cohort, then measures

1. the city dashboard's server time (Django's test client in-process, as the analyst who sees
   every year; random city and year per request): median and p95;
2. ``GET /api/cities?search=...`` under 50 concurrent clients for 60 s against
   ``citydiplomacy serve`` (gunicorn), with wrk (Debian's package; installed when missing):
   requests, errors, median and p95 latency.

Usage::

    .venv/bin/python benchmarks/bench_web.py [--data-dir benchmarks/_data/web] [--cities 1000]
        [--years 10] [--requests 300] [--duration 60] [--connections 50] [--skip-load]

The figures go into docs/performance.md by hand, with the machine they came from.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_engine import machine  # the benchmarks' one description of the machine

ROOT = Path(__file__).resolve().parent.parent

SEARCHES = [
    "gen", "lon", "par", "new y", "san", "mos", "tok", "ber", "lyo", "mum", "sao", "cai",
    "lag", "ist", "mex", "kyi", "wars", "prag", "vien", "zur", "ジュネ", "жене", "bei", "shan",
    "del", "kar", "dha", "man", "bos", "chi", "ham", "mil", "rom", "mad", "bar", "lis", "osl",
    "hel", "sto", "cop", "ams", "bru", "dub", "edi", "gla", "bir", "lee", "she", "not", "yor",
]  # fmt: skip


def log(msg: str) -> None:
    print(msg, flush=True)


def setup_django(data_dir: Path) -> None:
    os.environ["CITYDIPLOMACY_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydiplomacy.web.settings")
    import django

    django.setup()


def build(n_cities: int, n_years: int, rescore: bool = False) -> None:
    """Registry, synthetic values for the ``n_cities`` largest cities, and a snapshot."""
    import pandas as pd
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from citydiplomacy.synthetic import synthetic_long
    from citydiplomacy.web.accounts.models import Membership
    from citydiplomacy.web.cities.models import City
    from citydiplomacy.web.cities.services import seed_registry
    from citydiplomacy.web.indicators import services
    from citydiplomacy.web.indicators.models import KpiValue, Publication
    from citydiplomacy.web.indicators.scoring import current_snapshot

    call_command("migrate", verbosity=0)
    if City.objects.count() < 30_000:
        started = time.perf_counter()
        seed_registry()
        log(f"registry: {City.objects.count()} cities in {time.perf_counter() - started:.0f} s")
    user_model = get_user_model()
    admin, made = user_model.objects.get_or_create(username="bench-admin")
    if made:
        admin.set_password("bench-password")
        admin.save()
        Membership.objects.create(user=admin, role="admin")
    analyst, made = user_model.objects.get_or_create(username="bench-analyst")
    if made:
        Membership.objects.create(user=analyst, role="analyst")
    if KpiValue.objects.values("city_id").distinct().count() < n_cities:
        # The largest cities, one per (name, country): the generator keys cities by name.
        cities, seen = [], set()
        for c in City.objects.order_by("-population")[: n_cities * 2]:
            if (c.name, c.country_id) not in seen and len(cities) < n_cities:
                seen.add((c.name, c.country_id))
                cities.append(c)
        table = pd.DataFrame(
            {
                "city": [c.name for c in cities],
                "country": [c.country_id for c in cities],
                "geonames_id": [c.pk for c in cities],
                "population": [c.population for c in cities],
            }
        )
        years = range(2025 - n_years, 2025)
        started = time.perf_counter()
        long = synthetic_long(services.framework(), cities=table, years=years, seed=7)
        buffer = io.StringIO()
        long.to_csv(buffer, index=False)
        checked = services.check_file(admin, "bench.csv", buffer.getvalue().encode())
        assert checked.ok, checked.problems[:5]
        log(f"checked {len(checked.rows):,} values in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        services.write_values(admin, checked.rows, via="benchmark", check_permissions=False)
        log(f"wrote them (with their audit rows) in {time.perf_counter() - started:.0f} s")
        Publication.objects.bulk_create(
            [Publication(city=c, year=y) for c in cities for y in years], ignore_conflicts=True
        )
        services.bump_data_version()
    if rescore:
        from citydiplomacy.web.indicators.models import ScoreSnapshot

        ScoreSnapshot.objects.all().delete()
    started = time.perf_counter()
    snap = current_snapshot()
    assert snap is not None
    log(
        f"snapshot: {snap.n_cities} cities x {len(snap.years)} years "
        f"({time.perf_counter() - started:.1f} s; {snap.seconds:.1f} s when computed)"
    )


def dashboard_times(n_requests: int) -> list[float]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from citydiplomacy.web.indicators.models import CityYearScore
    from citydiplomacy.web.indicators.scoring import current_snapshot

    setup_test_environment()
    snap = current_snapshot()
    pairs = list(CityYearScore.objects.filter(snapshot=snap).values_list("city_id", "year"))
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-analyst"))
    rng = random.Random(1)
    for city_id, year in rng.sample(pairs, 10):  # warm-up: imports, caches
        client.get(f"/cities/{city_id}/profile/?year={year}")
    times = []
    for city_id, year in rng.sample(pairs, n_requests):
        started = time.perf_counter()
        resp = client.get(f"/cities/{city_id}/profile/?year={year}")
        times.append(time.perf_counter() - started)
        assert resp.status_code == 200, (city_id, year, resp.status_code)
    return times


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


WRK_SCRIPT = """
local searches = {%s}
local i = 0
request = function()
  i = i + 1
  local q = searches[(i %% #searches) + 1]
  return wrk.format("GET", "/api/cities?search=" .. q)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%%d errors=%%d non2xx=%%d "
    .. "p50_ms=%%.1f p95_ms=%%.1f p99_ms=%%.1f\\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def distinct_prefixes(n: int) -> list[str]:
    """``n`` distinct 2-5 letter prefixes of registry city names (a cache-hostile mix)."""
    from citydiplomacy.web.cities.models import City

    rng = random.Random(3)
    names = list(City.objects.values_list("name", flat=True))
    out: set[str] = set()
    while len(out) < n:
        name = rng.choice(names)
        out.add(name[: rng.randint(2, 5)].lower())
    return sorted(out)


def load_test(data_dir: Path, duration: int, connections: int, searches: list[str]) -> str:
    if not shutil.which("wrk"):
        log("installing wrk (Debian package)")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    from urllib.parse import quote

    port = free_port()
    # Fifty clients from one address would meet the per-address API throttle (600/min by
    # default): the benchmark measures the search, not the throttle.
    env = dict(
        os.environ, CITYDIPLOMACY_DATA_DIR=str(data_dir), CITYDIPLOMACY_API_RATE="1000000/min"
    )
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "citydiplomacy"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        import urllib.request

        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/cities?search=gen", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("the server did not start")
        quoted = ", ".join(f'"{quote(s)}"' for s in searches)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(WRK_SCRIPT % quoted)
        # Five seconds of warm-up first (imports, connections, each worker's cache).
        warm = ["wrk", "-t2", f"-c{connections}", "-d5s", "-s", f.name, f"http://127.0.0.1:{port}"]
        subprocess.run(warm, capture_output=True, check=True)
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "-s",
                f.name,
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return next(line for line in out.splitlines() if line.startswith("RESULT"))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks/_data/web")
    parser.add_argument("--cities", type=int, default=1000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--skip-load", action="store_true", help="no load test")
    parser.add_argument("--distinct", type=int, default=5000, help="prefixes of the 2nd run")
    parser.add_argument("--rescore", action="store_true", help="score the cohort again")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    log(f"machine: {machine()}")
    setup_django(args.data_dir.resolve())
    build(args.cities, args.years, args.rescore)
    times = dashboard_times(args.requests)
    log(
        f"dashboard server time over {len(times)} requests: median "
        f"{statistics.median(times) * 1000:.1f} ms, p95 {percentile(times, 95) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms (target p95 < 150 ms)"
    )
    if not args.skip_load:
        result = load_test(args.data_dir.resolve(), args.duration, args.connections, SEARCHES)
        log(
            f"cities search, {len(SEARCHES)} typical prefixes, {args.connections} clients for "
            f"{args.duration} s: {result}"
        )
        log("(target: no error, p95 < 200 ms)")
        many = distinct_prefixes(args.distinct)
        result = load_test(args.data_dir.resolve(), args.duration, args.connections, many)
        log(f"cities search, {len(many)} distinct prefixes (mostly cache misses): {result}")


if __name__ == "__main__":
    main()
