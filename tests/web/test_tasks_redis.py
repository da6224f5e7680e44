"""Background work on a real Redis and a real worker process, as several hosts run it.

A ``citydiplomacy worker`` is started as a subprocess on the test database, with Redis
(``CITYDIPLOMACY_TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/3``) as broker and shared
cache, on a queue of its own; this process plays a web server: it queues the work and checks
what the worker did. The API's rate limit is checked across processes on the same Redis.

Skipped, saying why, when Redis does not answer, unless ``CITYDIPLOMACY_REQUIRE_REDIS=1``
(scripts/test.sh sets it on CI) turns that into a failure; and on an in-memory SQLite test
database, which no other process can open (scripts/test.sh runs this file again on a SQLite
file, ``CITYDIPLOMACY_SQLITE_TEST_DB``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.mail import send_mail

from citydiplomacy.web import tasks
from citydiplomacy.web.celery_app import app
from citydiplomacy.web.indicators import scoring, services
from citydiplomacy.web.indicators.models import ScoreSnapshot
from tests.web.test_tasks import make_cohort

REDIS_URL = os.environ.get("CITYDIPLOMACY_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
CITYDIPLOMACY = str(Path(sys.executable).parent / "citydiplomacy")


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def redis_url() -> str:
    if not _redis_answers():
        reason = f"Redis at {REDIS_URL} does not answer (CITYDIPLOMACY_TEST_REDIS_URL)"
        if os.environ.get("CITYDIPLOMACY_REQUIRE_REDIS") == "1":
            pytest.fail(reason + "; CITYDIPLOMACY_REQUIRE_REDIS=1 requires it")
        pytest.skip(reason)
    return REDIS_URL


def _database_url(db: dict[str, Any]) -> str | None:
    """The URL another process opens the test database with (``None``: it cannot)."""
    name = str(db["NAME"])
    if db["ENGINE"] == "django.db.backends.sqlite3":
        if "memory" in name or name in ("", ":memory:"):
            return None
        return f"sqlite:///{name}"
    user = quote(str(db.get("USER") or ""))
    password = f":{quote(str(db['PASSWORD']))}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{name}"


@contextmanager
def celery_conf(**values: Any) -> Iterator[None]:
    before = {name: getattr(app.conf, name) for name in values}
    app.conf.update({f"CELERY_{name.upper()}": value for name, value in values.items()})
    try:
        yield
    finally:
        app.conf.update({f"CELERY_{name.upper()}": value for name, value in before.items()})


def _forget_connections() -> None:
    """Make the app connect anew with its current broker URL (Celery caches its pools)."""
    app._pool = None
    app.amqp._producer_pool = None


class Worker:
    def __init__(self, proc: subprocess.Popen[bytes], log: Path, mail_dir: Path) -> None:
        self.proc, self.log, self.mail_dir = proc, log, mail_dir

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def worker(
    redis_url: str, transactional_db: Any, tmp_path: Path, settings: Any
) -> Iterator[Worker]:
    """A worker process on the test database, and this process sending to it through Redis."""
    from django.db import connection

    database_url = _database_url(connection.settings_dict)
    if database_url is None:
        pytest.skip(
            "the in-memory SQLite test database cannot be opened by a worker process; "
            "set CITYDIPLOMACY_SQLITE_TEST_DB (scripts/test.sh does) or use PostgreSQL"
        )
    queue = f"citydiplomacy-test-{uuid.uuid4().hex[:12]}"
    data_dir = tmp_path / "worker-var"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CITYDIPLOMACY_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CITYDIPLOMACY_BROKER_URL=redis_url,
        CITYDIPLOMACY_TASK_QUEUE=queue,
        CITYDIPLOMACY_DATA_DIR=str(data_dir),
        CITYDIPLOMACY_SENSITIVITY_RUNS="8",  # as the tests set it here
        CITYDIPLOMACY_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [CITYDIPLOMACY, "worker", "--concurrency", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    w = Worker(proc, log, data_dir / "mail")
    # This process sends to the worker's queue and shares its cache.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    try:
        deadline = time.monotonic() + 90
        while " ready." not in w.output():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start:\n{w.output()[-3000:]}")
            time.sleep(0.3)
        with celery_conf(task_always_eager=False, broker_url=redis_url, task_default_queue=queue):
            _forget_connections()
            yield w
        _forget_connections()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        _drop_queue(redis_url, queue)


def _drop_queue(redis_url: str, queue: str) -> None:
    """Remove the test queue's keys from Redis (kombu keeps its bindings forever)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def _wait_for(condition: Any, seconds: float, what: str, w: Worker) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds:.0f} s; worker log:\n{w.output()[-3000:]}")
        time.sleep(0.25)


def test_rescoring_after_a_change_runs_on_the_worker(
    worker: Worker, users: dict[str, Any], geneva: Any, lyon: Any, settings: Any
) -> None:
    settings.CITYDIPLOMACY_SENSITIVITY_RUNS = 8
    cache.delete(tasks.RESCORE_CLAIM)  # one left by an interrupted run
    cities = make_cohort(users, geneva, lyon)
    first = scoring.current_snapshot()  # the first snapshot is computed in the request
    assert first is not None
    settings.CITYDIPLOMACY_BACKGROUND_SCORING = True
    services.publish(users["admin"], cities[0], 2022)
    version = services.data_version()

    served = scoring.current_snapshot()
    assert served is not None and served.pk == first.pk and scoring.is_stale(served)
    assert cache.get(tasks.RESCORE_CLAIM) == version  # claimed in Redis, for every process
    assert not [t for t in __import__("threading").enumerate() if t.name.startswith("rescore-")]
    # Another web process finding the same stale data queues nothing more.
    assert not tasks.schedule_rescore(version)

    _wait_for(
        lambda: ScoreSnapshot.objects.filter(data_version=version).exists(),
        180,
        "the worker did not store the new snapshot",
        worker,
    )
    _wait_for(
        lambda: cache.get(tasks.RESCORE_CLAIM) is None,
        30,
        "the worker did not release the claim",
        worker,
    )
    assert "citydiplomacy.rescore" in worker.output()
    latest = scoring.current_snapshot()
    assert latest is not None and latest.data_version == version


def test_mail_is_sent_by_the_worker(worker: Worker, settings: Any) -> None:
    settings.EMAIL_BACKEND = "citydiplomacy.web.tasks.QueuedEmailBackend"
    subject = f"Password reset {uuid.uuid4().hex[:8]}"
    assert send_mail(subject, "Follow the link.", "a@example.org", ["b@example.org"]) == 1

    def written() -> str:
        if not worker.mail_dir.is_dir():
            return ""
        return "".join(p.read_text(errors="replace") for p in worker.mail_dir.iterdir())

    # The file appears before the message is written into it: wait for the message.
    _wait_for(lambda: subject in written(), 60, "the worker wrote no mail", worker)
    assert "To: b@example.org" in written()


def test_an_upload_is_checked_by_the_worker(
    worker: Worker, users: dict[str, Any], geneva: Any
) -> None:
    from citydiplomacy.web.indicators.models import Submission, SubmissionStatus
    from tests.web.test_tasks_uploads import GOOD

    sub = services.upload(users["editor"], "g.csv", GOOD.encode())
    # The web process stored the file and queued its check; it read nothing.
    assert sub.status == SubmissionStatus.CHECKING and sub.n_rows == 0

    def checked() -> bool:
        return Submission.objects.get(pk=sub.pk).status != SubmissionStatus.CHECKING

    _wait_for(checked, 120, "the worker did not check the upload", worker)
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.READY, sub.problems
    assert (sub.n_rows, sub.n_created) == (2, 2)
    assert sub.checked_rows
    assert "citydiplomacy.check_upload" in worker.output()


# ------------------------------------------------------------------ the shared rate limit
COUNT_SCRIPT = textwrap.dedent(
    """
    import json, sys, django
    django.setup()
    from django.test import RequestFactory
    from citydiplomacy.web.api.api import RequesterThrottle
    limit = RequesterThrottle(sys.argv[1])
    request = RequestFactory().get("/api/cities", REMOTE_ADDR=sys.argv[2])
    print(json.dumps(sum(limit.allow_request(request) for _ in range(int(sys.argv[3])))))
    """
)


def test_the_api_rate_limit_is_shared_by_every_process(redis_url: str, tmp_path: Path) -> None:
    """Four processes (four gunicorn workers, or hosts) on one Redis: the limit is the whole
    deployment's. Counted per process before, 4 x 60 requests all passed a limit of 100."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYDIPLOMACY_")}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="citydiplomacy.web.settings",
        REDIS_URL=redis_url,
        CITYDIPLOMACY_DATA_DIR=str(tmp_path / "var"),
    )
    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:6]}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", COUNT_SCRIPT, "100/min", address, "60"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    passed = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        passed.append(json.loads(out))
    assert sum(passed) == 100, passed


def test_a_burst_on_the_production_server_gets_exactly_the_limit(
    redis_url: str, tmp_path: Path
) -> None:
    """The issue's case over HTTP: ``citydiplomacy serve`` in production with two gunicorn
    workers and REDIS_URL; a burst of 140 concurrent API requests from one client at a limit
    of 100 a minute gets 100 answers and 40 refusals (429 with Retry-After), whichever worker
    answers. Counted per worker process, both workers answered up to 100 each."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.web.test_production import Server, _free_port, production_env

    env = production_env(tmp_path / "var")
    env.update(REDIS_URL=redis_url, CITYDIPLOMACY_API_RATE="100/min")
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [CITYDIPLOMACY, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, tmp_path / "var", log)
    # One client, behind the TLS proxy that appended the address it saw (a fresh one per run,
    # so that an earlier run's count in Redis does not matter).
    client = f"192.0.2.{uuid.uuid4().int % 254 + 1}, 198.51.{uuid.uuid4().int % 256}.7"
    headers = {"X-Forwarded-For": client}
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited:\n{log.read_text()[-3000:]}")
            try:
                server.get("/accounts/login/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"serve did not answer:\n{log.read_text()[-3000:]}")
                time.sleep(0.5)
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda _: server.get("/api/cities", **headers), range(140)))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    codes = [response.status for response, _ in answers]
    assert codes.count(200) == 100, codes
    assert codes.count(429) == 40, codes
    refused = [response for response, _ in answers if response.status == 429]
    assert all(1 <= int(r.getheader("Retry-After", "0")) <= 60 for r in refused)
