"""Who is told what, and the sending of e-mail (at once or as a daily digest).

Writing a notification never sends mail inside the writer's transaction: the e-mail of an
"immediately" notification is sent after the transaction commits (so a rolled-back change
tells nobody), through Django's mail framework and whatever backend the settings choose
(the console by default, SMTP or the queue in production).

Every e-mail is sent after *claiming* its notifications: one UPDATE sets ``emailed_at``
on the rows still without it, and only the rows this run claimed are sent. Two digest runs
at once, or a digest run beside an immediate send, therefore never mail a notification
twice; a failed send gives the claim back, so the next run retries it.

A notification stores what it is about (its kind and ``params``), and is worded in the
reader's language when it is read (:mod:`.wording`); each e-mail is composed in its
recipient's language (:func:`email_languages`, chosen on the preferences page).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from citydiplomacy.web.notifications.models import (
    DEFAULT_FREQUENCY,
    Frequency,
    Kind,
    Notification,
    NotificationSettings,
    Preference,
)

log = logging.getLogger(__name__)

#: Days ahead of a deadline that its cities' editors and representatives are told.
DEADLINE_NOTICE_DAYS = 14


# ------------------------------------------------------------------------- preferences
def preferences(user: Any) -> dict[str, str]:
    """The user's frequency for every kind (the default where they chose none)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "frequency"))
    return {k: chosen.get(k, DEFAULT_FREQUENCY) for k in Kind.values}


def set_preferences(user: Any, choices: dict[str, str], language: str | None = None) -> None:
    """Record the user's choices (kinds and frequencies checked by the caller's form) and,
    if given, the language of their e-mails (one of ``settings.LANGUAGES``)."""
    languages = {code for code, _name in settings.LANGUAGES}
    if language is not None and language not in languages:
        raise ValueError(f"language: {language}")
    with transaction.atomic():
        for kind, frequency in choices.items():
            if kind not in Kind.values or frequency not in Frequency.values:
                raise ValueError(f"{kind}: {frequency}")
            Preference.objects.update_or_create(
                user=user, kind=kind, defaults={"frequency": frequency}
            )
        if language is not None:
            NotificationSettings.objects.update_or_create(
                user=user, defaults={"language": language}
            )


def email_language(user: Any) -> str | None:
    """The language the user chose for their e-mails (``None``: not chosen yet)."""
    return NotificationSettings.objects.filter(user=user).values_list("language", flat=True).first()


def email_languages(user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's e-mail language: their choice, else ``settings.LANGUAGE_CODE``."""
    ids = list(user_ids)
    chosen = dict(
        NotificationSettings.objects.filter(user_id__in=ids).values_list("user_id", "language")
    )
    return {pk: chosen.get(pk, settings.LANGUAGE_CODE) for pk in ids}


# ------------------------------------------------------------------------- recipients
def secretariat() -> QuerySet[Any]:
    """Active users of the secretariat (superusers and the administrator role)."""
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(membership__role="admin"), is_active=True)
        .distinct()
    )


def city_editors(city_ids: Iterable[int]) -> QuerySet[Any]:
    """Active editors assigned to any of ``city_ids``."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            membership__role="editor",
            membership__cities__pk__in=list(city_ids),
        )
        .distinct()
    )


def city_representatives(city_ids: Iterable[int] | None = None) -> QuerySet[Any]:
    """Active users who are current representatives (of ``city_ids``, or of any city)."""
    from citydiplomacy.web.engagement.models import Representative

    today = timezone.localdate()
    reps = Representative.objects.filter(revoked_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )
    if city_ids is not None:
        reps = reps.filter(city_id__in=list(city_ids))
    return get_user_model().objects.filter(is_active=True, pk__in=reps.values("user_id")).distinct()


# ------------------------------------------------------------------------- writing
def notify(users: Iterable[Any], kind: str, params: dict[str, Any], *, link: str, key: str) -> int:
    """Put a notification in each user's inbox (unless they turned the kind off), once per
    user and ``key``; e-mail the "immediately" ones after the transaction commits.

    ``params`` is what the notification is about, as :mod:`.wording` reads it for ``kind``
    (JSON: ids, names, ISO dates, counts, codes); its words are written when it is read.

    Returns the number of users addressed (not counting those who turned the kind off)."""
    users = list(users)
    if not users:
        return 0
    chosen = dict(
        Preference.objects.filter(user__in=users, kind=kind).values_list("user_id", "frequency")
    )
    now = timezone.now()
    rows = []
    for user in users:
        frequency = chosen.get(user.pk, DEFAULT_FREQUENCY)
        if frequency == Frequency.OFF:
            continue
        rows.append(
            Notification(
                user=user,
                kind=kind,
                params=params,
                link=link[:500],
                key=key[:200],
                created=now,
                frequency=frequency,
            )
        )
    # A second notice of the same thing (same key) is a no-op, on either database.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    addressed = [r.user.pk for r in rows]
    _forget_unread(addressed)
    transaction.on_commit(lambda: _forget_unread(addressed))
    immediate = [r.user.pk for r in rows if r.frequency == Frequency.IMMEDIATELY]
    if immediate:
        transaction.on_commit(lambda: send_immediate(immediate))
    return len(rows)


def partnership_party_added(party: Any) -> int:
    """A party city must confirm a proposed partnership: tell its editors; a city without
    an editor cannot confirm, so the secretariat is told (and invites one)."""
    p = party.partnership
    city = party.city
    params = {"partnership": p.pk, "title": p.title, "city": city.pk, "city_name": city.name}
    editors = list(city_editors([city.pk]))
    if editors:
        return notify(
            editors,
            Kind.PARTNERSHIP_TO_CONFIRM,
            params,
            link=reverse("partners:detail", args=[p.pk]),
            key=f"partnership:{p.pk}:city:{city.pk}",
        )
    return notify(
        secretariat(),
        Kind.PARTNER_WITHOUT_EDITOR,
        params,
        link=reverse("notifications:invite", args=[city.pk]),
        key=f"partnership:{p.pk}:no-editor:{city.pk}",
    )


def declaration_open(declaration: Any) -> int:
    """A declaration is open for signature: tell the current representatives of every city
    (only they sign)."""
    return notify(
        city_representatives(),
        Kind.DECLARATION_OPEN,
        {"declaration": declaration.pk, "title": declaration.title},
        link=declaration.get_absolute_url(),
        key=f"declaration-open:{declaration.pk}",
    )


def recommendation_status_changed(change: Any) -> int:
    """A forum recommendation's status changed: tell the editors and representatives of
    the session's cities."""
    rec = change.recommendation
    session = rec.session
    city_ids = list(session.cities.values_list("pk", flat=True))
    users = {u.pk: u for u in city_editors(city_ids)}
    users.update({u.pk: u for u in city_representatives(city_ids)})
    return notify(
        users.values(),
        Kind.RECOMMENDATION_STATUS,
        {
            "recommendation": rec.pk,
            "text": rec.text[:80],
            "session": session.pk,
            "session_title": session.title,
            "addressed_to": rec.addressed_to,
            "status": change.status,
            "note": change.note,
        },
        link=f"{session.get_absolute_url()}#rec-{rec.pk}",
        key=f"recommendation:{rec.pk}:change:{change.pk}",
    )


@dataclass(frozen=True)
class VerificationBatch:
    """The KPI values of one city and year whose verification one change run set."""

    city_id: int
    year: int
    verified: bool
    first_change_id: int
    n_values: int


def values_verified(batch: VerificationBatch) -> int:
    """Tell the city's editors that the secretariat verified (or queried: withdrew the
    verification of) values they submitted."""
    from citydiplomacy.web.cities.models import City

    city = City.objects.filter(pk=batch.city_id).first()
    if city is None:
        return 0
    return notify(
        city_editors([city.pk]),
        Kind.DATA_VERIFIED if batch.verified else Kind.DATA_QUERIED,
        {"city": city.pk, "city_name": city.name, "year": batch.year, "count": batch.n_values},
        link=f"/cities/{city.pk}/",
        key=f"values:{'verify' if batch.verified else 'unverify'}:{batch.first_change_id}",
    )


def deadlines_coming(today: dt.date | None = None, days: int = DEADLINE_NOTICE_DAYS) -> int:
    """Tell the editors and representatives of each taking-part city of a deadline due
    within ``days`` days (once per deadline and due date; cancelled events excepted)."""
    from citydiplomacy.web.engagement.models import Deadline

    today = today or timezone.localdate()
    n = 0
    due = Deadline.objects.filter(
        due_date__gte=today,
        due_date__lte=today + dt.timedelta(days=days),
        event__cancelled_at__isnull=True,
    ).select_related("event")
    for deadline in due:
        city_ids = list(deadline.event.cities.values_list("pk", flat=True))
        if not city_ids:
            continue
        users = {u.pk: u for u in city_editors(city_ids)}
        users.update({u.pk: u for u in city_representatives(city_ids)})
        n += notify(
            users.values(),
            Kind.DEADLINE_COMING,
            {
                "deadline": deadline.pk,
                "title": deadline.title,
                "due_date": deadline.due_date.isoformat(),
                "deadline_kind": deadline.kind,
                "event": deadline.event.pk,
                "event_name": deadline.event.name,
                "source_url": deadline.source_url,
            },
            link=deadline.event.get_absolute_url(),
            key=f"deadline:{deadline.pk}:{deadline.due_date.isoformat()}",
        )
    return n


# ------------------------------------------------------------------------- reading
#: Seconds the navigation's unread count is cached. Writes clear it at once; the limit
#: bounds staleness only where the cache is per process (no shared cache configured).
UNREAD_CACHE_SECONDS = 60


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def _forget_unread(user_ids: Iterable[int]) -> None:
    cache.delete_many([_unread_key(pk) for pk in user_ids])


def unread_count(user: Any) -> int:
    """The user's unread notifications (cached: every page's navigation shows it)."""
    if user is None or not user.is_authenticated:
        return 0
    key = _unread_key(user.pk)
    n = cache.get(key)
    if n is None:
        n = Notification.objects.filter(user=user, read__isnull=True).count()
        cache.set(key, n, UNREAD_CACHE_SECONDS)
    return int(n)


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (those of ``ids``, or all). Another user's ids
    match nothing."""
    qs = Notification.objects.filter(user=user, read__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    marked = qs.update(read=timezone.now())
    _forget_unread([user.pk])
    return int(marked)


# ------------------------------------------------------------------------- e-mail
def _claim(qs: QuerySet[Notification]) -> list[Notification]:
    """Claim the rows of ``qs`` not yet e-mailed; return those this call claimed."""
    ids = list(qs.filter(emailed_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return []
    stamp = timezone.now()
    Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=stamp)
    return list(
        Notification.objects.filter(pk__in=ids, emailed_at=stamp)
        .select_related("user")
        .order_by("created", "pk")
    )


def _release(rows: list[Notification]) -> None:
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(emailed_at=None)


def _text(n: Notification) -> str:
    return f"{n.subject}\n{n.body}\n{n.link}".strip()


def _compose(rows: list[Notification], digest: bool) -> tuple[str, str]:
    """The subject and text of one e-mail carrying ``rows``, in the active language."""
    n = len(rows)
    if digest:
        subject = ngettext(
            "Your daily digest: %(n)d notification", "Your daily digest: %(n)d notifications", n
        ) % {"n": n}
        intro = _("Your notifications since the last digest (%(n)d):") % {"n": n} + "\n\n"
    else:
        subject = rows[0].subject if n == 1 else _("%(n)d notifications") % {"n": n}
        intro = ""
    body = intro + "\n\n".join(_text(r) for r in rows)
    body += "\n\n" + _("Choose which notifications you receive, and how often: %(link)s") % {
        "link": reverse("notifications:preferences")
    }
    return f"[citydiplomacy] {subject}", body


def _send(user: Any, rows: list[Notification], lang: str, *, digest: bool) -> bool:
    """E-mail ``rows`` to ``user``, worded in ``lang``; give them back if wording or sending
    fails (the rows are claimed already: a failure here must not leave them marked sent)."""
    try:
        with translation.override(lang):
            subject, body = _compose(rows, digest)
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    except Exception:  # any error: the rows go back to be sent by the next run
        log.exception("notification e-mail to user %s failed", user.pk)
        _release(rows)
        return False
    return True


def send_immediate(user_ids: Iterable[int]) -> int:
    """E-mail the users' "immediately" notifications not yet e-mailed (one message each)."""
    sent = 0
    qs = Notification.objects.filter(
        user_id__in=list(user_ids), frequency=Frequency.IMMEDIATELY
    ).exclude(user__email="")
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in _claim(qs):
        by_user[n.user_id].append(n)
    languages = email_languages(by_user)
    for pk, rows in by_user.items():
        sent += len(rows) if _send(rows[0].user, rows, languages[pk], digest=False) else 0
    return sent


@dataclass
class DigestReport:
    deadlines: int = 0
    users: int = 0
    notifications: int = 0
    reporting: int = 0

    def lines(self) -> list[str]:
        return [
            f"{self.deadlines} deadline notification(s) written",
            f"{self.reporting} reporting-cycle notification(s) written",
            f"{self.notifications} notification(s) e-mailed to {self.users} user(s)",
        ]


def send_digests(now: dt.datetime | None = None) -> DigestReport:
    """The scheduler's run: write the coming deadlines' notifications (events' and the
    reporting cycle's), then e-mail each user one digest of their notifications not yet
    e-mailed (daily ones, and immediate ones whose sending failed). Idempotent: a second
    run sends nothing new."""
    from citydiplomacy.web.notifications import reporting

    now = now or timezone.now()
    today = timezone.localdate(now)
    report = DigestReport(
        deadlines=deadlines_coming(today), reporting=reporting.notify_coming(today)
    )
    send_immediate(
        Notification.objects.filter(frequency=Frequency.IMMEDIATELY, emailed_at__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    qs = Notification.objects.filter(frequency=Frequency.DAILY, created__lte=now).exclude(
        user__email=""
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in _claim(qs):
        by_user[n.user_id].append(n)
    languages = email_languages(by_user)
    for pk, rows in by_user.items():
        if _send(rows[0].user, rows, languages[pk], digest=True):
            report.users += 1
            report.notifications += len(rows)
    return report
