"""The reporting cycle's deadlines (issue 19, item 3): set by the secretariat in the web,
read by every signed-in user; each city editor told N days before, in the inbox and by
e-mail (at once or in the daily digest, as they chose), once per deadline and due date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from citydiplomacy.web.notifications import reporting, services, wording
from citydiplomacy.web.notifications.models import (
    Frequency,
    Kind,
    Notification,
    Preference,
    ReportingDeadline,
)
from tests.web import factories

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "public", "editor", "analyst", "admin"]
TODAY = dt.date(2027, 1, 20)


@pytest.fixture(autouse=True)
def _read_on_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notifications are read on TODAY (a reporting notice counts its days on the day read)."""
    monkeypatch.setattr(wording, "_today", lambda: TODAY)


def client_for(user: Any) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def deadline(year: int = 2026, due: dt.date = dt.date(2027, 1, 31), days: int = 14) -> Any:
    return ReportingDeadline.objects.create(year=year, due_date=due, notice_days=days)


def told(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=Kind.REPORTING_DEADLINE))


# ------------------------------------------------------------------ permission matrix
@pytest.mark.parametrize("who", WHO)
def test_the_list_is_for_signed_in_users(who: str, users: dict[str, Any]) -> None:
    deadline()
    response = client_for(users.get(who)).get("/notifications/reporting-deadlines/")
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026" in page and "31 January 2027" in page
    # only the secretariat sees the links that change deadlines
    assert ("/notifications/reporting-deadlines/new/" in page) == (who == "admin")


@pytest.mark.parametrize("who", WHO)
def test_only_the_secretariat_sets_a_deadline(who: str, users: dict[str, Any]) -> None:
    c = client_for(users.get(who))
    form = c.get("/notifications/reporting-deadlines/new/")
    response = c.post(
        "/notifications/reporting-deadlines/new/",
        {"year": "2026", "due_date": "2027-03-31", "notice_days": "21", "note": "With sources"},
    )
    made = ReportingDeadline.objects.filter(year=2026).first()
    if who == "anonymous":
        assert form.status_code == 302 and response.status_code == 302
        assert "/accounts/login/" in response["Location"] and made is None
    elif who == "admin":
        assert form.status_code == 200 and response.status_code == 302
        assert made is not None and made.due_date == dt.date(2027, 3, 31)
        assert made.notice_days == 21 and made.set_by == users["admin"]
    else:
        assert form.status_code == 403 and response.status_code == 403 and made is None


@pytest.mark.parametrize("who", WHO)
def test_only_the_secretariat_edits_and_removes(who: str, users: dict[str, Any]) -> None:
    d = deadline()
    c = client_for(users.get(who))
    edit = c.post(
        f"/notifications/reporting-deadlines/{d.pk}/edit/",
        {"year": "2026", "due_date": "2027-02-28", "notice_days": "7"},
    )
    d.refresh_from_db()
    assert (d.due_date == dt.date(2027, 2, 28)) == (who == "admin")
    delete = c.post(f"/notifications/reporting-deadlines/{d.pk}/delete/")
    gone = not ReportingDeadline.objects.filter(pk=d.pk).exists()
    assert gone == (who == "admin")
    if who == "anonymous":  # sent to log in
        assert edit.status_code == delete.status_code == 302
        assert "/accounts/login/" in edit["Location"]
    elif who == "admin":  # done, back to the list
        assert edit.status_code == delete.status_code == 302
        assert edit["Location"] == "/notifications/reporting-deadlines/"
    else:
        assert edit.status_code == delete.status_code == 403
    assert c.get(f"/notifications/reporting-deadlines/{d.pk}/delete/").status_code in (302, 405)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"year": "2026", "due_date": "2025-12-31", "notice_days": "14"}, "due_date", "before"),
        ({"year": "1850", "due_date": "2027-01-31", "notice_days": "14"}, "year", "from 2000"),
        ({"year": "2026", "due_date": "2027-01-31", "notice_days": "0"}, "notice_days", ""),
        ({"year": "2026", "due_date": "2027-01-31", "notice_days": "365"}, "notice_days", ""),
        ({"year": "2026", "due_date": "31/01/2027", "notice_days": "14"}, "due_date", ""),
    ],
)
def test_a_bad_deadline_is_refused_and_nothing_written(
    users: dict[str, Any], data: dict[str, str], field: str, message: str
) -> None:
    response = client_for(users["admin"]).post("/notifications/reporting-deadlines/new/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert not ReportingDeadline.objects.exists()


def test_a_second_deadline_for_the_same_year_is_refused(users: dict[str, Any]) -> None:
    deadline()
    response = client_for(users["admin"]).post(
        "/notifications/reporting-deadlines/new/",
        {"year": "2026", "due_date": "2027-05-31", "notice_days": "14"},
    )
    assert response.status_code == 400 and "year" in response.context["form"].errors
    assert ReportingDeadline.objects.get().due_date == dt.date(2027, 1, 31)


def test_an_unknown_or_overlong_id_is_a_404(users: dict[str, Any]) -> None:
    c = client_for(users["admin"])
    assert c.get("/notifications/reporting-deadlines/999999/edit/").status_code == 404
    assert c.get("/notifications/reporting-deadlines/99999999999999999999/edit/").status_code == 404


# ------------------------------------------------------------------ who is told, when
def test_every_city_editor_is_told_within_the_notice_period_only(
    users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    d = deadline(days=14)  # due 31 January 2027: told from 17 January
    with django_capture_on_commit_callbacks(execute=True):
        assert reporting.notify_coming(dt.date(2027, 1, 16)) == 0
        assert reporting.notify_coming(TODAY) == 2
    for who in ("editor", "lyon_editor"):
        (n,) = told(users[who])
        assert "2026" in n.subject and "31 Jan 2027" in n.subject and "in 11 days" in n.subject
        assert n.link == "/notifications/reporting-deadlines/"
    assert "Geneva" in told(users["editor"])[0].body
    assert "Lyon" in told(users["lyon_editor"])[0].body
    for who in ("admin", "analyst", "public"):
        assert told(users[who]) == []
    # immediately (the default): one e-mail each, at once
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [users["editor"].email, users["lyon_editor"].email]
    )
    # past the due date: nobody is told any more
    Notification.objects.all().delete()
    assert reporting.notify_coming(d.due_date + dt.timedelta(days=1)) == 0


def test_nothing_is_sent_twice_and_a_moved_date_is_told_again(
    users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    d = deadline()
    with django_capture_on_commit_callbacks(execute=True):
        assert reporting.notify_coming(TODAY) == 2
        assert reporting.notify_coming(TODAY) == 0
        assert reporting.notify_coming(TODAY + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 2 and len(told(users["editor"])) == 1
    d.due_date = dt.date(2027, 2, 2)  # still within the 14 days of notice
    d.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert reporting.notify_coming(TODAY) == 2
    assert len(told(users["editor"])) == 2 and len(mail.outbox) == 4


def test_an_inactive_editor_or_one_who_turned_it_off_is_not_told(
    users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    deadline()
    Preference.objects.create(
        user=users["editor"], kind=Kind.REPORTING_DEADLINE, frequency=Frequency.OFF
    )
    users["lyon_editor"].is_active = False
    users["lyon_editor"].save()
    with django_capture_on_commit_callbacks(execute=True):
        assert reporting.notify_coming(TODAY) == 0
    assert mail.outbox == []


def test_the_daily_digest_carries_it_once(
    users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """An editor who chose the daily digest: the scheduler's run writes the notice and
    mails it in one digest; a second run sends nothing."""
    deadline(days=30)
    services.set_preferences(users["editor"], {Kind.REPORTING_DEADLINE: Frequency.DAILY})
    now = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(6)))
    with django_capture_on_commit_callbacks(execute=True):
        report = services.send_digests(now)
    assert report.reporting == 2
    assert "2 reporting-cycle notification(s) written" in report.lines()
    digests = [m for m in mail.outbox if m.to == [users["editor"].email]]
    (digest,) = digests
    assert "daily digest" in digest.subject and "KPI data for 2026" in digest.body
    (n,) = told(users["editor"])
    assert n.frequency == Frequency.DAILY and n.emailed_at is not None
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.send_digests(now + dt.timedelta(days=1))
    assert again.reporting == 0 and len(mail.outbox) == before


def test_the_command_runs_the_reporting_notices(users: dict[str, Any], capsys: Any) -> None:
    deadline(due=timezone.localdate() + dt.timedelta(days=3))
    call_command("send_digests")
    out = capsys.readouterr().out
    assert "2 reporting-cycle notification(s) written" in out
    call_command("send_digests")
    assert "0 reporting-cycle notification(s) written" in capsys.readouterr().out


def test_an_editor_of_many_cities_gets_a_count(users: dict[str, Any]) -> None:
    cities = [factories.city(f"Town {i:02d}", "FR") for i in range(12)]
    many = factories.user("editor", cities=tuple(cities), username="many")
    deadline()
    reporting.notify_coming(TODAY)
    (n,) = told(many)
    assert "Town 00" in n.body and "and 2 others" in n.body and "Town 11" not in n.body


def test_a_deadline_set_inside_its_notice_period_is_told_at_once(
    users: dict[str, Any], django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wording, "_today", timezone.localdate)  # read on the real day
    soon = timezone.localdate() + dt.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["admin"]).post(
            "/notifications/reporting-deadlines/new/",
            {"year": str(soon.year - 1), "due_date": soon.isoformat(), "notice_days": "14"},
        )
    assert response.status_code == 302
    assert len(told(users["editor"])) == len(told(users["lyon_editor"])) == 1
    assert "in 5 days" in told(users["editor"])[0].subject
    later = timezone.localdate() + dt.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(users["admin"]).post(
            "/notifications/reporting-deadlines/new/",
            {"year": str(later.year - 3), "due_date": later.isoformat(), "notice_days": "14"},
        )
    assert response.status_code == 302 and ReportingDeadline.objects.count() == 2
    assert len(told(users["editor"])) == 1  # not yet: its notice begins in 46 days


def test_a_notice_counts_its_days_on_the_day_it_is_read(
    users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    deadline(days=14)  # due 31 January 2027
    reporting.notify_coming(TODAY)  # written on 20 January: 11 days before

    def subject_on(day: dt.date, lang: str = "en") -> str:
        monkeypatch.setattr(wording, "_today", lambda: day)
        with translation.override(lang):
            (n,) = told(users["editor"])  # read afresh, as a page would
            return n.subject

    assert "(in 11 days)" in subject_on(TODAY)
    assert "(in 4 days)" in subject_on(dt.date(2027, 1, 27))
    assert "(today)" in subject_on(dt.date(2027, 1, 31))
    assert "(passed)" in subject_on(dt.date(2027, 2, 2))
    assert "(échue)" in subject_on(dt.date(2027, 2, 2), "fr")


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "The deadline of 2026 is removed."), ("fr", "L’échéance de 2026")]
)
def test_removing_a_deadline_says_so_in_the_page_language(
    users: dict[str, Any], lang: str, said: str
) -> None:
    d = deadline()
    c = client_for(users["admin"])
    c.cookies["django_language"] = lang
    page = c.post(f"/notifications/reporting-deadlines/{d.pk}/delete/", follow=True)
    assert said in page.content.decode()
