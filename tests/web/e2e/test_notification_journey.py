"""A partner city's editor is told of a proposed partnership: after Geneva's editor
proposes it (through the API, as a city's system would), Lyon's editor sees the unread
count in the navigation, reads the notification in the inbox, follows it to the
partnership and marks it read; a French page words it in French."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from citydiplomacy.web.accounts.models import ApiToken
from citydiplomacy.web.notifications.models import Notification
from tests.web import factories
from tests.web.e2e.test_signing_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_partner_citys_editor_sees_the_proposal_in_the_inbox(page: Any, live_server: Any) -> None:
    geneva = factories.city("Geneva", "CH", geonames_id=2660646)
    lyon = factories.city("Lyon", "FR", geonames_id=2996944)
    proposer = factories.user("editor", cities=(geneva,), username="geneva")
    factories.user("editor", cities=(lyon,), username="lyon")
    _, secret = ApiToken.objects.create_token(proposer, "journey")
    response = Client().post(
        "/api/partnerships",
        {"city_ids": [geneva.pk, lyon.pk], "kind": "mou", "title": "Clean air together"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert [m.to for m in mail.outbox] == [["lyon@example.org"]]  # e-mailed at once

    log_in(page, "lyon")
    page.goto("/")
    inbox_link = page.locator("#nav-inbox")
    assert inbox_link.inner_text().replace("\n", " ").split() == ["Inbox", "1", "unread"]
    inbox_link.click()
    page.wait_for_load_state()
    row = page.get_by_role("row").filter(has_text="Clean air together")
    assert "Lyon: confirm the partnership" in row.inner_text()
    assert "unread" in row.inner_text()
    page.get_by_role("button", name="Mark all as read").click()
    page.wait_for_load_state()
    assert "0 unread notifications." in page.content()
    assert page.locator("#nav-inbox").inner_text().strip() == "Inbox"
    assert Notification.objects.get().read is not None
    page.get_by_role("link", name="Lyon: confirm the partnership “Clean air together”").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/partners/{pk}/")

    # On a French page the same notification is worded in French (issue 19, item 3).
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page.goto("/notifications/")
    row = page.get_by_role("row").filter(has_text="Clean air together")
    assert "Lyon : confirmez le partenariat « Clean air together »" in row.inner_text()
    assert "Un partenariat dont Lyon est partie a été proposé" in row.inner_text()

    # Geneva's editor, who proposed and so confirmed for Geneva, is told nothing.
    page.context.clear_cookies()
    log_in(page, "geneva")
    page.goto("/notifications/")
    assert "No notification." in page.content()
