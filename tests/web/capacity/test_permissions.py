"""The permission matrix of every capacity page and endpoint: anonymous, public, participant,
another participant (other city), city manager, another city's manager, organiser, another
organiser, analyst, secretariat. Each cell is the expected status ("login": redirected to the
log-in page). No one reads another person's ratings without the right."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from citydiplomacy.web.capacity.models import Participant
from tests.web.capacity.conftest import WHO, client_for

pytestmark = pytest.mark.django_db
LOGIN = "login"


def status(response: Any) -> int | str:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    return int(response.status_code)


def row(
    anonymous: Any,
    public: Any,
    participant: Any,
    other_participant: Any,
    manager: Any,
    lyon_manager: Any,
    organiser: Any,
    other_organiser: Any,
    analyst: Any,
    admin: Any,
) -> dict[str, Any]:
    return dict(
        zip(
            WHO,
            (
                anonymous,
                public,
                participant,
                other_participant,
                manager,
                lyon_manager,
                organiser,
                other_organiser,
                analyst,
                admin,
            ),
            strict=True,
        )
    )


ALL_200 = row(*(200,) * 10)

# (name, method, url builder, expected)
PAGES: list[tuple[str, str, Any, dict[str, Any]]] = [
    ("index", "get", lambda c: reverse("capacity:index"), ALL_200),
    ("framework", "get", lambda c: reverse("capacity:framework"), ALL_200),
    ("framework-csv", "get", lambda c: reverse("capacity:framework-export", args=["csv"]), ALL_200),
    (
        "framework-import",
        "post",
        lambda c: reverse("capacity:framework-import"),
        row(LOGIN, 403, 403, 403, 403, 403, 403, 403, 403, 422),
    ),
    ("modules", "get", lambda c: reverse("capacity:modules"), ALL_200),
    ("modules-csv", "get", lambda c: reverse("capacity:modules-export", args=["csv"]), ALL_200),
    ("framework-case", "get", lambda c: reverse("capacity:framework-case"), ALL_200),
    (
        "module-new",
        "get",
        lambda c: reverse("capacity:module-new"),
        row(LOGIN, 403, 403, 403, 403, 403, 200, 200, 403, 200),
    ),
    (
        "module-new post",
        "post",
        lambda c: reverse("capacity:module-new"),
        row(LOGIN, 403, 403, 403, 403, 403, 422, 422, 403, 422),
    ),
    (
        "module-edit",
        "get",
        lambda c: reverse("capacity:module-edit", args=["M1"]),
        row(LOGIN, 403, 403, 403, 403, 403, 200, 200, 403, 200),
    ),
    (
        "me",
        "get",
        lambda c: reverse("capacity:me"),
        row(LOGIN, 404, 302, 302, 404, 404, 404, 404, 404, 404),
    ),
    (
        "own person",
        "get",
        lambda c: reverse("capacity:person", args=[c["people"]["geneva"][0].pk]),
        row(LOGIN, 404, 200, 404, 200, 404, 200, 404, 404, 200),
    ),
    (
        "colleague",
        "get",
        lambda c: reverse("capacity:person", args=[c["people"]["geneva"][1].pk]),
        row(LOGIN, 404, 404, 404, 200, 404, 200, 404, 404, 200),
    ),
    (
        "assess",
        "get",
        lambda c: reverse("capacity:assess", args=[c["people"]["geneva"][0].pk]),
        row(LOGIN, 404, 200, 404, 404, 404, 404, 404, 404, 404),
    ),
    (
        "rate",
        "get",
        lambda c: reverse("capacity:rate", args=[c["people"]["geneva"][0].pk]),
        row(LOGIN, 404, 404, 200, 200, 404, 200, 404, 404, 200),
    ),
    (
        "city",
        "get",
        lambda c: reverse("capacity:city", args=[c["geneva"].pk]),
        row(LOGIN, 403, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    (
        "city-survey",
        "get",
        lambda c: reverse("capacity:city-survey", args=[c["geneva"].pk]),
        row(LOGIN, 403, 403, 403, 200, 403, 403, 403, 403, 200),
    ),
    (
        "programmes",
        "get",
        lambda c: reverse("capacity:programmes"),
        row(LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    (
        "programme-new",
        "get",
        lambda c: reverse("capacity:programme-new"),
        row(LOGIN, 403, 403, 403, 403, 403, 200, 200, 403, 200),
    ),
    (
        "programme",
        "get",
        lambda c: reverse("capacity:programme", args=["masterclass"]),
        row(LOGIN, 404, 200, 200, 200, 200, 200, 404, 200, 200),
    ),
    (
        "responses",
        "get",
        lambda c: reverse("capacity:responses-export", args=["masterclass", "csv"]),
        row(LOGIN, 404, 200, 200, 200, 200, 200, 404, 200, 200),
    ),
    (
        "cohort",
        "get",
        lambda c: reverse("capacity:cohort-export", args=["masterclass", "xlsx"]),
        row(LOGIN, 404, 200, 200, 200, 200, 200, 404, 200, 200),
    ),
    (
        "import",
        "post",
        lambda c: reverse("capacity:programme-import", args=["masterclass"]),
        row(LOGIN, 404, 403, 403, 403, 403, 422, 404, 403, 422),
    ),
    (
        "session",
        "post",
        lambda c: reverse("capacity:session-new", args=["masterclass"]),
        row(LOGIN, 404, 403, 403, 403, 403, 302, 404, 403, 302),
    ),
    (
        "mentoring",
        "post",
        lambda c: reverse("capacity:mentoring", args=["masterclass"]),
        row(LOGIN, 404, 403, 403, 403, 403, 302, 404, 403, 302),
    ),
    (
        "statement",
        "post",
        lambda c: reverse("capacity:statement", args=["masterclass"]),
        row(LOGIN, 404, 403, 403, 403, 403, 302, 404, 403, 302),
    ),
    (
        "complete",
        "post",
        lambda c: reverse("capacity:complete", args=["masterclass", c["people"]["lyon"][1].pk]),
        row(LOGIN, 404, 403, 403, 403, 403, 302, 404, 403, 302),
    ),
    (
        "certificate",
        "get",
        lambda c: (
            reverse("capacity:certificate", args=["masterclass", c["people"]["geneva"][0].pk])
            + "?format=html"
        ),
        row(LOGIN, 404, 200, 404, 200, 404, 200, 404, 404, 200),
    ),
    # API: 404 hides private people and programmes; aggregates need a role (401 / 403).
    ("api framework", "get", lambda c: "/api/capacity/framework", ALL_200),
    ("api figures", "get", lambda c: "/api/capacity/survey-figures", ALL_200),
    (
        "api person",
        "get",
        lambda c: f"/api/capacity/people/{c['people']['geneva'][0].pk}",
        row(404, 404, 200, 404, 200, 404, 200, 404, 404, 200),
    ),
    (
        "api colleague",
        "get",
        lambda c: f"/api/capacity/people/{c['people']['geneva'][1].pk}",
        row(404, 404, 404, 404, 200, 404, 200, 404, 404, 200),
    ),
    (
        "api city",
        "get",
        lambda c: f"/api/capacity/cities/{c['geneva'].pk}",
        row(401, 403, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    (
        "api heatmap",
        "get",
        lambda c: "/api/capacity/programmes/masterclass/heatmap",
        row(404, 404, 200, 200, 200, 200, 200, 404, 200, 200),
    ),
]


@pytest.mark.parametrize(("name", "method", "url", "expected"), PAGES, ids=[p[0] for p in PAGES])
def test_matrix(
    cohort: dict[str, Any], name: str, method: str, url: Any, expected: dict[str, Any]
) -> None:
    """Every role on one page (one cohort per page keeps the matrix affordable; the
    secretariat comes last, so that no earlier request changes what a later one may do)."""
    Participant.objects.filter(person=cohort["people"]["geneva"][0]).update(
        completed_on="2026-03-01"
    )
    target = url(cohort)
    data = {}
    if name == "session":
        data = {"title": "S", "starts_at": "2026-01-10 10:00", "ends_at": "2026-01-10 11:00"}
    if name == "statement":
        data = {"title": "Joint statement", "text": "We cooperate."}
    got = {}
    for who in WHO:
        client = client_for(cohort["who"][who])
        response = client.get(target) if method == "get" else client.post(target, data)
        got[who] = status(response)
    assert got == expected


def test_organisers_who_are_not_secretariat_cannot_draft_declarations(
    cohort: dict[str, Any],
) -> None:
    """The declarations feature lets only the secretariat draft: an organiser's attempt is
    refused with a message and writes nothing."""
    client = client_for(cohort["who"]["organiser"])
    r = client.post(
        reverse("capacity:statement", args=["masterclass"]),
        {"title": "Joint statement", "text": "We cooperate."},
        follow=True,
    )
    assert "secretariat" in r.content.decode()
    cohort["programme"].refresh_from_db()
    assert cohort["programme"].declaration is None


@pytest.mark.parametrize("who", WHO)
def test_no_one_reads_another_persons_ratings(cohort: dict[str, Any], who: str) -> None:
    """Over every person of the cohort: the page and the API answer only to those with the
    right (the person, their city's manager, the organiser, the secretariat)."""
    user = cohort["who"][who]
    client = client_for(user)
    for city, people in cohort["people"].items():
        for p in people:
            allowed = (
                who == "admin"
                or who == "organiser"
                or (who == "manager" and city == "geneva")
                or (who == "lyon_manager" and city == "lyon")
                or (user is not None and p.user_id == user.pk)
            )
            page = client.get(reverse("capacity:person", args=[p.pk]))
            api = client.get(f"/api/capacity/people/{p.pk}")
            expected_page = 200 if allowed else (LOGIN if user is None else 404)
            assert status(page) == expected_page, (who, p.name)
            assert api.status_code == (200 if allowed else 404), (who, p.name)


def test_heat_map_by_person_only_for_organisers(cohort: dict[str, Any]) -> None:
    for who in ("participant", "manager", "analyst"):
        body = (
            client_for(cohort["who"][who])
            .get("/api/capacity/programmes/masterclass/heatmap")
            .json()
        )
        assert body["by_person"] is None
        assert all("geneva-" not in r["group"] for r in body["by_city"])
    body = (
        client_for(cohort["who"]["organiser"])
        .get("/api/capacity/programmes/masterclass/heatmap")
        .json()
    )
    assert len(body["by_person"]) == 10


def test_api_errors_use_the_one_shape(cohort: dict[str, Any]) -> None:
    r = client_for(None).get("/api/capacity/cities/1")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = client_for(cohort["who"]["analyst"]).get("/api/capacity/people/99999999999")
    assert r.status_code == 422 and "problems" in r.json()["error"]
    r = client_for(cohort["who"]["analyst"]).get("/api/capacity/programmes/x%20y/heatmap")
    assert r.status_code in (404, 422) and "error" in r.json()
