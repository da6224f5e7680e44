"""Demo data of the capacity module: the framework, the module catalogue, and a SYNTHETIC
cohort (invented people with invented ratings, in real demo cities), labelled synthetic
wherever it is shown. Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from citydiplomacy.io import capacity as capacity_io
from citydiplomacy.web.capacity import services
from citydiplomacy.web.capacity.models import (
    Assessment,
    Attendance,
    CapacityGrant,
    Module,
    OfficeSurvey,
    Participant,
    Person,
    Programme,
    Rating,
    Session,
)
from citydiplomacy.web.cities.models import City

PROGRAMME_SLUG = "demo-city-diplomacy-masterclass"
#: Demo cities of the cohort and how many participants each sends (five or more, so that
#: the city aggregates are shown).
COHORT_CITIES: tuple[tuple[str, str, int], ...] = (
    ("Geneva", "CH", 6),
    ("Lyon", "FR", 5),
    ("Vienna", "AT", 5),
    ("Tallinn", "EE", 5),
    ("Tbilisi", "GE", 5),
    ("Almaty", "KZ", 4),
)
ROLES = ("director", "officer", "officer", "sector_staff", "officer", "mayor")
FIRST = ("Alex", "Sam", "Robin", "Kim", "Noa", "Jo", "Eli", "Ari", "Mika", "Sasha")
SEED = 18


def load_modules() -> int:
    """The module catalogue (``data/capacity/modules.csv``): create the missing modules."""
    table = capacity_io.read_table(capacity_io._packaged("modules.csv"), "modules.csv")
    created = 0
    for rec in table.to_dict("records"):
        if not str(rec["code"]).strip():
            continue
        _, made = Module.objects.get_or_create(
            code=rec["code"],
            defaults={
                "title": rec["title"],
                "provider": rec["provider"],
                "format": rec["format"],
                "hours": Decimal(rec["hours"]),
                "url": rec["url"],
                "description": rec["description"],
                "competency_codes": str(rec["competencies"]).split(),
                "level": int(rec["level"]) if str(rec.get("level", "")).strip() else None,
                "languages": str(rec.get("languages", "")).split(),
            },
        )
        created += made
    return created


def _city(name: str, iso2: str) -> City | None:
    return City.objects.filter(name=name, country_id=iso2).order_by("-population").first()


@transaction.atomic
def load_cohort(password: str) -> tuple[int, list[str]]:
    """The synthetic masterclass cohort; returns (participants created, demo accounts)."""
    fv = services.current_framework()
    fw = services.framework_of(fv)
    user_model = get_user_model()
    accounts = []
    organiser, made = user_model.objects.get_or_create(
        username="organiser", defaults={"email": "organiser@example.org"}
    )
    if made:
        organiser.set_password(password)
        organiser.save()
    CapacityGrant.objects.get_or_create(user=organiser, kind="organiser", city=None)
    accounts.append("organiser")
    programme = Programme.objects.filter(slug=PROGRAMME_SLUG).first()
    if programme is not None:
        return 0, [*accounts, "participant"]
    start = dt.date(timezone.now().year, 3, 2)
    programme = Programme.objects.create(
        slug=PROGRAMME_SLUG,
        name="City Diplomacy Masterclass (synthetic demo cohort)",
        description="SYNTHETIC demo data: an invented cohort, invented people and invented "
        "ratings, in real demo cities, to show the capacity module.",
        framework=fv,
        start_date=start,
        end_date=start + dt.timedelta(days=90),
        synthetic=True,
    )
    programme.organisers.add(organiser)
    rng = np.random.default_rng(SEED)
    comp_ids = dict(fv.competencies.values_list("code", "pk"))
    people: list[Person] = []
    n = 0
    for name, iso2, count in COHORT_CITIES:
        city = _city(name, iso2)
        if city is None:
            continue
        for i in range(count):
            role = ROLES[i % len(ROLES)]
            person = Person.objects.create(
                name=f"{FIRST[(n + i) % len(FIRST)]} {name[:3]}{i + 1} (synthetic)",
                city=city,
                role=role,
                synthetic=True,
            )
            Participant.objects.create(
                programme=programme,
                person=person,
                completed_on=programme.end_date if i % 3 else None,
            )
            targets = fw.targets(role)
            skill = rng.normal(0.0, 0.6)
            before = np.clip(
                np.round(targets - 1.2 + skill + rng.normal(0, 0.9, targets.size)), 1, 5
            )
            after = np.clip(before + (rng.random(targets.size) < 0.45), 1, 5)
            for phase, levels in (("before", before), ("after", after)):
                a = Assessment.objects.create(
                    person=person, framework=fv, phase=phase, rater="self"
                )
                Rating.objects.bulk_create(
                    Rating(assessment=a, competency_id=comp_ids[code], level=int(v))
                    for code, v in zip(fw.codes, levels, strict=True)
                )
            people.append(person)
        n += count
        OfficeSurvey.objects.get_or_create(
            city=city,
            year=start.year - 1,
            defaults={
                "international_office": bool(rng.random() < 0.85),
                "international_strategy": bool(rng.random() < 0.7),
                "international_staff": True,
                "staff_trained": bool(rng.random() < 0.55),
                "dedicated_director": bool(rng.random() < 0.5),
                "tracks_sdgs": bool(rng.random() < 0.6),
                "staff_fte": Decimal(str(round(float(rng.uniform(1, 12)), 1))),
                "networks": int(rng.integers(2, 12)),
                "priorities": "climate\neconomic development\nculture",
                "synthetic": True,
            },
        )
    for k in range(3):
        starts = dt.datetime.combine(
            start + dt.timedelta(days=8 + 14 * k), dt.time(13, 0), tzinfo=dt.UTC
        )
        s = Session.objects.create(
            programme=programme,
            title=f"Workshop {k + 1} (synthetic)",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            place="online",
        )
        Attendance.objects.bulk_create(
            Attendance(session=s, person=p, present=bool(rng.random() < 0.85)) for p in people
        )
    # A participant account (the first Geneva person) and Geneva's city manager.
    participant, made = user_model.objects.get_or_create(
        username="participant", defaults={"email": "participant@example.org"}
    )
    if made:
        participant.set_password(password)
        participant.save()
    if people:
        first = people[0]
        first.user = participant
        first.save(update_fields=["user"])
        geneva_user = user_model.objects.filter(username="geneva").first()
        if geneva_user is not None:
            CapacityGrant.objects.get_or_create(user=geneva_user, kind="manager", city=first.city)
    services.pair_mentors(organiser, programme)
    return len(people), [*accounts, "participant"]


def load_demo(progress: Callable[[str], None]) -> None:
    from citydiplomacy.web.indicators.demo import PASSWORD

    fv = services.current_framework()
    progress(f"capacity: framework {fv} ({fv.competencies.count()} competencies)")
    progress(f"capacity: {load_modules()} training modules created")
    n, accounts = load_cohort(PASSWORD)
    progress(
        f"capacity: {n} SYNTHETIC participants created in the demo masterclass "
        f"(accounts: {', '.join(accounts)}; 'geneva' manages Geneva's capacity)"
    )
