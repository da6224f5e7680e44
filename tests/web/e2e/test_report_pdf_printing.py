"""A report PDF printed by a worker, in Chromium: the download link waits for it (JavaScript
asks again while the server answers 202 "being printed"), and without JavaScript the "being
printed" page refreshes itself (a meta refresh: the CSP forbids inline scripts) until the
download comes."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from citydiplomacy.web.reports import tasks
from tests.web.e2e.test_profile_layout import geneva  # noqa: F401  # the published cohort
from tests.web.test_tasks import celery_conf

pytestmark = pytest.mark.django_db(transaction=True)

LINK = "PDF, English: the 2023 Smart City Profile report"


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A broker whose "worker" (a thread of this process, sharing its cache) prints each
    queued PDF a second later."""

    def later(*args: Any) -> None:
        threading.Timer(1.0, tasks.print_report, args=args).start()

    monkeypatch.setattr(tasks.print_report, "delay", later)
    cache.clear()  # no PDF printed by an earlier test
    with celery_conf(task_always_eager=False):
        yield


def test_the_download_link_waits_while_a_worker_prints(
    page: Any,
    geneva: Any,  # noqa: F811
    workers: Any,
    tmp_path: Path,
) -> None:
    page.goto(f"/cities/{geneva.pk}/profile/")
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if "report.pdf" in r.url else None)
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("link", name=LINK).click()
    assert info.value.suggested_filename == "smart-city-profile-geneva-2023-en.pdf"
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert 202 in answers and answers[-1] == 200
    expect(page.locator("#pdf-progress")).to_contain_text("ready")


def test_without_javascript_the_printing_page_refreshes_until_the_download(
    browser: Any,
    live_server: Any,
    geneva: Any,  # noqa: F811
    workers: Any,
    tmp_path: Path,
) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"/cities/{geneva.pk}/profile/")
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("link", name=LINK).click()
            page.wait_for_selector("text=The PDF is being printed")
        assert info.value.suggested_filename == "smart-city-profile-geneva-2023-en.pdf"
        pdf = tmp_path / "report.pdf"
        info.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
    finally:
        context.close()
