"""What the public sees never derives from unpublished data; statuses and submitters stay
true; out-of-range input is a 4xx, not a crash."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest
from django.test import Client
from django.urls import reverse

from citydiplomacy.synthetic import synthetic_long
from citydiplomacy.web.indicators import scoring, services
from citydiplomacy.web.indicators.models import KpiValue, Publication, Status, Submission
from tests.web import factories

pytestmark = pytest.mark.django_db

OTHERS = [("Lausanne", "CH"), ("Lyon", "FR"), ("Bonn", "DE"), ("Osaka", "JP"), ("Boston", "US")]


@pytest.fixture
def cohort(users: dict[str, Any], geneva: Any, lyon: Any) -> dict[str, Any]:
    cities = [geneva, lyon] + [factories.city(n, cc) for n, cc in OTHERS if n != "Lyon"]
    table = pd.DataFrame(
        {
            "city": [c.name for c in cities],
            "country": [c.country_id for c in cities],
            "geonames_id": [c.pk for c in cities],
            "population": [c.population for c in cities],
        }
    )
    long = synthetic_long(services.framework(), cities=table, years=range(2021, 2024), seed=5)
    buffer = io.StringIO()
    long.to_csv(buffer, index=False)
    checked = services.check_file(users["admin"], "c.csv", buffer.getvalue().encode())
    assert checked.ok
    services.write_values(users["admin"], checked.rows, via="test", check_permissions=False)
    for c in cities:
        for y in (2021, 2023):
            services.publish(users["admin"], c, y)
    return {"cities": cities}


def test_public_change_skips_unpublished_years(cohort: dict[str, Any], geneva: Any) -> None:
    snap = scoring.current_snapshot()
    assert snap is not None
    root = services.framework().root

    def index(year: int, public: bool) -> Any:
        nodes = scoring.city_profile(snap, geneva.pk, year, public=public)
        assert nodes is not None
        return next(n for n in nodes if n.code == root)

    s2021, s2022, s2023 = (index(y, False).score for y in (2021, 2022, 2023))
    assert index(2023, False).change == pytest.approx(s2023 - s2022, abs=1e-5)
    assert index(2023, True).change == pytest.approx(s2023 - s2021, abs=1e-5)
    # The API gives the public the published-only figures.
    body = Client().get(f"/api/profiles/{geneva.pk}?year=2023").json()
    api_root = next(n for n in body["nodes"] if n["code"] == root)
    assert api_root["change"] == pytest.approx(s2023 - s2021, abs=1e-5)
    assert "data_fingerprint" not in body["snapshot"]["provenance"]["profile"]


def test_peer_targets_come_from_published_profiles(cohort: dict[str, Any]) -> None:
    snap = scoring.current_snapshot()
    assert snap is not None
    peer = [src for _, src in snap.targets.values() if src.startswith("peer")]
    assert peer and all("published city profiles in 2023" in src for src in peer)


def test_publication_rescores_and_is_read_only_in_the_admin(
    cohort: dict[str, Any], users: dict[str, Any], geneva: Any
) -> None:
    before = services.data_version()
    services.publish(users["admin"], geneva, 2022)
    assert services.data_version() == before + 1
    admin = Client()
    admin.force_login(users["admin"])
    assert admin.get("/admin/indicators/publication/add/").status_code == 403


def test_resending_a_verified_value_keeps_it_verified(users: dict[str, Any], geneva: Any) -> None:
    row = services.Row(
        geneva.pk, 2023, "EC-ICT-ICT-1C", "EC-ICT-ICT-1C", "", 80.0, "%", "s", "", False
    )
    services.write_values(users["editor"], [row], via="test")
    services.set_status(users["admin"], KpiValue.objects.all(), Status.VERIFIED, via="test")
    counts = services.write_values(users["admin"], [row], via="api")
    assert (counts.updated, counts.unchanged) == (0, 1)
    assert KpiValue.objects.get().status == Status.VERIFIED


def test_an_admin_committing_an_editors_upload_does_not_verify_it(
    users: dict[str, Any], geneva: Any
) -> None:
    data = b"city,country,year,kpi,value,verified\nGeneva,CH,2023,EC-ICT-ICT-1C,84,yes\n"
    sub = services.upload(users["editor"], "g.csv", data)
    services.commit(users["admin"], sub)
    kv = KpiValue.objects.get()
    assert kv.status == Status.SELF_REPORTED
    assert kv.submitted_by == users["editor"]
    sub.refresh_from_db()
    with pytest.raises(Exception, match="committed"):
        services.commit(users["admin"], Submission.objects.get(pk=sub.pk))


def test_public_exports_name_no_accounts(users: dict[str, Any], geneva: Any) -> None:
    sub = services.upload(
        users["editor"], "g.csv", b"city,country,year,kpi,value\nGeneva,CH,2023,EC-ICT-ICT-1C,84\n"
    )
    services.commit(users["editor"], sub)
    services.publish(users["admin"], geneva, 2023)
    public = Client().get(reverse("indicators:export", args=[geneva.pk, "csv"])).content.decode()
    assert "geneva-editor" not in public
    analyst = Client()
    analyst.force_login(users["analyst"])
    assert (
        "geneva-editor"
        in analyst.get(reverse("indicators:export", args=[geneva.pk, "csv"])).content.decode()
    )


@pytest.mark.parametrize(
    ("who", "method", "url", "data"),
    [
        ("anonymous", "get", "/compare/?city=99999999999999999999999", None),
        ("anonymous", "get", "/compare/?add=99999999999999999999999&n=0", None),
        ("analyst", "get", "/history/?city=99999999999999999999999", None),
        (
            "admin",
            "post",
            "CITY_DATA",
            {"action": "verify", "year": "2023", "value": "99999999999999999999"},
        ),
        ("admin", "post", "CITY_DATA", {"action": "publish", "year": "99999999999999999999"}),
        ("admin", "post", "CITY_DATA", {"action": "publish", "year": "2099"}),
    ],
)
def test_out_of_range_input_is_not_a_crash(
    who: str, method: str, url: str, data: Any, users: dict[str, Any], geneva: Any
) -> None:
    sub = services.upload(
        users["editor"], "g.csv", b"city,country,year,kpi,value\nGeneva,CH,2023,EC-ICT-ICT-1C,84\n"
    )
    services.commit(users["editor"], sub)
    client = Client(raise_request_exception=False)
    if who != "anonymous":
        client.force_login(users[who])
    url = url.replace("CITY_DATA", reverse("indicators:city_data", args=[geneva.pk]))
    resp = client.post(url, data) if method == "post" else client.get(url)
    assert resp.status_code < 500
    assert not Publication.objects.filter(year=2099).exists()


def test_background_scoring_serves_the_previous_snapshot(
    cohort: dict[str, Any], users: dict[str, Any], geneva: Any, settings: Any, monkeypatch: Any
) -> None:
    first = scoring.current_snapshot()
    assert first is not None and not scoring.is_stale(first)
    settings.CITYDIPLOMACY_BACKGROUND_SCORING = True
    started: list[int] = []
    monkeypatch.setattr(scoring, "_rescore_in_background", started.append)
    services.publish(users["admin"], geneva, 2022)
    served = scoring.current_snapshot()
    assert served is not None and served.pk == first.pk
    assert scoring.is_stale(served)
    assert started == [services.data_version()]
    client = Client()
    client.force_login(users["analyst"])
    page = client.get(reverse("indicators:dashboard", args=[geneva.pk])).content.decode()
    assert "Scores are being updated" in page
