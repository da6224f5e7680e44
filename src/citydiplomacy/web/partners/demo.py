"""Demo data of the partners app: the real imports, plus a few DEMO partnerships.

The real data (Wikidata sister cities, Global Covenant of Mayors signatories, Eurocities
members) are facts with their sources. The demo partnerships among the demo cities are
invented to show the confirmation workflow and activities; their titles start with "DEMO"
and they carry ``is_demo``, which every page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction

from citydiplomacy.web.cities.models import City
from citydiplomacy.web.partners import importers
from citydiplomacy.web.partners.models import (
    Activity,
    ActivityKind,
    Kind,
    Partnership,
    PartnershipCity,
    Status,
)

#: (title, kind, status, cities (name, ISO2), themes, SDGs, start, activities)
DEMO_PARTNERSHIPS = (
    (
        "DEMO: Geneva–Lyon cross-border energy exchange",
        Kind.TECHNICAL,
        Status.CONFIRMED,
        (("Geneva", "CH"), ("Lyon", "FR")),
        ["EN-E-E", "EC-I-T"],
        [7, 11],
        date(2023, 3, 1),
        (
            (
                ActivityKind.DELEGATION,
                "DEMO: energy-planning delegation to Lyon",
                date(2023, 6, 12),
                "DEMO: shared district-heating planning method",
            ),
            (
                ActivityKind.EXCHANGE,
                "DEMO: staff exchange on tram procurement",
                date(2024, 2, 5),
                "DEMO: joint tender specification drafted",
            ),
        ),
    ),
    (
        "DEMO: Geneva–Tallinn digital public services memorandum",
        Kind.MOU,
        Status.PROPOSED,
        (("Geneva", "CH"), ("Tallinn", "EE")),
        ["EC-ICT-PS"],
        [9, 16],
        date(2025, 1, 15),
        (),
    ),
    (
        "DEMO: Vienna–Bratislava–Budapest housing network exchange",
        Kind.NETWORK_EXCHANGE,
        Status.CONFIRMED,
        (("Vienna", "AT"), ("Bratislava", "SK"), ("Budapest", "HU")),
        ["SC-SH-HO"],
        [11],
        date(2022, 9, 1),
        (
            (
                ActivityKind.JOINT_PROJECT,
                "DEMO: affordable-housing peer review",
                date(2023, 4, 20),
                "DEMO: three policy briefs",
            ),
        ),
    ),
)


def _city(name: str, iso2: str) -> City | None:
    return City.objects.filter(name=name, country_id=iso2).order_by("-population").first()


@transaction.atomic
def load_demo_partnerships() -> int:
    """Create the demo partnerships that are missing (by title); returns how many."""
    created = 0
    for title, kind, status, cities, themes, sdgs, start, activities in DEMO_PARTNERSHIPS:
        if Partnership.objects.filter(title=title, is_demo=True).exists():
            continue
        found = [_city(n, c) for n, c in cities]
        if any(c is None for c in found):
            continue
        p = Partnership.objects.create(
            title=title,
            kind=kind,
            status=status,
            themes=themes,
            sdgs=sdgs,
            start=start,
            is_demo=True,
            description="DEMO data: an invented partnership to show the platform.",
        )
        for i, c in enumerate(found):
            assert c is not None
            confirmed = status == Status.CONFIRMED or i == 0
            PartnershipCity.objects.create(
                partnership=p, city=c, confirmed_at=p.created_at if confirmed else None
            )
        for kind_, atitle, when, outcome in activities:
            Activity.objects.create(
                partnership=p, kind=kind_, title=atitle, start=when, outcome=outcome
            )
        created += 1
    return created


def load_demo(progress: Callable[[str], None]) -> None:
    for report in importers.import_all(progress=progress):
        for line in report.lines(show_unmatched=3):
            progress(line)
    n = load_demo_partnerships()
    progress(f"partners: {n} DEMO partnerships created (labelled DEMO)")
