"""The confirmation rule, the city-page section, and matchmaking on the platform."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import Membership, Network, Partnership, Status
from tests.web import factories

pytestmark = pytest.mark.django_db


def test_confirmed_only_when_every_party_city_confirmed(
    users: dict[str, Any], geneva: Any, lyon: Any, bonn: Any
) -> None:
    p = services.propose(
        users["editor"], services.Proposal(city_ids=[geneva.pk, lyon.pk, bonn.pk], kind="mou")
    )
    assert p.status == Status.PROPOSED
    assert p.parties.get(city=geneva).confirmed_by == users["editor"]
    services.confirm(users["lyon_editor"], p)
    p.refresh_from_db()
    assert p.status == Status.PROPOSED  # Bonn has not confirmed
    with pytest.raises(PermissionDenied):
        services.confirm(users["lyon_editor"], p)  # nothing left for Lyon
    bonn_editor = factories.user("editor", cities=(bonn,))
    assert services.confirm(bonn_editor, p) == [bonn.pk]
    p.refresh_from_db()
    assert p.status == Status.CONFIRMED


def test_the_secretariat_confirms_for_nobody_until_it_says_so(
    users: dict[str, Any], geneva: Any, lyon: Any
) -> None:
    p = services.propose(users["admin"], services.Proposal(city_ids=[geneva.pk, lyon.pk]))
    assert not p.parties.filter(confirmed_at__isnull=False).exists()
    assert services.confirm(users["admin"], p, [lyon.pk]) == [lyon.pk]
    p.refresh_from_db()
    assert p.status == Status.PROPOSED
    services.confirm(users["admin"], p)
    p.refresh_from_db()
    assert p.status == Status.CONFIRMED


def test_proposals_need_an_own_city(users: dict[str, Any], lyon: Any, bonn: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.propose(users["editor"], services.Proposal(city_ids=[lyon.pk, bonn.pk]))
    with pytest.raises(services.PartnershipError, match="at least two"):
        services.propose(users["lyon_editor"], services.Proposal(city_ids=[lyon.pk, lyon.pk]))


def test_city_page_section_follows_visibility(
    users: dict[str, Any], proposed: Partnership, recorded: Partnership, geneva: Any, lyon: Any
) -> None:
    anonymous = Client().get(f"/cities/{lyon.pk}/").content.decode()
    assert 'id="section-partners"' in anonymous
    assert "Bonn" in anonymous and "Recorded from a public source" in anonymous
    assert "Energy" not in anonymous  # the proposal is not public
    found = re.search(r'id="partner-map-data"[^>]*>(.*?)</script>', anonymous, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert [p["name"] for p in data["partners"]] == ["Bonn"]
    client = Client()
    client.force_login(users["lyon_editor"])
    mine = client.get(f"/cities/{lyon.pk}/").content.decode()
    assert "Energy" in mine and "Proposed (awaiting confirmation)" in mine
    # a city without ties, shown to the public: no empty section
    assert 'id="section-partners"' not in Client().get(f"/cities/{geneva.pk}/").content.decode()


def test_city_ties_page_has_map_and_network_view(
    users: dict[str, Any], recorded: Partnership, lyon: Any, bonn: Any, geneva: Any
) -> None:
    net = Network.objects.create(slug="small", name="Small network")
    Membership.objects.create(network=net, city=lyon)
    Membership.objects.create(network=net, city=geneva)
    html = Client().get(f"/partners/cities/{lyon.pk}/").content.decode()
    assert 'id="partner-map"' in html
    assert "<svg" in html and "<title" in html and "<desc" in html
    assert "Bonn" in html and "Geneva" in html and "Small network" in html


def test_suggestions_explain_themselves(
    users: dict[str, Any], recorded: Partnership, lyon: Any, bonn: Any, geneva: Any
) -> None:
    factories.city("Munich", "DE", latitude=48.1, longitude=11.6, population=1_400_000)
    response = Client().get(f"/api/cities/{lyon.pk}/partner-suggestions?k=5")
    assert response.status_code == 200
    recs = response.json()["results"]
    ids = [r["city_id"] for r in recs]
    assert lyon.pk not in ids and bonn.pk not in ids  # itself, an existing partner
    for r in recs:
        assert sum(r["components"].values()) == pytest.approx(r["score"])
        assert set(r["factors"]) == {"population", "region", "income_group", "climate", "language"}
    with_partners = (
        Client()
        .get(f"/api/cities/{lyon.pk}/partner-suggestions?k=5&include_partners=true")
        .json()["results"]
    )
    assert bonn.pk in [r["city_id"] for r in with_partners]
    page = Client().get(f"/partners/suggest/?city={lyon.pk}").content.decode()
    assert "How the score is made" in page and "Geneva" in page
    assert Client().get("/api/cities/1/partner-suggestions").status_code == 404
    bad = Client().get(f"/api/cities/{lyon.pk}/partner-suggestions?k=0")
    assert bad.status_code == 422 and "error" in bad.json()


def test_activity_and_document_are_added_by_a_party_editor(
    users: dict[str, Any], proposed: Partnership
) -> None:
    client = Client()
    client.force_login(users["lyon_editor"])
    response = client.post(
        f"/partners/{proposed.pk}/activities/add/",
        {"kind": "delegation", "title": "Visit", "start": "2025-05-01", "end": "2025-04-01"},
    )
    assert response.status_code == 400 and b"before the start" in response.content
    response = client.post(
        f"/partners/{proposed.pk}/activities/add/",
        {"kind": "delegation", "title": "Visit", "start": "2025-05-01", "outcome": "A plan"},
    )
    assert response.status_code == 302
    response = client.post(
        f"/partners/{proposed.pk}/documents/add/",
        {"title": "Agreement", "url": "https://example.org/a.pdf"},
    )
    assert response.status_code == 302
    page = client.get(f"/partners/{proposed.pk}/").content.decode()
    assert "Visit" in page and "A plan" in page and "Agreement" in page


def test_out_of_range_ids_are_client_errors(users: dict[str, Any], proposed: Partnership) -> None:
    huge = 2**40
    assert Client().get(f"/partners/?city={huge}").status_code == 200  # the filter is refused
    assert Client().get(f"/partners/suggest/?city={huge}").status_code == 400
    assert Client().get(f"/api/partnerships/{huge}").status_code == 404
    assert Client().get(f"/api/cities/{huge}/partner-suggestions").status_code == 404
    assert Client().get(f"/api/partnerships?city={huge}").status_code == 422
    assert Client().get("/api/networks/%00/members").status_code == 400
    client = Client()
    client.force_login(users["lyon_editor"])
    response = client.post(f"/partners/{proposed.pk}/confirm/", {"city": str(huge)})
    assert response.status_code == 403


def test_a_confirmed_partnership_ends_and_reopens(
    users: dict[str, Any], proposed: Partnership
) -> None:
    client = Client()
    client.force_login(users["editor"])
    url = f"/partners/{proposed.pk}/edit/"
    base = {"kind": "technical", "title": "Energy", "start": "2020-01-01"}
    refused = client.post(url, {**base, "ended": "on", "end": "2024-01-01"})
    assert refused.status_code == 400 and b"never confirmed" in refused.content
    services.confirm(users["lyon_editor"], proposed)
    assert client.post(url, {**base, "ended": "on"}).status_code == 400  # no end date
    assert client.post(url, {**base, "ended": "on", "end": "2024-01-01"}).status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == Status.ENDED and str(proposed.end) == "2024-01-01"
    assert Client().get(f"/partners/{proposed.pk}/").status_code == 200  # ended is public
    assert client.post(url, {**base, "end": "2024-01-01"}).status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == Status.CONFIRMED


def test_analysis_page_names_the_bridging_city(db: Any) -> None:
    from citydiplomacy.web.partners.models import Kind, PartnershipCity

    cities = [factories.city(f"Town {i}", "DE", latitude=50 + i / 10) for i in range(7)]
    links = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4), (4, 5), (5, 6), (4, 6)]
    for n, (a, b) in enumerate(links):
        p = Partnership.objects.create(
            kind=Kind.TWINNING, status=Status.RECORDED, source="t", source_ref=str(n)
        )
        PartnershipCity.objects.create(partnership=p, city=cities[a])
        PartnershipCity.objects.create(partnership=p, city=cities[b])
    html = Client().get("/partners/analysis/").content.decode()
    central = html.split("Most central cities")[1].split("</table>")[0]
    # Town 3 sits between the two triangles: the most central city
    first_row = central.split("<tbody>")[1].split("</tr>")[0]
    assert "Town 3" in first_row
    assert "<td>2</td>" in first_row  # partners as a whole number
