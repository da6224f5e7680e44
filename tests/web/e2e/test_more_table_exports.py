"""Issue 19 item 2 in Chromium: a network's member list, on its first page of 100, downloads
every member (CSV); a city editor downloads the representatives page's table with only their
city's roles (XLSX); the secretariat downloads the reporting deadlines shown (CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from citydiplomacy.web.engagement import services as engagement
from citydiplomacy.web.notifications.models import ReportingDeadline
from citydiplomacy.web.partners.models import Membership, Network
from tests.web import factories
from tests.web.e2e.test_signing_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _csv(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(io.StringIO(fh.read())))


def test_a_networks_members_download_has_every_page(page: Any, live_server: Any) -> None:
    net = Network.objects.create(slug="towns", name="Towns network (synthetic)")
    for i in range(103):
        Membership.objects.create(network=net, city=factories.city(f"Town {i:03d}", "JP"))
    page.goto("/partners/networks/towns/")
    assert page.locator("table tbody tr").count() == 100
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    rows = _csv(info.value.path())
    assert len(rows) == 103 and rows[0]["city"] == "Town 000" and rows[0]["country"] == "Japan"


def test_an_editor_downloads_their_citys_representatives(page: Any, live_server: Any) -> None:
    geneva = factories.city("Geneva", "CH", geonames_id=2660646)
    lyon = factories.city("Lyon", "FR", geonames_id=2996944)
    admin = factories.user("admin", username="secretariat")
    factories.user("editor", cities=(geneva,), username="geneva")
    for city, name in ((geneva, "ada"), (lyon, "louis")):
        person = factories.user(None, username=name)
        engagement.grant_representative(
            admin, person, city, title=f"Mayor of {city.name}", capacity="for the city"
        )
    log_in(page, "geneva")
    page.goto("/representatives/")
    shown = page.locator("table.data tbody tr").all_inner_texts()
    assert len(shown) == 1 and "Geneva" in shown[0]
    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX").click()
    with open(info.value.path(), "rb") as fh:
        sheet = openpyxl.load_workbook(io.BytesIO(fh.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("city", "geonames_id")
    assert [r[0] for r in rows[1:]] == ["Geneva"] and rows[1][4] == "Mayor of Geneva"


def test_the_secretariat_downloads_the_reporting_deadlines(page: Any, live_server: Any) -> None:
    factories.user("admin", username="secretariat")
    ReportingDeadline.objects.create(year=2026, due_date=dt.date(2027, 1, 31), notice_days=14)
    log_in(page, "secretariat")
    page.goto("/notifications/reporting-deadlines/")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    (row,) = _csv(info.value.path())
    assert row["reporting_year"] == "2026" and row["due_date"] == "2027-01-31"
