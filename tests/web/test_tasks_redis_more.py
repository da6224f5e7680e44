"""More background work on a real Redis and a real worker process: the partner tie analysis,
report PDFs and recognition text imports (the fixtures are ``test_tasks_redis.py``'s: a
``citydiplomacy worker`` subprocess on the test database, this process playing a web server
that queues the work and reads its result from the shared Redis cache).

Skipped like ``test_tasks_redis.py`` when Redis does not answer (unless
``CITYDIPLOMACY_REQUIRE_REDIS=1``) or the test database is in-memory SQLite (scripts/test.sh
runs this file on a SQLite file too, ``CITYDIPLOMACY_SQLITE_TEST_DB``).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from tests.web import factories, test_tasks_redis
from tests.web.test_tasks_redis import Worker, _wait_for

# The fixtures of the worker process and its Redis, shared with test_tasks_redis.py.
redis_url = test_tasks_redis.redis_url
worker = test_tasks_redis.worker


def test_the_tie_analysis_runs_on_the_worker(worker: Worker, lyon: Any) -> None:
    from citydiplomacy.web.partners import services, tasks
    from citydiplomacy.web.partners.models import Kind, Partnership, PartnershipCity, Status

    services.clear_caches()
    bonn = factories.city("Bonn", "DE", geonames_id=2946447, population=330_000)
    p = Partnership.objects.create(kind=Kind.TWINNING, status=Status.CONFIRMED)
    PartnershipCity.objects.create(partnership=p, city=lyon)
    PartnershipCity.objects.create(partnership=p, city=bonn)
    version = services.ties_version()

    assert services.tie_analysis(wait=0) is None  # queued; this process computes nothing
    assert cache.get(tasks.claim_key(version)) == 1  # claimed in Redis, for every process
    assert not [t for t in __import__("threading").enumerate() if t.name.startswith("partners-")]

    def analysed() -> bool:
        found = services.tie_analysis(wait=0)
        return found is not None and found.version == version

    _wait_for(analysed, 120, "the worker did not store the tie analysis", worker)
    found = services.tie_analysis(wait=0)
    assert found is not None and set(found.metrics.index) == {lyon.pk, bonn.pk}
    assert "citydiplomacy.analyse_ties" in worker.output()
    _wait_for(lambda: cache.get(tasks.claim_key(version)) is None, 30, "claim kept", worker)
    services.clear_caches()


def test_a_report_pdf_is_printed_by_the_worker(
    worker: Worker, users: dict[str, Any], geneva: Any, lyon: Any, settings: Any, monkeypatch: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client
    from django.urls import reverse

    from citydiplomacy.reports.render import pdf_html
    from citydiplomacy.web.indicators import scoring
    from citydiplomacy.web.reports import printing, tasks
    from citydiplomacy.web.reports.views import report_for
    from tests.web.test_tasks import make_cohort

    settings.CITYDIPLOMACY_SENSITIVITY_RUNS = 8
    make_cohort(users, geneva, lyon)
    assert scoring.current_snapshot() is not None  # scored here (no background scoring)
    url = reverse("reports:download", kwargs={"pk": geneva.pk, "fmt": "pdf"}) + "?year=2021"
    report = report_for(AnonymousUser(), geneva, 2021, "en")
    assert report is not None
    tasks.forget(tasks.pdf_key(pdf_html(report, "en")))  # printed by an earlier run, same day
    # Another test of this process may have started a browser: start from none, so that the
    # check below sees whether this request printed here instead of on the worker.
    monkeypatch.setattr(printing, "_printer", None)
    client = Client()
    waiting = client.get(url)
    assert waiting.status_code == 202 and b"being printed" in waiting.content
    assert printing._printer is None  # this process started no browser

    answers: list[Any] = []

    def printed() -> bool:
        answers.append(client.get(url))
        return answers[-1].status_code != 202

    _wait_for(printed, 120, "the worker did not print the PDF", worker)
    ready = answers[-1]
    assert ready.status_code == 200, ready.content[:300]
    assert ready.content.startswith(b"%PDF") and ready["Content-Type"] == "application/pdf"
    assert "citydiplomacy.print_report" in worker.output()
    assert printing._printer is None


def test_a_recognition_text_is_read_by_the_worker(worker: Worker, users: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from citydiplomacy.web.recognition.models import Document, Text
    from tests.web.recognition.test_recognition_web import GERMAN, REV1

    client = Client()
    client.force_login(users["analyst"])

    def upload(symbol: str, content: bytes) -> str:
        response = client.post(
            reverse("recognition:upload"),
            {
                "symbol": symbol,
                "title": "A synthetic resolution (test data)",
                "version": "zero draft",
                "stage": "draft",
                "file": SimpleUploadedFile("t.txt", content, content_type="text/plain"),
            },
        )
        assert response.status_code == 302, response.content[:300]
        assert "/recognition/imports/" in response["Location"]  # read elsewhere
        return str(response["Location"])

    good, bad = upload("A/WORKER/1", REV1), upload("A/WORKER/2", GERMAN)
    answers: dict[str, Any] = {}

    def read(url: str) -> bool:
        answers[url] = client.get(url)
        return answers[url].status_code != 202

    _wait_for(lambda: read(good), 120, "the worker did not import the text", worker)
    text = Text.objects.get(version__document__symbol="A/WORKER/1")
    assert answers[good].status_code == 302 and answers[good]["Location"] == text.get_absolute_url()
    assert text.created_by == users["analyst"]
    _wait_for(lambda: read(bad), 60, "the worker did not refuse the text", worker)
    assert b"nothing was stored" in answers[bad].content
    assert not Document.objects.filter(symbol="A/WORKER/2").exists()
    assert "citydiplomacy.import_text" in worker.output()
