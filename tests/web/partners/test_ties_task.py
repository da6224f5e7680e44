"""The tie-graph analysis as a task: inline without a broker (on a thread, from the request's
data), queued once with one, and its result shared through the cache by every process. On a
real Redis and worker process: ``tests/web/test_tasks_redis_more.py``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from citydiplomacy.web.celery_app import app
from citydiplomacy.web.partners import services, tasks
from citydiplomacy.web.partners.models import Partnership
from tests.web.test_tasks import celery_conf


def _no_analysis_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise AssertionError("analysed again instead of using the stored analysis")

    monkeypatch.setattr(services, "analyse", refuse)


def test_the_task_runs_inline_and_every_process_gets_its_result(
    recorded: Partnership, lyon: Any, bonn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app.conf.task_always_eager
    assert tasks.analyse_ties.delay().get() == 2  # inline: Lyon and Bonn
    assert tasks.stored_version() == services.ties_version()
    # Another process (an app server) has no copy of its own: it takes the stored one.
    services._analysis.clear()
    _no_analysis_here(monkeypatch)
    found = services.tie_analysis(wait=0)
    assert found is not None and set(found.metrics.index) == {lyon.pk, bonn.pk}
    page = Client().get("/partners/analysis/").content.decode()
    assert "being computed" not in page and "Bonn" in page


def test_without_a_broker_the_analysis_runs_on_a_thread_claimed_once(
    recorded: Partnership, lyon: Any
) -> None:
    found = services.tie_analysis(wait=30)
    assert found is not None and found.version == services.ties_version()
    assert cache.get(tasks.claim_key(found.version)) is None  # released when done
    assert tasks.stored() is not None and tasks.stored_version() == found.version


def test_with_a_broker_the_analysis_is_queued_once_and_the_page_does_not_wait(
    recorded: Partnership, lyon: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[str] = []
    monkeypatch.setattr(tasks.analyse_ties, "delay", lambda claim: queued.append(claim))
    monkeypatch.setattr(services, "ANALYSIS_WAIT", 0.05)
    with celery_conf(task_always_eager=False):
        page = Client().get("/partners/analysis/").content.decode()
        assert "being computed" in page
        assert Client().get(f"/partners/cities/{lyon.pk}/").status_code == 200
        assert len(queued) == 1  # the second page found the claim: nothing queued again
        assert not [
            t for t in __import__("threading").enumerate() if t.name.startswith("partners-")
        ]
        # The worker runs it (here, the task's function), and releases the claim.
        assert tasks.analyse_ties(queued[0]) == 2
        assert cache.get(queued[0]) is None
        page = Client().get("/partners/analysis/").content.decode()
    assert "being computed" not in page and "Bonn" in page


def test_a_broker_that_refuses_the_task_leaves_no_claim(
    recorded: Partnership, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(claim: str) -> None:
        raise OSError("broker down")

    monkeypatch.setattr(tasks.analyse_ties, "delay", refuse)
    with celery_conf(task_always_eager=False):
        assert services.tie_analysis(wait=0) is None
        assert cache.get(tasks.claim_key(services.ties_version())) is None  # the next one tries
        assert Client().get("/partners/analysis/").status_code == 200
