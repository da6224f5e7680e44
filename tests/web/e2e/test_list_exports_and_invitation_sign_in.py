"""Issue 19 in Chromium: the calendar filtered to past COPs downloads exactly the rows shown
(CSV), a signed-in editor downloads the declaration list with the draft it takes part in
(XLSX); an invitee whose address already has an account signs in from the invitation link and
accepts with that account, and no second account is created; the French calendar writes
French month names."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.engagement import services as engagement
from citydiplomacy.web.engagement.models import Declaration, DeclarationStatus, Event
from citydiplomacy.web.notifications import invitations
from tests.web import factories
from tests.web.e2e.test_signing_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _event(slug: str, kind: str, start: dt.date) -> Event:
    return Event.objects.create(
        slug=slug,
        name=f"{slug} (synthetic)",
        kind=kind,
        start_date=start,
        end_date=start + dt.timedelta(days=3),
        place="Somewhere",
        organiser="Organiser",
        source_url=f"https://example.org/{slug}",
    )


def test_the_filtered_calendar_downloads_the_rows_shown(page: Any, live_server: Any) -> None:
    _event("cop-old", "cop", dt.date(2019, 8, 5))
    _event("cop-older", "cop", dt.date(2018, 7, 2))
    _event("wuf-old", "wuf", dt.date(2018, 2, 7))
    _event("cop-next", "cop", dt.date.today() + dt.timedelta(days=40))
    page.goto("/events/")
    page.get_by_label("Kind").select_option("cop")
    page.get_by_label("When").select_option("past")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    shown = page.locator("table.events tbody tr").all_inner_texts()
    assert len(shown) == 2 and "cop-older" in shown[0] and "cop-old (synthetic)" in shown[1]
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))  # noqa: SIM115
    assert [r["event"] for r in rows] == ["cop-older (synthetic)", "cop-old (synthetic)"]
    assert rows[1]["start_date"] == "2019-08-05" and rows[1]["past"] == "true"

    # The same calendar in French: French month abbreviations, not Django's "Aoû"/"Jui".
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page.goto("/events/?kind=cop&when=past")
    body = page.locator("table.events").inner_text()
    assert "5 août 2019" in body and "2 juil. 2018" in body
    assert "Aoû" not in body and "Jui" not in body


def test_an_editor_downloads_the_declarations_it_sees(page: Any, live_server: Any) -> None:
    geneva = factories.city("Geneva", "CH", geonames_id=2660646)
    admin = factories.user("admin", username="secretariat")
    factories.user("editor", cities=(geneva,), username="geneva")
    engagement.create_declaration(
        admin,
        slug="clean-air-draft",
        title="Clean air draft (synthetic)",
        text="We act on air quality.",
        participants=[geneva],
    )
    Declaration.objects.create(
        slug="adopted-one",
        title="Adopted one (synthetic)",
        status=DeclarationStatus.ADOPTED,
        adopted_on=dt.date(2026, 10, 1),
    )
    log_in(page, "geneva")
    page.goto("/declarations/")
    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX").click()
    with open(info.value.path(), "rb") as fh:
        sheet = openpyxl.load_workbook(io.BytesIO(fh.read())).active
    titles = sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True))
    assert titles == ["Adopted one (synthetic)", "Clean air draft (synthetic)"]


def test_an_invitee_with_an_account_signs_in_and_accepts(page: Any, live_server: Any) -> None:
    bonn = factories.city("Bonn", "DE", geonames_id=2946447)
    lyon = factories.city("Lyon", "FR", geonames_id=2996944)
    admin = factories.user("admin", username="secretariat")
    person = factories.user("editor", cities=(lyon,), username="lyon")  # lyon@example.org
    users_before = get_user_model().objects.count()
    invitations.invite(
        admin,
        bonn,
        "Lyon@Example.org",
        "",
        lambda t: f"{live_server.url}/notifications/invitation/{t}/",
    )
    link = re.search(r"https?://\S+/notifications/invitation/\S+/", mail.outbox[-1].body)
    assert link is not None and "sign in with it" in mail.outbox[-1].body

    page.goto(link.group(0))
    assert "already exists" in page.content()
    assert page.get_by_label("Username").count() == 0  # no account form
    page.get_by_role("link", name="Sign in to accept").click()
    page.get_by_label("Username").fill("lyon")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.url == link.group(0)  # back to the invitation
    page.get_by_role("button", name="Accept: edit Bonn").click()
    page.wait_for_load_state()
    assert page.url.endswith("/notifications/")
    assert "You are now an editor of Bonn" in page.content()
    assert get_user_model().objects.count() == users_before
    assert permissions.editable_city_ids(person) == {lyon.pk, bonn.pk}
