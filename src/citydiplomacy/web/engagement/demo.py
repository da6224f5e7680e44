"""Demo data of the engagement app (``citydiplomacy demo``), safe to run again.

Real, sourced facts (events, forum sessions, the Geneva Declaration of Mayors and the two
published signatory lists) come from :mod:`.seed`. On top, for the demo accounts only:

* the demo user ``geneva`` becomes an authorised representative of Geneva and ``lyon`` of
  Lyon, so that signing can be tried;
* a few **demo commitments** on Geneva and Lyon, marked ``synthetic``: their baselines are
  read from the demo KPI values, which are synthetic, so these pledges are not real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement import seed, services
from citydiplomacy.web.engagement.models import (
    Commitment,
    CommitmentOrigin,
    Declaration,
    DeclarationCommitment,
    Event,
    Representative,
)
from citydiplomacy.web.indicators.models import KpiValue

GENEVA_DECLARATION = "geneva-declaration-of-mayors-2020"
BASELINE_YEAR = 2018
TARGET_YEAR = 2030


@dataclass(frozen=True)
class DemoCommitment:
    city: tuple[str, str]
    title: str
    origin: str
    measure: str
    factor: float  # target = baseline x factor
    declaration_item: int | None = None
    network: str = ""


DEMO_COMMITMENTS = (
    DemoCommitment(
        ("Geneva", "CH"),
        "A fifth more green area per inhabitant by 2030 (demo)",
        CommitmentOrigin.DECLARATION,
        "EN-EN-PSN-1C",
        1.2,
        declaration_item=3,
    ),
    DemoCommitment(
        ("Geneva", "CH"),
        "Cut PM2.5 concentrations by a third by 2030 (demo)",
        CommitmentOrigin.NETWORK,
        "EN-EN-AQ-1C:PM2.5",
        2 / 3,
        network="C40 Clean Air Accelerator",
    ),
    DemoCommitment(
        ("Lyon", "FR"),
        "A tenth more green area per inhabitant by 2030 (demo)",
        CommitmentOrigin.DECLARATION,
        "EN-EN-PSN-1C",
        1.1,
        declaration_item=3,
    ),
    DemoCommitment(
        ("Lyon", "FR"),
        "Reduce water consumption per inhabitant by 15% by 2030 (demo)",
        CommitmentOrigin.OWN,
        "EN-EN-WS-2C",
        0.85,
    ),
    DemoCommitment(
        ("Lyon", "FR"),
        "Double the share of solid waste recycled by 2030 (demo)",
        CommitmentOrigin.OWN,
        "EN-EN-WA-1C:recycled",
        2.0,
    ),
)

DEMO_REPRESENTATIVES = {
    "geneva": (("Geneva", "CH"), "Mayor of Geneva (demo account)"),
    "lyon": (("Lyon", "FR"), "Mayor of Lyon (demo account)"),
}


@dataclass
class DemoReport:
    seeded: seed.SeedReport
    representatives: int
    commitments: int

    def lines(self) -> list[str]:
        return [
            *self.seeded.lines(),
            f"{self.representatives} demo representatives, {self.commitments} demo "
            "commitments (on synthetic KPI values)",
        ]


def _city(ref: tuple[str, str]) -> City | None:
    return City.objects.filter(name=ref[0], country_id=ref[1]).order_by("-population").first()


DEMO_DRAFT = "demo-draft-mayors-for-clean-air"
DEMO_DRAFT_V1 = """We, mayors, commit to improve the air our residents breathe.

1. We will measure fine particles (PM2.5) in every district.
2. We will publish the measurements every year.
"""
DEMO_DRAFT_V2 = """We, mayors, commit to improve the air our residents breathe by 2030.

1. We will measure fine particles (PM2.5) and nitrogen dioxide in every district.
2. We will publish the measurements every year, as open data.
3. We will report our progress to the UN Forum of Mayors.
"""


def _demo_draft(admin: object) -> None:
    """A demo draft in two versions, in which Geneva and Lyon take part, to try drafting,
    comments, the difference between versions and adoption. Not a real declaration."""
    if admin is None or Declaration.objects.filter(slug=DEMO_DRAFT).exists():
        return
    cities = [c for c in (_city(("Geneva", "CH")), _city(("Lyon", "FR"))) if c is not None]
    d = services.create_declaration(
        admin,
        slug=DEMO_DRAFT,
        title="Mayors for clean air (demo draft)",
        text=DEMO_DRAFT_V1,
        summary="A demo draft to try the drafting workflow; not a real declaration.",
        participants=cities,
    )
    services.add_version(admin, d, DEMO_DRAFT_V2, "demo: pollutants, open data, reporting")


def load_demo(progress: Callable[[str], None] = lambda _: None) -> DemoReport:
    report = seed.seed_all(progress)
    users = get_user_model().objects
    admin = users.filter(username="secretariat").first()
    reps = 0
    for username, (ref, title) in DEMO_REPRESENTATIVES.items():
        user = users.filter(username=username).first()
        city = _city(ref)
        if user is None or city is None:
            continue
        _, made = Representative.objects.get_or_create(
            user=user,
            city=city,
            revoked_at=None,
            defaults={
                "title": title,
                "capacity": "on behalf of the city (demo)",
                "authorised_by": admin,
            },
        )
        reps += int(made)
        # The demo cities take part in the Forum of Mayors meetings, so their calendars
        # and dashboards have something to show.
        for event in Event.objects.filter(kind="forum_of_mayors"):
            event.cities.add(city)
    _demo_draft(admin)
    geneva_decl = Declaration.objects.filter(slug=GENEVA_DECLARATION).first()
    made_commitments = 0
    for dc in DEMO_COMMITMENTS:
        city = _city(dc.city)
        if city is None:
            continue
        # The first demo value from BASELINE_YEAR on is the baseline (demo series have gaps).
        first = (
            KpiValue.objects.filter(
                city=city, measure=dc.measure, year__gte=BASELINE_YEAR, year__lt=TARGET_YEAR
            )
            .order_by("year")
            .values_list("year", "value")
            .first()
        )
        if first is None:
            continue
        baseline_year, baseline = first
        item = (
            DeclarationCommitment.objects.filter(
                declaration=geneva_decl, number=dc.declaration_item
            ).first()
            if dc.declaration_item and geneva_decl
            else None
        )
        _, made = Commitment.objects.get_or_create(
            city=city,
            title=dc.title,
            defaults={
                "origin": dc.origin,
                "declaration": geneva_decl if item else None,
                "declaration_commitment": item,
                "network": dc.network,
                "measure": dc.measure,
                "baseline_year": baseline_year,
                "baseline_value": float(baseline),
                "target_year": TARGET_YEAR,
                "target_value": round(float(baseline) * dc.factor, 3),
                "synthetic": True,
                "created_by": admin,
            },
        )
        made_commitments += int(made)
    return DemoReport(report, reps, made_commitments)
