"""Load benchmark: 50 concurrent clients against the production server on the demo database.

Starts ``citydiplomacy serve`` in production mode (gunicorn, ``CITYDIPLOMACY_ENV=production``
with the settings ``docs/deployment.md`` documents, as behind the TLS proxy it describes:
each client sends ``X-Forwarded-Proto: https`` and its own ``X-Forwarded-For`` address) on a
database built by ``citydiplomacy demo``, and drives it with its own load generator: one
asyncio task per client, each with one keep-alive HTTP/1.1 connection, sending its next
request as soon as the previous answer has arrived (a closed loop without think time, as
wrk does).

* Anonymous clients mix the public pages, each class equally often: home, the city search
  page, a city's page, a city's public profile (as the city page links it, the latest
  published year; one request in four another published year), events (the list or one
  event), declarations (the list or one), and the API's lists (cities, events, KPI values).
  A share of the city pages and searches (``--cold-share``, a quarter by default) asks for a
  random city of the registry or the start of a random city's name: pages no one asked for
  before, which the page cache cannot have kept, as a site's long tail of visits does.
* Logged-in clients first log in through the log-in form (the demo accounts of the editors
  of Geneva and Lyon), then open their city's dashboard (``/cities/<id>/profile/``): the
  latest year as the link gives it, one request in two another year of their city.

Every answer but a 200 is an error. It prints one line per page class and a Markdown table
(requests, errors, the share served from the page cache, median, p95, p99) with the targets
of issue 14 (public pages p95 < 500 ms, the dashboard p95 < 800 ms, no error), and the load
average before and after.

Usage::

    .venv/bin/python benchmarks/bench_load.py [--data-dir benchmarks/_data/load]
        [--clients 50] [--logged-in 10] [--duration 60] [--warmup 10] [--warm-rounds 2]
        [--workers 2] [--threads 4] [--cold-share 0.25] [--page-cache-seconds 0]
        [--url http://127.0.0.1:8000 --server-pgid PGID]

``--page-cache-seconds 0`` starts the server with the public page cache off, to measure what
the cache contributes.

The first run builds the demo database in ``--data-dir`` (``citydiplomacy demo``: the
registry and the demo data, a few minutes); later runs reuse it. With ``--url`` no server is
started and the one at that address is measured (it must answer as ``127.0.0.1``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITYDIPLOMACY = str(Path(sys.executable).parent / "citydiplomacy")
HOST = "127.0.0.1"
PASSWORD = "citydiplomacy-demo"  # the demo accounts' password (README)
#: Targets of issue 14 item 7: p95 in milliseconds per kind of page.
TARGETS = {"public": 500.0, "dashboard": 800.0}
SEARCHES = ["gen", "lyon", "par", "lon", "ber", "tok", "san", "mos", "new", "zur", "Genè", "wien"]


def log(msg: str) -> None:
    print(msg, flush=True)


# ------------------------------------------------------------------ the demo database
def build(data_dir: Path) -> None:
    """``citydiplomacy demo`` into ``data_dir`` when it has no demo data yet."""
    env = dict(os.environ, CITYDIPLOMACY_DATA_DIR=str(data_dir))
    env.pop("DATABASE_URL", None)
    if (data_dir / "citydiplomacy.sqlite3").exists() and (data_dir / ".demo-done").exists():
        return
    log(f"building the demo database in {data_dir} (citydiplomacy demo; a few minutes)")
    subprocess.run([CITYDIPLOMACY, "demo"], env=env, check=True)
    (data_dir / ".demo-done").write_text("citydiplomacy demo finished\n")


@dataclass
class Targets:
    """What the clients ask for, read from the demo database."""

    profiles: list[tuple[int, int]]  # published (city, year)
    cities: list[int]
    events: list[str]
    declarations: list[str]
    dashboards: dict[str, list[tuple[int, int]]]  # account -> (city, year) it opens
    registry: list[int]  # a sample of the whole registry: city pages nobody asked for yet
    prefixes: list[str]  # searches nobody made yet (the start of registry cities' names)
    cold_share: float = 0.0  # share of city pages and searches drawn from those two


def discover(data_dir: Path) -> Targets:
    """Published profiles, event and declaration slugs, and each account's dashboards."""
    os.environ["CITYDIPLOMACY_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydiplomacy.web.settings")
    import django

    django.setup()
    from citydiplomacy.web.engagement.models import Declaration, DeclarationStatus, Event
    from citydiplomacy.web.indicators.models import CityScore, Publication
    from citydiplomacy.web.indicators.scoring import current_snapshot

    snapshot = current_snapshot()  # scored once here, not by the first clients
    assert snapshot is not None, "the demo database has no KPI data"
    profiles = sorted(Publication.objects.values_list("city_id", "year"))
    scored = {
        city: sorted(int(y) for y in nodes)
        for city, nodes in CityScore.objects.filter(snapshot=snapshot).values_list(
            "city_id", "nodes"
        )
    }
    from citydiplomacy.web.cities.models import City

    def own(name: str) -> list[tuple[int, int]]:
        pk = City.objects.filter(name=name, pk__in=list(scored)).values_list("pk", flat=True)[0]
        return [(pk, y) for y in scored[pk]]

    sample = random.Random(2026).sample(list(City.objects.values_list("pk", flat=True)), 20_000)
    registry = sample[:10_000]
    names = list(City.objects.filter(pk__in=sample[10_000:]).values_list("name", flat=True))
    return Targets(
        profiles=profiles,
        cities=sorted({c for c, _ in profiles}),
        events=list(Event.objects.values_list("slug", flat=True)),
        declarations=list(  # drafts are not public
            Declaration.objects.exclude(status=DeclarationStatus.DRAFT).values_list(
                "slug", flat=True
            )
        ),
        dashboards={"geneva": own("Geneva"), "lyon": own("Lyon")},
        registry=registry,
        prefixes=sorted({name[:3].lower() for name in names if len(name) >= 3}),
    )


def public_request(rng: random.Random, t: Targets) -> tuple[str, str]:
    """(page class, path) of one anonymous request: each class equally often."""
    kind = rng.choice(["home", "search", "city", "profile", "events", "declarations", "api-list"])
    if kind == "home":
        return kind, "/"
    cold = rng.random() < t.cold_share
    if kind == "search":
        query = rng.choice(t.prefixes if cold else SEARCHES)
        return kind, "/cities/?q=" + urllib.parse.quote(query)
    if kind == "city":
        return kind, f"/cities/{rng.choice(t.registry if cold else t.cities)}/"
    if kind == "profile":
        if rng.random() < 0.75:
            return kind, f"/cities/{rng.choice(t.cities)}/profile/"
        city, year = rng.choice(t.profiles)
        return kind, f"/cities/{city}/profile/?year={year}"
    if kind == "events":
        return kind, rng.choice(["/events/", f"/events/{rng.choice(t.events)}/"])
    if kind == "declarations":
        return kind, rng.choice(["/declarations/", f"/declarations/{rng.choice(t.declarations)}/"])
    city, year = rng.choice(t.profiles)
    return kind, rng.choice(
        [
            "/api/cities?search=" + urllib.parse.quote(rng.choice(SEARCHES)),
            "/api/events",
            f"/api/kpi-values?city={city}&year={year}",
        ]
    )


# ------------------------------------------------------------------ the load generator
class Connection:
    """One keep-alive HTTP/1.1 connection; reopened when the server closes it."""

    def __init__(self, port: int, address: str) -> None:
        self.port, self.address = port, address
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = {}

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request, return status, headers (lower-case names) and body."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {HOST}",
            # What the TLS proxy of docs/deployment.md sets.
            "X-Forwarded-Proto: https",
            f"X-Forwarded-For: {self.address}",
            "Accept: text/html,application/json",
            "Accept-Encoding: gzip",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        got: dict[str, str] = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                name = name.strip().lower()
                if name == "set-cookie":
                    cookie = value.strip().split(";", 1)[0]
                    k, _, v = cookie.partition("=")
                    self.cookies[k] = v
                got[name] = value.strip()
        if got.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            content = b"".join(p[:-2] for p in parts)
        else:
            content = await self.reader.readexactly(int(got.get("content-length", "0")))
        if got.get("connection", "").lower() == "close":
            await self.close()
        return status, got, content


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    #: answers served from the page cache (``X-Page-Cache: hit``), per page class
    kept: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    recording: bool = False

    def add(self, kind: str, seconds: float, error: str | None, hit: bool = False) -> None:
        if not self.recording:
            return
        self.latencies[kind].append(seconds)
        self.kept[kind] += hit
        if error is not None:
            self.errors[kind] += 1
            if len(self.examples) < 10:
                self.examples.append(f"{kind}: {error}")


async def log_in(conn: Connection, username: str) -> None:
    """The log-in form, as a browser fills it: the CSRF cookie and token, then the post."""
    status, _, page = await conn.request("GET", "/accounts/login/")
    assert status == 200, f"log-in page: {status}"
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the log-in page"
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    status, _, _ = await conn.request(
        "POST",
        "/accounts/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/accounts/login/",
        },
    )
    assert status == 302, f"logging in as {username}: {status}"
    assert any("sessionid" in k for k in conn.cookies), "no session cookie after logging in"


async def client(
    n: int, port: int, targets: Targets, account: str | None, results: Results, stop: float
) -> None:
    rng = random.Random(n)
    conn = Connection(port, f"198.51.100.{n % 250 + 1}")
    if account is not None:
        await log_in(conn, account)
    while time.monotonic() < stop:
        if account is None:
            kind, path = public_request(rng, targets)
        else:
            city, year = rng.choice(targets.dashboards[account])
            query = f"?year={year}" if rng.random() < 0.5 else ""
            kind, path = "dashboard", f"/cities/{city}/profile/{query}"
        started = time.perf_counter()
        error = None
        hit = False
        try:
            status, headers, _ = await asyncio.wait_for(conn.request("GET", path), timeout=30)
            hit = headers.get("x-page-cache") == "hit"
            if status != 200:
                error = f"{status} {path}"
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            error = f"{type(exc).__name__} {path}"
            await conn.close()
        results.add(kind, time.perf_counter() - started, error, hit)
    await conn.close()


async def run_load(
    port: int, targets: Targets, clients: int, logged_in: int, warmup: float, duration: float
) -> tuple[Results, float]:
    results = Results()
    accounts = ["geneva", "lyon"]
    stop = time.monotonic() + warmup + duration
    tasks = [
        asyncio.create_task(
            client(
                i, port, targets, accounts[i % len(accounts)] if i < logged_in else None,
                results, stop,
            )
        )
        for i in range(clients)
    ]  # fmt: skip
    await asyncio.sleep(warmup)
    results.recording = True
    started = time.monotonic()
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, BaseException):  # a client that could not log in
            results.examples.append(f"client failed: {outcome!r}")
    return results, time.monotonic() - started


# ------------------------------------------------------------------ the server
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(
    data_dir: Path, workers: int, threads: int, page_cache_seconds: int | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """``citydiplomacy serve`` with the production settings of docs/deployment.md."""
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CITYDIPLOMACY_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        CITYDIPLOMACY_ENV="production",
        CITYDIPLOMACY_SECRET_KEY=secrets.token_urlsafe(50),
        CITYDIPLOMACY_ALLOWED_HOSTS=HOST,
        CITYDIPLOMACY_DATA_DIR=str(data_dir),
    )
    if page_cache_seconds is not None:
        env["CITYDIPLOMACY_PAGE_CACHE_SECONDS"] = str(page_cache_seconds)
    log_file = (data_dir / "bench-serve.log").open("wb")
    server = subprocess.Popen(
        [CITYDIPLOMACY, "serve", "--port", str(port), "--workers", str(workers),
         "--threads", str(threads)],
        env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    import http.client

    for _ in range(240):
        if server.poll() is not None:
            raise RuntimeError(f"serve exited; see {data_dir / 'bench-serve.log'}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/", headers={"X-Forwarded-Proto": "https"})
            if conn.getresponse().status == 200:
                return server, port
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the server did not answer within 120 s")


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of every live process of the process group ``pgid`` (the
    server: ``serve`` replaced by the gunicorn master, and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ...
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def wait_idle(pgid: int, limit: float = 300.0) -> float:
    """Wait until the server uses under a tenth of a core over two seconds: each worker's
    warm-up (the partner matchmaker, the tie-graph analysis) runs in background threads
    after it starts and after the first pages ask for them. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = group_cpu_seconds(pgid)
        time.sleep(2.0)
        if group_cpu_seconds(pgid) - before < 0.2:
            break
    return time.monotonic() - started


def warm_up(port: int, targets: Targets, rounds: int) -> None:
    """Every page the clients will ask for, a few times over, one at a time: each worker
    builds a city's profile parts and its report's recommendations once per data version,
    and the first view of a page costs several times a later one. The measurement is of a
    server that has seen its pages, as one that has run for a while has."""
    import http.client

    paths = ["/", "/events/", "/declarations/", "/api/events"]
    paths += [f"/events/{e}/" for e in targets.events]
    paths += [f"/declarations/{d}/" for d in targets.declarations]
    paths += ["/cities/?q=" + urllib.parse.quote(q) for q in SEARCHES]
    paths += ["/api/cities?search=" + urllib.parse.quote(q) for q in SEARCHES]
    for city in targets.cities:
        paths += [f"/cities/{city}/", f"/cities/{city}/profile/"]
    paths += [f"/cities/{c}/profile/?year={y}" for c, y in targets.profiles]
    paths += [f"/api/kpi-values?city={c}&year={y}" for c, y in targets.profiles]
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    for _ in range(rounds):
        for path in paths:
            conn.request("GET", path, headers={"X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            conn.close()  # a new connection: the next request may go to another worker


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


# ------------------------------------------------------------------ the report
def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def table(results: Results, seconds: float) -> str:
    """Markdown: one row per page class, then the public pages together and the dashboard."""
    rows = [
        "| pages | requests | errors | page cache hits | median ms | p95 ms | p99 ms | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]

    def row(name: str, values: list[float], errors: int, kept: int, target: str = "") -> str:
        ms = [v * 1000 for v in values]
        return (
            f"| {name} | {len(ms):,} | {errors} | {100 * kept / max(len(ms), 1):.0f} % | "
            f"{statistics.median(ms):.0f} | {percentile(ms, 95):.0f} | {percentile(ms, 99):.0f} "
            f"| {target} |"
        )

    public = [k for k in sorted(results.latencies) if k != "dashboard"]
    for kind in public:
        rows.append(row(kind, results.latencies[kind], results.errors[kind], results.kept[kind]))
    everything: list[float] = []
    for kind in public:
        everything.extend(results.latencies[kind])
    for name, values, errors, kept in (
        ("**public pages**", everything, sum(results.errors[k] for k in public),
         sum(results.kept[k] for k in public)),
        ("**city dashboard (logged in)**", results.latencies.get("dashboard", []),
         results.errors.get("dashboard", 0), results.kept.get("dashboard", 0)),
    ):  # fmt: skip
        if not values:
            continue
        goal = TARGETS["dashboard" if "dashboard" in name else "public"]
        met = percentile([v * 1000 for v in values], 95) < goal and errors == 0
        rows.append(
            row(
                name,
                values,
                errors,
                kept,
                f"p95 < {goal:.0f} ms, no error: {'met' if met else 'NOT met'}",
            )
        )
    total = sum(len(v) for v in results.latencies.values())
    rows.append("")
    rows.append(f"{total:,} requests in {seconds:.0f} s ({total / seconds:.1f} requests/s).")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks/_data/load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--logged-in", type=int, default=10, help="clients on the dashboard")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds not measured first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (serve's default)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--warm-rounds", type=int, default=2, help="visits of every page before the clients"
    )
    parser.add_argument(
        "--cold-share",
        type=float,
        default=0.25,
        help="share of city pages and searches asked for a random registry city or name start "
        "(pages no one asked for before: never warmed, rarely kept)",
    )
    parser.add_argument(
        "--page-cache-seconds",
        type=int,
        help="the server's CITYDIPLOMACY_PAGE_CACHE_SECONDS (0: the page cache off; default: "
        "the shipped setting)",
    )
    parser.add_argument("--url", help="measure a server already running (no build, no start)")
    parser.add_argument(
        "--server-pgid", type=int, help="with --url: its process group, to count its CPU time"
    )
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    from bench_engine import machine  # the benchmarks' one description of the machine

    log(f"machine: {machine()}")
    build(data_dir)
    targets = discover(data_dir)
    targets.cold_share = args.cold_share
    log(
        f"demo data: {len(targets.profiles)} published profiles of {len(targets.cities)} cities, "
        f"{len(targets.events)} events, {len(targets.declarations)} declarations"
    )
    server = None
    pgid = args.server_pgid
    if args.url:
        port = int(urllib.parse.urlsplit(args.url).port or 80)
    else:
        server, port = start_server(data_dir, args.workers, args.threads, args.page_cache_seconds)
        pgid = server.pid
    if pgid is not None:
        waited = wait_idle(pgid)
        warm_up(port, targets, args.warm_rounds)
        waited += wait_idle(pgid)
        rounds = args.warm_rounds
        log(f"server warmed up (every public page {rounds} times, then idle): {waited:.0f} s")
    load_before = os.getloadavg()
    cpu_before = os.times()
    server_cpu: list[float] = []

    async def measured() -> tuple[Results, float]:
        # The server's CPU time from the end of the warm-up to the end of the run.
        async def sample() -> None:
            await asyncio.sleep(args.warmup)
            if pgid is not None:
                server_cpu.append(group_cpu_seconds(pgid))

        sampler = asyncio.create_task(sample())
        outcome = await run_load(
            port, targets, args.clients, args.logged_in, args.warmup, args.duration
        )
        await sampler
        if pgid is not None:
            server_cpu.append(group_cpu_seconds(pgid))
        return outcome

    try:
        results, seconds = asyncio.run(measured())
    finally:
        if server is not None:
            stop_server(server)
    cpu = os.times()
    generator_cpu = (cpu.user + cpu.system) - (cpu_before.user + cpu_before.system)
    load_after = os.getloadavg()
    log(
        f"\n{args.clients} clients ({args.logged_in} logged in), {args.warmup:.0f} s warm-up, "
        f"{args.duration:.0f} s measured; serve --workers {args.workers} --threads "
        f"{args.threads} (production settings); {args.cold_share:.0%} of city pages and "
        f"searches cold; page cache "
        + ("off" if args.page_cache_seconds == 0 else "on (as shipped)")
    )
    log(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"(1 min); load generator CPU {generator_cpu:.1f} s"
    )
    if len(server_cpu) == 2:
        n = sum(len(v) for v in results.latencies.values())
        used = server_cpu[1] - server_cpu[0]
        log(
            f"server CPU while measured: {used:.1f} s, {1000 * used / max(n, 1):.1f} ms a "
            f"request ({used / seconds:.2f} of {os.cpu_count()} cores)"
        )
    log("")
    log(table(results, seconds))
    if results.examples:
        log("\nfirst errors:\n" + "\n".join(results.examples))


if __name__ == "__main__":
    main()
