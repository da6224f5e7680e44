"""``citydiplomacy manage send_digests``: run by a scheduler (cron, a systemd timer or
Celery beat) once a day; idempotent, so running it again sends nothing twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from citydiplomacy.web.notifications import services


class Command(BaseCommand):
    help = (
        "Write the notifications of coming event and reporting-cycle deadlines and e-mail "
        "each user the digest "
        "of their notifications not yet e-mailed. Safe to run again: nothing is sent twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for line in services.send_digests().lines():
            self.stdout.write(line)
