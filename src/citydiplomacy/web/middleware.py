"""Refuse requests whose path, query string or form fields hold characters no text may hold.

A NUL byte in a query parameter reaches a database filter in many views (``/events/?tag=%00``);
PostgreSQL refuses NUL in text, so each such view answered 500. Rather than guard every view,
:class:`HostileTextMiddleware` refuses the request before any view runs:

* the path: any control character (tab and line breaks included) or lone surrogate;
* query parameter names and form field names: the same;
* query parameter values and form field values: control characters except tab, line feed and
  carriage return (text areas send line breaks), and lone surrogates.

A page whose view checks every form field it reads (marked with
:func:`citydiplomacy.web.forms.checks_form_text`) gets its form posts through even when a field
value holds such a character, so its form can show the error at the field; the field names, the
path and the query string are checked for it as for every other view. A search or filter page
whose view checks every query parameter it reads through such a form
(:func:`~citydiplomacy.web.forms.checks_query_text`: the city search, the change history) gets
its GET query values through the same way; parameter names are still checked here. Views that
are not marked keep the refusal here, so a view never meets such a value unless it says it
checks them.

The answer is a 400: in the API's one JSON error shape under ``/api/``, a plain error page
elsewhere. It names the parameter and the character, never echoes the value. Uploaded files are
not inspected here: their content is checked where it is read (the importers report a NUL in a
cell at its row and column). JSON bodies of the API are checked by their schema's text type
(:data:`citydiplomacy.web.apikit.fields.Text`), which locates the problem in the body.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from django.db import DataError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import Resolver404, get_resolver

from citydiplomacy.core.text import forbidden_character
from citydiplomacy.web.forms import FORM_TEXT_CHECKED, QUERY_TEXT_CHECKED

log = logging.getLogger(__name__)

#: Any control character or lone surrogate: names and paths have no use for tab or newline.
_FORBIDDEN_IN_NAME = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: Content types whose body Django parses into ``request.POST``.
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _name_problem(text: str) -> str | None:
    found = _FORBIDDEN_IN_NAME.search(text)
    if found is None:
        return None
    code = ord(found.group())
    kind = "a lone UTF-16 surrogate" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"{kind} (U+{code:04X}) at position {found.start() + 1}"


def _printable(name: str) -> str:
    """A parameter name safe to show: forbidden characters as U+XXXX, at most 40 characters."""
    shown = _FORBIDDEN_IN_NAME.sub(lambda m: f"U+{ord(m.group()):04X}", name)
    return shown[:40] + ("..." if len(shown) > 40 else "")


def _params_problem(params: QueryDict, what: str, values: bool = True) -> str | None:
    """The first forbidden character in ``params``' names (and values, unless ``values`` is
    false), described, or ``None``."""
    for name, given in params.lists():
        problem = _name_problem(name)
        if problem is not None:
            return f"The name of a {what} contains {problem}."
        if not values:
            continue
        for value in _strings(given):
            problem = forbidden_character(value)
            if problem is not None:
                return f"The {what} {_printable(name)!r} contains {problem}."
    return None


def _strings(values: Iterable[object]) -> Iterable[str]:
    return (v for v in values if isinstance(v, str))


def request_problem(request: HttpRequest) -> str | None:
    """What makes ``request`` unreadable as text, in a sentence, or ``None`` if nothing does.

    Form bodies are read only for non-API paths with a form content type (the API takes JSON,
    whose strings its schemas check). Reading ``request.POST`` here parses a multipart body
    before the view, as CSRF protection does for every form anyway: a view that wants its own
    upload handlers must set them in a middleware placed before this one.
    """
    problem = _name_problem(request.path)
    if problem is not None:
        return f"The address contains {problem}."
    problem = _params_problem(request.GET, "query parameter")
    if (
        problem is not None
        and request.method == "GET"
        and _view_checks(request, QUERY_TEXT_CHECKED)
    ):
        # A search or filter page shows the value's problem at its field; names refused here.
        problem = _params_problem(request.GET, "query parameter", values=False)
    if problem is not None:
        return problem
    if (
        request.method == "POST"
        and not request.path.startswith("/api/")
        and request.content_type in _FORM_TYPES
    ):
        problem = _params_problem(request.POST, "form field")
        if problem is not None and _view_checks(request, FORM_TEXT_CHECKED):
            # The view's form reports the value at its field; names are still refused here.
            return _params_problem(request.POST, "form field", values=False)
        return problem
    return None


def _view_checks(request: HttpRequest, marker: str) -> bool:
    """Whether the view of ``request``'s path checks the text of its form fields
    (:func:`citydiplomacy.web.forms.checks_form_text`) or of its query parameters
    (:func:`~citydiplomacy.web.forms.checks_query_text`) itself, as ``marker`` names.
    Resolved only when a value holds a forbidden character, so ordinary requests pay
    nothing."""
    try:
        match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
    except Resolver404:
        return False
    return bool(getattr(match.func, marker, False))


#: What a page answers when the database refused a value (the last line of defence: forms
#: and schemas bound every field they know; this covers the ones they do not).
DATABASE_REFUSED = (
    "A value you sent is longer than it may be, or out of range, so nothing was saved. "
    "Shorten it and try again."
)


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        from citydiplomacy.web.apikit.errors import error_response

        return error_response(400, message)
    return render(request, "error.html", {"status": 400, "message": message}, status=400)


class HostileTextMiddleware:
    """Answer 400 to a request whose path, query or form fields hold forbidden characters,
    and to one whose values the database refused (``DataError``: too long, out of range)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = request_problem(request)
        if problem is None:
            return self.get_response(request)
        return _bad_request(request, f"{problem} Remove it and send the request again.")

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A ``DataError`` from a view is the client's value, not a server fault: 400.

        PostgreSQL enforces lengths and ranges that SQLite does not, so without this a value
        no form bounded gave a 500 on one database and was stored on the other. Logged with
        its traceback, so that the field can be bounded where it is read.
        """
        if not isinstance(exception, DataError):
            return None
        log.warning(
            "database refused a value in %s %s", request.method, request.path, exc_info=exception
        )
        return _bad_request(request, DATABASE_REFUSED)


__all__ = ["HostileTextMiddleware", "request_problem"]
