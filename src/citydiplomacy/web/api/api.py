"""The JSON API (django-ninja): OpenAPI schema at /api/openapi.json, docs at /api/docs.

The API instance, its routers (one module per domain), authentication
(:mod:`~citydiplomacy.web.api.auth`), throttling, and the one error shape
(:mod:`~citydiplomacy.web.api.errors`) that every failure answers with.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.parser import Parser

from citydiplomacy.web.api import cities, errors, kpi_values, profiles
from citydiplomacy.web.api.auth import requester
from citydiplomacy.web.api.docs import OfflineSwagger
from citydiplomacy.web.api.throttle import SharedRateThrottle
from citydiplomacy.web.engagement import api as engagement_api
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
    in the cache every process shares (:mod:`~citydiplomacy.web.api.throttle`)."""

    scope = "citydiplomacy"

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user = requester(request)
        ident = f"user-{user.pk}" if user.is_authenticated else f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class StrictJsonParser(Parser):
    """JSON bodies without NaN or Infinity, which are not JSON."""

    def parse_body(self, request: HttpRequest) -> Any:
        def refuse(constant: str) -> Any:
            raise ValueError(f"{constant} is not a JSON value")

        return json.loads(request.body, parse_constant=refuse)


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


class CityDiplomacyAPI(NinjaAPI):
    """NinjaAPI whose every answer, 405 included, uses the one error shape."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _shaped_405(pattern.callback)
        return urls


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
api.add_router("", cities.router)
api.add_router("", kpi_values.router)
api.add_router("", profiles.router)
api.add_router("", reports_api.router)
api.add_router("", partners_api.router)
api.add_router("", engagement_api.router)
api.add_router("", recognition_api.router)
