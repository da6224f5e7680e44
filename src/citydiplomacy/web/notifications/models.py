"""A notification in a user's inbox, and each user's choice of how often to hear of a kind.

A notification is written once per recipient and event (``key`` makes a second write of
the same one a no-op); ``emailed_at`` is set when an e-mail carrying it is sent (at once or
in a daily digest), so a digest run never sends it again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    PARTNERSHIP_TO_CONFIRM = "partnership_to_confirm", "A partnership to confirm"
    PARTNER_WITHOUT_EDITOR = "partner_without_editor", "A partner city without an editor"
    DECLARATION_OPEN = "declaration_open", "A declaration open for signature"
    DEADLINE_COMING = "deadline_coming", "An event deadline coming"
    RECOMMENDATION_STATUS = "recommendation_status", "A recommendation's status changed"
    DATA_VERIFIED = "data_verified", "Data verified by the secretariat"
    DATA_QUERIED = "data_queried", "Data queried (verification withdrawn)"


class Frequency(models.TextChoices):
    OFF = "off", "Off"
    IMMEDIATELY = "immediately", "Immediately (inbox and e-mail)"
    DAILY = "daily", "Daily digest (inbox now, e-mail once a day)"


#: What a user hears of a kind they have not chosen for.
DEFAULT_FREQUENCY = Frequency.IMMEDIATELY


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
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
