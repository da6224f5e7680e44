"""The serve command's gunicorn hooks: each worker warms the partner matchmaker."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from citydiplomacy.web import gunicorn_conf
from citydiplomacy.web.partners import services


class _Log:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def exception(self, message: str) -> None:
        self.errors.append(message)


@pytest.mark.django_db(transaction=True)
def test_a_worker_warms_the_matchmaker(geneva: Any, lyon: Any) -> None:
    services.clear_caches()
    worker = type("Worker", (), {"log": _Log()})()
    before = set(threading.enumerate())
    gunicorn_conf.post_worker_init(worker)
    for thread in set(threading.enumerate()) - before:
        if thread.name == "warm-caches":
            thread.join(timeout=60)
    assert not worker.log.errors
    assert services._cache, "the matchmaker was not built"


def test_a_failed_warm_up_is_logged_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("no database")

    monkeypatch.setattr(services, "matchmaker", broken)
    log = _Log()
    gunicorn_conf.warm_caches(log)
    assert log.errors == ["warming the partner matchmaker failed"]
