"""Property-based tests of the API against its own OpenAPI schema (schemathesis, every check).

Requests are generated from ``/api/openapi.json`` (valid and invalid ones, the coverage phase's
edge cases included) and sent to the Django WSGI application, with a database of seven cities
with KPI values. Each case is sent twice: anonymously, and with an administrator's token (so
that writes are exercised too). Every answer must pass **all** of schemathesis' checks: no
server error; status, headers and body as the schema documents them; a request the schema
allows is accepted, a request it forbids is refused (``positive_data_acceptance``,
``negative_data_rejection``); a missing or ignored token is refused on writes.

One refinement, on the two writes only: a body may match the schema and still name a city
that is not in the registry or a KPI code the framework does not have; the engine refuses it
(422 with a located problem, or 400 with the service's message), by design, and no schema can list 34,006 cities. For these
operations a positive case may answer 422 *if the engine or the service refused it*; a 422
from request validation (the schema's own rules) still fails the test.

Generation is derandomized and bounded (``MAX_EXAMPLES`` per operation), so the run takes the
same cases every time and stays within about a minute.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks as openapi_checks

from tests.web.api.conftest import bearer

#: Examples per operation and generation phase (the coverage phase adds its own edge cases).
MAX_EXAMPLES = 8
#: Operations whose valid bodies are checked against the registry and the framework.
REFERENTIAL_WRITES = {("POST", "/api/kpi-values"), ("POST", "/api/partnerships")}


# Loaded when the module is collected (the schema needs no database). Not through
# ``schemathesis.pytest.from_fixture``: its lazy loader reads ``request.node._nodeid``, which
# pytest 9 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def keep_test_connection() -> Any:
    """Calling the WSGI application sends request_started/finished, whose handler closes
    database connections between requests; that would close the test's own transaction
    (PostgreSQL). Django's test client disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _refused_by_the_domain(response: Any) -> bool:
    """A refusal by the engine (422: unknown city or KPI) or the service (400: e.g. a city
    not in the registry), not by the schema's rules (a 422 "The request is not valid")."""
    if response.status_code not in (400, 422):
        return False
    error = response.json()["error"]
    if response.status_code == 400:
        return bool(error["code"] == "bad_request")
    return not str(error["message"]).startswith("The request is not valid")


def _check(case: Any, headers: dict[str, str]) -> Any:
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    referential = (case.method.upper(), case.operation.path) in REFERENTIAL_WRITES
    if positive and referential:
        response = case.call(headers=headers)
        if _refused_by_the_domain(response):
            excluded = [openapi_checks.positive_data_acceptance]
            case.validate_response(response, headers=headers, excluded_checks=excluded)
            return response
        case.validate_response(response, headers=headers)
        return response
    return case.call_and_validate(headers=headers)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
@pytest.mark.usefixtures("keep_test_connection", "no_rank_intervals", "small_cohort")
def test_api_conforms_to_its_schema(case: Any, tokens: dict[str, str]) -> None:
    for headers in ({}, bearer(tokens["admin"])):
        response = _check(case, headers)
        assert response.status_code < 500
