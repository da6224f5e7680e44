"""Report PDFs printed as background work (:mod:`citydiplomacy.web.celery_app`).

Printing a Smart City Profile takes a headless Chromium 0.5-2.5 s: with a broker it is done by
a ``citydiplomacy worker`` (:func:`print_report`) while the page that asked for it says the PDF
is being printed and refreshes itself until it is ready; without one (the embedded default)
the task runs inline, in the request, as before.

A PDF is kept in the cache (shared by every app server and worker when ``REDIS_URL`` is set)
under the SHA-256 of the HTML it is printed from (:func:`pdf_key`). The HTML holds the data
version's figures, what the viewer may see (a draft year is marked as such, unpublished peers
only for those who may see them) and the date, so a cached PDF is only ever served to a request
that built the same HTML: one who may see what it holds. One printing of a document at a time:
a claim in the cache.
"""

from __future__ import annotations

import hashlib
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache

from citydiplomacy.reports.pdf import PdfUnavailableError
from citydiplomacy.web.celery_app import app

log = logging.getLogger(__name__)

#: A printed PDF stays in the cache this long (the HTML holds the date: a day at most).
PDF_SECONDS = 24 * 3600
#: A printing failure is reported to the next request for the document within this time.
ERROR_SECONDS = 10 * 60
#: A claim left by a worker that died is given up after this long.
CLAIM_SECONDS = 5 * 60
#: Seconds a worker may spend on one document (the printer itself gives up after 60 s).
PRINT_SOFT_SECONDS = 120
_PREFIX = "citydiplomacy:report-pdf:"


def pdf_key(html: str) -> str:
    """The cache key of the PDF printed from ``html``."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def cached_pdf(key: str) -> bytes | None:
    """The PDF printed for ``key``, if it is ready."""
    found = cache.get(_PREFIX + key)
    return bytes(found) if found is not None else None


def take_error(key: str) -> str | None:
    """Why printing ``key`` failed, if it did (once: the next request prints again)."""
    error = cache.get(_PREFIX + "error:" + key)
    if error is not None:
        cache.delete(_PREFIX + "error:" + key)
    return None if error is None else str(error)


def schedule_print(key: str, html: str) -> bool:
    """Have ``html`` printed (inline without a broker; on a worker with one) unless it is
    already being printed. Returns whether this call asked for it."""
    claim = _PREFIX + "claim:" + key
    if not cache.add(claim, 1, CLAIM_SECONDS):
        return False
    try:
        print_report.delay(key, html)
    except Exception as exc:  # the broker refused it: say so rather than wait forever
        cache.delete(claim)
        log.exception("could not queue the printing of a report PDF")
        cache.set(_PREFIX + "error:" + key, f"the print queue is unavailable ({exc})", 60)
        return False
    return True


@app.task(  # type: ignore[untyped-decorator]  # celery is untyped
    name="citydiplomacy.print_report",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=PRINT_SOFT_SECONDS,
    time_limit=PRINT_SOFT_SECONDS + 30,
)
def print_report(key: str, html: str) -> int:
    """Print ``html`` with this process's browser and keep the PDF under ``key`` (a failure
    to print is kept for the page that waits for it). Returns the PDF's size (0: failed)."""
    from citydiplomacy.web.reports import printing

    try:
        if cached_pdf(key) is not None:  # printed meanwhile (a redelivery)
            return 0
        pdf = printing.print_pdf(html)
        cache.set(_PREFIX + key, pdf, PDF_SECONDS)
        return len(pdf)
    except PdfUnavailableError as exc:
        cache.set(_PREFIX + "error:" + key, str(exc), ERROR_SECONDS)
        return 0
    except SoftTimeLimitExceeded:  # said once, rather than printed again and again
        cache.set(_PREFIX + "error:" + key, "printing took too long", ERROR_SECONDS)
        return 0
    finally:
        cache.delete(_PREFIX + "claim:" + key)


def forget(key: str) -> None:
    """Drop the PDF, failure and claim of ``key`` (tests)."""
    cache.delete_many([_PREFIX + key, _PREFIX + "error:" + key, _PREFIX + "claim:" + key])
