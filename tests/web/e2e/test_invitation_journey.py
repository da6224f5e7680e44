"""The secretariat's journeys of issue 19, item 3, in Chromium: it sets the reporting
deadline of a KPI year in the web; told that a partner city has no editor, it follows the
notification to the invitation form and invites one; the invitee opens the e-mailed link,
creates the account and finds the partnership to confirm in the inbox."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.notifications.models import ReportingDeadline
from citydiplomacy.web.partners import services as partners
from tests.web import factories
from tests.web.e2e.test_signing_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-Long-enough-passphrase-42"


def test_the_secretariat_sets_a_reporting_deadline(page: Any, live_server: Any) -> None:
    factories.user("admin", username="secretariat")
    log_in(page, "secretariat")
    page.goto("/notifications/")
    page.get_by_role("link", name="Reporting deadlines").click()
    page.get_by_role("link", name="Set a deadline").click()
    page.get_by_label("Reporting year").fill("2026")
    page.get_by_label("Due date").fill("2027-03-31")
    page.get_by_label("Tell editors this many days before").fill("21")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    row = page.get_by_role("row").filter(has_text="2026")
    assert "31 March 2027" in row.inner_text() and "21 days before" in row.inner_text()
    saved = ReportingDeadline.objects.get()
    assert saved.due_date == dt.date(2027, 3, 31) and saved.notice_days == 21


def test_a_partner_city_without_an_editor_gets_one(page: Any, live_server: Any) -> None:
    geneva = factories.city("Geneva", "CH", geonames_id=2660646)
    bonn = factories.city("Bonn", "DE", geonames_id=2946447)
    proposer = factories.user("editor", cities=(geneva,), username="geneva")
    factories.user("admin", username="secretariat")
    partners.propose(proposer, partners.Proposal(city_ids=[geneva.pk, bonn.pk], title="Rhine"))

    log_in(page, "secretariat")
    page.goto("/notifications/")
    page.get_by_role("link", name="Bonn has no editor to confirm “Rhine”").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/notifications/cities/{bonn.pk}/invite/")
    page.get_by_label("E-mail address").fill("maire@bonn.example")
    page.get_by_label("Name (optional)").fill("A. Mayor")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_load_state()
    assert "Invitation e-mailed to maire@bonn.example" in page.content()
    (sent,) = [m for m in mail.outbox if m.to == ["maire@bonn.example"]]
    link = re.search(r"https?://\S+/notifications/invitation/\S+/", sent.body)
    assert link is not None

    page.context.clear_cookies()
    page.goto(link.group(0))
    assert "Become an editor of Bonn" in page.content()
    page.get_by_label("Username").fill("bonn-editor")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    assert page.url.endswith("/notifications/")
    assert "you are now an editor of Bonn" in page.content()
    page.get_by_role("link", name="Bonn: confirm the partnership “Rhine”").click()
    page.wait_for_load_state()
    assert "/partners/" in page.url
    editor = get_user_model().objects.get(username="bonn-editor")
    assert permissions.editable_city_ids(editor) == {bonn.pk}
