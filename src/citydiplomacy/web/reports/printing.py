"""One PDF printer per web worker process, shared by its threads.

A worker that has printed a report keeps its headless Chromium (about 150 MB) for the next
ones: a download then takes about 0.5 s instead of 1.5 s, and a burst of downloads is printed
by one browser per worker, two documents at a time, instead of a browser per request. A
browser that died, or could not start, is replaced at the next request; one left idle for
:data:`IDLE_SECONDS` is closed, so a quiet server does not keep it in memory.
"""

from __future__ import annotations

import atexit
import threading

from citydiplomacy.reports.pdf import PdfPrinter, PdfUnavailableError

#: Documents one worker's browser prints at the same time (the rest wait their turn).
PAGES = 2
#: Seconds without a PDF after which a worker closes its browser.
IDLE_SECONDS = 600.0

_lock = threading.Lock()
_printer: PdfPrinter | None = None
_idle_timer: threading.Timer | None = None


def print_pdf(html: str) -> bytes:
    """Print ``html`` with this process's browser, starting it if needed.

    Raises
    ------
    PdfUnavailableError
        No browser could print the document (twice: with the running one, then a new one).
    """
    for attempt in (1, 2):
        printer: PdfPrinter | None = None
        try:
            printer = _shared()
            pdf = printer.print(html)
            _close_when_idle(printer)
            return pdf
        except PdfUnavailableError:
            if printer is not None:
                _discard(printer)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _shared() -> PdfPrinter:
    global _printer
    with _lock:
        if _printer is None:
            _printer = PdfPrinter(pages=PAGES).start()
        return _printer


def _close_when_idle(printer: PdfPrinter) -> None:
    """(Re)arm the timer that closes ``printer`` after :data:`IDLE_SECONDS` without a PDF.

    A document started just before the timer fires fails and is printed again by a new
    browser (:func:`print_pdf` retries once).
    """
    global _idle_timer
    with _lock:
        if _idle_timer is not None:
            _idle_timer.cancel()
        _idle_timer = threading.Timer(IDLE_SECONDS, _discard, args=(printer,))
        _idle_timer.daemon = True
        _idle_timer.start()


def _discard(printer: PdfPrinter) -> None:
    """Forget a printer that failed (other threads then start a new one) and close it."""
    global _printer
    with _lock:
        if _printer is printer:
            _printer = None
    printer.close()


def close() -> None:
    """Close this process's browser, if it has one (at exit, and in tests)."""
    global _printer, _idle_timer
    with _lock:
        printer, _printer = _printer, None
        if _idle_timer is not None:
            _idle_timer.cancel()
            _idle_timer = None
    if printer is not None:
        printer.close()


atexit.register(close)
