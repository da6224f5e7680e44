"""Report PDFs printed by a task: inline without a broker (the download answers with the PDF),
queued for a worker with one (the page says the PDF is being printed and refreshes itself until
it is ready), cached per document, and never served to someone who may not see what it holds.
On a real Redis and worker process: ``tests/web/test_tasks_redis_more.py``."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from citydiplomacy.reports.pdf import PdfUnavailableError
from citydiplomacy.reports.render import pdf_html
from citydiplomacy.web.celery_app import app
from citydiplomacy.web.reports import printing, tasks
from citydiplomacy.web.reports.views import report_for
from tests.web.engagement.test_accessibility import audit
from tests.web.profiles.conftest import ROLES, SEES_GENEVA_UNPUBLISHED, UNPUBLISHED_YEAR, client_for
from tests.web.profiles.html import parse
from tests.web.reports.test_downloads import url
from tests.web.test_tasks import celery_conf


def _fake(html: str) -> bytes:
    """A stand-in PDF that names the HTML it was printed from."""
    return b"%PDF-fake " + hashlib.sha256(html.encode()).hexdigest().encode()


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Print without a browser; the documents printed, in order."""
    documents: list[str] = []

    def fake(html: str) -> bytes:
        documents.append(html)
        return _fake(html)

    monkeypatch.setattr(printing, "print_pdf", fake)
    return documents


def test_inline_the_download_is_the_pdf_printed_once_per_document(
    cohort: Any, printed: list[str]
) -> None:
    assert app.conf.task_always_eager
    client = client_for(cohort.users, "anonymous")
    first = client.get(url(cohort.geneva.pk, "pdf", year=2023, lang="en"))
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert len(printed) == 1 and first.content == _fake(printed[0])
    again = client.get(url(cohort.geneva.pk, "pdf", year=2023, lang="en"))
    assert again.content == first.content and len(printed) == 1  # from the cache
    french = client.get(url(cohort.geneva.pk, "pdf", year=2023, lang="fr"))
    assert french.status_code == 200 and len(printed) == 2 and french.content != first.content


@pytest.mark.parametrize("year", [2023, UNPUBLISHED_YEAR])
def test_each_viewer_gets_the_pdf_of_what_they_may_see(
    cohort: Any, printed: list[str], year: int
) -> None:
    """Whoever asks first, a cached PDF is only served for the very document the viewer's own
    report prints: the secretariat's (unpublished peers) never to the public."""
    documents = set()
    for who in reversed(ROLES):  # those who see most first, so that their PDFs are cached
        response = client_for(cohort.users, who).get(url(cohort.geneva.pk, "pdf", year=year))
        if year == UNPUBLISHED_YEAR and who not in SEES_GENEVA_UNPUBLISHED:
            assert response.status_code == 404, who
            continue
        assert response.status_code == 200, who
        user = cohort.users.get(who) if who != "anonymous" else None
        report = report_for(user or AnonymousUser(), cohort.geneva, year, "en")
        assert report is not None
        assert response.content == _fake(pdf_html(report, "en")), who
        documents.add(response.content)
    # The viewers' documents differ (the secretariat's holds unpublished data): the check above
    # tells them apart.
    assert len(documents) > 1


def test_with_a_broker_the_page_says_it_is_being_printed_until_the_pdf_is_ready(
    cohort: Any, printed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[tuple[str, str]] = []
    monkeypatch.setattr(tasks.print_report, "delay", lambda *a: queued.append(a))
    client = client_for(cohort.users, "anonymous")
    pdf_url = url(cohort.geneva.pk, "pdf", year=2023, lang="en")
    with celery_conf(task_always_eager=False):
        waiting = client.get(pdf_url)
        assert waiting.status_code == 202 and not printed  # the web printed nothing
        assert waiting["Cache-Control"] == "no-store" and waiting["Retry-After"] == "2"
        assert "Content-Disposition" not in waiting
        page = parse(waiting.content)
        refresh = [m for m in page.iter("meta") if m.attrs.get("http-equiv") == "refresh"]
        assert refresh and refresh[0].attrs["content"] == "2"
        hrefs = [a.attrs.get("href", "") for a in page.iter("a")]
        assert pdf_url in hrefs and any("report.html?year=2023" in h for h in hrefs)
        assert "being printed" in waiting.content.decode()
        audit(waiting.content.decode())
        assert b"<script>" not in waiting.content  # CSP: no inline script
        # The page refreshes: still printing, and queued only once.
        assert client.get(pdf_url).status_code == 202
        assert len(queued) == 1
        tasks.print_report(*queued[0])  # the worker prints it
        ready = client.get(pdf_url)
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert ready.content == _fake(printed[0]) and len(printed) == 1
    assert 'filename="smart-city-profile-geneva-2023-en.pdf"' in ready["Content-Disposition"]


def test_a_worker_that_cannot_print_is_a_503_once_then_printing_is_tried_again(
    cohort: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(html: str) -> bytes:
        raise PdfUnavailableError("no Chromium found (set CITYDIPLOMACY_CHROMIUM)")

    monkeypatch.setattr(printing, "print_pdf", broken)
    queued: list[tuple[str, str]] = []
    monkeypatch.setattr(tasks.print_report, "delay", lambda *a: queued.append(a))
    client = client_for(cohort.users, "anonymous")
    pdf_url = url(cohort.geneva.pk, "pdf", year=2023)
    with celery_conf(task_always_eager=False):
        assert client.get(pdf_url).status_code == 202
        assert tasks.print_report(*queued[0]) == 0
        failed = client.get(pdf_url)
        assert failed.status_code == 503
        assert "CITYDIPLOMACY_CHROMIUM" in failed.content.decode()
        assert "HTML report" in failed.content.decode()
        assert client.get(pdf_url).status_code == 202 and len(queued) == 2  # tried again


def test_a_broker_that_refuses_the_task_is_a_503_not_a_page_that_waits_forever(
    cohort: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.print_report, "delay", refuse)
    with celery_conf(task_always_eager=False):
        response = client_for(cohort.users, "anonymous").get(
            url(cohort.geneva.pk, "pdf", year=2023)
        )
    assert response.status_code == 503 and "print queue" in response.content.decode()
