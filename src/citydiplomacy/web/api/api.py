"""The JSON API (django-ninja): OpenAPI schema at /api/openapi.json, docs at /api/docs.

The API instance, its routers (one module per domain), authentication
(:mod:`~citydiplomacy.web.apikit.auth`), throttling, and the one error shape
(:mod:`~citydiplomacy.web.apikit.errors`) that every failure answers with.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser

from citydiplomacy.web.api import cities, kpi_values, profiles
from citydiplomacy.web.api.docs import OfflineSwagger
from citydiplomacy.web.apikit import errors
from citydiplomacy.web.apikit.auth import requester
from citydiplomacy.web.apikit.throttle import SharedRateThrottle
from citydiplomacy.web.capacity import api as capacity_api
from citydiplomacy.web.client_address import client_address
from citydiplomacy.web.engagement import api as engagement_api
from citydiplomacy.web.notifications import api as notifications_api
from citydiplomacy.web.partners import api as partners_api
from citydiplomacy.web.recognition import api as recognition_api
from citydiplomacy.web.reports import api as reports_api

DESCRIPTION = """\
The open data of **citydiplomacy**: the city registry (GeoNames), KPI values of the U4SSC
framework, and cities' scored profiles.

**Authentication.** Reads need no credentials: the public sees published profiles and their
values. With `Authorization: Bearer <token>` (make a token on your account page) or a signed-in
browser session, reads show what your role may see. Writes need a token. An invalid or revoked
token is refused (401), on reads too.

**Errors.** Every error answers `{"error": {"status", "code", "message"}}`; validation errors
(422) add `"problems"`, each `{"source", "row", "column", "message", "severity"}`, where `row`
is the item's 1-based position in the request's `values` and `column` the field's position
(1 city_id, 2 year, 3 kpi, 4 data_point, 5 value, 6 unit, 7 source, 8 note).

**Pages.** Lists answer `{"count", "page", "page_size", "pages", "results"}` with
`page_size` up to 100; page 1 always exists, a page after the last is 404.
"""


class RequesterThrottle(SharedRateThrottle):
    """Requests per user (token or session), or per client address for the public, counted
    in the cache every process shares (:mod:`~citydiplomacy.web.apikit.throttle`)."""

    scope = "citydiplomacy"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user = requester(request)
        ident = f"user-{user.pk}" if user.is_authenticated else f"ip-{client_address(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class StrictJsonParser(Parser):
    """JSON bodies without NaN or Infinity, which are not JSON, and only objects: every body
    of the API is one. (A schema object reads its fields as attributes, so without this check
    a list or a number would pass as an object whose fields all take their defaults.)"""

    def parse_body(self, request: HttpRequest) -> Any:
        def refuse(constant: str) -> Any:
            raise ValueError(f"{constant} is not a JSON value")

        body = json.loads(request.body, parse_constant=refuse)
        if not isinstance(body, dict):
            raise errors.BodyNotAnObjectError(f"got {type(body).__name__}")
        return body


def _shaped_405(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer a method the path does not support in the error shape (keeping ``Allow``)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response.get("Allow", "")
            return errors.error_response(
                405,
                f"{request.method} is not allowed here; use {allowed}.",
                headers={"Allow": allowed},
            )
        return cast(HttpResponse, response)

    return wrapper


def declared_query_names(operation: Operation) -> frozenset[str]:
    """The query parameters ``operation`` declares (pagination included), by their names in
    the URL."""
    names: set[str] = set()
    for model in operation.models:
        if getattr(model, "__ninja_param_source__", None) == "query":
            names.update(getattr(model, "__ninja_flatten_map__", {}))
    return frozenset(names)


def refuse_unknown_query(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap an operation's ``run`` so that a query parameter it does not declare is a 422.

    Applied to every operation of the API (``api.add_decorator``): a misspelt filter
    (``/api/cities?q=``, ``/api/kpi-values?city_id=``) would otherwise be ignored silently and
    answer as if there were no filter at all.
    """
    operation = cast(Operation, run.__self__)  # type: ignore[attr-defined]
    allowed = declared_query_names(operation)

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        unknown = sorted(set(request.GET) - allowed)
        if not unknown:
            return run(request, *args, **kwargs)
        takes = ", ".join(sorted(allowed)) if allowed else "no query parameters"
        problems = [
            {
                "source": "query",
                "row": 0,
                "column": 0,
                "message": f"{name[:40]}: unknown query parameter; this operation takes {takes}.",
                "severity": "error",
            }
            for name in unknown[:20]
        ]
        return errors.error_response(
            422,
            f"The request is not valid: {len(unknown)} unknown query parameter(s).",
            problems=problems,
        )

    return wrapper


#: Answers any operation may give whatever it declares itself: a path or query with a control
#: character (400, :mod:`citydiplomacy.web.middleware`), an invalid token (401), an unknown
#: query parameter or an invalid value (422), too many requests (429).
COMMON_ERRORS: dict[str, str] = {
    "400": "The request cannot be read: a control character or lone surrogate in the address "
    "or a query parameter, or a body that is not JSON.",
    "401": "The Authorization header is not a valid, unrevoked bearer token.",
    "422": "A parameter or the body is not valid (an unknown query parameter included); "
    "`problems` lists each.",
    "429": "Too many requests; retry later.",
}


class CityDiplomacyAPI(NinjaAPI):
    """NinjaAPI whose every answer, 405 included, uses the one error shape, and whose schema
    declares the answers every operation may give."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _shaped_405(pattern.callback)
        return urls

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        for methods in schema.get("paths", {}).values():
            for operation in methods.values():
                responses = operation.setdefault("responses", {})
                for status, description in COMMON_ERRORS.items():
                    if status not in responses and int(status) not in responses:
                        responses[status] = {
                            "description": description,
                            "content": {"application/json": {"schema": ref}},
                        }
        return schema


api = CityDiplomacyAPI(
    title="citydiplomacy API",
    version="1.0",
    description=DESCRIPTION,
    docs=OfflineSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=StrictJsonParser(),
    throttle=[RequesterThrottle(getattr(settings, "CITYDIPLOMACY_API_RATE", "600/min"))],
    urls_namespace="api",
)
errors.install(api)
# Every operation refuses query parameters it does not declare (422), before anything else.
api.add_decorator(refuse_unknown_query, mode="view")
api.add_router("", cities.router)
api.add_router("", kpi_values.router)
api.add_router("", profiles.router)
api.add_router("", reports_api.router)
api.add_router("", partners_api.router)
api.add_router("", engagement_api.router)
api.add_router("", recognition_api.router)
api.add_router("", capacity_api.router)
api.add_router("", notifications_api.router)
