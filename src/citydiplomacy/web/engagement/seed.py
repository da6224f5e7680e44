"""Seeding the engagement app from the packaged facts in ``data/engagement/``.

Every function is idempotent: records are keyed by slug (events, declarations) or by event
and title (sessions), updated in place, and a signatory list already imported is not
imported again. Registry cities named in the data (``[name, ISO alpha-2]``) are looked up
by name and country, the most populous first; a city missing from the registry (tests load
only a few) is skipped, never invented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml
from django.db import transaction

from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import (
    AgendaItem,
    Declaration,
    DeclarationCommitment,
    DeclarationStatus,
    DeclarationVersion,
    Event,
    ForumSession,
    Recommendation,
    RecommendationStatusChange,
    SignatoryImport,
    Speaker,
    Tag,
)

DATA = "citydiplomacy.data"


def _read(name: str) -> Any:
    path = resources.files(DATA) / "engagement" / name
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def data_text(name: str) -> str:
    """A packaged data file of ``data/engagement/`` as text."""
    return (resources.files(DATA) / "engagement" / name).read_text(encoding="utf-8")


def _city(ref: Any) -> City | None:
    if not ref:
        return None
    name, iso2 = ref
    return City.objects.filter(name=name, country_id=iso2).order_by("-population").first()


def _date(value: Any) -> dt.date | None:
    """A date of the YAML data (YAML reads ISO dates as dates); ``None`` when absent."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _url(value: str, where: str) -> str:
    """A link of the packaged data, checked like an event link the secretariat enters
    (http/https, not a staging host)."""
    problem = services.event_url_problem(str(value), "source_url")
    if problem is not None:
        raise services.EngagementError(f"data/engagement ({where}): {problem}")
    return str(value)


def _day(value: Any) -> dt.date:
    day = _date(value)
    if day is None:
        raise ValueError("a date is required here")
    return day


#: What an event's page says when its dates are sourced to a news report (the data's
#: ``news_source`` flag): the reader is told the source is not the organiser's.
NEWS_SOURCE_NOTE = (
    "Dates as given by a news report (linked as the source): no official page stating "
    "them was found."
)


def _description(e: dict[str, Any]) -> str:
    """The event's description, with :data:`NEWS_SOURCE_NOTE` when its source is flagged
    as a news report."""
    text = " ".join(str(e.get("description") or "").split())
    if e.get("news_source"):
        text = f"{text} {NEWS_SOURCE_NOTE}".strip()
    return text


@dataclass
class SeedReport:
    events: int = 0
    sessions: int = 0
    declarations: int = 0
    imports: list[services.ImportReport] = field(default_factory=list)
    skipped_imports: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"{self.events} events, {self.sessions} forum sessions, "
            f"{self.declarations} declarations seeded"
        ]
        for r in self.imports:
            out.extend(r.lines())
        out.extend(f"{s}: already imported" for s in self.skipped_imports)
        return out


@transaction.atomic
def seed_events() -> int:
    """Load ``events.yaml``: tags, then events with their tags and host city."""
    data = _read("events.yaml")
    tags = {}
    for slug, name in data["tags"].items():
        tags[slug], _ = Tag.objects.update_or_create(slug=slug, defaults={"name": name})
    for e in data["events"]:
        host = _city(e.get("host"))
        event, _ = Event.objects.update_or_create(
            slug=e["slug"],
            defaults={
                "name": e["name"],
                "kind": e["kind"],
                "start_date": _day(e["start_date"]),
                "end_date": _day(e["end_date"]),
                "place": e["place"],
                "host_city": host,
                "country_id": e["host"][1] if host is not None else None,
                "organiser": e["organiser"],
                "official_url": _url(e.get("official_url") or "", e["slug"]),
                "source_url": _url(e["source_url"], e["slug"]),
                "description": _description(e),
            },
        )
        event.tags.set([tags[t] for t in e.get("tags", [])])
        if host is not None:
            event.cities.add(host)
    return len(data["events"])


@transaction.atomic
def seed_sessions() -> int:
    """Load ``forum_sessions.yaml`` (after the events)."""
    data = _read("forum_sessions.yaml")
    for s in data["sessions"]:
        event = Event.objects.filter(slug=s["event"]).first()
        # Keyed by event and date, so a corrected title updates the session in place.
        session, _ = ForumSession.objects.update_or_create(
            event=event,
            date=_day(s["date"]),
            defaults={
                "title": s["title"],
                "place": s["place"],
                "summary": s["summary"].strip(),
                "source_url": _url(s["source_url"], s["title"]),
            },
        )
        cities = [c for c in (_city(ref) for ref in s.get("cities", [])) if c is not None]
        session.cities.set(cities)
        if event is not None:
            event.cities.add(*cities)
        for i, title in enumerate(s.get("agenda", []), start=1):
            AgendaItem.objects.update_or_create(
                session=session, number=i, defaults={"title": title}
            )
        for sp in s.get("speakers", []):
            Speaker.objects.update_or_create(
                session=session,
                name=sp["name"],
                defaults={"title": sp["title"], "city": _city(sp.get("city"))},
            )
        for r in s.get("recommendations", []):
            # Keyed by session and addressee; the status is the secretariat's to change.
            rec, made = Recommendation.objects.get_or_create(
                session=session,
                addressed_to=r["addressed_to"],
                defaults={
                    "text": " ".join(r["text"].split()),
                    "status": r["status"],
                    "source_url": _url(r["source_url"], r["addressed_to"]),
                },
            )
            if made:
                RecommendationStatusChange.objects.create(
                    recommendation=rec,
                    status=r["status"],
                    note=f"as published: {r['source_url']}",
                    changed_at=dt.datetime.combine(session.date, dt.time(12), tzinfo=dt.UTC),
                )
    return len(data["sessions"])


@transaction.atomic
def seed_declarations() -> int:
    """Load ``declarations.yaml``: the declarations, their text and commitments (not their
    signatories: see :func:`import_listed`)."""
    data = _read("declarations.yaml")
    for d in data["declarations"]:
        event = Event.objects.filter(slug=d.get("event") or "").first()
        facts = {
            "title": d["title"],
            "kind": d["kind"],
            "summary": " ".join(d["summary"].split()),
            "event": event,
            "organiser": d["organiser"],
            "source_url": _url(d["source_url"], d["slug"]),
        }
        # Status and adoption date are set when the declaration is first seeded only: after
        # that they are the secretariat's (a closed declaration stays closed on re-seeding).
        decl, _ = Declaration.objects.update_or_create(
            slug=d["slug"],
            defaults=facts,
            create_defaults={
                **facts,
                "status": DeclarationStatus.ADOPTED,
                "adopted_on": _date(d.get("adopted_on")),
            },
        )
        if d.get("text") and not decl.versions.exists():
            DeclarationVersion.objects.create(
                declaration=decl,
                number=1,
                text=d["text"].strip(),
                note=f"as published: {d['source_url']}",
            )
        for i, text in enumerate(d.get("commitments", []), start=1):
            DeclarationCommitment.objects.update_or_create(
                declaration=decl, number=i, defaults={"text": text, "source_url": decl.source_url}
            )
    return len(data["declarations"])


def import_listed(
    slug: str | None = None, progress: Callable[[str], None] = lambda _: None
) -> tuple[list[services.ImportReport], list[str]]:
    """Import the packaged signatory lists (of one declaration, or all), once each."""
    data = _read("declarations.yaml")
    reports, skipped = [], []
    for d in data["declarations"]:
        spec = d.get("signatories")
        if spec is None or (slug is not None and d["slug"] != slug):
            continue
        decl = Declaration.objects.get(slug=d["slug"])
        if SignatoryImport.objects.filter(declaration=decl, source_url=spec["source_url"]).exists():
            skipped.append(d["slug"])
            continue
        progress(f"importing the signatories of {d['title']}")
        entries = services.read_listed(spec["file"], data_text(spec["file"]))
        signed_on = _date(spec.get("signed_on"))
        reports.append(
            services.import_signatories(
                decl,
                entries,
                source_name=spec["source_name"],
                source_url=spec["source_url"],
                file_name=spec["file"],
                signed_at=(
                    dt.datetime.combine(signed_on, dt.time(12), tzinfo=dt.UTC)
                    if signed_on
                    else None
                ),
                europe_only=bool(spec.get("europe_only")),
            )
        )
    return reports, skipped


def seed_all(progress: Callable[[str], None] = lambda _: None) -> SeedReport:
    """Events, sessions, declarations, and the real signatory lists."""
    progress("seeding events, forum sessions and declarations")
    report = SeedReport(seed_events(), seed_sessions(), seed_declarations())
    report.imports, report.skipped_imports = import_listed(progress=progress)
    return report
