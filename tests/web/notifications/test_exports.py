"""CSV and XLSX downloads of the notifications app's tables (issue 19, item 2): the reporting
deadlines (every signed-in user, as the page), the partner cities without an editor and a
city's invitations (the secretariat only, as the pages), and one's own inbox (every page);
each equal to the page's rows, formulas neutralised."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from citydiplomacy.io.safe_text import safe_cell
from citydiplomacy.web.notifications import views as inbox_views
from citydiplomacy.web.notifications.models import Kind, Notification, ReportingDeadline
from citydiplomacy.web.partners import services as partners
from tests.web import factories
from tests.web.export_checks import (
    HOSTILE,
    assert_guarded,
    assert_no_formula,
    csv_rows,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "public", "editor", "analyst", "admin"]
DEADLINES = "/notifications/reporting-deadlines/"
CITIES = "/notifications/cities-without-editor/"


def client_for(user: Any) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def deadlines(db: Any) -> list[Any]:
    return [
        ReportingDeadline.objects.create(
            year=2025, due_date=dt.date(2026, 1, 31), notice_days=14, note="synthetic"
        ),
        ReportingDeadline.objects.create(year=2026, due_date=dt.date(2027, 2, 28), notice_days=7),
    ]


@pytest.fixture
def waiting(
    users: dict[str, Any], geneva: Any, django_capture_on_commit_callbacks: Any
) -> dict[str, Any]:
    """Partnerships proposed by Geneva's editor, waiting for Bonn and Cork (synthetic, US) (no editors)."""
    bonn = factories.city("Bonn", "DE")
    cork = factories.city("Cork", "US")
    with django_capture_on_commit_callbacks(execute=True):
        rhine = partners.propose(
            users["editor"], partners.Proposal(city_ids=[geneva.pk, bonn.pk], title="Rhine")
        )
        sea = partners.propose(
            users["editor"],
            partners.Proposal(city_ids=[geneva.pk, bonn.pk, cork.pk], title="Sea"),
        )
    return {"bonn": bonn, "cork": cork, "rhine": rhine, "sea": sea}


# ------------------------------------------------------------------ reporting deadlines
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_deadlines_export_is_for_signed_in_users_and_equals_the_page(
    who: str, fmt: str, users: dict[str, Any], deadlines: list[Any]
) -> None:
    client = client_for(users.get(who))
    response = client.get(f"{DEADLINES}export.{fmt}")
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    rows = (csv_rows if fmt == "csv" else xlsx_rows)(response)
    page = client.get(DEADLINES).content.decode()
    shown = [int(y) for y in re.findall(r"<tr>\s*<td>(\d{4})</td>", page)]
    assert [int(r["reporting_year"]) for r in rows] == shown == [2026, 2025]
    assert str(rows[0]["due_date"]) == "2027-02-28" and int(rows[1]["notice_days"]) == 14
    assert rows[1]["note"] == "synthetic"
    assert f'href="{DEADLINES}export.csv" download' in page
    assert f'href="{DEADLINES}export.xlsx" download' in page


def test_no_deadline_no_download_line_and_a_header_only_file(users: dict[str, Any]) -> None:
    client = client_for(users["admin"])
    assert "export.csv" not in client.get(DEADLINES).content.decode()
    response = client.get(f"{DEADLINES}export.csv")
    assert csv_rows(response) == []
    assert response.content.decode().startswith("reporting_year,due_date,notice_days,note")


def test_deadline_notes_that_start_like_formulas_are_neutralised(users: dict[str, Any]) -> None:
    for i, text in enumerate(HOSTILE):
        ReportingDeadline.objects.create(
            year=2030 + i, due_date=dt.date(2031 + i, 1, 1), notice_days=1, note=text
        )
    client = client_for(users["public"])
    for read, fmt in ((csv_rows, "csv"), (xlsx_rows, "xlsx")):
        rows = read(client.get(f"{DEADLINES}export.{fmt}"))
        notes = {int(r["reporting_year"]): r["note"] for r in rows}
        for i, text in enumerate(HOSTILE):
            assert_guarded(notes[2030 + i], text)
        assert_no_formula(rows)


def test_an_unknown_format_is_not_found(users: dict[str, Any]) -> None:
    client = client_for(users["admin"])
    assert client.get(f"{DEADLINES}export.pdf").status_code == 404
    assert client.get(f"{CITIES}export.json").status_code == 404


# ------------------------------------------------------------------ cities without an editor
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cities_without_editor_export_is_the_secretariats_and_equals_the_page(
    who: str, fmt: str, users: dict[str, Any], waiting: dict[str, Any]
) -> None:
    client = client_for(users.get(who))
    response = client.get(f"{CITIES}export.{fmt}")
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    if who != "admin":
        assert response.status_code == 403
        return
    rows = (csv_rows if fmt == "csv" else xlsx_rows)(response)
    page = client.get(CITIES).content.decode()
    shown = re.findall(r"<tr>\s*<td>([^<(]+) \(", page)
    assert [r["city"] for r in rows] == shown == ["Bonn", "Cork"]
    bonn, cork = rows
    assert int(bonn["geonames_id"]) == waiting["bonn"].pk and bonn["country"] == "DE"
    assert bonn["waiting_partnerships"] == "Rhine | Sea"
    assert str(bonn["partnership_ids"]) == f"{waiting['rhine'].pk} {waiting['sea'].pk}"
    assert cork["waiting_partnerships"] == "Sea" and not cork["invitations"]
    assert f'href="{CITIES}export.csv" download' in page


def test_the_invitations_sent_are_in_the_export(
    users: dict[str, Any], waiting: dict[str, Any]
) -> None:
    client = client_for(users["admin"])
    response = client.post(
        f"/notifications/cities/{waiting['bonn'].pk}/invite/",
        {"email": "new.editor@example.org", "name": "New Editor"},
    )
    assert response.status_code == 302
    bonn = csv_rows(client.get(f"{CITIES}export.csv"))[0]
    assert bonn["invitations"].startswith("new.editor@example.org open (")


def test_partnership_titles_that_start_like_formulas_are_neutralised(
    users: dict[str, Any], waiting: dict[str, Any]
) -> None:
    rhine = waiting["rhine"]
    rhine.title = HOSTILE[0]
    rhine.save()
    sea = waiting["sea"]
    sea.title = HOSTILE[4]
    sea.save()
    client = client_for(users["admin"])
    for read, fmt in ((csv_rows, "csv"), (xlsx_rows, "xlsx")):
        rows = read(client.get(f"{CITIES}export.{fmt}"))
        assert_guarded(rows[0]["waiting_partnerships"], f"{HOSTILE[0]} | {HOSTILE[4]}")
        assert_guarded(rows[1]["waiting_partnerships"], HOSTILE[4])
        assert_no_formula(rows)


# ------------------------------------------------------------------ a city's invitations
@pytest.mark.parametrize("who", WHO)
def test_a_citys_invitations_export_is_the_secretariats_and_equals_the_page(
    who: str, users: dict[str, Any], waiting: dict[str, Any]
) -> None:
    bonn = waiting["bonn"]
    admin = client_for(users["admin"])
    for address in ("first@example.org", "second@example.org"):
        sent = admin.post(f"/notifications/cities/{bonn.pk}/invite/", {"email": address})
        assert sent.status_code == 302
    client = client_for(users.get(who))
    url = f"/notifications/cities/{bonn.pk}/invitations"
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        response = client.get(f"{url}.{fmt}")
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
            continue
        if who != "admin":
            assert response.status_code == 403
            continue
        rows = read(response)
        page = client.get(f"/notifications/cities/{bonn.pk}/invite/").content.decode()
        table = page[page.index("<tbody>") : page.index("</tbody>")]
        shown = re.findall(r"<tr><td>([^<( ]+)", table)
        assert [r["address"] for r in rows] == shown == ["second@example.org", "first@example.org"]
        states = re.findall(r"</td><td>[^<]+</td><td>(\w+)</td>", table)
        assert [r["state"] for r in rows] == states == ["open", "open"]
        assert rows[0]["invited_by"] == "admin"
        assert f'href="{url}.{fmt}" download' in page
    if who == "admin":
        assert client.get(f"{url}.pdf").status_code == 404
        assert client.get("/notifications/cities/999999/invitations.csv").status_code == 404


# ------------------------------------------------------------------ one's own inbox
def _notify(user: Any, i: int, **fields: Any) -> Notification:
    return Notification.objects.create(
        user=user,
        kind=Kind.REPORTING_DEADLINE,
        legacy_subject=fields.pop("subject", f"Subject {i} (synthetic)"),
        legacy_body=fields.pop("body", "A synthetic notification."),
        link=fields.pop("link", "/notifications/reporting-deadlines/"),
        key=f"synthetic-{user.pk}-{i}",
        **fields,
    )


@pytest.mark.parametrize("who", WHO)
def test_the_inbox_export_is_ones_own_every_page(who: str, users: dict[str, Any]) -> None:
    for i in range(inbox_views.PAGE_SIZE + 3):
        for user in users.values():
            _notify(user, i)
    Notification.objects.filter(legacy_subject="Subject 0 (synthetic)").update(
        read=dt.datetime.now(dt.UTC)
    )
    client = client_for(users.get(who))
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        response = client.get(f"/notifications/export.{fmt}")
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
            continue
        rows = read(response)
        mine = list(Notification.objects.filter(user=users[who]))
        assert [r["subject"] for r in rows] == [n.subject for n in mine]
        assert len(rows) == inbox_views.PAGE_SIZE + 3  # every page, only one's own
        page = client.get("/notifications/").content.decode()
        first = re.findall(
            r'<a href="/notifications/reporting-deadlines/">([^<]+)</a></strong>', page
        )
        assert first == [r["subject"] for r in rows[: inbox_views.PAGE_SIZE]]
        assert rows[0]["link"] == "http://testserver/notifications/reporting-deadlines/"
        assert rows[-1]["status"] == "read" and rows[0]["status"] == "unread"
        unread = read(client.get(f"/notifications/export.{fmt}?show=unread"))
        assert len(unread) == inbox_views.PAGE_SIZE + 2
        assert f'href="/notifications/export.{fmt}" download' in page
    if who != "anonymous":
        # downloading marks nothing read
        assert Notification.objects.filter(user=users[who], read__isnull=True).count() == (
            inbox_views.PAGE_SIZE + 2
        )
        assert client.get("/notifications/export.txt").status_code == 404


def test_inbox_texts_that_start_like_formulas_are_neutralised(users: dict[str, Any]) -> None:
    for i, text in enumerate(HOSTILE):
        _notify(users["editor"], i, subject=text, body=HOSTILE[-1 - i])
    client = client_for(users["editor"])
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(client.get(f"/notifications/export.{fmt}"))
        by_body = {r["body"]: r for r in rows}
        for i, text in enumerate(HOSTILE):
            row = by_body[safe_cell(HOSTILE[-1 - i])]
            assert_guarded(row["subject"], text)
            assert_guarded(row["body"], HOSTILE[-1 - i])
        assert_no_formula(rows)
