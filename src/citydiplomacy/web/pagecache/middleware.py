"""Whole public pages kept for anonymous visitors.

Most requests to a city-diplomacy site are anonymous reads of a few public pages (the home
page, a city, its profile, the calendar, the declarations), and each such page is the same
for every anonymous visitor until the content changes. :class:`PublicPageCacheMiddleware`
keeps the rendered page in the ``pages`` cache (Redis when ``REDIS_URL`` is set, so every
worker shares it; the process's memory otherwise, up to ``CITYDIPLOMACY_PAGE_CACHE_ENTRIES``
pages) and answers the next anonymous request for it without
running the view.

What makes a kept page right for another visitor:

* **Only anonymous GETs of pages named in** :data:`PUBLIC_PAGES`: a request that carries a
  session cookie (a user who may be logged in) or a messages cookie is never served from, or
  stored in, the cache. Only a 200 answer that sets no cookie, changes no session, and is not
  marked private or ``no-store`` is kept.
* **The key** holds the content version's token (:mod:`~citydiplomacy.web.pagecache.versioning`:
  any committed write to the site's content makes every kept page obsolete), the page's
  language, scheme, host and full path with its query, today's date (pages list what is
  "upcoming"), and a stamp of the templates and message catalogues the process renders with.
  A connection with uncommitted writes neither reads nor fills the cache.
* **CSRF tokens**: a page to be kept is rendered with a placeholder where its forms' CSRF
  token goes (:func:`csrf_placeholder`, a context processor), never a visitor's token; each
  answer, the first included, gets the placeholder replaced by that visitor's own token (with
  Django's CSRF cookie set by ``CsrfViewMiddleware`` as usual). If a real token was asked for
  while rendering, the page is not kept.
* Kept pages age out after ``CITYDIPLOMACY_PAGE_CACHE_SECONDS`` (0 turns the cache off), which
  bounds what a write made outside the site's code could leave visible.

Each answer to a request the cache could serve says what happened in an ``X-Page-Cache``
header: ``hit`` (served from the cache), ``miss`` (rendered and now kept) or ``pass``
(rendered, not keepable: not a 200, a cookie set, ...), for tests and for whoever runs the site.
"""

from __future__ import annotations

import hashlib
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils import timezone, translation

from citydiplomacy.web.pagecache import versioning

#: The pages kept (URL names): public pages whose anonymous answer depends only on the
#: database, the date, the language and the request's path and query. Pages that compute
#: on request (partner suggestions), show work in progress kept outside the database (a
#: city's ties show the tie analysis a worker leaves in the cache) or answer files are not
#: listed.
PUBLIC_PAGES = frozenset(
    {
        "home",
        "cities:search",
        "cities:detail",
        "indicators:dashboard",
        "indicators:ranking",
        "engagement:events",
        "engagement:events-archive",
        "engagement:event",
        "engagement:sessions",
        "engagement:session",
        "engagement:declarations",
        "engagement:declaration",
        "engagement:versions",
        "partners:networks",
        "partners:network",
        "recognition:documents",
        "recognition:document",
        "recognition:text",
        "capacity:framework",
        "capacity:modules",
    }
)

#: Stands where a kept page's CSRF tokens go; replaced by each visitor's own token.
PLACEHOLDER = "citydiplomacyPageCacheCsrfTokenPlaceholder0000000000000000000000"
_PLACEHOLDER_BYTES = PLACEHOLDER.encode()
_MARK = "_citydiplomacy_page_cache"  # request attribute: the page is to be kept
#: Headers not kept with a page: the outer middleware sets them again on every answer.
_NOT_KEPT = {"content-length", "vary", "set-cookie", "x-page-cache"}


@dataclass(frozen=True)
class KeptPage:
    """A kept answer: status, the view's headers and the body with the placeholder,
    compressed (a profile page of 150 kB keeps in about 20 kB; compressing costs about a
    millisecond once, decompressing a fraction of one per answer)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    compressed: bytes

    @classmethod
    def of(cls, response: HttpResponse) -> KeptPage:
        headers = tuple(
            (name, value) for name, value in response.items() if name.lower() not in _NOT_KEPT
        )
        return cls(response.status_code, headers, zlib.compress(response.content, 1))

    @property
    def content(self) -> bytes:
        return zlib.decompress(self.compressed)

    def answer(self, request: HttpRequest) -> HttpResponse:
        """This page for ``request``, with that visitor's CSRF token in its forms."""
        response = HttpResponse(personalise(self.content, request), status=self.status)
        for name, value in self.headers:
            response[name] = value
        response["X-Page-Cache"] = "hit"
        return response


def personalise(content: bytes, request: HttpRequest) -> bytes:
    """``content`` with the placeholder replaced by ``request``'s CSRF token (asked for only
    when the page has a form: ``get_token`` makes Django send the CSRF cookie)."""
    if _PLACEHOLDER_BYTES not in content:
        return content
    return content.replace(_PLACEHOLDER_BYTES, get_token(request).encode())


def csrf_placeholder(request: HttpRequest) -> dict[str, Any]:
    """Context processor: a page being rendered to be kept gets the placeholder as its
    ``csrf_token`` (it overrides Django's built-in ``csrf`` processor, which runs first)."""
    return {"csrf_token": PLACEHOLDER} if getattr(request, _MARK, False) else {}


@lru_cache(maxsize=1)
def render_stamp() -> str:
    """A stamp of the templates and compiled catalogues this process renders with: a
    deployment that changes them keys its pages anew, so a shared cache never serves a page
    of the earlier release."""
    from citydiplomacy import __version__

    web = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(__version__.encode())
    for root, _dirs, files in sorted(os.walk(web)):
        for name in sorted(files):
            if name.endswith((".html", ".mo", ".txt")):
                path = Path(root, name)
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def _seconds() -> int:
    return int(getattr(settings, "CITYDIPLOMACY_PAGE_CACHE_SECONDS", 0))


def _view_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


def page_key(request: HttpRequest) -> str | None:
    """The cache key of ``request``'s page, or ``None`` when it is not served from the cache
    (see the module's description)."""
    if request.method != "GET" or _seconds() <= 0:
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if getattr(settings, "MESSAGE_COOKIE_NAME", "messages") in request.COOKIES:
        return None
    if _view_name(request) not in PUBLIC_PAGES or versioning.pending_writes():
        return None
    parts = "\n".join(
        (
            versioning.current(),
            render_stamp(),
            translation.get_language() or "",
            request.scheme or "",
            request.get_host(),
            timezone.localdate().isoformat(),
            request.get_full_path(),
        )
    )
    return "citydiplomacy:page:" + hashlib.sha256(parts.encode()).hexdigest()


def _keepable(request: HttpRequest, response: HttpResponseBase) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not isinstance(response, HttpResponse):
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or versioning.pending_writes():
        return False  # a real token was rendered, or this request wrote
    control = {
        part.split("=")[0].strip().lower() for part in response.get("Cache-Control", "").split(",")
    }
    if control & {"private", "no-store", "no-cache"}:
        return False
    return _only_placeholders(response.content)


class PublicPageCacheMiddleware:
    """Serve and keep anonymous visitors' public pages (see the module's description).

    Placed after the session, locale, CSRF and authentication middleware (the key needs the
    language; the answer needs the CSRF cookie and the security headers those outside it
    add) and the hostile-text check, before the messages middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key = page_key(request)
        if key is None:
            return self.get_response(request)
        kept = caches["pages"].get(key)
        if isinstance(kept, KeptPage):
            return kept.answer(request)
        setattr(request, _MARK, True)
        response = self.get_response(request)
        if not isinstance(response, HttpResponse) or response.streaming:
            return response
        keep = _keepable(request, response)
        if keep:
            caches["pages"].set(key, KeptPage.of(response), _seconds())
        response.content = personalise(response.content, request)
        response["X-Page-Cache"] = "miss" if keep else "pass"
        return response


#: A CSRF form field and its value, to check a page to be kept holds no real token.
_TOKEN_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]*)"')


def _only_placeholders(content: bytes) -> bool:
    return all(value == _PLACEHOLDER_BYTES for value in _TOKEN_FIELD.findall(content))
