"""Notifications: an in-app inbox and e-mail, per user and per kind (off, immediately, or
a daily digest)."""

from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "citydiplomacy.web.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        """Connect the receivers that turn other apps' records into notifications (a
        proposed partnership's party, a verification of KPI values, a recommendation's
        status change), so those apps need no call into this one."""
        from citydiplomacy.web.notifications import signals

        signals.connect()
