"""Permission matrix of the KPI data pages: anonymous, public user, wrong city or wrong role,
right role. Each cell is the expected status code."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import Submission

pytestmark = pytest.mark.django_db

LOGIN = 302  # anonymous visitors are sent to the log-in page


def client_for(users: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    return client


@pytest.fixture
def geneva_data(users: dict[str, Any], geneva: Any) -> Submission:
    data = b"city,country,year,kpi,value\nGeneva,CH,2023,EC-ICT-ICT-1C,84\n"
    # Stored values for 2023 (to verify and publish), and an upload waiting for its commit.
    stored = services.upload(users["editor"], "stored.csv", data.replace(b",84", b",80"))
    services.commit(users["editor"], stored)
    return services.upload(users["editor"], "g.csv", data)


# (page, method) -> expected status per role
MATRIX = {
    ("upload", "get"): {
        "anonymous": LOGIN,
        "public": 403,
        "analyst": 403,
        "lyon_editor": 200,
        "editor": 200,
        "admin": 200,
    },
    ("city_data", "get"): {
        "anonymous": LOGIN,
        "public": 403,
        "analyst": 200,
        "lyon_editor": 403,
        "editor": 200,
        "admin": 200,
    },
    ("city_data", "post"): {
        "anonymous": LOGIN,
        "public": 403,
        "analyst": 403,
        "lyon_editor": 403,
        "editor": 403,
        "admin": 302,
    },
    ("entry", "get"): {
        "anonymous": LOGIN,
        "public": 403,
        "analyst": 403,
        "lyon_editor": 403,
        "editor": 200,
        "admin": 200,
    },
    ("entry", "post"): {
        "anonymous": LOGIN,
        "public": 403,
        "analyst": 403,
        "lyon_editor": 403,
        "editor": 302,
        "admin": 302,
    },
    ("history", "get"): {
        "anonymous": LOGIN,
        "public": 403,
        "analyst": 200,
        "lyon_editor": 403,
        "editor": 403,
        "admin": 200,
    },
    ("submission", "get"): {
        "anonymous": LOGIN,
        "public": 404,
        "analyst": 404,
        "lyon_editor": 404,
        "editor": 200,
        "admin": 200,
    },
    ("tokens", "get"): {
        "anonymous": LOGIN,
        "public": 200,
        "analyst": 200,
        "lyon_editor": 200,
        "editor": 200,
        "admin": 200,
    },
}
ROLES = ["anonymous", "public", "analyst", "lyon_editor", "editor", "admin"]


def url_of(page: str, geneva: Any, sub: Submission) -> str:
    return {
        "upload": reverse("indicators:upload"),
        "city_data": reverse("indicators:city_data", args=[geneva.pk]) + "?year=2023",
        "entry": reverse("indicators:entry", args=[geneva.pk]) + "?year=2023",
        "history": reverse("indicators:history"),
        "submission": reverse("indicators:submission", args=[sub.pk]),
        "tokens": reverse("accounts:tokens"),
    }[page]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("page", "method"), list(MATRIX))
def test_matrix(
    page: str, method: str, role: str, users: dict[str, Any], geneva: Any, geneva_data: Submission
) -> None:
    client = client_for(users, role)
    url = url_of(page, geneva, geneva_data)
    data = {"year": "2023", "action": "publish", "m:EC-ICT-ICT-1C": "80", "source": "x"}
    resp = client.post(url, data) if method == "post" else client.get(url)
    assert resp.status_code == MATRIX[(page, method)][role], resp.content[:300]
    if resp.status_code == LOGIN and role == "anonymous":
        assert resp["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_export_shows_only_what_the_role_may_see(
    role: str, users: dict[str, Any], geneva: Any, geneva_data: Submission
) -> None:
    services.commit(users["editor"], geneva_data)
    services.publish(users["admin"], geneva, 2023, published=False)
    client = client_for(users, role)
    body = client.get(reverse("indicators:export", args=[geneva.pk, "csv"])).content.decode()
    n_rows = body.strip().count("\n")
    sees_unpublished = role in ("analyst", "editor", "admin")
    assert n_rows == (1 if sees_unpublished else 0)
    services.publish(users["admin"], geneva, 2023)
    body = client.get(reverse("indicators:export", args=[geneva.pk, "csv"])).content.decode()
    assert body.strip().count("\n") == 1


def test_admin_pages_are_for_the_secretariat(users: dict[str, Any]) -> None:
    assert client_for(users, "anonymous").get("/admin/").status_code == 302
    assert client_for(users, "editor").get("/admin/").status_code == 302
    assert client_for(users, "admin").get("/admin/").status_code == 200
    # KPI values are read-only in the admin: changes go through the audited services.
    assert client_for(users, "admin").get("/admin/indicators/kpivalue/add/").status_code == 403
