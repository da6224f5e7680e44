"""Print HTML documents to tagged A4 PDFs with headless Chromium, driven by Playwright.

Chromium lays a profile out in about 0.7 s where WeasyPrint took about 4 s, and writes a
tagged PDF (a structure tree built from the page's accessibility tree: headings, lists,
tables, figures with their alternative text), with the document's language and title, and an
outline of the headings.

A :class:`PdfPrinter` keeps one browser open for as many documents as it is given, and prints
up to ``pages`` of them at a time. Its Playwright client runs an event loop of its own in a
background thread, so that the caller's thread (a command, a web worker, a test that drives a
browser of its own) needs none, and so that the browser starts while the caller goes on with
other work (reading and scoring the data).

The browser runs with JavaScript disabled and every request refused: the reports are
self-contained, and nothing in one can reach the network.

Which Chromium: the executable named by ``CITYDIPLOMACY_CHROMIUM``, else the first of
``chromium``, ``chromium-browser``, ``google-chrome`` found on ``PATH`` (Debian's ``chromium``
package), else Playwright's own download (``playwright install chromium``) if present.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import threading
from concurrent.futures import CancelledError, Future
from types import TracebackType
from typing import TYPE_CHECKING, Any

from citydiplomacy.errors import CityDiplomacyError

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, Playwright

#: Environment variable naming the Chromium executable.
CHROMIUM_ENV = "CITYDIPLOMACY_CHROMIUM"
#: Executables looked up on ``PATH``, in this order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Seconds a document may take to load and print before it is given up.
PRINT_TIMEOUT_S = 60.0
#: Command-line switches: no GPU in a server, a small /dev/shm in containers, and glyph
#: metrics that do not depend on the machine's hinting settings.
CHROMIUM_ARGS = ("--disable-gpu", "--disable-dev-shm-usage", "--font-render-hinting=none")
#: A one-line document in the reports' fonts, printed once when the browser starts.
WARM_UP_HTML = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>-</title></head>'
    '<body style="font-family: Liberation Sans, sans-serif"><p>x <b>x</b> '
    '<code style="font-family: Liberation Mono, monospace">x</code></p></body></html>'
)
INSTALL_HINT = (
    "PDF reports are printed by Chromium: install it (Debian/Ubuntu: apt-get install chromium) "
    f"or name its executable in {CHROMIUM_ENV}"
)


class PdfUnavailableError(CityDiplomacyError):
    """No Chromium to print with, or it failed to start or to print."""


def chromium_executable() -> str | None:
    """The Chromium executable to print with; ``None``: Playwright's own download.

    Raises
    ------
    PdfUnavailableError
        ``CITYDIPLOMACY_CHROMIUM`` names something that is not an executable file.
    """
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        found = shutil.which(named)
        if found is None:
            raise PdfUnavailableError(f"{CHROMIUM_ENV}={named!r} is not an executable file")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    return None


class PdfPrinter:
    """One headless Chromium printing HTML documents to PDF, ``pages`` at a time.

    Use it as a context manager; the browser starts at once, in the background::

        with PdfPrinter(pages=2) as printer:
            futures = [printer.submit(html) for html in documents]
            pdfs = [f.result() for f in futures]

    Parameters
    ----------
    pages
        Documents printed at the same time (each in a browser tab of its own).
    executable
        Chromium's executable (default: :func:`chromium_executable`).
    timeout_s
        Seconds one document may take.
    """

    def __init__(
        self, pages: int = 1, *, executable: str | None = None, timeout_s: float = PRINT_TIMEOUT_S
    ) -> None:
        if pages < 1:
            raise ValueError("pages must be at least 1")
        self.pages = pages
        self.timeout_s = timeout_s
        self._executable = executable
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._launched: Future[None] | None = None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._context: BrowserContext | None = None
        self._slots: asyncio.Semaphore | None = None
        self._idle: list[Page] = []
        # start() and close() may be called from several threads (a web worker's).
        self._life = threading.Lock()

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> PdfPrinter:
        """Start the browser in the background (returns at once; idempotent)."""
        with self._life:
            if self._loop is not None:
                return self
            executable = self._executable or chromium_executable()
            loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=loop.run_forever, name="pdf-printer", daemon=True
            )
            self._thread.start()
            self._launched = asyncio.run_coroutine_threadsafe(self._launch(executable), loop)
            self._loop = loop
        return self

    async def _launch(self, executable: str | None) -> None:
        from playwright.async_api import Error, async_playwright

        try:
            self._playwright = await async_playwright().start()
        except Exception as exc:  # the driver (a Node.js program shipped with Playwright)
            raise PdfUnavailableError(f"Playwright's driver did not start: {exc}") from exc
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_ARGS)
            )
        except Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PdfUnavailableError(f"Chromium did not start ({first}). {INSTALL_HINT}") from exc
        self._context = await self._browser.new_context(java_script_enabled=False)
        await self._context.route("**/*", lambda route: route.abort())
        self._slots = asyncio.Semaphore(self.pages)
        # The first document of a browser pays for its renderer process and its fonts (about
        # 0.3 s): a one-line document pays it here, while the caller is still busy.
        page = await self._context.new_page()
        await page.set_content(WARM_UP_HTML)
        await page.pdf(**pdf_options())
        self._idle.append(page)

    def wait_ready(self) -> None:
        """Block until the browser runs.

        Raises
        ------
        PdfUnavailableError
            Chromium could not be started.
        """
        self.start()
        assert self._launched is not None
        self._launched.result()

    def close(self) -> None:
        """Close the browser and stop the background thread (idempotent). Documents still
        being printed fail with :class:`PdfUnavailableError`."""
        with self._life:
            loop, thread = self._loop, self._thread
            if loop is None or thread is None:
                return
            # Closing must not mask the caller's error (nor fail on a browser that never ran).
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
            loop.close()
            self._loop = self._thread = None
            self._launched = self._playwright = self._browser = self._context = None
            self._slots = None
            self._idle = []

    async def _shutdown(self) -> None:
        if self._launched is not None:
            await asyncio.wait([asyncio.wrap_future(self._launched)])
        # Each step on its own: a browser that crashed must not keep the driver running.
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await self._browser.close()
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                await self._playwright.stop()
        # Whatever is still printing ends now: its caller gets an error, not a wait forever.
        this = asyncio.current_task()
        others = [task for task in asyncio.all_tasks() if task is not this]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def __enter__(self) -> PdfPrinter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- printing ---------------------------------------------------------------------------

    def submit(self, html: str) -> Future[bytes]:
        """Print ``html`` (a whole document) to PDF; the future raises :class:`PdfUnavailableError`
        when the browser could not start or the document could not be printed."""
        self.start()
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(self._print(html), self._loop)

    def print(self, html: str) -> bytes:
        """Print ``html`` to PDF and wait for it.

        Raises
        ------
        PdfUnavailableError
            The browser could not start, the document could not be printed, or the printer
            was closed meanwhile.
        """
        future = self.submit(html)
        try:
            # The document's own time limit applies in the browser; this one is a backstop.
            return future.result(timeout=self.timeout_s + 30)
        except (CancelledError, TimeoutError) as exc:
            future.cancel()
            raise PdfUnavailableError("the PDF printer was closed or stopped answering") from exc

    async def _print(self, html: str) -> bytes:
        from playwright.async_api import Error

        assert self._launched is not None
        await asyncio.wrap_future(self._launched)
        assert self._context is not None and self._slots is not None
        async with self._slots:  # at most ``pages`` documents at a time
            page: Page | None = None
            timeout_ms = self.timeout_s * 1000
            try:
                page = self._idle.pop() if self._idle else await self._context.new_page()
                await page.set_content(html, wait_until="load", timeout=timeout_ms)
                pdf = await asyncio.wait_for(page.pdf(**pdf_options()), self.timeout_s)
            except (Error, TimeoutError) as exc:
                # A page that failed may be in any state: it is closed, not reused.
                if page is not None:
                    await _quietly_close(page)
                raise PdfUnavailableError(f"Chromium could not print the document: {exc}") from exc
            self._idle.append(page)
        return pdf


async def _quietly_close(page: Page) -> None:
    with contextlib.suppress(Exception):  # the page (or the browser) may be gone already
        await page.close()


def pdf_options() -> dict[str, Any]:
    """Playwright's ``page.pdf`` options: the page size and margins come from the document's
    ``@page`` rules; backgrounds (band colours) printed; tagged, with an outline."""
    return {
        "prefer_css_page_size": True,
        "print_background": True,
        "tagged": True,
        "outline": True,
    }


def print_pdf(html: str) -> bytes:
    """Print one document with a browser started for it (about 0.5 s more than with a running
    :class:`PdfPrinter`)."""
    with PdfPrinter() as printer:
        return printer.print(html)


__all__ = [
    "CHROMIUM_ENV",
    "PdfPrinter",
    "PdfUnavailableError",
    "chromium_executable",
    "pdf_options",
    "print_pdf",
]
