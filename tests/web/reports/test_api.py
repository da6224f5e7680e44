"""``GET /api/guidance/{city_id}``: recommendations with sources and peers, under the
profile's visibility rules, with the API's one error shape."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.profiles.conftest import (
    ROLES,
    SEES_GENEVA_UNPUBLISHED,
    UNPUBLISHED_YEAR,
    Cohort,
    client_for,
)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("year", [2023, UNPUBLISHED_YEAR])
def test_guidance_matrix(cohort: Cohort, who: str, year: int) -> None:
    response = client_for(cohort.users, who).get(
        f"/api/guidance/{cohort.geneva.pk}", {"year": year}
    )
    visible = year != UNPUBLISHED_YEAR or who in SEES_GENEVA_UNPUBLISHED
    assert response.status_code == (200 if visible else 404)
    body: dict[str, Any] = response.json()
    if not visible:
        assert body["error"]["code"] == "not_found"
        return
    assert body["city_id"] == cohort.geneva.pk and body["year"] == year
    assert body["unpublished"] == (year == UNPUBLISHED_YEAR) and body["synthetic"] is True
    for g in body["guidance"]:
        assert g["recommendations"] and all(r["sources"] for r in g["recommendations"])
        for p in g["peers"]:
            assert p["city_id"] != cohort.geneva.pk
            if who not in ("analyst", "admin"):
                assert p["name"] != "Nantes"  # never published: never a public peer


def test_guidance_in_french(cohort: Cohort) -> None:
    client = client_for(cohort.users, "analyst")
    en = client.get(f"/api/guidance/{cohort.geneva.pk}", {"year": 2023}).json()
    fr = client.get(f"/api/guidance/{cohort.geneva.pk}", {"year": 2023, "lang": "fr"}).json()
    assert [g["rule"] for g in en["guidance"]] == [g["rule"] for g in fr["guidance"]]
    if en["guidance"]:
        assert (
            en["guidance"][0]["recommendations"][0]["text"]
            != (fr["guidance"][0]["recommendations"][0]["text"])
        )


@pytest.mark.parametrize(
    ("path", "query", "status", "code"),
    [
        ("/api/guidance/{pk}", {"year": "1800"}, 422, "validation_error"),
        ("/api/guidance/{pk}", {"lang": "xx"}, 422, "validation_error"),
        ("/api/guidance/{pk}", {"year": "2019"}, 404, "not_found"),
        ("/api/guidance/999999999", {}, 404, "not_found"),
        ("/api/guidance/0", {}, 422, "validation_error"),
    ],
)
def test_guidance_errors(
    cohort: Cohort, path: str, query: dict[str, str], status: int, code: str
) -> None:
    response = client_for(cohort.users, "anonymous").get(
        path.replace("{pk}", str(cohort.geneva.pk)), query
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
