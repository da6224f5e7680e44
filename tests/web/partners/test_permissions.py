"""Permission matrix of the partnership pages and API: anonymous, a user without a role, an
analyst, the editor of the other party city, the editor of the proposing city, and the
secretariat. Each cell is the expected status code."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.partners.models import Membership, Network, Partnership, Status
from tests.web.partners.conftest import bearer

pytestmark = pytest.mark.django_db

LOGIN = 302
ROLES = ("anonymous", "public", "analyst", "lyon_editor", "editor", "admin")


def client_for(users: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    return client


def row(*codes: int) -> dict[str, int]:
    return dict(zip(ROLES, codes, strict=True))


# page -> expected status per role; "P" is the proposed Geneva-Lyon partnership (Geneva's
# editor proposed it), "R" the recorded Lyon-Bonn twinning.
GET_MATRIX = {
    ("index", None): row(200, 200, 200, 200, 200, 200),
    ("detail", "P"): row(404, 404, 200, 200, 200, 200),
    ("detail", "R"): row(200, 200, 200, 200, 200, 200),
    ("propose", None): row(LOGIN, 403, 403, 200, 200, 200),
    ("edit", "P"): row(LOGIN, 404, 403, 200, 200, 200),
    ("edit", "R"): row(LOGIN, 403, 403, 403, 403, 200),
    ("add_activity", "P"): row(LOGIN, 404, 403, 200, 200, 200),
    ("add_activity", "R"): row(LOGIN, 403, 403, 200, 403, 200),
    ("add_document", "R"): row(LOGIN, 403, 403, 200, 403, 200),
    ("networks", None): row(200, 200, 200, 200, 200, 200),
    ("network", "N"): row(200, 200, 200, 200, 200, 200),
    ("add_membership", "N"): row(LOGIN, 403, 403, 200, 200, 200),
    ("suggest", None): row(200, 200, 200, 200, 200, 200),
    ("analysis", None): row(200, 200, 200, 200, 200, 200),
}


@pytest.fixture
def objects(proposed: Partnership, recorded: Partnership) -> dict[str, Any]:
    net = Network.objects.create(slug="c40", name="C40 Cities")
    return {"P": proposed.pk, "R": recorded.pk, "N": net.slug}


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(("page", "target"), list(GET_MATRIX))
def test_get_matrix(
    users: dict[str, Any], objects: dict[str, Any], who: str, page: str, target: str | None
) -> None:
    args = [] if target is None else [objects[target]]
    response = client_for(users, who).get(reverse(f"partners:{page}", args=args))
    assert response.status_code == GET_MATRIX[(page, target)][who], response.content[:300]


CONFIRM = row(LOGIN, 404, 403, 302, 403, 302)


@pytest.mark.parametrize("who", ROLES)
def test_confirm_matrix(users: dict[str, Any], proposed: Partnership, who: str) -> None:
    response = client_for(users, who).post(reverse("partners:confirm", args=[proposed.pk]))
    assert response.status_code == CONFIRM[who]
    proposed.refresh_from_db()
    confirmed = who in ("lyon_editor", "admin")
    assert proposed.status == (Status.CONFIRMED if confirmed else Status.PROPOSED)


@pytest.mark.parametrize("who", ROLES)
def test_propose_post_matrix(users: dict[str, Any], geneva: Any, bonn: Any, who: str) -> None:
    """Proposing for Geneva: only its editor and the secretariat may (Lyon's editor is offered
    only Lyon, so the form refuses Geneva)."""
    data = {"city": geneva.pk, "partner": bonn.pk, "kind": "friendship"}
    response = client_for(users, who).post(reverse("partners:propose"), data)
    expected = row(LOGIN, 403, 403, 400, 302, 302)[who]
    assert response.status_code == expected
    made = Partnership.objects.filter(parties__city=bonn, kind="friendship").exists()
    assert made == (who in ("editor", "admin"))


@pytest.mark.parametrize("who", ROLES)
def test_membership_post_matrix(users: dict[str, Any], geneva: Any, who: str) -> None:
    net = Network.objects.create(slug="iclei", name="ICLEI")
    data = {"city": geneva.pk, "role": "member", "commitments": "Net zero 2040"}
    response = client_for(users, who).post(reverse("partners:add_membership", args=["iclei"]), data)
    expected = row(LOGIN, 403, 403, 400, 302, 302)[who]
    assert response.status_code == expected
    saved = Membership.objects.filter(network=net, city=geneva).first()
    assert (saved is not None) == (who in ("editor", "admin"))
    if saved is not None:
        assert saved.commitments == ["Net zero 2040"]


# ------------------------------------------------------------------ API
API_GET = {
    "P": row(404, 404, 200, 200, 200, 200),
    "R": row(200, 200, 200, 200, 200, 200),
}


def api_client(tokens: dict[str, str], who: str) -> dict[str, str]:
    return {} if who == "anonymous" else bearer(tokens[who])


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("target", ["P", "R"])
def test_api_get_matrix(
    tokens: dict[str, str], objects: dict[str, Any], who: str, target: str
) -> None:
    response = Client().get(f"/api/partnerships/{objects[target]}", **api_client(tokens, who))
    assert response.status_code == API_GET[target][who]
    listed = Client().get("/api/partnerships", **api_client(tokens, who)).json()
    ids = {p["id"] for p in listed["results"]}
    assert (objects[target] in ids) == (API_GET[target][who] == 200)


@pytest.mark.parametrize("who", ROLES)
def test_api_propose_matrix(tokens: dict[str, str], geneva: Any, bonn: Any, who: str) -> None:
    body = {"city_ids": [geneva.pk, bonn.pk], "kind": "mou", "themes": ["EN-E-E"]}
    response = Client().post(
        "/api/partnerships",
        json.dumps(body),
        content_type="application/json",
        **api_client(tokens, who),
    )
    expected = row(401, 403, 403, 403, 201, 201)[who]
    assert response.status_code == expected, response.content
    if expected == 201:
        data = response.json()
        assert data["status"] == "proposed"
        confirmed = {p["city_id"]: p["confirmed"] for p in data["parties"]}
        # the editor confirms for Geneva at once; the secretariat for nobody
        assert confirmed == {geneva.pk: who == "editor", bonn.pk: False}
    else:
        assert set(response.json()) == {"error"}


@pytest.mark.parametrize("who", ROLES)
def test_api_confirm_matrix(tokens: dict[str, str], proposed: Partnership, who: str) -> None:
    response = Client().post(f"/api/partnerships/{proposed.pk}/confirm", **api_client(tokens, who))
    expected = row(401, 404, 403, 200, 403, 200)[who]
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response.json()["partnership"]["status"] == "confirmed"


def test_api_refuses_bad_proposals_with_the_error_shape(
    tokens: dict[str, str], geneva: Any
) -> None:
    cases = [
        ({"city_ids": [geneva.pk]}, 422),
        ({"city_ids": [geneva.pk, geneva.pk]}, 422),
        ({"city_ids": [geneva.pk, 1]}, 400),
        ({"city_ids": [geneva.pk, 2996944], "themes": ["XX"]}, 422),
        ({"city_ids": [geneva.pk, 2996944], "sdgs": [18]}, 422),
        ({"city_ids": [geneva.pk, 2**40]}, 422),
        ({"city_ids": [geneva.pk, 2996944], "kind": "alliance"}, 422),
        ({"city_ids": [geneva.pk, 2996944], "start": "2024-01-01", "end": "2023-01-01"}, 400),
    ]
    for body, status in cases:
        response = Client().post(
            "/api/partnerships",
            json.dumps(body),
            content_type="application/json",
            **bearer(tokens["editor"]),
        )
        assert response.status_code == status, (body, response.content)
        assert set(response.json()["error"]) >= {"status", "code", "message"}
    response = Client().post(
        "/api/partnerships",
        b"{not json",
        content_type="application/json",
        **bearer(tokens["editor"]),
    )
    assert response.status_code == 400
