"""The partnerships list as CSV and XLSX: the page's rows (all pages, its filters), per
viewer, text guarded against spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl
import pytest
from django.test import Client

from citydiplomacy.web.partners import views
from citydiplomacy.web.partners.models import Partnership, PartnershipCity, Status
from tests.web import factories

pytestmark = pytest.mark.django_db


def client_for(users: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    return client


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="partnerships.csv"' in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def page_ids(client: Client, query: str = "") -> list[int]:
    """The partnership ids the list page links to, in its order (every page)."""
    html = client.get(f"/partners/?{query}").content.decode()
    return [int(i) for i in re.findall(r'href="/partners/(\d+)/"', html)]


@pytest.mark.parametrize(
    ("who", "sees_proposal"),
    [
        ("anonymous", False),
        ("public", False),  # signed in, no role
        ("bonn_editor", False),  # an editor, but of no party city
        ("lyon_editor", True),  # an editor of a party city
        ("editor", True),  # the proposer's city
        ("analyst", True),
        ("admin", True),
    ],
)
def test_each_viewer_exports_what_the_page_shows_them(
    users: dict[str, Any],
    proposed: Partnership,
    recorded: Partnership,
    bonn: Any,
    who: str,
    sees_proposal: bool,
) -> None:
    users = {**users, "bonn_editor": factories.user("editor", cities=(bonn,))}
    client = client_for(users, who)
    rows = csv_rows(client.get("/partners/export.csv"))
    ids = [int(r["id"]) for r in rows]
    assert ids == page_ids(client)
    assert (proposed.pk in ids) is sees_proposal and recorded.pk in ids
    mine = next(r for r in rows if int(r["id"]) == recorded.pk)
    assert mine["cities"] in ("Lyon (FR), Bonn (DE)", "Bonn (DE), Lyon (FR)")
    assert mine["source"] == "wikidata-p190" and mine["status"] == str(Status.RECORDED.label)


def test_the_filters_apply_and_every_page_is_exported(
    users: dict[str, Any], recorded: Partnership, lyon: Any, geneva: Any
) -> None:
    extra = []
    for i in range(views.PAGE_SIZE + 5):
        p = Partnership.objects.create(status=Status.CONFIRMED, title=f"Exchange {i}")
        PartnershipCity.objects.create(partnership=p, city=geneva)
        extra.append(p.pk)
    client = client_for(users, "anonymous")
    everything = csv_rows(client.get("/partners/export.csv"))
    assert len(everything) == views.PAGE_SIZE + 6  # more than one page
    imported = csv_rows(client.get("/partners/export.csv?source=imported"))
    assert [int(r["id"]) for r in imported] == [recorded.pk] == page_ids(client, "source=imported")
    of_lyon = csv_rows(client.get(f"/partners/export.csv?city={lyon.pk}&status=recorded"))
    assert [int(r["id"]) for r in of_lyon] == [recorded.pk]
    none = client.get("/partners/export.csv?status=ended")
    assert csv_rows(none) == [] and none.content.decode().startswith("id,partnership,cities")
    bad = client.get("/partners/export.csv?status=nonsense")
    assert bad.status_code == 400 and b"nothing was exported" in bad.content
    assert client.get("/partners/export.pdf").status_code == 404


def test_formulas_are_neutralised_in_csv_and_xlsx(users: dict[str, Any], geneva: Any) -> None:
    p = Partnership.objects.create(status=Status.CONFIRMED, title='=HYPERLINK("http://x","y")')
    PartnershipCity.objects.create(partnership=p, city=geneva)
    client = client_for(users, "anonymous")
    (row,) = csv_rows(client.get("/partners/export.csv"))
    assert row["partnership"] == '\'=HYPERLINK("http://x","y")'
    response = client.get("/partners/export.xlsx")
    assert response.status_code == 200
    assert 'filename="partnerships.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, first = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("id", "partnership", "cities")
    assert first[0] == p.pk and first[1] == row["partnership"]


def test_the_list_links_to_its_exports_with_its_filters(users: dict[str, Any]) -> None:
    html = Client().get("/partners/?status=recorded&kind=").content.decode()
    assert 'href="/partners/export.csv?status=recorded&amp;kind=" download' in html
    assert 'href="/partners/export.xlsx?status=recorded&amp;kind=" download' in html
