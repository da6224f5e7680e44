"""Text imports read by a task: inline without a broker (the upload answers with the text or
the form's error, as before), on a worker with one (the uploader's page says the file is being
read and refreshes itself until the text or the reason for refusing it is there); a refused
file stores nothing. On a real Redis and worker process: ``tests/web/test_tasks_redis_more.py``."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.celery_app import app
from citydiplomacy.web.recognition import tasks
from citydiplomacy.web.recognition.models import Document, Text, Version
from tests.web.engagement.test_accessibility import audit
from tests.web.profiles.html import parse
from tests.web.recognition.test_recognition_web import GERMAN, REV1
from tests.web.test_tasks import celery_conf


def _form(symbol: str, content: bytes, name: str = "t.txt") -> dict[str, Any]:
    return {
        "symbol": symbol,
        "title": "A synthetic resolution (test data)",
        "version": "zero draft",
        "stage": "draft",
        "source_url": "https://example.org/t",
        "file": SimpleUploadedFile(name, content, content_type="text/plain"),
    }


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A broker: the imports queued (not read), in order."""
    found: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(tasks.import_upload, "delay", lambda *a: found.append(a))
    with celery_conf(task_always_eager=False):
        yield found


def test_inline_the_task_reads_the_file_in_the_request(users: dict[str, Any]) -> None:
    assert app.conf.task_always_eager
    client = Client()
    client.force_login(users["analyst"])
    response = client.post(reverse("recognition:upload"), _form("A/TASK/1", REV1))
    text = Text.objects.get(version__document__symbol="A/TASK/1")
    assert response.status_code == 302 and response["Location"] == text.get_absolute_url()
    assert text.created_by == users["analyst"] and text.references_count >= 1


def test_with_a_broker_the_uploader_waits_on_a_page_that_refreshes(
    users: dict[str, Any], queued: list[Any]
) -> None:
    client = Client()
    client.force_login(users["analyst"])
    response = client.post(reverse("recognition:upload"), _form("A/TASK/2", REV1))
    assert response.status_code == 302 and len(queued) == 1
    assert not Document.objects.filter(symbol="A/TASK/2").exists()  # nothing read yet
    token = queued[0][0]
    page_url = reverse("recognition:import", args=[token])
    assert response["Location"] == page_url
    waiting = client.get(page_url)
    assert waiting.status_code == 202 and waiting["Cache-Control"] == "no-store"
    meta = [m for m in parse(waiting.content).iter("meta") if m.attrs.get("http-equiv")]
    assert meta and meta[0].attrs["content"] == "2" and b"<script>" not in waiting.content
    assert b"is being read" in waiting.content
    audit(waiting.content.decode())
    # Nobody else sees another's import (not even the secretariat), nor an unknown token.
    other = Client()
    other.force_login(users["admin"])
    assert other.get(page_url).status_code == 404
    assert client.get(reverse("recognition:import", args=["0" * 32])).status_code == 404
    anonymous = Client().get(page_url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))

    assert tasks.import_upload(*queued[0]) is not None  # the worker reads it
    text = Text.objects.get(version__document__symbol="A/TASK/2")
    done = client.get(page_url)
    assert done.status_code == 302 and done["Location"] == text.get_absolute_url()
    assert any("Imported English text" in str(m) for m in get_messages(done.wsgi_request))
    assert text.created_by == users["analyst"] and text.source_url == "https://example.org/t"


@pytest.mark.parametrize(("content", "name"), [(GERMAN, "de.txt"), (b"%PDF-1.4\n%%EOF", "s.pdf")])
def test_with_a_broker_a_refused_file_says_why_and_stores_nothing(
    users: dict[str, Any], queued: list[Any], content: bytes, name: str
) -> None:
    client = Client()
    client.force_login(users["admin"])
    client.post(reverse("recognition:upload"), _form("A/TASK/3", content, name))
    assert tasks.import_upload(*queued[0]) is None
    page = client.get(reverse("recognition:import", args=[queued[0][0]]))
    assert page.status_code == 200 and b"nothing was stored" in page.content
    assert b"http-equiv" not in page.content  # no more refreshing
    audit(page.content.decode())
    assert not Document.objects.filter(symbol="A/TASK/3").exists()
    assert not Version.objects.filter(document__symbol="A/TASK/3").exists()


def test_a_file_that_waited_too_long_is_refused_with_a_reason(
    users: dict[str, Any], queued: list[Any]
) -> None:
    from django.core.cache import cache

    client = Client()
    client.force_login(users["analyst"])
    client.post(reverse("recognition:upload"), _form("A/TASK/4", REV1))
    token, fields = queued[0]
    cache.delete("citydiplomacy:text-import-file:" + token)  # expired in the cache
    assert tasks.import_upload(token, fields) is None
    assert "upload it again" in (tasks.state(token) or {}).get("error", "")
    assert not Document.objects.filter(symbol="A/TASK/4").exists()


def test_a_broker_that_refuses_the_task_is_a_form_error(
    users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.import_upload, "delay", refuse)
    client = Client()
    client.force_login(users["analyst"])
    with celery_conf(task_always_eager=False):
        response = client.post(reverse("recognition:upload"), _form("A/TASK/5", REV1))
    assert response.status_code == 400 and b"could not be queued" in response.content
    assert not Document.objects.filter(symbol="A/TASK/5").exists()
