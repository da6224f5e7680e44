"""Writing and reading KPI values through the API: validation, all-or-nothing, audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import KpiValue, KpiValueChange, Status
from tests.web.api.conftest import bearer


def post(client: Client, key: str, *items: dict[str, Any]) -> Any:
    return client.post(
        "/api/kpi-values", {"values": list(items)}, content_type="application/json",
        headers=bearer(key),
    )  # fmt: skip


def item(city: Any, **fields: Any) -> dict[str, Any]:
    return {"city_id": city.pk, "year": 2024, "kpi": "EC-ICT-ICT-1C", "value": 50, **fields}


# ------------------------------------------------------------------------- validation
def test_every_problem_is_reported_with_its_row(
    client: Client, tokens: dict[str, str], geneva: Any
) -> None:
    r = post(
        client,
        tokens["admin"],
        item(geneva),  # row 1: fine
        item(geneva, kpi="EC-ICT-XXX"),  # row 2: unknown KPI
        item(geneva, kpi="EC-ICT-ICT-2C", value=150),  # row 3: percentage over 100
        item(geneva, kpi="EC-ICT-ICT-3C", value="many"),  # row 4: text for a number
        item(geneva),  # row 5: duplicate of row 1
        item(geneva, city_id=424242, kpi="EC-ICT-ICT-2C"),  # row 6: unknown city
        item(geneva, kpi="EC-ICT-ICT-4C", value=10),  # row 7: data point missing
        item(geneva, kpi="SC-SH-SA-3A", value="maybe"),  # row 8: yes/no KPI
        item(geneva, kpi="EC-ICT-ICT-5A", value=5, unit="kg"),  # row 9: wrong unit
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    found = {(p["row"], p["column"]): p["message"] for p in error["problems"]}
    assert set(found) == {(2, 3), (3, 5), (4, 5), (5, 5), (6, 1), (7, 4), (8, 5), (9, 6)}
    assert "unknown KPI code 'EC-ICT-XXX'" in found[(2, 3)]
    assert "percentage must be within 0-100, got 150" in found[(3, 5)]
    assert "expected a number, got 'many'" in found[(4, 5)]
    assert "duplicate of row 1" in found[(5, 5)]
    assert "424242" in found[(6, 1)]
    assert "needs a data point" in found[(7, 4)]
    assert "yes/no KPI" in found[(8, 5)]
    assert "unknown unit 'kg'" in found[(9, 6)]
    assert not KpiValue.objects.exists()


def test_type_errors_are_located_too(client: Client, tokens: dict[str, str], geneva: Any) -> None:
    r = post(client, tokens["admin"], item(geneva), item(geneva, year="2024x"), {"city_id": "x"})
    assert r.status_code == 422
    problems = r.json()["error"]["problems"]
    assert {(p["row"], p["column"]) for p in problems} == {(2, 2), (3, 1), (3, 2), (3, 3), (3, 5)}
    assert any(p["message"].startswith("values[2].kpi:") for p in problems)


# ------------------------------------------------------------------------- writing
def test_write_counts_audit_and_status(
    client: Client, tokens: dict[str, str], users: dict[str, Any], geneva: Any
) -> None:
    items = [
        item(geneva),
        item(geneva, kpi="ec-ict-ict-4c", data_point="4g", value=70.5),
        item(geneva, kpi="SC-SH-SA-3A", value="yes", source="city statistics office"),
        item(geneva, kpi="EC-ICT-ICT-3C", value=50, unit="per 1000 inhabitants", note="n"),
    ]
    r = post(client, tokens["editor"], *items)
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (4, 0, 0)
    assert [(w["row"], w["column"], w["severity"]) for w in body["warnings"]] == [(4, 6, "warning")]
    stored = {kv.measure: kv for kv in KpiValue.objects.filter(city=geneva)}
    assert stored["EC-ICT-ICT-4C:4G"].value == 70.5
    assert stored["EC-ICT-ICT-4C:4G"].data_point == "4G"
    assert stored["SC-SH-SA-3A"].value == 1.0
    assert stored["EC-ICT-ICT-3C"].value == pytest.approx(5000.0)  # converted to per 100 000
    assert stored["EC-ICT-ICT-3C"].unit == "per 100 000 inhabitants"
    assert stored["EC-ICT-ICT-3C"].note == "n"
    assert {kv.status for kv in stored.values()} == {Status.SELF_REPORTED}
    assert {kv.submitted_by for kv in stored.values()} == {users["editor"]}
    assert not any(kv.synthetic for kv in stored.values())

    changes = KpiValueChange.objects.filter(city=geneva)
    assert changes.count() == 4
    assert set(changes.values_list("via", flat=True)) == {"api"}
    assert set(changes.values_list("changed_by", flat=True)) == {users["editor"].pk}
    assert set(changes.values_list("action", flat=True)) == {"create"}

    # Sending the same again changes nothing; a new value is an audited update.
    r = post(client, tokens["editor"], *items)
    assert r.status_code == 200
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 0, 4)
    r = post(client, tokens["editor"], item(geneva, value=51))
    assert r.status_code == 200
    assert (r.json()["created"], r.json()["updated"], r.json()["unchanged"]) == (0, 1, 0)
    update = KpiValueChange.objects.get(action="update")
    assert (update.old_value, update.new_value, update.via) == (50.0, 51.0, "api")
    assert update.changed_by == users["editor"]


def test_synthetic_source_marks_values_synthetic(
    client: Client, tokens: dict[str, str], geneva: Any
) -> None:
    r = post(client, tokens["admin"], item(geneva, source="Synthetic demo data, seed 3"))
    assert r.status_code == 201
    assert KpiValue.objects.get().synthetic


def test_write_bumps_the_data_version(client: Client, tokens: dict[str, str], geneva: Any) -> None:
    before = services.data_version()
    assert post(client, tokens["admin"], item(geneva)).status_code == 201
    assert services.data_version() > before


# ------------------------------------------------------------------------- reading
def test_filters_and_pages(
    client: Client, tokens: dict[str, str], users: dict[str, Any], small_cohort: Any
) -> None:
    geneva = small_cohort["geneva"]
    headers = bearer(tokens["analyst"])
    everything = KpiValue.objects.count()
    r = client.get("/api/kpi-values?page_size=100", headers=headers)
    body = r.json()
    assert body["count"] == everything
    assert body["pages"] == -(-everything // 100)
    assert len(body["results"]) == min(100, everything)
    first = body["results"][0]
    assert set(first) == {
        "city_id", "city_name", "country", "year", "kpi", "data_point", "measure", "value",
        "unit", "source", "note", "status", "synthetic", "submitted_at",
    }  # fmt: skip

    r = client.get(f"/api/kpi-values?city={geneva.pk}&year=2023", headers=headers)
    expected = KpiValue.objects.filter(city=geneva, year=2023).count()
    assert r.json()["count"] == expected
    assert {(v["city_id"], v["city_name"], v["year"]) for v in r.json()["results"]} == {
        (geneva.pk, "Geneva", 2023)
    }

    r = client.get("/api/kpi-values?kpi=EC-ICT-ICT-4C&page_size=100", headers=headers)
    measures = {v["measure"] for v in r.json()["results"]}
    assert measures <= {"EC-ICT-ICT-4C:3G", "EC-ICT-ICT-4C:4G"} and measures
    r = client.get("/api/kpi-values?kpi=EC-ICT-ICT-4C:4G&page_size=100", headers=headers)
    assert {v["measure"] for v in r.json()["results"]} == {"EC-ICT-ICT-4C:4G"}

    kv = KpiValue.objects.filter(city=geneva).first()
    assert kv is not None
    services.set_status(users["admin"], [kv], Status.VERIFIED, via="admin")
    r = client.get("/api/kpi-values?status=verified", headers=headers)
    assert [(v["city_id"], v["measure"]) for v in r.json()["results"]] == [(kv.city.pk, kv.measure)]

    r = client.get("/api/kpi-values?page=999", headers=headers)
    assert r.status_code == 404
    assert "page 999 does not exist" in r.json()["error"]["message"]
    r = client.get("/api/kpi-values?year=1999", headers=headers)
    assert r.status_code == 200 and r.json()["count"] == 0 and r.json()["pages"] == 0


def test_a_value_that_overflows_its_unit_conversion_is_refused(
    client: Client, tokens: dict[str, str], geneva: Any
) -> None:
    r = post(
        client,
        tokens["admin"],
        item(geneva, kpi="EC-ICT-ICT-3C", value=1e308, unit="per 1000 inhabitants"),
    )
    assert r.status_code == 422
    errors = [p for p in r.json()["error"]["problems"] if p["severity"] == "error"]
    assert [(p["row"], p["column"], p["message"]) for p in errors] == [
        (1, 5, "value is too large once converted to the KPI's unit")
    ]
    assert not KpiValue.objects.exists()
