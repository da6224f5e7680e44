"""API rate limit benchmark: the cost of counting one request, and a burst from several processes.

1. ``--calls`` checks of one client in one process, with the per-process memory cache and with
   Redis (``--redis``), at a limit no call reaches: the time the limit adds to an API request.
2. ``--processes`` processes at once, each making ``--per-process`` checks of one client at a
   limit of ``--limit`` a minute on Redis: how many pass in all (the limit is the deployment's,
   so exactly ``--limit`` must), and how many would with the memory cache (each process counts
   alone).

Usage::

    .venv/bin/python benchmarks/bench_rate_limit.py [--redis redis://127.0.0.1:6379/3]
        [--calls 3000] [--processes 4] [--per-process 60] [--limit 100]

The figures go into docs/performance.md by hand, with the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid

from bench_engine import machine  # the benchmarks' one description of the machine

CHILD = """
import json, sys, time, django
django.setup()
from django.test import RequestFactory
from citydiplomacy.web.api.api import RequesterThrottle
limit = RequesterThrottle(sys.argv[1])
request = RequestFactory().get("/api/cities", REMOTE_ADDR=sys.argv[2])
n = int(sys.argv[3])
started = time.perf_counter()
passed = sum(limit.allow_request(request) for _ in range(n))
print(json.dumps({"passed": passed, "seconds": time.perf_counter() - started}))
"""


def run_children(redis: str, rate: str, client: str, n: int, processes: int) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYDIPLOMACY_")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="citydiplomacy.web.settings",
        CITYDIPLOMACY_DATA_DIR=tempfile.mkdtemp(prefix="bench-rate-limit-"),
    )
    if redis:
        env["REDIS_URL"] = redis
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, rate, client, str(n)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    return [json.loads(p.communicate()[0]) for p in procs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--per-process", type=int, default=60)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    for label, redis in (("memory cache", ""), ("Redis", args.redis)):
        (one,) = run_children(redis, "1000000/min", f"bench-{uuid.uuid4().hex}", args.calls, 1)
        per_call = one["seconds"] / args.calls * 1000
        print(f"{label}: {per_call:.3f} ms per check ({args.calls} calls)")
    for label, redis in (("memory cache", ""), ("Redis", args.redis)):
        results = run_children(
            redis,
            f"{args.limit}/min",
            f"bench-{uuid.uuid4().hex}",
            args.per_process,
            args.processes,
        )
        passed = [r["passed"] for r in results]
        print(
            f"{label}: {args.processes} processes x {args.per_process} requests at "
            f"{args.limit}/min: {sum(passed)} passed {passed}"
        )


if __name__ == "__main__":
    main()
