"""The interactive API documentation (Swagger UI), served from this site's own static files.

Ninja's default docs page loads Swagger UI from a CDN (or from ninja's own static files when
``ninja`` is an installed app). The platform must work offline and without third-party
requests, so the page here loads the vendored ``swagger-ui-dist`` files from
``static/vendor/swagger-ui/`` and turns off Swagger UI's online validator badge.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.template import engines
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI

TEMPLATE = Path(__file__).with_name("docs.html")


@cache
def _template() -> Any:
    """The page template, compiled once (this package is not an app with a template dir)."""
    return engines["django"].from_string(TEMPLATE.read_text(encoding="utf-8"))


def _json_for_script(data: Any) -> str:
    """JSON safe inside a ``<script>`` element (as Django's ``json_script`` escapes it)."""
    text = json.dumps(data, indent=1)
    return text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")


class OfflineSwagger(DocsBase):
    """Swagger UI from the vendored assets, with no request to another host."""

    default_settings: dict[str, Any] = {
        "layout": "BaseLayout",
        "deepLinking": True,
        "persistAuthorization": True,
        "validatorUrl": None,
        "tryItOutEnabled": False,
    }

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.settings = {**self.default_settings, **(settings or {})}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        openapi_url = self.get_openapi_url(api, kwargs)
        settings = {**self.settings, "url": openapi_url}
        html = _template().render(
            {
                "api": api,
                "openapi_url": openapi_url,
                "swagger_settings": _json_for_script(settings),
            },
            request,
        )
        return HttpResponse(html)
