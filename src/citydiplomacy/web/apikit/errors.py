"""The API's one error shape, and the exception handlers that produce it.

Every error answer of the API, whatever raised it, is::

    {"error": {"status": 422, "code": "validation_error", "message": "...",
               "problems": [{"source": "request", "row": 2, "column": 5,
                             "message": "...", "severity": "error"}]}}

``problems`` is present on validation errors only (status 422). Its ``row`` is the 1-based
position of the item in the request's ``values`` list (0 for a problem with the whole request
or with a query or path parameter) and its ``column`` the 1-based position of the field in
:data:`FIELD_COLUMNS` (0 when the problem concerns a whole item or a parameter). The pages
outside the API use the same shape for ``/api/`` paths (:func:`citydiplomacy.web.views._error`).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, SuspiciousOperation
from django.core.exceptions import RequestDataTooBig as DjangoRequestDataTooBig
from django.db import DataError as DatabaseDataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from citydiplomacy.errors import CityDiplomacyError, Problem
from citydiplomacy.errors import ValidationError as EngineValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

log = logging.getLogger(__name__)

#: Field of a posted KPI value -> the ``column`` number its problems carry.
FIELD_COLUMNS: dict[str, int] = {
    "city_id": 1,
    "year": 2,
    "kpi": 3,
    "data_point": 4,
    "value": 5,
    "unit": 6,
    "source": 7,
    "note": 8,
}

#: The ``code`` of each status the API answers with.
CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
}


class BodyNotAnObjectError(ValueError):
    """A JSON body that is valid JSON but not an object (every body of the API is one)."""


class ProblemOut(Schema):
    """One problem found in a request, located like the engine's file problems."""

    source: str = Field(
        description="What was read: 'request' (the body's items), 'body', 'query' or 'path'."
    )
    row: int = Field(
        description="1-based position of the item in `values` (0: the whole request, or a "
        "query or path parameter)."
    )
    column: int = Field(
        description="1-based position of the item's field: 1 city_id, 2 year, 3 kpi, "
        "4 data_point, 5 value, 6 unit, 7 source, 8 note (0: the whole item)."
    )
    message: str = Field(description="What is wrong and what was expected.")
    severity: str = Field(description="'error' (refused) or 'warning' (accepted).")


class ErrorDetail(Schema):
    status: int = Field(description="The HTTP status, repeated.")
    code: str = Field(description="Machine-readable: " + ", ".join(sorted(set(CODES.values()))))
    message: str = Field(description="What went wrong, for a person.")
    problems: list[ProblemOut] | None = Field(
        None, description="Every problem found (validation errors only)."
    )


class ErrorOut(Schema):
    """The one shape of every error answer of the API."""

    error: ErrorDetail


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    problems: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """A JSON response in the API's error shape."""
    body: dict[str, Any] = {
        "status": status,
        "code": code or CODES.get(status) or _phrase_code(status),
        "message": message,
    }
    if problems is not None:
        body["problems"] = [dict(p) for p in problems]
    response = JsonResponse({"error": body}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _phrase_code(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


def problem_dict(p: Problem) -> dict[str, Any]:
    """An engine :class:`~citydiplomacy.errors.Problem` in the API's shape."""
    return {
        "source": p.source,
        "row": int(p.row),
        "column": int(p.column),
        "message": p.message,
        "severity": p.severity,
    }


def _loc_text(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def pydantic_problems(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Ninja's request validation errors as located problems.

    An error inside ``values[i].field`` of the body gets ``row = i + 1`` and the field's
    column; any other error (a query parameter, the body as a whole) row and column 0.
    """
    out: list[dict[str, Any]] = []
    for err in errors:
        loc = list(err.get("loc", ()))
        where = str(loc[0]) if loc else "request"
        rest = loc[1:]
        if where == "body" and rest and rest[0] == "payload":
            rest = rest[1:]
        row = column = 0
        source = where
        if where == "body" and len(rest) >= 2 and rest[0] == "values" and isinstance(rest[1], int):
            source, row = "request", rest[1] + 1
            if len(rest) >= 3:
                column = FIELD_COLUMNS.get(str(rest[2]), 0)
        name = _loc_text(rest) or where
        msg = str(err.get("msg", "invalid"))
        out.append(
            {
                "source": source,
                "row": row,
                "column": column,
                "message": f"{name}: {msg}",
                "severity": "error",
            }
        )
    return out


# ------------------------------------------------------------------------- handlers
def _on_ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = pydantic_problems(exc.errors)
    n = len(problems)
    return error_response(
        422,
        f"The request is not valid: {n} problem(s) found." if n else "The request is not valid.",
        problems=problems,
    )


def _on_engine_validation(request: HttpRequest, exc: EngineValidationError) -> HttpResponse:
    problems = [problem_dict(p) for p in exc.problems]
    return error_response(
        422,
        f"The values are not valid: {len(exc.errors)} error(s) found; nothing was written.",
        problems=problems,
    )


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = int(exc.status_code)
    message = str(exc) or HTTPStatus(status).phrase
    code = None
    headers: dict[str, str] = {}
    if status == 400 and isinstance(exc.__cause__, BodyNotAnObjectError):
        message = f"The request body must be a JSON object {{...}}: {exc.__cause__}."
    elif status == 400 and isinstance(exc.__cause__, (ValueError, json.JSONDecodeError)):
        code = "malformed_json"
        message = f"The request body is not valid JSON ({exc.__cause__})."
    if status == 401 or isinstance(exc, AuthenticationError):
        if message == "Unauthorized":
            message = "Authentication required: send 'Authorization: Bearer <token>'."
        headers["WWW-Authenticate"] = 'Bearer realm="citydiplomacy"'
    if isinstance(exc, Throttled):
        message = "Too many requests; slow down and retry later."
        if exc.wait is not None:
            message += f" Retry in {max(int(exc.wait), 1)} s."
    return error_response(status, message, code=code, headers=headers)


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Http404 raised by our views carries a message written for the client; a bare
    # ObjectDoesNotExist may name models, so it gets the generic one.
    message = str(exc) if isinstance(exc, Http404) and str(exc) else "Not found."
    return error_response(404, message)


def _on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(403, str(exc) or "You do not have permission to do this.")


def _on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(413, "The request body is too large; send fewer values per request.")


def _on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return error_response(400, "The request could not be understood.")


def _on_domain_error(request: HttpRequest, exc: CityDiplomacyError) -> HttpResponse:
    return error_response(400, str(exc) or "The request cannot be carried out.")


def _on_data_error(request: HttpRequest, exc: DatabaseDataError) -> HttpResponse:
    # The database refused a value (too long, out of range) that no schema bounded: the
    # client's input, not a server fault. Logged so that the field gets its bound.
    log.warning("database refused a value in %s %s", request.method, request.path, exc_info=exc)
    return error_response(
        400, "A value is longer than it may be, or out of range; nothing was written."
    )


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unexpected error in %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "Something went wrong on our side.")


def in_english(
    handler: Callable[[HttpRequest, Any], HttpResponse],
) -> Callable[[HttpRequest, Any], HttpResponse]:
    """``handler`` run with English active: the API's error messages stay in English whatever
    the request's language (one error shape for programs). An error whose message is
    translated when shown (a lazy text, an engagement ``Message``) is shown here in English,
    and on the pages in the reader's language."""

    @functools.wraps(handler)
    def handle(request: HttpRequest, exc: Any) -> HttpResponse:
        with translation.override("en"):
            return handler(request, exc)

    return handle


def install(api: NinjaAPI) -> None:
    """Register a handler for every kind of error, so all answer in :class:`ErrorOut` shape,
    with its message in English (:func:`in_english`).

    Ninja looks handlers up along the exception's class hierarchy, most specific first.
    """
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (NinjaValidationError, _on_ninja_validation),
        (EngineValidationError, _on_engine_validation),
        (CityDiplomacyError, _on_domain_error),
        (HttpError, _on_http_error),
        (Http404, _on_not_found),
        (ObjectDoesNotExist, _on_not_found),
        (PermissionDenied, _on_permission_denied),
        (DjangoRequestDataTooBig, _on_too_big),
        (SuspiciousOperation, _on_suspicious),
        (DatabaseDataError, _on_data_error),
        (Exception, _on_unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, in_english(handler))


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """OpenAPI response declarations for the given error statuses."""
    return dict.fromkeys(statuses, ErrorOut)
