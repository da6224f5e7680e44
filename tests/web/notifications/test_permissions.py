"""The permission matrix of the notification pages and API endpoints: anonymous visitors
are sent to log in (pages) or refused (API, 401); every signed-in user reads and changes
only their own notifications and preferences."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from citydiplomacy.web.accounts.models import ApiToken
from citydiplomacy.web.notifications import services
from citydiplomacy.web.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "public", "editor", "analyst", "admin"]


def client_for(user: Any) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def note(user: Any, key: str = "k") -> Notification:
    params = {
        "deadline": 1,
        "title": f"for {user}",
        "due_date": "2027-01-31",
        "deadline_kind": "other",
        "event": 1,
        "event_name": "Forum",
        "source_url": "https://x.org/",
    }
    services.notify([user], Kind.DEADLINE_COMING, params, link="/", key=key)
    return Notification.objects.get(user=user, key=key)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("path", ["/notifications/", "/notifications/preferences/"])
def test_pages(who: str, path: str, users: dict[str, Any]) -> None:
    user = users.get(who)
    mine = note(users["editor"])
    response = client_for(user).get(path)
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == 200
    # only one's own notifications are listed
    if path == "/notifications/":
        assert (mine.subject in response.content.decode()) == (who == "editor")


@pytest.mark.parametrize("who", WHO)
def test_marking_read_touches_only_ones_own(who: str, users: dict[str, Any]) -> None:
    theirs = note(users["lyon_editor"])
    user = users.get(who)
    own = note(user) if user is not None else None
    response = client_for(user).post(
        "/notifications/read/", {"id": [theirs.pk] + ([own.pk] if own else [])}
    )
    theirs.refresh_from_db()
    assert theirs.read is None  # never another user's
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 302
        own.refresh_from_db()
        assert own.read is not None
        assert services.mark_read(user) == 0
    assert client_for(user).get("/notifications/read/").status_code in (302, 405)


def test_preferences_are_saved_and_a_bad_choice_is_refused(users: dict[str, Any]) -> None:
    c = client_for(users["editor"])
    data = dict.fromkeys(Kind.values, "daily") | {Kind.DECLARATION_OPEN: "off"}
    assert c.post("/notifications/preferences/", data).status_code == 302
    prefs = services.preferences(users["editor"])
    assert prefs[Kind.DECLARATION_OPEN] == "off" and prefs[Kind.DEADLINE_COMING] == "daily"
    bad = c.post("/notifications/preferences/", data | {Kind.DEADLINE_COMING: "hourly"})
    assert bad.status_code == 400
    assert services.preferences(users["editor"])[Kind.DEADLINE_COMING] == "daily"
    assert services.preferences(users["lyon_editor"])[Kind.DEADLINE_COMING] == "immediately"


@pytest.mark.parametrize("who", WHO)
def test_api_lists_only_ones_own(who: str, users: dict[str, Any]) -> None:
    note(users["lyon_editor"])
    user = users.get(who)
    if user is not None:
        note(user, key="mine")
    response = client_for(user).get("/api/notifications")
    if user is None:
        assert response.status_code == 401
        assert "detail" in response.json() or "error" in response.json()
        return
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["unread"] == 1
    assert body["results"][0]["subject"] == f"Deadline 31 Jan 2027: for {user}"


@pytest.mark.parametrize("who", WHO)
def test_api_marking_read_needs_a_token_and_touches_only_ones_own(
    who: str, users: dict[str, Any]
) -> None:
    theirs = note(users["lyon_editor"])
    user = users.get(who)
    headers = {}
    if user is not None:
        _, secret = ApiToken.objects.create_token(user, "test")
        headers = {"Authorization": f"Bearer {secret}"}
        own = note(user, key="mine")
    response = Client().post(
        "/api/notifications/read",
        {"ids": [theirs.pk] + ([own.pk] if user else [])},
        content_type="application/json",
        headers=headers,
    )
    theirs.refresh_from_db()
    assert theirs.read is None
    if user is None:
        assert response.status_code == 401
    else:
        assert response.status_code == 200 and response.json() == {"marked": 1}
    # the session alone does not write (no CSRF-free writes)
    if user is not None:
        again = client_for(user).post(
            "/api/notifications/read", {"ids": None}, content_type="application/json"
        )
        assert again.status_code == 401


def test_the_navigation_shows_the_unread_count(users: dict[str, Any]) -> None:
    note(users["editor"], "a")
    note(users["editor"], "b")
    page = client_for(users["editor"]).get("/").content.decode()
    assert 'id="nav-inbox"' in page and ">2<span" in page.replace(" ", "")
    assert 'id="nav-inbox"' not in Client().get("/").content.decode()
