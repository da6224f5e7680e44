"""``/api/profiles/{city_id}``: a city's scored U4SSC profile."""

from __future__ import annotations

from typing import Any

from django.test import Client

from citydiplomacy.web.indicators import scoring, services
from citydiplomacy.web.indicators.models import ScoreSnapshot
from tests.web.api.conftest import bearer

NODE_KEYS = {
    "code", "name", "level", "parent", "value", "unit", "score", "band", "band_code", "target",
    "target_source", "trend", "change", "progress", "rank", "definition",
}  # fmt: skip


def test_profile_of_an_analyst(client: Client, tokens: dict[str, str], cohort: Any) -> None:
    geneva = cohort["geneva"]
    r = client.get(f"/api/profiles/{geneva.pk}?year=2024", headers=bearer(tokens["analyst"]))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["city"]["id"] == geneva.pk and body["city"]["name"] == "Geneva"
    assert (body["year"], body["years"]) == (2024, [2022, 2023, 2024])
    assert body["published"] is False
    assert body["synthetic"] is True

    fw = services.framework()
    nodes = {n["code"]: n for n in body["nodes"]}
    assert all(set(n) == NODE_KEYS for n in body["nodes"])
    root = nodes[fw.root]
    assert root["parent"] == "" and root["level"] == fw.max_level
    assert root["score"] is not None and root["band"]
    # Nodes come in framework order, each with its framework parent.
    assert all(n["parent"] == fw.parent(n["code"]) for n in body["nodes"])
    order = {code: i for i, code in enumerate(fw.nodes.index)}
    assert [order[n["code"]] for n in body["nodes"]] == sorted(order[c] for c in nodes)
    kpi = next(n for n in body["nodes"] if n["level"] == 1 and n["value"] is not None)
    assert kpi["unit"] and kpi["target"] is not None and kpi["target_source"]
    assert kpi["trend"] in ("up", "down", "flat")
    peer = [n for n in body["nodes"] if n["target_source"].startswith("peer")]
    assert peer, "with seven cities some targets come from peers"

    headline = body["headline"]
    assert headline["rank"] is not None and 1 <= headline["rank"] <= 7
    assert headline["rank_low"] <= headline["rank_median"] <= headline["rank_high"]
    assert headline["n_measures"] == len(fw.measures)

    snapshot = body["snapshot"]
    stored = ScoreSnapshot.objects.get()
    assert snapshot["data_version"] == stored.data_version == services.data_version()
    assert snapshot["spec"] == stored.spec and "profile" in snapshot["spec"]
    assert snapshot["provenance"]["band_labels"] == stored.provenance["band_labels"]
    assert (snapshot["framework"], snapshot["n_cities"]) == (fw.name, 7)


def test_public_profile(client: Client, cohort: Any) -> None:
    geneva = cohort["geneva"]
    r = client.get(f"/api/profiles/{geneva.pk}")
    assert r.status_code == 200
    body = r.json()
    assert (body["year"], body["years"], body["published"]) == (2023, [2023], True)
    assert client.get(f"/api/profiles/{geneva.pk}?year=2024").status_code == 404


def test_a_write_rescores_the_cohort(client: Client, tokens: dict[str, str], cohort: Any) -> None:
    geneva = cohort["geneva"]
    headers = bearer(tokens["admin"])
    first = client.get(f"/api/profiles/{geneva.pk}?year=2024", headers=headers).json()
    r = client.post(
        "/api/kpi-values",
        {"values": [{"city_id": geneva.pk, "year": 2025, "kpi": "EC-ICT-ICT-1C", "value": 99}]},
        content_type="application/json",
        headers=headers,
    )
    assert r.status_code == 201
    second = client.get(f"/api/profiles/{geneva.pk}", headers=headers).json()
    assert second["snapshot"]["data_version"] > first["snapshot"]["data_version"]
    assert second["year"] == 2025 and second["years"][-1] == 2025
    node = next(n for n in second["nodes"] if n["code"] == "EC-ICT-ICT-1C")
    assert node["value"] == 99.0
    assert scoring.city_years(scoring.current_snapshot(), geneva.pk)[-1] == 2025
