"""Notifications (issue 19, item 3): who is told of what, each user's choice per kind (off,
immediately, daily digest), e-mail through Django's mail framework, and a digest command
that never sends the same notification twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from citydiplomacy.web.engagement import services as engagement
from citydiplomacy.web.engagement.models import (
    Deadline,
    Declaration,
    DeclarationVersion,
    Event,
    ForumSession,
    Recommendation,
)
from citydiplomacy.web.indicators import services as indicators
from citydiplomacy.web.indicators.models import KpiValue, Status
from citydiplomacy.web.notifications import services
from citydiplomacy.web.notifications.models import Frequency, Kind, Notification, Preference
from citydiplomacy.web.partners import services as partners
from tests.web import factories

pytestmark = pytest.mark.django_db


#: The parameters of an event deadline's notice (the kind the tests below write directly).
DEADLINE = {
    "deadline": 1,
    "title": "Registration closes",
    "due_date": "2027-01-31",
    "deadline_kind": "registration",
    "event": 1,
    "event_name": "Forum",
    "source_url": "https://x.org/",
}


def inbox(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(user=user))


# ------------------------------------------------------------------ partnerships
def test_a_proposal_tells_the_partner_citys_editors_not_the_proposer(
    users: dict[str, Any], geneva: Any, lyon: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        p = partners.propose(
            users["editor"], partners.Proposal(city_ids=[geneva.pk, lyon.pk], title="Clean air")
        )
    (n,) = inbox(users["lyon_editor"])
    assert n.kind == Kind.PARTNERSHIP_TO_CONFIRM and "Lyon" in n.subject
    assert n.link == f"/partners/{p.pk}/"
    assert inbox(users["editor"]) == []  # Geneva confirmed by proposing
    assert not Notification.objects.filter(kind=Kind.PARTNER_WITHOUT_EDITOR).exists()
    # e-mailed at once (the default), to the editor's address, once
    assert [m.to for m in mail.outbox] == [[users["lyon_editor"].email]]
    assert "Clean air" in mail.outbox[0].body


def test_a_partner_city_without_an_editor_is_reported_to_the_secretariat(
    users: dict[str, Any], geneva: Any, django_capture_on_commit_callbacks: Any
) -> None:
    bonn = factories.city("Bonn", "DE")
    with django_capture_on_commit_callbacks(execute=True):
        partners.propose(users["editor"], partners.Proposal(city_ids=[geneva.pk, bonn.pk]))
    (n,) = inbox(users["admin"])
    assert n.kind == Kind.PARTNER_WITHOUT_EDITOR and "Bonn has no editor" in n.subject
    assert n.link == f"/notifications/cities/{bonn.pk}/invite/"  # where the secretariat invites one
    assert "Invite one" in n.body
    for who in ("editor", "lyon_editor", "analyst", "public"):
        assert inbox(users[who]) == []


def test_a_rolled_back_proposal_tells_nobody(
    users: dict[str, Any], geneva: Any, lyon: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                partners.propose(users["editor"], partners.Proposal(city_ids=[geneva.pk, lyon.pk]))
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert not Notification.objects.exists() and mail.outbox == []


# ------------------------------------------------------------------ data verification
def _values(users: dict[str, Any], geneva: Any, n: int = 3) -> None:
    rows = [
        indicators.Row(geneva.pk, 2023, m, m, "", 50.0 + i, "%", "s", "", False)
        for i, m in enumerate(["EC-ICT-ICT-1C", "EC-ICT-ICT-2C", "EC-ICT-ICT-3C"][:n])
    ]
    indicators.write_values(users["editor"], rows, via="test")


def test_verifying_many_values_sends_one_notice_per_city_and_year(
    users: dict[str, Any], geneva: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _values(users, geneva)
    n_values = KpiValue.objects.count()
    assert n_values >= 2
    with django_capture_on_commit_callbacks(execute=True):
        indicators.set_status(users["admin"], KpiValue.objects.all(), Status.VERIFIED, via="test")
    (n,) = inbox(users["editor"])
    assert n.kind == Kind.DATA_VERIFIED
    assert f"Geneva 2023: {n_values} values verified" == n.subject
    assert inbox(users["lyon_editor"]) == []
    with django_capture_on_commit_callbacks(execute=True):
        indicators.set_status(
            users["admin"], KpiValue.objects.all()[:1], Status.SELF_REPORTED, via="test"
        )
    queried = Notification.objects.get(user=users["editor"], kind=Kind.DATA_QUERIED)
    assert "1 value queried" in queried.subject


def test_a_failed_verification_run_leaves_no_stale_batch(
    users: dict[str, Any], geneva: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _values(users, geneva, 2)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                indicators.set_status(
                    users["admin"], KpiValue.objects.all(), Status.VERIFIED, via="test"
                )
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        indicators.set_status(users["admin"], KpiValue.objects.all()[:1], Status.VERIFIED, via="t")
    (n,) = inbox(users["editor"])
    assert "1 value verified" in n.subject  # not counting the rolled-back run


# ------------------------------------------------------------------ engagement
@pytest.fixture
def reps(users: dict[str, Any], geneva: Any, lyon: Any) -> dict[str, Any]:
    g = factories.user(None, username="geneva-mayor")
    return {
        "geneva": engagement.grant_representative(
            users["admin"], g, geneva, title="Mayor of Geneva", capacity="on behalf of the city"
        )
    }


def test_adopting_a_declaration_tells_the_representatives(
    users: dict[str, Any], reps: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    d = Declaration.objects.create(slug="air", title="Clean air")
    DeclarationVersion.objects.create(declaration=d, number=1, text="We act.")
    with django_capture_on_commit_callbacks(execute=True):
        engagement.adopt(users["admin"], d)
    (n,) = inbox(reps["geneva"].user)
    assert n.kind == Kind.DECLARATION_OPEN and n.link == "/declarations/air/"
    for who in ("editor", "lyon_editor", "analyst", "public", "admin"):
        assert inbox(users[who]) == []


def test_a_recommendation_status_change_tells_the_session_cities(
    users: dict[str, Any], geneva: Any, django_capture_on_commit_callbacks: Any
) -> None:
    session = ForumSession.objects.create(
        title="Forum", date=dt.date(2025, 10, 6), place="Geneva", source_url="https://x.org/"
    )
    session.cities.add(geneva)
    rec = Recommendation.objects.create(session=session, text="Fund cities", addressed_to="UN")
    with django_capture_on_commit_callbacks(execute=True):
        engagement.set_recommendation_status(users["admin"], rec, "submitted", "sent")
    (n,) = inbox(users["editor"])
    assert n.kind == Kind.RECOMMENDATION_STATUS and "Submitted" in n.subject
    assert inbox(users["lyon_editor"]) == []


# ------------------------------------------------------------------ preferences and digests
def test_off_writes_nothing_and_daily_waits_for_the_digest(
    users: dict[str, Any], geneva: Any, lyon: Any, django_capture_on_commit_callbacks: Any
) -> None:
    lyon_editor = users["lyon_editor"]
    services.set_preferences(lyon_editor, {Kind.PARTNERSHIP_TO_CONFIRM: Frequency.DAILY})
    with django_capture_on_commit_callbacks(execute=True):
        partners.propose(users["editor"], partners.Proposal(city_ids=[geneva.pk, lyon.pk]))
    assert len(inbox(lyon_editor)) == 1 and mail.outbox == []  # inbox now, mail later
    call_command("send_digests")
    assert [m.to for m in mail.outbox] == [[lyon_editor.email]]
    assert "daily digest" in mail.outbox[0].subject
    call_command("send_digests")  # idempotent: nothing sent twice
    assert len(mail.outbox) == 1

    services.set_preferences(lyon_editor, {Kind.PARTNERSHIP_TO_CONFIRM: Frequency.OFF})
    with django_capture_on_commit_callbacks(execute=True):
        partners.propose(users["editor"], partners.Proposal(city_ids=[geneva.pk, lyon.pk]))
    assert len(inbox(lyon_editor)) == 1 and len(mail.outbox) == 1


def test_the_same_notice_is_written_once(users: dict[str, Any]) -> None:
    for _ in range(3):
        services.notify([users["editor"]], Kind.DEADLINE_COMING, DEADLINE, link="/", key="k")
    assert len(inbox(users["editor"])) == 1


def test_a_failed_send_is_retried_by_the_next_digest_and_sent_once(
    users: dict[str, Any], settings: Any, monkeypatch: Any
) -> None:
    services.set_preferences(users["editor"], {Kind.DEADLINE_COMING: Frequency.DAILY})
    services.notify([users["editor"]], Kind.DEADLINE_COMING, DEADLINE, link="/", key="k")
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send
    monkeypatch.setattr(EmailMessage, "send", lambda self, **kw: 1 / 0)
    assert services.send_digests().notifications == 0
    assert Notification.objects.get().emailed_at is None  # given back
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert services.send_digests().notifications == 1
    assert services.send_digests().notifications == 0
    assert len(mail.outbox) == 1


def test_deadlines_coming_are_notified_once_by_the_scheduled_command(
    users: dict[str, Any], geneva: Any
) -> None:
    from django.utils import timezone

    today = timezone.localdate()
    event = Event.objects.create(
        slug="e",
        name="Forum",
        kind="other",
        start_date=today + dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=30),
        place="Geneva",
        organiser="UNECE",
        source_url="https://x.org/",
    )
    event.cities.add(geneva)
    Deadline.objects.create(
        event=event,
        kind="registration",
        title="Registration closes",
        due_date=today + dt.timedelta(days=5),
        source_url="https://x.org/",
    )
    Deadline.objects.create(
        event=event,
        kind="submission",
        title="Too far ahead",
        due_date=today + dt.timedelta(days=60),
        source_url="https://x.org/",
    )
    call_command("send_digests")
    call_command("send_digests")
    (n,) = inbox(users["editor"])
    assert n.kind == Kind.DEADLINE_COMING and "Registration closes" in n.subject
    assert inbox(users["lyon_editor"]) == []
    assert len(mail.outbox) == 1
    # a cancelled event's deadlines are not announced
    Notification.objects.all().delete()
    engagement.cancel_event(users["admin"], event, "cancelled by the organiser")
    call_command("send_digests")
    assert not Notification.objects.exists()


def test_preferences_default_to_immediately_for_every_kind(users: dict[str, Any]) -> None:
    assert services.preferences(users["public"]) == dict.fromkeys(Kind.values, "immediately")
    assert not Preference.objects.exists()


def test_a_failure_while_wording_an_e_mail_gives_its_rows_back_too(
    users: dict[str, Any], monkeypatch: Any
) -> None:
    """The rows are claimed before the e-mail is worded; wording reads Babel and the city
    names' files, so it can fail too, and must not leave the rows marked as sent."""
    services.set_preferences(users["editor"], {Kind.DEADLINE_COMING: Frequency.DAILY})
    services.notify([users["editor"]], Kind.DEADLINE_COMING, DEADLINE, link="/", key="k")
    real_compose = services._compose

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("a names file could not be read")

    monkeypatch.setattr(services, "_compose", broken)
    assert services.send_digests().notifications == 0
    assert Notification.objects.get().emailed_at is None  # given back
    monkeypatch.setattr(services, "_compose", real_compose)
    assert services.send_digests().notifications == 1
    assert len(mail.outbox) == 1
