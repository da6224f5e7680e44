"""Hostile input on the API: each answered in the one error shape, never a 500, and the
OpenAPI schema states what the server accepts (so that schemathesis can hold it to it).

Regression tests of issue 14, item 3: a lone surrogate in ``source`` or ``note`` (500 on both
databases), unknown query parameters silently ignored (``/api/cities?q=`` answered all
cities), impossible dates and unknown themes the schema allowed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.web.api.api import api
from citydiplomacy.web.indicators.models import KpiValue, KpiValueChange
from citydiplomacy.web.partners import services as partner_services
from citydiplomacy.web.partners.models import Partnership
from tests.web.api.conftest import bearer
from tests.web.api.test_error_shape import assert_error_shape

pytestmark = pytest.mark.django_db

GENEVA = 2660646


def _post_raw(client: Client, path: str, raw: str, token: str) -> Any:
    return client.post(path, raw.encode(), content_type="application/json", headers=bearer(token))


def _value_with(field: str, escaped: str) -> str:
    """A request body whose one value has ``field`` set to a JSON string written verbatim
    (``escaped`` may hold a ``\\ud800`` escape, which json.dumps would not produce)."""
    item = '{"city_id": %d, "year": 2024, "kpi": "EC-ICT-ICT-1C", "value": 50, "%s": "%s"}'
    return '{"values": [' + item % (GENEVA, field, escaped) + "]}"


@pytest.mark.parametrize(("field", "column"), [("source", 7), ("note", 8)])
@pytest.mark.parametrize("escaped", ["a\\ud800b", "\\udfff", "x\\u0000"])
def test_a_lone_surrogate_or_nul_in_text_is_a_located_422(
    client: Client, tokens: dict[str, str], geneva: Any, field: str, column: int, escaped: str
) -> None:
    response = _post_raw(client, "/api/kpi-values", _value_with(field, escaped), tokens["admin"])
    error = assert_error_shape(response, 422)
    [problem] = error["problems"]
    assert (problem["row"], problem["column"]) == (1, column)
    assert "must not contain" in problem["message"]
    assert not KpiValue.objects.exists() and not KpiValueChange.objects.exists()


def test_the_same_body_without_the_character_is_written(
    client: Client, tokens: dict[str, str], geneva: Any
) -> None:
    response = _post_raw(client, "/api/kpi-values", _value_with("note", "ab"), tokens["admin"])
    assert response.status_code == 201
    assert KpiValue.objects.get().note == "ab"


def test_a_source_longer_than_its_column_is_a_located_422(
    client: Client, tokens: dict[str, str], geneva: Any
) -> None:
    limit = KpiValue._meta.get_field("source").max_length
    assert limit is not None
    body = _value_with("source", "s" * (limit + 1))
    error = assert_error_shape(_post_raw(client, "/api/kpi-values", body, tokens["admin"]), 422)
    assert [(p["row"], p["column"]) for p in error["problems"]] == [(1, 7)]


# ------------------------------------------------------------------ unknown query parameters
@pytest.mark.parametrize(
    ("url", "name"),
    [("/api/cities?q=Gen", "q"), ("/api/kpi-values?city_id=2660646", "city_id")],
)
def test_the_issue_cases_of_unknown_parameters(
    client: Client, geneva: Any, url: str, name: str
) -> None:
    error = assert_error_shape(client.get(url), 422)
    [problem] = error["problems"]
    assert problem["source"] == "query"
    assert problem["message"].startswith(f"{name}: unknown query parameter")


def _operations() -> list[tuple[str, str, list[str]]]:
    """(method, path with sample path parameters, declared query names) of every operation."""
    schema = api.get_openapi_schema()
    out = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            params = op.get("parameters", [])
            url = path
            for p in params:
                if p["in"] == "path":
                    sample = "1" if p["schema"].get("type") == "integer" else "x"
                    url = url.replace("{" + p["name"] + "}", sample)
            query = [p["name"] for p in params if p["in"] == "query"]
            out.append((method.upper(), url, query))
    return out


OPERATIONS = _operations()


@pytest.mark.parametrize(("method", "url", "query"), OPERATIONS, ids=[o[1] for o in OPERATIONS])
def test_every_operation_refuses_an_unknown_query_parameter(
    client: Client, tokens: dict[str, str], method: str, url: str, query: list[str]
) -> None:
    call = getattr(client, method.lower())
    headers = bearer(tokens["admin"])
    response = call(url + "?zz_unknown=1", headers=headers, content_type="application/json")
    error = assert_error_shape(response, 422)
    [problem] = error["problems"]
    assert problem["message"].startswith("zz_unknown: unknown query parameter")
    for name in query:
        assert name in problem["message"], "the message lists what the operation takes"


def test_declared_parameters_pagination_included_are_accepted(client: Client, geneva: Any) -> None:
    response = client.get("/api/cities?search=gen&country=CH&page=1&page_size=5")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [GENEVA]


# ------------------------------------------------------------------ dates and vocabularies
@pytest.mark.parametrize("since", ["2026-02-30", "2026-13-01", "20260101", "1767225600"])
def test_an_impossible_or_malformed_date_is_a_422(client: Client, since: str) -> None:
    assert_error_shape(client.get(f"/api/events?since={since}"), 422)


def test_a_real_date_is_accepted(client: Client) -> None:
    assert client.get("/api/events?since=2024-02-29").status_code == 200


@pytest.mark.parametrize("start", ["2026-02-30", 20260101, "2026-1-1"])
def test_a_proposal_with_an_impossible_date_is_a_422(
    client: Client, tokens: dict[str, str], geneva: Any, lyon: Any, start: Any
) -> None:
    body = json.dumps({"city_ids": [geneva.pk, lyon.pk], "start": start})
    assert_error_shape(_post_raw(client, "/api/partnerships", body, tokens["admin"]), 422)
    assert not Partnership.objects.exists()


def test_an_unknown_theme_is_a_422_and_the_schema_lists_the_themes(
    client: Client, geneva: Any
) -> None:
    url = f"/api/cities/{GENEVA}/partner-suggestions"
    error = assert_error_shape(client.get(url + "?theme=XX-NOPE"), 422)
    assert "is not a framework category code" in error["problems"][0]["message"]
    schema = api.get_openapi_schema()
    [theme] = [
        p
        for p in schema["paths"]["/api/cities/{city_id}/partner-suggestions"]["get"]["parameters"]
        if p["name"] == "theme"
    ]
    codes = [code for code, _ in partner_services.theme_choices()]
    assert theme["schema"]["enum"] == codes and len(codes) > 10


def test_an_unknown_event_kind_is_a_422(client: Client) -> None:
    assert_error_shape(client.get("/api/events?kind=picnic"), 422)


def test_the_event_kind_enum_is_the_models() -> None:
    from typing import get_args

    from citydiplomacy.web.engagement.api import EventKindCode
    from citydiplomacy.web.engagement.models import EventKind

    assert list(get_args(EventKindCode)) == list(EventKind.values)


# ------------------------------------------------------------------ the schema states it all
def _request_strings(node: Any, schema: dict[str, Any], seen: set[str]) -> list[dict[str, Any]]:
    """Every string schema reachable from ``node`` (following $refs once)."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                return []
            seen.add(name)
            return _request_strings(schema["components"]["schemas"][name], schema, seen)
        found = [node] if node.get("type") == "string" else []
        for value in node.values():
            found += _request_strings(value, schema, seen)
        return found
    if isinstance(node, list):
        return [s for item in node for s in _request_strings(item, schema, seen)]
    return []


def test_every_string_the_api_reads_is_constrained() -> None:
    """No request string is "any string": each has an enum, a pattern or a format."""
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            inputs = [p["schema"] for p in op.get("parameters", [])]
            inputs += [op["requestBody"]] if "requestBody" in op else []
            for s in _request_strings(inputs, schema, set()):
                assert {"enum", "pattern", "format"} & set(s), (method, path, s)


def test_every_operation_documents_the_common_errors() -> None:
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            documented = {str(status) for status in op["responses"]}
            assert {"400", "401", "422", "429"} <= documented, (method, path)


def test_a_value_the_database_refuses_is_a_400_in_the_error_shape(
    client: Client, tokens: dict[str, str], geneva: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import DataError

    from citydiplomacy.web.indicators import services

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise DataError("value too long for type character varying(300)")

    monkeypatch.setattr(services, "write_values", refuse)
    response = _post_raw(client, "/api/kpi-values", _value_with("note", "ok"), tokens["admin"])
    error = assert_error_shape(response, 400)
    assert "character varying" not in error["message"]


# ------------------------------------------------------------------ one rule, two statements
@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
def test_the_schema_pattern_and_the_validator_agree(text: str) -> None:
    """What the OpenAPI ``pattern`` allows is what the server takes (surrogates aside, which
    UTF-8 cannot carry and the validator refuses)."""
    import re

    from pydantic import TypeAdapter, ValidationError

    from citydiplomacy.web.apikit.fields import TEXT_PATTERN, Text

    allowed_by_schema = re.fullmatch(TEXT_PATTERN, text) is not None
    try:
        TypeAdapter(Text).validate_python(text)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == allowed_by_schema, repr(text)


@given(st.sampled_from(["\ud800", "a\udbff", "\udc00b"]))
def test_lone_surrogates_are_refused(text: str) -> None:
    from pydantic import TypeAdapter, ValidationError

    from citydiplomacy.web.apikit.fields import Text

    with pytest.raises(ValidationError, match="lone UTF-16 surrogate"):
        TypeAdapter(Text).validate_python(text)


@pytest.mark.parametrize("body", ["[null, null]", "[]", "0", '"values"', "null", "true"])
@pytest.mark.parametrize("path", ["/api/kpi-values", "/api/partnerships"])
def test_a_body_that_is_not_an_object_is_a_400(
    client: Client, tokens: dict[str, str], path: str, body: str
) -> None:
    """Every body of the API is a JSON object; a list once passed as an object whose fields
    all took their defaults."""
    error = assert_error_shape(_post_raw(client, path, body, tokens["admin"]), 400)
    assert error["code"] == "bad_request"
    assert error["message"].startswith("The request body must be a JSON object {...}: got ")
