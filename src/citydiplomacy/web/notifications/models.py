"""A notification in a user's inbox, and each user's choice of how often to hear of a kind;
the secretariat's reporting-cycle deadlines and its invitations of city editors.

A notification is written once per recipient and event (``key`` makes a second write of
the same one a no-op); ``emailed_at`` is set when an e-mail carrying it is sent (at once or
in a daily digest), so a digest run never sends it again. It stores what it is about
(``kind`` and ``params``), not its words: :mod:`.wording` writes its subject and body in the
reader's language when it is shown or e-mailed. :class:`NotificationSettings` holds the
language of each user's e-mails.

:class:`ReportingDeadline` lives here rather than in ``indicators`` (which holds the KPI
values themselves): it is a date the secretariat sets so that editors are *told*, and reads
nothing of the values. :class:`EditorInvitation` is how the secretariat gives a city without
an editor (a partner city that cannot confirm a partnership) someone who can act for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from citydiplomacy.web.notifications.wording import Wording


class Kind(models.TextChoices):
    PARTNERSHIP_TO_CONFIRM = "partnership_to_confirm", _("A partnership to confirm")
    PARTNER_WITHOUT_EDITOR = "partner_without_editor", _("A partner city without an editor")
    DECLARATION_OPEN = "declaration_open", _("A declaration open for signature")
    DEADLINE_COMING = "deadline_coming", _("An event deadline coming")
    REPORTING_DEADLINE = "reporting_deadline", _("A reporting-cycle deadline coming (KPI data)")
    RECOMMENDATION_STATUS = "recommendation_status", _("A recommendation's status changed")
    DATA_VERIFIED = "data_verified", _("Data verified by the secretariat")
    DATA_QUERIED = "data_queried", _("Data queried (verification withdrawn)")


class Frequency(models.TextChoices):
    OFF = "off", _("Off")
    IMMEDIATELY = "immediately", _("Immediately (inbox and e-mail)")
    DAILY = "daily", _("Daily digest (inbox now, e-mail once a day)")


#: What a user hears of a kind they have not chosen for.
DEFAULT_FREQUENCY = Frequency.IMMEDIATELY


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    params = models.JSONField(
        null=True,
        blank=True,
        default=None,
        help_text="what it is about (ids, names, ISO dates, counts, codes); null: an old row",
    )
    legacy_subject = models.CharField(
        max_length=200, blank=True, help_text="English subject of a row without params"
    )
    legacy_body = models.TextField(blank=True, help_text="English body of a row without params")
    link = models.CharField(max_length=500, blank=True, help_text="a path on this site")
    key = models.CharField(
        max_length=200, help_text="what the notification is about; one per user and key"
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    read = models.DateTimeField(null=True, blank=True)
    frequency = models.CharField(
        max_length=12, choices=Frequency.choices, help_text="the user's choice when written"
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_key")
        ]
        indexes = [
            models.Index(
                fields=["user", "created"], condition=Q(read__isnull=True), name="unread_by_user"
            ),
            models.Index(
                fields=["frequency", "created"],
                condition=Q(emailed_at__isnull=True),
                name="digest_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read is not None

    def wording(self) -> Wording:
        """The subject and body in the active language (kept per language on the row)."""
        from citydiplomacy.web.notifications.wording import render

        lang = translation.get_language() or settings.LANGUAGE_CODE
        done: dict[str, Wording] = self.__dict__.setdefault("_wording", {})
        if lang not in done:
            done[lang] = render(self.kind, self.params, self.legacy_subject, self.legacy_body)
        return done[lang]

    @property
    def subject(self) -> str:
        """One line, in the active language."""
        return self.wording().subject

    @property
    def body(self) -> str:
        """The text, in the active language."""
        return self.wording().body


class NotificationSettings(models.Model):
    """A user's settings of their notifications that are not per kind: the language of the
    e-mails they receive (chosen on the preferences page; without a row,
    ``settings.LANGUAGE_CODE``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        help_text="the language of the user's notification e-mails",
    )

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"


class Preference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.frequency}"


#: Bounds of a reporting deadline's notice (days before the due date editors are told).
NOTICE_DAYS_MIN, NOTICE_DAYS_MAX = 1, 90


class ReportingDeadline(models.Model):
    """The date by which cities submit their KPI data for one reporting year, set by the
    secretariat; every city editor is told ``notice_days`` days before it."""

    year = models.PositiveSmallIntegerField(
        unique=True, help_text="the year the KPI values are for"
    )
    due_date = models.DateField(help_text="last day to submit the year's values")
    notice_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(NOTICE_DAYS_MIN), MaxValueValidator(NOTICE_DAYS_MAX)],
        help_text="days before the due date that editors are told",
    )
    note = models.CharField(max_length=500, blank=True, help_text="what to submit, and how")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(notice_days__gte=NOTICE_DAYS_MIN, notice_days__lte=NOTICE_DAYS_MAX),
                name="reporting_notice_days_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"KPI data {self.year}: due {self.due_date}"


class EditorInvitation(models.Model):
    """An invitation to become the editor of a city, sent by e-mail with a one-time link.

    Only the hash of the link's token is kept (like API tokens). An invitation is *open*
    until it is accepted, revoked or past ``expires_at``; at most one open invitation per
    city and address exists at a time (a new one revokes the old).
    """

    city = models.ForeignKey("cities.City", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True, help_text="the invitee's name")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_city_and_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} for {self.city_id} ({self.state})"

    @property
    def state(self) -> str:
        """``accepted``, ``revoked``, ``expired`` or ``open``."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"
