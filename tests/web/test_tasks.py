"""Background work without a broker (the embedded default): mail goes through the task inline,
rescoring runs off the request on one thread at a time and scores the latest data; with a
broker that refuses, nothing is lost. The same tasks on a real Redis and worker process:
``test_tasks_redis.py``."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pytest
from django.core import mail
from django.core.cache import cache
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from citydiplomacy.synthetic import synthetic_long
from citydiplomacy.web import tasks
from citydiplomacy.web.celery_app import app
from citydiplomacy.web.indicators import scoring, services
from citydiplomacy.web.indicators.models import ScoreSnapshot
from tests.web import factories

OTHERS = [("Lausanne", "CH"), ("Bonn", "DE"), ("Osaka", "JP")]


def make_cohort(users: dict[str, Any], geneva: Any, lyon: Any) -> list[Any]:
    """Synthetic KPI values of five cities, 2021-2022, published (scored by the tests)."""
    cities = [geneva, lyon] + [factories.city(n, cc) for n, cc in OTHERS]
    table = pd.DataFrame(
        {
            "city": [c.name for c in cities],
            "country": [c.country_id for c in cities],
            "geonames_id": [c.pk for c in cities],
            "population": [c.population for c in cities],
        }
    )
    long = synthetic_long(services.framework(), cities=table, years=range(2021, 2023), seed=3)
    buffer = io.StringIO()
    long.to_csv(buffer, index=False)
    checked = services.check_file(users["admin"], "c.csv", buffer.getvalue().encode())
    assert checked.ok
    services.write_values(users["admin"], checked.rows, via="test", check_permissions=False)
    for c in cities:
        services.publish(users["admin"], c, 2021)
    return cities


@pytest.fixture
def few_runs(settings: Any) -> None:
    settings.CITYDIPLOMACY_SENSITIVITY_RUNS = 8


def _rescore_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("rescore-")]


@contextmanager
def celery_conf(**values: Any) -> Iterator[None]:
    """Change the Celery app's configuration (read once from the Django settings) for a while."""
    before = {name: getattr(app.conf, name) for name in values}
    app.conf.update({f"CELERY_{name.upper()}": value for name, value in values.items()})
    try:
        yield
    finally:
        app.conf.update({f"CELERY_{name.upper()}": value for name, value in before.items()})


def test_without_a_broker_tasks_run_inline() -> None:
    from citydiplomacy.web import settings as configured  # pytest-django replaces the mail one

    assert not configured.CITYDIPLOMACY_BROKER_URL
    assert app.conf.task_always_eager
    assert configured.EMAIL_BACKEND == "citydiplomacy.web.tasks.QueuedEmailBackend"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("few_runs")
def test_rescoring_runs_off_the_request_once_and_scores_the_new_data(
    users: dict[str, Any], geneva: Any, lyon: Any, settings: Any
) -> None:
    cities = make_cohort(users, geneva, lyon)
    first = scoring.current_snapshot()
    assert first is not None
    settings.CITYDIPLOMACY_BACKGROUND_SCORING = True
    services.publish(users["admin"], cities[0], 2022)
    version = services.data_version()
    assert version > first.data_version

    served = scoring.current_snapshot()
    assert served is not None and served.pk == first.pk and scoring.is_stale(served)
    again = scoring.current_snapshot()  # another request meanwhile starts nothing more
    assert again is not None and again.pk == first.pk
    running = _rescore_threads()
    assert len(running) == 1
    running[0].join(timeout=120)
    assert ScoreSnapshot.objects.filter(data_version=version).exists()
    assert cache.get(tasks.RESCORE_CLAIM) is None  # released
    latest = scoring.current_snapshot()
    assert latest is not None and latest.data_version == version and not scoring.is_stale(latest)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("few_runs")
def test_a_change_while_rescoring_is_scored_before_the_claim_is_released(
    users: dict[str, Any], geneva: Any, lyon: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cities = make_cohort(users, geneva, lyon)
    start = services.data_version()
    calls: list[int] = []
    compute = scoring.compute_snapshot

    def compute_then_change(version: int | None = None) -> Any:
        calls.append(int(version or 0))
        snap = compute(version)
        if len(calls) == 1:  # the data change while the first version is scored
            services.publish(users["admin"], cities[1], 2022)
        return snap

    monkeypatch.setattr(scoring, "compute_snapshot", compute_then_change)
    assert cache.add(tasks.RESCORE_CLAIM, start, 60)
    assert tasks.rescore(start) == services.data_version()
    assert calls == [start, services.data_version()]
    assert cache.get(tasks.RESCORE_CLAIM) is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("few_runs")
def test_a_version_already_scored_is_not_scored_again(
    users: dict[str, Any], geneva: Any, lyon: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_cohort(users, geneva, lyon)
    snap = scoring.current_snapshot()
    assert snap is not None

    def fail(version: int | None = None) -> Any:
        raise AssertionError("scored twice")

    monkeypatch.setattr(scoring, "compute_snapshot", fail)
    assert tasks.rescore(snap.data_version) == snap.data_version


@pytest.mark.django_db
def test_a_broker_that_does_not_answer_loses_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.rescore, "delay", refuse)
    with celery_conf(task_always_eager=False):
        assert not tasks.schedule_rescore(7)
    assert cache.get(tasks.RESCORE_CLAIM) is None  # the next request tries again
    assert "could not queue the rescoring of data version 7" in caplog.text


@pytest.fixture
def queued_mail(settings: Any) -> Iterator[None]:
    settings.EMAIL_BACKEND = "citydiplomacy.web.tasks.QueuedEmailBackend"
    settings.CITYDIPLOMACY_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    yield


@pytest.mark.django_db
@pytest.mark.usefixtures("queued_mail")
def test_a_password_reset_mail_goes_through_the_task(client: Any, users: dict[str, Any]) -> None:
    user = users["editor"]
    user.email = "editor@example.org"
    user.save()
    sent: list[Any] = []
    original = tasks.send_email.delay
    tasks.send_email.delay = lambda data: sent.append(data) or original(data)  # type: ignore[method-assign]
    try:
        r = client.post("/accounts/password/reset/", {"email": "editor@example.org"})
    finally:
        tasks.send_email.delay = original  # type: ignore[method-assign]
    assert r.status_code == 302
    assert [d["to"] for d in sent] == [["editor@example.org"]]
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.usefixtures("queued_mail")
def test_a_message_with_a_mime_attachment_is_sent_directly() -> None:
    from email.mime.text import MIMEText

    message = mail.EmailMessage("s", "b", "a@example.org", ["b@example.org"])
    message.attach(MIMEText("x"))
    assert mail.get_connection().send_messages([message]) == 1
    assert len(mail.outbox) == 1


@hsettings(max_examples=40, deadline=None)
@given(
    subject=st.text(
        st.characters(blacklist_categories=("Cs", "Cc")), max_size=60
    ),  # headers have no line breaks
    body=st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
    html=st.none() | st.text(st.characters(blacklist_categories=("Cs",)), max_size=100),
    blob=st.binary(max_size=200),
)
def test_a_message_survives_the_queue(
    subject: str, body: str, html: str | None, blob: bytes
) -> None:
    import json

    message = mail.EmailMultiAlternatives(
        subject,
        body,
        "a@example.org",
        ["b@example.org"],
        bcc=["c@example.org"],
        headers={"X-Tag": "t"},
        reply_to=["r@example.org"],
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    message.attach("data.bin", blob, "application/octet-stream")
    message.attach("notes.txt", body, "text/plain")
    data = json.loads(json.dumps(tasks.message_data(message)))  # what the broker carries
    back = tasks.message_from_data(data)
    for field in ("subject", "body", "from_email", "to", "cc", "bcc", "reply_to", "extra_headers"):
        assert getattr(back, field) == getattr(message, field), field
    assert [tuple(a) for a in back.alternatives] == [tuple(a) for a in message.alternatives]
    assert [tuple(a) for a in back.attachments] == [tuple(a) for a in message.attachments]


# ------------------------------------------------------------------ the worker command
class ExecCalledError(Exception):
    """Raised instead of replacing the process (os.execv)."""


@pytest.fixture
def no_exec(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    import os

    calls: list[list[str]] = []

    def execv(path: str, args: list[str]) -> None:
        calls.append(list(args))
        raise ExecCalledError

    monkeypatch.setattr(os, "execv", execv)
    return calls


def test_the_worker_command_needs_a_broker(no_exec: list[list[str]]) -> None:
    from click.testing import CliRunner

    from citydiplomacy.cli import main

    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 2
    assert result.output.startswith("error: no broker: set CITYDIPLOMACY_BROKER_URL or REDIS_URL")
    assert no_exec == []


def test_the_worker_command_runs_celery_on_the_configured_queue(
    no_exec: list[list[str]], settings: Any
) -> None:
    from click.testing import CliRunner

    from citydiplomacy.cli import main

    settings.CITYDIPLOMACY_BROKER_URL = "redis://127.0.0.1:6379/9"
    settings.CELERY_TASK_DEFAULT_QUEUE = "cd-queue"
    result = CliRunner().invoke(main, ["worker", "--concurrency", "3"])
    assert isinstance(result.exception, ExecCalledError)
    (args,) = no_exec
    assert args[1:6] == ["-m", "celery", "--app", "citydiplomacy.web.celery_app", "worker"]
    assert args[args.index("--queues") + 1] == "cd-queue"
    assert args[args.index("--concurrency") + 1] == "3"


@pytest.mark.parametrize("flag", [[], ["--no-migrate"]])
def test_serve_migrates_unless_told_not_to(
    no_exec: list[list[str]], monkeypatch: pytest.MonkeyPatch, flag: list[str]
) -> None:
    from click.testing import CliRunner

    from citydiplomacy import cli_web
    from citydiplomacy.cli import main

    migrated: list[bool] = []
    monkeypatch.setattr(cli_web, "_migrate", lambda verbosity=0: migrated.append(True))
    monkeypatch.setenv("CITYDIPLOMACY_BACKGROUND_SCORING", "0")
    result = CliRunner().invoke(main, ["serve", *flag])
    assert isinstance(result.exception, ExecCalledError)
    assert migrated == ([] if flag else [True])
    assert "gunicorn" in no_exec[0]
