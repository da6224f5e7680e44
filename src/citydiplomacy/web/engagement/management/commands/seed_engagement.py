"""Seed the sourced events, Forum of Mayors sessions and declarations (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from citydiplomacy.web.engagement import seed


class Command(BaseCommand):
    help = (
        "Load the packaged, sourced multilateral events, Forum of Mayors sessions and "
        "declarations (the Geneva Declaration of Mayors with its commitments); safe to run "
        "again. Signatory lists are imported by import_signatories."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        events = seed.seed_events()
        sessions = seed.seed_sessions()
        declarations = seed.seed_declarations()
        self.stdout.write(
            f"{events} events, {sessions} forum sessions, {declarations} declarations seeded"
        )
