"""Partner pages' guards, each test failing without its fix: a theme without scores suggests
nobody instead of failing, document links are http(s) only, malformed requests are client
errors, a changed proposal withdraws the other cities' confirmations, the ties page never waits
for the graph analysis and says when it is stale, and list and detail pages take a constant
number of queries."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from citydiplomacy.core import ties as core_ties
from citydiplomacy.web.partners import services
from citydiplomacy.web.partners.models import (
    Document,
    Kind,
    Membership,
    Network,
    Partnership,
    PartnershipCity,
    Status,
)
from tests.web import factories

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ robustness
def test_a_theme_without_profile_scores_suggests_nobody_instead_of_failing(
    lyon: Any, bonn: Any
) -> None:
    """A framework category is a valid theme even before any profile is scored: the API
    answered 500 (KeyError in the matchmaker), the page hid it as an error."""
    for mode in ("peer", "reciprocal"):
        response = Client().get(
            f"/api/cities/{lyon.pk}/partner-suggestions?theme=EN-E-E&mode={mode}"
        )
        assert response.status_code == 200, response.content
        answer = response.json()
        assert answer["results"] == [] and answer["possible"] is False
        assert any("No city has published scores on the theme EN-E-E" in n for n in answer["notes"])
    page = Client().get(f"/partners/suggest/?city={lyon.pk}&theme=EN-E-E")
    assert page.status_code == 200
    assert b'role="alert"' not in page.content
    unknown = Client().get(f"/api/cities/{lyon.pk}/partner-suggestions?theme=NOPE")
    assert unknown.status_code == 422 and "error" in unknown.json()


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/a.pdf", "javascript:alert(1)", "data:text/html,<b>x</b>", "//x"],
)
def test_document_addresses_are_http_or_https_only(
    users: dict[str, Any], proposed: Partnership, url: str
) -> None:
    client = Client()
    client.force_login(users["editor"])
    response = client.post(
        f"/partners/{proposed.pk}/documents/add/", {"title": "Agreement", "url": url}
    )
    assert response.status_code == 400
    assert not Document.objects.exists()
    ok = client.post(
        f"/partners/{proposed.pk}/documents/add/",
        {"title": "Agreement", "url": "https://example.org/a.pdf"},
    )
    assert ok.status_code == 302 and Document.objects.count() == 1


BAD_GETS = [
    "/partners/?page=abc",
    "/partners/?page=99999999999999999999",
    "/partners/?city=abc&kind=zz&status=zz&source=zz",
    "/partners/99999999999999999999/",
    "/partners/suggest/?city=abc",
    "/partners/suggest/?city=2996944&k=abc&mode=zz&theme=ZZ",
    "/partners/cities/99999999999999999999/",
    "/partners/networks/c40/?page=abc",
    "/partners/networks/nope/",
    "/api/partnerships?page=abc",
    "/api/partnerships/99999999999999999999",
    "/api/networks/c40/members?page=-1",
    "/api/networks/%C3%A9/members",
    "/api/cities/2996944/partner-suggestions?k=abc",
    "/api/cities/2996944/partner-suggestions?theme=EN-E-E&mode=reciprocal&k=50",
]


@pytest.mark.parametrize("who", ["anonymous", "editor", "admin"])
def test_malformed_requests_are_client_errors(
    users: dict[str, Any], lyon: Any, proposed: Partnership, who: str
) -> None:
    Network.objects.create(slug="c40", name="C40 Cities")
    client = Client(raise_request_exception=False)
    if who != "anonymous":
        client.force_login(users[who])
    for url in BAD_GETS:
        response = client.get(url)
        assert response.status_code < 500, url
        if url.startswith("/api/") and response.status_code >= 400:
            assert set(response.json()) == {"error"}, url


# ------------------------------------------------------------------ confirmation integrity
def test_changing_a_proposal_withdraws_the_other_cities_confirmations(
    users: dict[str, Any], proposed: Partnership, geneva: Any, lyon: Any
) -> None:
    """Geneva confirmed "Energy"; Lyon's editor rewrote it and confirmed: it used to become
    confirmed by every party although Geneva never saw the new terms."""
    client = Client()
    client.force_login(users["lyon_editor"])
    url = f"/partners/{proposed.pk}/edit/"
    same = {"kind": "technical", "title": "Energy"}
    assert client.post(url, same).status_code == 302
    assert proposed.parties.get(city=geneva).confirmed_at is not None  # nothing changed
    assert client.post(url, {**same, "title": "Waste"}).status_code == 302
    assert proposed.parties.get(city=geneva).confirmed_at is None
    services.confirm(users["lyon_editor"], proposed)
    proposed.refresh_from_db()
    assert proposed.status == Status.PROPOSED  # Geneva has to confirm the new terms
    services.confirm(users["editor"], proposed)
    proposed.refresh_from_db()
    assert proposed.status == Status.CONFIRMED


# ------------------------------------------------------------------ performance
def test_the_ties_page_never_waits_for_a_slow_graph_analysis(
    monkeypatch: pytest.MonkeyPatch, recorded: Partnership, lyon: Any
) -> None:
    """The graph metrics of the demo registry take seconds; the page used to compute them
    while the visitor waited. Now they are computed in the background."""
    real = core_ties.graph_metrics

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(core_ties, "graph_metrics", slow)
    monkeypatch.setattr(services, "ANALYSIS_WAIT", 0.05)
    for url in (f"/partners/cities/{lyon.pk}/", "/partners/analysis/"):
        start = time.perf_counter()
        response = Client().get(url)
        assert time.perf_counter() - start < 1.0, url
        assert response.status_code == 200
        assert b"being computed" in response.content
    for _ in range(100):  # the background analysis finishes
        if services.tie_analysis(wait=0.1) is not None:
            break
    page = Client().get(f"/partners/cities/{lyon.pk}/").content.decode()
    assert "being computed" not in page and "<svg" in page and "Bonn" in page


def test_a_change_is_analysed_again_and_the_stale_analysis_says_so(
    monkeypatch: pytest.MonkeyPatch, recorded: Partnership, lyon: Any, geneva: Any
) -> None:
    first = services.tie_analysis(wait=30)
    assert first is not None and geneva.pk not in first.metrics.index
    p = Partnership.objects.create(kind=Kind.TWINNING, status=Status.CONFIRMED)
    PartnershipCity.objects.create(partnership=p, city=lyon)
    PartnershipCity.objects.create(partnership=p, city=geneva)
    real = services.analyse
    monkeypatch.setattr(
        services,
        "analyse",
        lambda *a: (time.sleep(1.0), real(*a))[1],  # type: ignore[misc]
    )
    monkeypatch.setattr(services, "ANALYSIS_WAIT", 0.0)
    page = Client().get("/partners/analysis/").content.decode()
    assert "being computed" in page and "as of" in page  # the previous one, labelled
    fresh = services.tie_analysis(wait=30)
    assert fresh is not None and geneva.pk in fresh.metrics.index


# ------------------------------------------------------------------ queries
def _many(n: int, hub: Any) -> None:
    """``n`` recorded partnerships of ``hub``, each with a new city, and memberships."""
    net = Network.objects.get_or_create(slug="c40", name="C40 Cities")[0]
    Membership.objects.get_or_create(network=net, city=hub)
    for i in range(n):
        other = factories.city(f"Town {i}", "DE", latitude=50 + i / 100)
        p = Partnership.objects.create(
            kind=Kind.TWINNING, status=Status.RECORDED, source="test", source_ref=f"{n}-{i}"
        )
        PartnershipCity.objects.create(partnership=p, city=hub)
        PartnershipCity.objects.create(partnership=p, city=other)
        Membership.objects.create(network=net, city=other)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_list_pages_make_a_constant_number_of_queries(
    users: dict[str, Any], lyon: Any, who: str
) -> None:
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    urls = [
        "/partners/",
        f"/partners/?city={lyon.pk}",
        f"/partners/cities/{lyon.pk}/",
        f"/cities/{lyon.pk}/",
        "/partners/networks/",
        "/partners/networks/c40/",
        "/partners/analysis/",
        "/api/partnerships",
        "/api/networks",
        "/api/networks/c40/members",
    ]
    _many(2, lyon)
    for url in urls:  # warm the caches (theme names, tie analysis)
        _queries(client, url)
    few = {url: _queries(client, url) for url in urls}
    _many(12, lyon)
    for url in urls:
        _queries(client, url)
    many = {url: _queries(client, url) for url in urls}
    assert many == few


@pytest.mark.parametrize("who", ["anonymous", "editor", "admin"])
def test_the_detail_page_makes_a_constant_number_of_queries(
    users: dict[str, Any], lyon: Any, who: str
) -> None:
    """An untitled partnership is labelled by its parties: the label read each party's city
    with a query of its own."""
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])

    def untitled(n: int) -> str:
        p = Partnership.objects.create(kind=Kind.NETWORK_EXCHANGE, status=Status.CONFIRMED)
        PartnershipCity.objects.create(partnership=p, city=lyon)
        for i in range(n):
            other = factories.city(f"Party {n}-{i}", "DE", latitude=50 + i / 100)
            PartnershipCity.objects.create(partnership=p, city=other)
        return f"/partners/{p.pk}/"

    small, large = untitled(1), untitled(9)
    _queries(client, small)
    assert _queries(client, large) == _queries(client, small)
