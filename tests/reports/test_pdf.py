"""The PDF printer: headless Chromium printing HTML, offline, several documents at a time."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.reports.pdf import CHROMIUM_ENV, PdfPrinter, PdfUnavailableError
from citydiplomacy.reports.render import css_string


def page(text: str, extra: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{text}</title>'
        f"<style>@page {{ size: A4; }}</style></head><body><h1>{text}</h1>{extra}</body></html>"
    )


@pytest.fixture(scope="module")
def printer() -> Iterator[PdfPrinter]:
    with PdfPrinter(pages=2) as p:
        yield p


def test_prints_tagged_pdfs_several_at_a_time(printer: PdfPrinter) -> None:
    futures = [printer.submit(page(f"Document {i}")) for i in range(4)]
    pdfs = [f.result(timeout=60) for f in futures]
    for pdf in pdfs:
        assert pdf.startswith(b"%PDF")
        assert b"/StructTreeRoot" in pdf  # tagged
        assert re.search(rb"/Lang\s*\(en\)", pdf)
    assert len(set(pdfs)) == 4  # each future got its own document


class Hits(BaseHTTPRequestHandler):
    count = 0

    def do_GET(self) -> None:
        type(self).count += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_document_reaches_nothing_on_the_network(printer: PdfPrinter) -> None:
    """Images, stylesheets, fonts and scripts are refused, and scripts do not run."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hits)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        extra = (
            f'<img src="{base}/image.png" alt="x"><link rel="stylesheet" href="{base}/s.css">'
            f"<style>@font-face {{ font-family: X; src: url({base}/f.woff2); }}"
            f"p {{ font-family: X; background: url({base}/bg.png); }}</style><p>text</p>"
            f'<script>fetch("{base}/script"); document.title = "scripted";</script>'
            f'<iframe src="{base}/frame"></iframe>'
        )
        pdf = printer.print(page("Offline", extra))
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF")
    assert Hits.count == 0
    scripted = "scripted".encode("utf-16-be").hex().upper().encode()
    assert b"scripted" not in pdf and scripted not in pdf.upper()


def test_a_failed_document_leaves_the_printer_usable(printer: PdfPrinter) -> None:
    printer.timeout_s = 0.001
    try:
        with pytest.raises(PdfUnavailableError, match="could not print"):
            printer.print(page("Too slow"))
    finally:
        printer.timeout_s = 60
    assert printer.print(page("Next")).startswith(b"%PDF")


def test_a_missing_browser_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, "/nonexistent/chromium")
    with pytest.raises(PdfUnavailableError, match=CHROMIUM_ENV), PdfPrinter() as p:
        p.print(page("x"))


def test_a_browser_that_does_not_start_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, "/bin/false")
    with PdfPrinter() as p, pytest.raises(PdfUnavailableError, match="Chromium did not start"):
        p.print(page("x"))


def test_pages_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        PdfPrinter(pages=0)


def css_unescape(literal: str) -> str:
    assert literal[0] == literal[-1] == '"'
    return re.sub(r"\\([0-9a-fA-F]{1,6}) ?", lambda m: chr(int(m[1], 16)), literal[1:-1])


@given(st.text())
def test_css_string_round_trips_and_cannot_break_out(text: str) -> None:
    literal = str(css_string(text))
    inner = literal[1:-1]
    assert '"' not in inner and "<" not in inner and "\n" not in inner
    assert not re.search(r"\\(?![0-9a-f])", inner)  # every backslash starts a hex escape
    assert css_unescape(literal) == text


def test_a_printer_can_be_closed_and_started_again() -> None:
    printer = PdfPrinter()
    with printer:
        assert printer.print(page("First")).startswith(b"%PDF")
    printer.close()  # idempotent
    with printer:
        assert printer.print(page("Second")).startswith(b"%PDF")


def test_a_started_browser_has_printed_its_warm_up_page() -> None:
    """The first report's tab is open and has printed once before the caller needs it."""
    with PdfPrinter() as printer:
        printer.wait_ready()
        assert len(printer._idle) == 1


def test_closing_a_printer_fails_what_it_is_still_printing() -> None:
    """A document in print when the printer closes (a web worker replacing a dead browser)
    fails at once with a clear error: its caller does not wait forever."""
    rows = "".join(f"<tr><td>{i}</td><td>{'x ' * 40}</td></tr>" for i in range(20_000))
    long_document = page("Long", f"<table>{rows}</table>")
    printer = PdfPrinter().start()
    printer.wait_ready()
    outcome: list[BaseException | bytes] = []

    def print_it() -> None:
        try:
            outcome.append(printer.print(long_document))
        except BaseException as exc:  # the test looks at what it was
            outcome.append(exc)

    worker = threading.Thread(target=print_it)
    worker.start()
    time.sleep(0.5)  # the document is loading or printing
    printer.close()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], PdfUnavailableError), outcome
