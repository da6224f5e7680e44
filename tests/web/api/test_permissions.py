"""Who may do what through the API: every endpoint x every role x token or session.

Data: seven cities with values for 2022-2024; only Geneva's 2023 profile is published. The
editor looks after Geneva, the Lyon editor after Lyon.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from citydiplomacy.web.indicators.models import KpiValue, KpiValueChange
from tests.web.api.conftest import YEARS, bearer

ALL = list(YEARS)
ROLES = ("anonymous", "public", "editor", "lyon_editor", "analyst", "admin")
#: Reads may use a token or the browser session; the public is also tried without either.
READERS = [("anonymous", "none")] + [
    (role, via) for role in ROLES if role != "anonymous" for via in ("token", "session")
]

#: role -> (Geneva's visible years, Lyon's visible years)
VISIBLE_YEARS = {
    "anonymous": ([2023], []),
    "public": ([2023], []),
    "editor": (ALL, []),
    "lyon_editor": ([2023], ALL),
    "analyst": (ALL, ALL),
    "admin": (ALL, ALL),
}


def _headers(
    client: Client, role: str, via: str, users: dict[str, Any], tokens: dict[str, str]
) -> dict[str, str]:
    if via == "token":
        return bearer(tokens[role])
    if via == "session":
        client.force_login(users[role])
    return {}


@pytest.fixture
def env(
    client: Client, users: dict[str, Any], tokens: dict[str, str], small_cohort: Any
) -> dict[str, Any]:
    return {"client": client, "users": users, "tokens": tokens, **small_cohort}


# ------------------------------------------------------------------------- reads
@pytest.mark.parametrize(("role", "via"), READERS)
def test_city_list_is_public(env: dict[str, Any], role: str, via: str) -> None:
    headers = _headers(env["client"], role, via, env["users"], env["tokens"])
    r = env["client"].get("/api/cities", headers=headers)
    assert r.status_code == 200
    assert r.json()["count"] == 7


@pytest.mark.parametrize(("role", "via"), READERS)
def test_city_detail_lists_visible_profile_years(env: dict[str, Any], role: str, via: str) -> None:
    headers = _headers(env["client"], role, via, env["users"], env["tokens"])
    geneva_years, lyon_years = VISIBLE_YEARS[role]
    r = env["client"].get(f"/api/cities/{env['geneva'].pk}", headers=headers)
    assert r.status_code == 200 and r.json()["profile_years"] == geneva_years
    r = env["client"].get(f"/api/cities/{env['lyon'].pk}", headers=headers)
    assert r.status_code == 200 and r.json()["profile_years"] == lyon_years


@pytest.mark.parametrize(("role", "via"), READERS)
def test_kpi_values_are_filtered_by_role(env: dict[str, Any], role: str, via: str) -> None:
    headers = _headers(env["client"], role, via, env["users"], env["tokens"])
    client = env["client"]
    for city, years in zip((env["geneva"], env["lyon"]), VISIBLE_YEARS[role], strict=True):
        r = client.get(f"/api/kpi-values?city={city.pk}&page_size=100", headers=headers)
        assert r.status_code == 200
        body = r.json()
        assert sorted({v["year"] for v in body["results"]}) == years
        assert body["count"] == KpiValue.objects.filter(city=city, year__in=years).count()


@pytest.mark.parametrize(("role", "via"), READERS)
@pytest.mark.usefixtures("no_rank_intervals")
def test_profiles_are_filtered_by_role(env: dict[str, Any], role: str, via: str) -> None:
    headers = _headers(env["client"], role, via, env["users"], env["tokens"])
    client = env["client"]
    geneva_years, lyon_years = VISIBLE_YEARS[role]
    for city, years in ((env["geneva"], geneva_years), (env["lyon"], lyon_years)):
        for year in YEARS:
            r = client.get(f"/api/profiles/{city.pk}?year={year}", headers=headers)
            expected = 200 if year in years else 404
            assert r.status_code == expected, (city.name, year, r.content)
            if expected == 200:
                assert r.json()["years"] == years
        default = client.get(f"/api/profiles/{city.pk}", headers=headers)
        assert default.status_code == (200 if years else 404)
        if years:
            assert default.json()["year"] == years[-1]


@pytest.mark.usefixtures("no_rank_intervals")
def test_hidden_profile_is_answered_like_a_missing_one(env: dict[str, Any]) -> None:
    """A public request for an unpublished year gets the very answer of a year without data."""
    client, geneva = env["client"], env["geneva"]
    hidden = client.get(f"/api/profiles/{geneva.pk}?year=2024")
    missing = client.get(f"/api/profiles/{geneva.pk}?year=2030")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["message"] == "no profile of Geneva for 2024"
    assert missing.json()["error"]["message"] == "no profile of Geneva for 2030"
    lyon = client.get(f"/api/profiles/{env['lyon'].pk}")
    empty = client.get(f"/api/profiles/{env['cities'][2].pk}?year=2030")
    assert lyon.status_code == empty.status_code == 404


# ------------------------------------------------------------------------- writes
def _body(city: Any, value: float = 55.0) -> dict[str, Any]:
    return {
        "values": [
            {"city_id": city.pk, "year": 2025, "kpi": "EC-ICT-ICT-1C", "value": value},
            {"city_id": city.pk, "year": 2025, "kpi": "EC-ICT-ICT-4C", "data_point": "4G",
             "value": 80},
        ]
    }  # fmt: skip


#: (role, city written) -> expected status; anonymous means no token.
WRITES = [
    ("anonymous", "geneva", 401),
    ("public", "geneva", 403),
    ("analyst", "geneva", 403),
    ("lyon_editor", "geneva", 403),
    ("editor", "lyon", 403),
    ("editor", "geneva", 201),
    ("lyon_editor", "lyon", 201),
    ("admin", "geneva", 201),
    ("admin", "lyon", 201),
]


@pytest.mark.parametrize(("role", "city", "status"), WRITES)
def test_write_permissions(env: dict[str, Any], role: str, city: str, status: int) -> None:
    headers = {} if role == "anonymous" else bearer(env["tokens"][role])
    before = KpiValue.objects.count(), KpiValueChange.objects.count()
    r = env["client"].post(
        "/api/kpi-values", _body(env[city]), content_type="application/json", headers=headers
    )
    assert r.status_code == status, r.content
    after = KpiValue.objects.count(), KpiValueChange.objects.count()
    if status == 201:
        assert r.json()["created"] == 2
        assert after == (before[0] + 2, before[1] + 2)
    else:
        assert set(r.json()) == {"error"}
        assert after == before, "a refused write must not write anything"


def test_editor_writing_two_cities_writes_neither(env: dict[str, Any]) -> None:
    body = {"values": _body(env["geneva"])["values"] + _body(env["lyon"])["values"]}
    before = KpiValue.objects.count()
    r = env["client"].post(
        "/api/kpi-values", body, content_type="application/json",
        headers=bearer(env["tokens"]["editor"]),
    )  # fmt: skip
    assert r.status_code == 403
    assert str(env["lyon"].pk) in r.json()["error"]["message"]
    assert KpiValue.objects.count() == before


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_session_alone_cannot_write(env: dict[str, Any], role: str) -> None:
    client = env["client"]
    client.force_login(env["users"][role])
    r = client.post("/api/kpi-values", _body(env["geneva"]), content_type="application/json")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert not KpiValue.objects.filter(year=2025).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_revoked_token_and_inactive_user_are_refused(env: dict[str, Any], method: str) -> None:
    from django.utils import timezone

    from citydiplomacy.web.accounts.models import ApiToken

    client, users = env["client"], env["users"]
    url = "/api/kpi-values" if method == "post" else "/api/cities"
    kwargs: dict[str, Any] = (
        {"data": _body(env["geneva"]), "content_type": "application/json"}
        if method == "post"
        else {}
    )
    ApiToken.objects.filter(user=users["editor"]).update(revoked_at=timezone.now())
    users["admin"].is_active = False
    users["admin"].save()
    for role in ("editor", "admin"):
        r = getattr(client, method)(url, headers=bearer(env["tokens"][role]), **kwargs)
        assert r.status_code == 401, role
        assert r.json()["error"]["code"] == "unauthorized"
    assert not KpiValue.objects.filter(year=2025).exists()


def test_malformed_authorization_header_is_refused_on_reads(env: dict[str, Any]) -> None:
    for value in ("Bearer", "Basic dXNlcjpwYXNz", "Token abc", "Bearer " + "x" * 500):
        r = env["client"].get("/api/cities", headers={"Authorization": value})
        assert r.status_code == 401, value
