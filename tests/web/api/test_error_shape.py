"""Every error of the API answers in one shape (like datasette's tests/test_error_shape.py).

``{"error": {"status": int, "code": str, "message": str}}``, plus ``"problems"`` (each
``{"source", "row", "column", "message", "severity"}``) on validation errors.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from citydiplomacy.errors import DataError
from citydiplomacy.web.api import api as api_module
from citydiplomacy.web.indicators import scoring, services
from citydiplomacy.web.indicators.models import KpiValue
from tests.web.api.conftest import bearer

GENEVA = 2660646
ERROR_KEYS = {"status", "code", "message"}
PROBLEM_KEYS = {"source", "row", "column", "message", "severity"}


def assert_error_shape(response: Any, status: int | None = None) -> dict[str, Any]:
    """The response is an error in the one shape; returns its ``error`` object."""
    assert 400 <= response.status_code < 600, response.status_code
    if status is not None:
        assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) in (ERROR_KEYS, ERROR_KEYS | {"problems"}), error
    assert error["status"] == response.status_code
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if "problems" in error:
        assert response.status_code == 422
        assert error["problems"], "a validation error lists its problems"
        for p in error["problems"]:
            assert set(p) == PROBLEM_KEYS
            assert isinstance(p["row"], int) and isinstance(p["column"], int)
            assert p["severity"] in ("error", "warning")
    return error


def item(**overrides: Any) -> dict[str, Any]:
    return {"city_id": GENEVA, "year": 2024, "kpi": "EC-ICT-ICT-1C", "value": 50, **overrides}


def values(*items: dict[str, Any]) -> str:
    return json.dumps({"values": list(items)})


#: (label, method, path, body, auth, expected status, expected code)
BAD_REQUESTS: list[tuple[str, str, str, str | None, str | None, int, str]] = [
    ("malformed JSON", "post", "/api/kpi-values", '{"values": [', "admin", 400, "malformed_json"),
    ("NaN is not JSON", "post", "/api/kpi-values", '{"values": [{"value": NaN}]}', "admin", 400,
     "malformed_json"),
    ("not UTF-8", "post", "/api/kpi-values", "\udcff", "admin", 400, "malformed_json"),
    ("empty body", "post", "/api/kpi-values", "", "admin", 422, "validation_error"),
    ("body is a list", "post", "/api/kpi-values", "[1, 2]", "admin", 400, "bad_request"),
    ("values is not a list", "post", "/api/kpi-values", '{"values": 3}', "admin", 422,
     "validation_error"),
    ("no values", "post", "/api/kpi-values", values(), "admin", 422, "validation_error"),
    ("wrong type", "post", "/api/kpi-values", values(item(year="abc")), "admin", 422,
     "validation_error"),
    ("boolean value", "post", "/api/kpi-values", values(item(value=True)), "admin", 422,
     "validation_error"),
    ("missing fields", "post", "/api/kpi-values", values({"city_id": GENEVA}), "admin", 422,
     "validation_error"),
    ("unknown city", "post", "/api/kpi-values", values(item(city_id=123)), "admin", 422,
     "validation_error"),
    ("unknown KPI", "post", "/api/kpi-values", values(item(kpi="XX-1")), "admin", 422,
     "validation_error"),
    ("text for numeric KPI", "post", "/api/kpi-values", values(item(value="lots")), "admin", 422,
     "validation_error"),
    ("percentage 150", "post", "/api/kpi-values", values(item(value=150)), "admin", 422,
     "validation_error"),
    ("duplicate rows", "post", "/api/kpi-values", values(item(), item()), "admin", 422,
     "validation_error"),
    ("year out of range", "post", "/api/kpi-values", values(item(year=1066)), "admin", 422,
     "validation_error"),
    ("NUL in text", "post", "/api/kpi-values", values(item(source="a\x00b")), "admin", 422,
     "validation_error"),
    # XML (so XLSX) cannot hold U+FFFE or U+FFFF: an export of such a note answered 500
    ("noncharacter in text", "post", "/api/kpi-values", values(item(note="annex \uffff")),
     "admin", 422, "validation_error"),
    ("too many values", "post", "/api/kpi-values", values(*[item(year=2000)] * 5001), "admin",
     422, "validation_error"),
    ("bad token", "post", "/api/kpi-values", values(item()), "nonsense", 401, "unauthorized"),
    ("bad token on a read", "get", "/api/cities", None, "nonsense", 401, "unauthorized"),
    ("no token", "post", "/api/kpi-values", values(item()), None, 401, "unauthorized"),
    ("analyst writes", "post", "/api/kpi-values", values(item()), "analyst", 403, "forbidden"),
    ("unknown path", "get", "/api/nowhere", None, None, 404, "not_found"),
    ("API root", "get", "/api/", None, None, 404, "not_found"),
    ("non-numeric city id", "get", "/api/cities/abc", None, None, 422, "validation_error"),
    ("unknown city id", "get", "/api/cities/123", None, None, 404, "not_found"),
    ("huge city id", "get", "/api/cities/99999999999999999999", None, None, 422,
     "validation_error"),
    ("unknown city profile", "get", "/api/profiles/123", None, None, 404, "not_found"),
    ("page=abc", "get", "/api/cities?page=abc", None, None, 422, "validation_error"),
    ("page=0", "get", "/api/cities?page=0", None, None, 422, "validation_error"),
    ("page after the last", "get", "/api/cities?page=99", None, None, 404, "not_found"),
    ("page_size=100000", "get", "/api/cities?page_size=100000", None, None, 422,
     "validation_error"),
    ("bad country", "get", "/api/cities?country=Switzerland", None, None, 422,
     "validation_error"),
    ("control character", "get", "/api/cities?search=a%00", None, None, 400,
     "bad_request"),
    ("year=abc", "get", f"/api/profiles/{GENEVA}?year=abc", None, None, 422,
     "validation_error"),
    ("kpi-values year=abc", "get", "/api/kpi-values?year=abc", None, None, 422,
     "validation_error"),
    ("bad status filter", "get", "/api/kpi-values?status=lost", None, None, 422,
     "validation_error"),
    ("method not allowed", "delete", "/api/cities", None, None, 405, "method_not_allowed"),
    ("method not allowed on a write", "put", "/api/kpi-values", None, "admin", 405,
     "method_not_allowed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "auth", "status", "code"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_request_answers_in_the_error_shape(
    client: Client,
    tokens: dict[str, str],
    method: str,
    path: str,
    body: str | None,
    auth: str | None,
    status: int,
    code: str,
) -> None:
    headers = bearer(tokens.get(auth, auth)) if auth else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        raw = body.encode("utf-8", "surrogateescape")
        kwargs.update(data=raw, content_type="application/json")
    before = KpiValue.objects.count()
    response = getattr(client, method)(path, **kwargs)
    error = assert_error_shape(response, status)
    assert error["code"] == code
    assert KpiValue.objects.count() == before
    if status == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
    if status == 405:
        assert response["Allow"]


def test_too_large_body_is_413(client: Client, tokens: dict[str, str], settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = values(*[item(note="x" * 100)] * 20)
    r = client.post(
        "/api/kpi-values", body, content_type="application/json", headers=bearer(tokens["admin"])
    )
    assert assert_error_shape(r, 413)["code"] == "payload_too_large"


@pytest.mark.usefixtures("db")
def test_throttling_answers_429(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    for throttle in api_module.api.throttle:  # type: ignore[union-attr]
        monkeypatch.setattr(throttle, "num_requests", 2)
    assert client.get("/api/cities").status_code == 200
    assert client.get("/api/cities").status_code == 200
    r = client.get("/api/cities")
    assert assert_error_shape(r, 429)["code"] == "throttled"
    assert int(r["Retry-After"]) >= 1


def test_unexpected_exception_is_a_500_in_the_shape(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def boom(user: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(services, "visible_values", boom)
    r = client.get("/api/kpi-values")
    error = assert_error_shape(r, 500)
    assert error["code"] == "server_error"
    assert "secret" not in error["message"]
    assert "secret detail" in caplog.text


def test_domain_error_is_a_400(
    client: Client, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.web.api.conftest import synthetic_rows

    services.write_values(
        users["admin"], synthetic_rows([users["editor"].membership.cities.get()], 5), via="demo"
    )

    def fail() -> Any:
        raise DataError("too few cities to score")

    monkeypatch.setattr(scoring, "current_snapshot", fail)
    client.force_login(users["analyst"])
    r = client.get(f"/api/profiles/{GENEVA}")
    assert assert_error_shape(r, 400)["message"] == "too few cities to score"


def test_validation_problems_are_located(client: Client, tokens: dict[str, str]) -> None:
    r = client.post(
        "/api/kpi-values",
        values(item(), item(year="soon"), item(city_id=-1, kpi="")),
        content_type="application/json",
        headers=bearer(tokens["admin"]),
    )
    problems = assert_error_shape(r, 422)["problems"]
    located = {(p["row"], p["column"]) for p in problems}
    assert located == {(2, 2), (3, 1), (3, 3)}
    assert all(p["source"] == "request" for p in problems)


@pytest.mark.usefixtures("db")
def test_object_does_not_exist_is_a_404_without_details(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citydiplomacy.web.api import cities
    from citydiplomacy.web.cities.models import City

    def missing(qs: Any, params: Any) -> Any:
        raise City.DoesNotExist("City matching query does not exist.")

    monkeypatch.setattr(cities, "paginate", missing)
    error = assert_error_shape(client.get("/api/cities"), 404)
    assert error["message"] == "Not found."
