"""CSV and XLSX downloads of the networks list, a network's members and a city's ties page
(issue 19, item 2): each equal to the page's rows for the same viewer (every page),
formulas neutralised, unknown formats a 404."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from citydiplomacy.io.safe_text import safe_cell
from citydiplomacy.web.partners.models import Membership, Network, Partnership
from tests.web import factories
from tests.web.export_checks import (
    HOSTILE,
    assert_guarded,
    assert_no_formula,
    csv_rows,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "public", "editor", "lyon_editor", "bonn_editor", "analyst", "admin"]


def client_for(users: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    return client


@pytest.fixture
def nets(geneva: Any, lyon: Any, bonn: Any) -> dict[str, Any]:
    big = Network.objects.create(
        slug="big", name="A big network (synthetic)", members_source="synthetic list"
    )
    small = Network.objects.create(slug="small", name="Small network (synthetic)")
    Membership.objects.create(
        network=big, city=geneva, role="founder", since=dt.date(2001, 5, 1), commitments=["a", "b"]
    )
    Membership.objects.create(network=big, city=lyon, status="suspended")
    Membership.objects.create(network=small, city=bonn, is_demo=True)
    return {"big": big, "small": small}


def _page_rows(html: str) -> list[str]:
    """The row headers of the page's (first) table, in order, as text."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [
        re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r'<th scope="row">(.*?)</th>', body)
    ]


# ------------------------------------------------------------------ networks list
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_networks_export_equals_the_list(
    users: dict[str, Any], nets: dict[str, Any], fmt: str
) -> None:
    client = Client()
    page = client.get("/partners/networks/").content.decode()
    rows = (csv_rows if fmt == "csv" else xlsx_rows)(client.get(f"/partners/networks/export.{fmt}"))
    assert [r["network"] for r in rows] == _page_rows(page)
    assert [int(r["members_in_registry"]) for r in rows] == [2, 1]
    assert rows[0]["member_list_from"] == "synthetic list"
    assert rows[1]["member_list_from"] == "entered on the platform"
    assert f'href="/partners/networks/export.{fmt}" download' in page


# ------------------------------------------------------------------ a network's members
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_members_export_equals_the_members_table(
    users: dict[str, Any], nets: dict[str, Any], geneva: Any, fmt: str
) -> None:
    client = Client()
    page = client.get("/partners/networks/big/").content.decode()
    read = csv_rows if fmt == "csv" else xlsx_rows
    rows = read(client.get(f"/partners/networks/big/export.{fmt}"))
    assert [r["city"] for r in rows] == _page_rows(page) == ["Lyon", "Geneva"]  # by country
    lyon_row, geneva_row = rows
    assert int(geneva_row["geonames_id"]) == geneva.pk and geneva_row["role"] == "founder"
    assert str(geneva_row["since"]) == "2001-05-01" and geneva_row["commitments"] == "a; b"
    assert lyon_row["status"] == "suspended" and lyon_row["country"] == "France"
    assert f'href="/partners/networks/big/export.{fmt}" download' in page
    (demo,) = read(client.get(f"/partners/networks/small/export.{fmt}"))
    assert demo["demo_data"] == "DEMO data"


def test_every_page_of_members_is_exported(nets: dict[str, Any]) -> None:
    big = nets["big"]
    for i in range(105):
        Membership.objects.create(network=big, city=factories.city(f"Town {i:03d}", "JP"))
    page = Client().get("/partners/networks/big/").content.decode()
    assert len(_page_rows(page)) == 100  # the page shows 100 a page
    assert len(csv_rows(Client().get("/partners/networks/big/export.csv"))) == 107


def test_an_unknown_network_or_format_is_not_found(nets: dict[str, Any], geneva: Any) -> None:
    client = Client()
    assert client.get("/partners/networks/nope/export.csv").status_code == 404
    assert client.get("/partners/networks/big/export.pdf").status_code == 404
    assert client.get("/partners/networks/export.json").status_code == 404
    assert client.get(f"/partners/cities/{geneva.pk}/export.txt").status_code == 404
    assert client.get("/partners/cities/999999/export.csv").status_code == 404


def test_member_cells_that_start_like_formulas_are_neutralised(nets: dict[str, Any]) -> None:
    net = Network.objects.create(slug="evil", name=HOSTILE[0], members_source=HOSTILE[1])
    for i, text in enumerate(HOSTILE):
        city = factories.city(f"Evil {i}", "US")
        Membership.objects.create(network=net, city=city, role=text, commitments=[text])
    client = Client()
    for read, fmt in ((csv_rows, "csv"), (xlsx_rows, "xlsx")):
        rows = read(client.get(f"/partners/networks/evil/export.{fmt}"))
        for i, text in enumerate(HOSTILE):
            row = next(r for r in rows if r["city"] == f"Evil {i}")
            assert_guarded(row["role"], text)
            assert_guarded(row["commitments"], text)
        assert_no_formula(rows)
        nets_rows = read(client.get(f"/partners/networks/export.{fmt}"))
        evil = next(r for r in nets_rows if "HYPERLINK" in r["network"])
        assert_guarded(evil["network"], HOSTILE[0])
        assert_guarded(evil["member_list_from"], HOSTILE[1])
        assert_no_formula(nets_rows)


# ------------------------------------------------------------------ a city's ties
@pytest.mark.parametrize("who", WHO)
def test_each_viewer_exports_the_ties_the_page_shows_them(
    users: dict[str, Any],
    proposed: Partnership,
    recorded: Partnership,
    lyon: Any,
    bonn: Any,
    who: str,
) -> None:
    users = {**users, "bonn_editor": factories.user("editor", cities=(bonn,))}
    client = client_for(users, who)
    page = client.get(f"/partners/cities/{lyon.pk}/").content.decode()
    shown = [int(i) for i in re.findall(r'<th scope="row"><a href="/partners/(\d+)/">', page)]
    sees_proposal = who in ("editor", "lyon_editor", "analyst", "admin")
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(client.get(f"/partners/cities/{lyon.pk}/export.{fmt}"))
        ids = [int(r["id"]) for r in rows]
        assert ids == shown, (who, fmt)
        assert (proposed.pk in ids) is sees_proposal and recorded.pk in ids
        twin = next(r for r in rows if int(r["id"]) == recorded.pk)
        assert twin["with"] == "Bonn (DE)" and str(twin["with_geonames_ids"]) == str(bonn.pk)
        assert twin["source"] == "wikidata-p190"
    assert f'href="/partners/cities/{lyon.pk}/export.csv" download' in page


def test_a_city_without_ties_has_no_download_line_and_a_header_only_file(geneva: Any) -> None:
    client = Client()
    assert "export.csv" not in client.get(f"/partners/cities/{geneva.pk}/").content.decode()
    response = client.get(f"/partners/cities/{geneva.pk}/export.csv")
    assert csv_rows(response) == []
    assert response.content.decode().startswith("id,partnership,with,")


def test_tie_cells_that_start_like_formulas_are_neutralised(
    recorded: Partnership, lyon: Any
) -> None:
    recorded.title = HOSTILE[2]
    recorded.source = HOSTILE[3]
    recorded.save()
    for read, fmt in ((csv_rows, "csv"), (xlsx_rows, "xlsx")):
        (row,) = read(Client().get(f"/partners/cities/{lyon.pk}/export.{fmt}"))
        assert_guarded(row["source"], HOSTILE[3])
        assert row["partnership"].startswith("'")
        assert_no_formula([row])


# ------------------------------------------------------------------ network analysis
def test_the_analysis_export_equals_the_pages_three_tables(
    recorded: Partnership, lyon: Any, bonn: Any, geneva: Any
) -> None:
    twin = Partnership.objects.create(kind=recorded.kind, status=recorded.status, source="x")
    twin.parties.create(city=geneva)
    twin.parties.create(city=lyon)
    client = Client()
    page = client.get("/partners/analysis/").content.decode()
    tables = re.findall(r'<table class="metrics">(.*?)</table>', page, flags=re.S)
    assert len(tables) == 3
    shown = [
        (name, [int(i) for i in re.findall(r'<a href="/partners/cities/(\d+)/">', t)])
        for name, t in zip(("most central", "bridging", "most partners"), tables, strict=True)
    ]
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(client.get(f"/partners/analysis/export.{fmt}"))
        written = [
            (name, [int(r["geonames_id"]) for r in rows if r["table"] == name]) for name, _ in shown
        ]
        assert written == shown, fmt
        assert {int(r["geonames_id"]) for r in rows} == {geneva.pk, lyon.pk, bonn.pk}
        lyon_row = next(r for r in rows if int(r["geonames_id"]) == lyon.pk)
        assert int(lyon_row["partners"]) == 2 and lyon_row["country"] == "FR"
        assert f'href="/partners/analysis/export.{fmt}" download' in page
    assert client.get("/partners/analysis/export.pdf").status_code == 404


def test_no_analysis_yet_no_export(monkeypatch: pytest.MonkeyPatch, recorded: Partnership) -> None:
    from citydiplomacy.web.partners import services

    monkeypatch.setattr(services, "tie_analysis", lambda *a, **k: None)
    page = Client().get("/partners/analysis/").content.decode()
    assert "/partners/analysis/export.csv" not in page
    assert Client().get("/partners/analysis/export.csv").status_code == 404


def test_analysis_city_names_that_start_like_formulas_are_neutralised(
    recorded: Partnership, bonn: Any
) -> None:
    bonn.name = HOSTILE[1]
    bonn.save()
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(Client().get(f"/partners/analysis/export.{fmt}"))
        names = {r["city"] for r in rows if int(r["geonames_id"]) == bonn.pk}
        assert names == {safe_cell(HOSTILE[1])}
        assert_no_formula(rows)
