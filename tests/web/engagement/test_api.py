"""The engagement API: events, declarations and commitments; drafts hidden; malformed
requests answered with 4xx in the one error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from citydiplomacy.web.engagement import services

pytestmark = pytest.mark.django_db


def test_events(events: dict[str, Any], geneva: Any) -> None:
    body = Client().get("/api/events").json()
    assert body["count"] == 2
    assert [e["slug"] for e in body["results"]] == ["fom-test", "cop-test"]
    cop = body["results"][1]
    assert cop["tags"] == ["climate"] and cop["deadlines"][0]["due_date"] == "2030-09-01"
    assert Client().get(f"/api/events?city={geneva.pk}").json()["count"] == 1
    assert Client().get("/api/events?since=2025-01-01").json()["count"] == 1


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/events?kind=picnic", 422),
        ("/api/events?kind=DROP%20TABLE", 422),
        ("/api/events?since=yesterday", 422),
        ("/api/events?since=0", 422),
        ("/api/events?since=2026-02-30", 422),
        ("/api/events?page=9", 404),
        ("/api/events?city=-1", 422),
        ("/api/declarations/NOT%20A%20SLUG", 422),
        ("/api/declarations/missing", 404),
        ("/api/commitments?page_size=1000", 422),
    ],
)
def test_malformed_requests(url: str, status: int, events: dict[str, Any]) -> None:
    response = Client().get(url)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["status"] == status and error["message"]


def test_declarations_and_drafts(
    users: dict[str, Any], reps: dict[str, Any], adopted: Any, draft: Any, geneva: Any
) -> None:
    services.sign(reps["geneva"].user, adopted, geneva)
    body = Client().get(f"/api/declarations/{adopted.slug}").json()
    assert body["signatures"] == 1 and body["by_country"] == [{"name": "Switzerland", "n": 1}]
    sigs = Client().get(f"/api/declarations/{adopted.slug}/signatures").json()
    assert sigs["results"][0]["signer_name"] == "Ada Genevois"
    assert "authorised representative" in sigs["results"][0]["verification"]
    assert Client().get(f"/api/declarations/{draft.slug}").status_code == 404
    editor = Client()
    editor.force_login(users["editor"])  # Geneva takes part in the draft
    assert editor.get(f"/api/declarations/{draft.slug}").status_code == 200


def test_commitments(users: dict[str, Any], geneva: Any) -> None:
    services.record_commitment(
        users["admin"],
        geneva,
        {
            "title": "Greener",
            "origin": "own",
            "measure": "EN-EN-PSN-1C",
            "baseline_year": 2020,
            "baseline_value": 1,
            "target_year": 2030,
            "target_value": 2,
        },
    )
    body = Client().get(f"/api/commitments?city={geneva.pk}").json()
    assert body["count"] == 1
    assert body["results"][0]["status"] == "insufficient_data"
