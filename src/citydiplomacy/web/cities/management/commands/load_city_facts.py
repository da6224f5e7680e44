"""``manage.py load_city_facts``: import open facts about cities (UNdata, Net Zero Tracker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citydiplomacy.errors import ValidationError
from citydiplomacy.web.cities.facts import import_open_facts


class Command(BaseCommand):
    help = (
        "Import the packaged open city facts: UNdata city populations (latest year, city proper "
        "and urban agglomeration) and Net Zero Tracker climate targets, matched to the registry "
        "by name and country. Idempotent; prints what matched and what did not."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--show-unmatched", action="store_true", help="list every row that did not match"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            reports = import_open_facts(progress=self.stdout.write)
        except (ValueError, ValidationError) as error:
            raise CommandError(str(error)) from error
        for report in reports:
            if options["show_unmatched"] and report.unmatched:
                self.stdout.write(f"{report.source}: not matched:")
                for line in report.unmatched:
                    self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS("Open city facts loaded."))
