"""The OpenAPI schema and the documentation page (which must work offline)."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

EXPECTED = {
    "/api/cities": {"get"},
    "/api/cities/{city_id}": {"get"},
    "/api/kpi-values": {"get", "post"},
    "/api/profiles/{city_id}": {"get"},
    "/api/guidance/{city_id}": {"get"},
    "/api/partnerships": {"get", "post"},
    "/api/partnerships/{pk}": {"get"},
    "/api/partnerships/{pk}/confirm": {"post"},
    "/api/networks": {"get"},
    "/api/networks/{slug}/members": {"get"},
    "/api/cities/{city_id}/partner-suggestions": {"get"},
    "/api/events": {"get"},
    "/api/declarations/{slug}": {"get"},
    "/api/declarations/{slug}/signatures": {"get"},
    "/api/commitments": {"get"},
    "/api/recognition/documents": {"get"},
    "/api/recognition/documents/{document_id}": {"get"},
    "/api/recognition/texts/{text_id}": {"get"},
    "/api/recognition/compare": {"get"},
    "/api/capacity/framework": {"get"},
    "/api/capacity/survey-figures": {"get"},
    "/api/capacity/people/{person_id}": {"get"},
    "/api/capacity/cities/{city_id}": {"get"},
    "/api/capacity/programmes/{slug}/heatmap": {"get"},
    "/api/notifications": {"get"},
    "/api/notifications/read": {"post"},
}


def schema(client: Client) -> dict[str, Any]:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/json")
    data: dict[str, Any] = r.json()
    return data


def test_paths_and_methods(client: Client) -> None:
    spec = schema(client)
    assert spec["info"]["title"] == "citydiplomacy API"
    assert spec["info"]["version"] and spec["info"]["description"]
    paths = {p: set(ops) for p, ops in spec["paths"].items()}
    assert paths == EXPECTED


def test_operations_are_documented(client: Client) -> None:
    spec = schema(client)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            assert op.get("summary") and op.get("description"), where
            assert any(code.startswith("2") for code in op["responses"]), where
            for code, response in op["responses"].items():
                if not code.startswith("2"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorOut"), where
            for param in op.get("parameters", []):
                assert param.get("description"), f"{where} {param['name']}"
    # Every field of the API's own schemas says what it is.
    skip = {"CityPage", "KpiValuePage", "KpiValuesIn", "ErrorOut", "ProfileOut"}
    for name, model in spec["components"]["schemas"].items():
        for field, prop in model.get("properties", {}).items():
            if name not in skip and field not in ("city", "snapshot", "headline"):
                assert prop.get("description"), f"{name}.{field}"


def test_security_schemes(client: Client) -> None:
    spec = schema(client)
    schemes = spec["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"}
    post = spec["paths"]["/api/kpi-values"]["post"]
    assert post["security"] == [{"BearerToken": []}]
    get = spec["paths"]["/api/kpi-values"]["get"]
    assert {} in get["security"], "reads may be anonymous"


def test_docs_page_is_offline(client: Client) -> None:
    r = client.get("/api/docs")
    assert r.status_code == 200
    html = r.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/vendor/swagger-ui/swagger-ui.css" in html
    assert "/api/openapi.json" in html
    foreign = [
        url
        for url in re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", html)
        if not re.match(r"(?:https?:)?//(testserver|localhost|127\.0\.0\.1)(?:[:/]|$)", url)
    ]
    assert foreign == [], "the docs page must not load anything from another host"
    assert '"validatorUrl": null' in html, "Swagger UI's validator badge calls a server"
