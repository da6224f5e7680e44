"""Uploaded KPI files are read and checked by a task, not by the web request that received
them: inline in the embedded default (the upload is checked when the page answers), queued
for a worker with a broker (the upload's page says "being checked" and reloads itself until
the result is ready), under the upload limits of ``io/limits.py`` either way. The same on a
real Redis and worker process: ``test_tasks_redis.py``."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from citydiplomacy.io.limits import UPLOAD_LIMITS
from citydiplomacy.web import tasks
from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import KpiValue, Submission, SubmissionStatus
from tests.web.test_tasks import celery_conf

pytestmark = pytest.mark.django_db

GOOD = (
    "city,country,year,kpi,data_point,value,unit,source\n"
    "Geneva,CH,2023,EC-ICT-ICT-1C,,84.5,% of households,OFS 2023\n"
    "Geneva,CH,2024,EC-ICT-ICT-1C,,86,% of households,OFS 2024\n"
)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Checks handed to the task queue (recorded, not run)."""
    sent: list[int] = []
    monkeypatch.setattr(tasks.check_upload, "delay", lambda pk: sent.append(pk))
    return sent


def test_without_a_broker_the_upload_is_checked_by_the_task_inline(
    users: dict[str, Any], geneva: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[int] = []
    original = tasks.check_upload.delay
    monkeypatch.setattr(tasks.check_upload, "delay", lambda pk: ran.append(pk) or original(pk))
    sub = services.upload(users["editor"], "g.csv", GOOD.encode())
    assert ran == [sub.pk]
    assert sub.status == SubmissionStatus.READY
    assert (sub.n_rows, sub.n_created) == (2, 2)
    assert KpiValue.objects.count() == 0  # checked, nothing written


def test_with_a_broker_the_check_is_queued_after_the_upload_is_stored(
    users: dict[str, Any],
    geneva: Any,
    queued: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with (
        celery_conf(task_always_eager=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        sub = services.upload(users["editor"], "g.csv", GOOD.encode())
        assert queued == []  # not before the upload's transaction commits
    assert len(callbacks) == 1
    assert queued == [sub.pk]
    assert sub.status == SubmissionStatus.CHECKING
    assert sub.n_rows == 0 and sub.problems == []
    # What the worker then does.
    assert tasks.check_upload(sub.pk) == SubmissionStatus.READY
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.READY and sub.n_created == 2
    assert sub.checked_rows  # the commit will not read the file again
    # A task delivered twice changes nothing the second time.
    assert tasks.check_upload(sub.pk) is None


def test_the_page_says_being_checked_and_reloads_until_the_result_is_ready(
    users: dict[str, Any], geneva: Any, queued: list[int]
) -> None:
    client = _client(users["editor"])
    with celery_conf(task_always_eager=False):
        sub = services.upload(users["editor"], "g.csv", GOOD.encode())
    url = reverse("indicators:submission", args=[sub.pk])
    page = client.get(url).content.decode()
    assert "Being checked" in page
    assert 'id="check-pending"' in page
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', page)
    assert "Commit all" not in page
    # Committing meanwhile is refused, nothing written.
    client.post(url, {"action": "commit"})
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.CHECKING and KpiValue.objects.count() == 0

    tasks.check_upload(sub.pk)
    page = client.get(url).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "check-pending" not in page
    assert "Commit all 2 values" in page


def test_a_check_that_never_finishes_is_reported_and_can_be_discarded(
    users: dict[str, Any], geneva: Any, queued: list[int]
) -> None:
    client = _client(users["editor"])
    with celery_conf(task_always_eager=False):
        sub = services.upload(users["editor"], "g.csv", GOOD.encode())
    Submission.objects.filter(pk=sub.pk).update(uploaded_at=timezone.now() - timedelta(hours=1))
    url = reverse("indicators:submission", args=[sub.pk])
    page = client.get(url).content.decode()
    assert 'id="check-stalled"' in page
    assert 'http-equiv="refresh"' not in page  # no reloading for ever
    client.post(url, {"action": "discard"})
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.DISCARDED
    # A worker that gets to it later does not bring it back.
    assert tasks.check_upload(sub.pk) is None
    sub.refresh_from_db()
    assert sub.status == SubmissionStatus.DISCARDED


def test_the_upload_limits_hold_in_the_task(
    users: dict[str, Any], geneva: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "UPLOAD_LIMITS", dataclasses.replace(UPLOAD_LIMITS, max_rows=1))
    sub = services.upload(users["editor"], "g.csv", GOOD.encode())
    assert sub.status == SubmissionStatus.INVALID
    assert any("row" in p["message"] for p in sub.errors), sub.errors


def test_a_fault_while_checking_is_an_error_on_the_upload_not_a_500(
    users: dict[str, Any], geneva: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("reader fault")

    monkeypatch.setattr(services, "check_file", broken)
    client = _client(users["editor"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    f = SimpleUploadedFile("g.csv", GOOD.encode(), content_type="text/csv")
    resp = client.post(reverse("indicators:upload"), {"file": f}, follow=True)
    assert resp.status_code == 200
    sub = Submission.objects.get()
    assert sub.status == SubmissionStatus.INVALID
    assert [p["message"] for p in sub.errors] == [
        "the file could not be checked (an error on our side)"
    ]
