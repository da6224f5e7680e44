"""What the engagement app adds to other pages: two dashboard panels (upcoming deadlines,
off-track commitments) and a city-page section (declarations signed, commitments)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from citydiplomacy.core.commitments import Status
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.cities.sections import CitySection
from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Commitment, Deadline, Signature
from citydiplomacy.web.indicators.panels import DashboardPanel


def _has_content(request: HttpRequest, city: City) -> dict[str, bool]:
    """Whether the city has deadlines ahead and commitments: one query for both panels,
    kept on the request, so a dashboard without engagement content costs one query."""
    cache: dict[int, dict[str, bool]] = request.__dict__.setdefault("_engagement_flags", {})
    if city.pk not in cache:
        today = timezone.localdate()
        row = (
            City.objects.filter(pk=city.pk)
            .annotate(
                has_deadlines=Exists(
                    Deadline.objects.filter(event__cities=OuterRef("pk"), due_date__gte=today)
                ),
                has_commitments=Exists(Commitment.objects.filter(city=OuterRef("pk"))),
            )
            .values("has_deadlines", "has_commitments")
            .first()
        ) or {"has_deadlines": False, "has_commitments": False}
        cache[city.pk] = {
            "deadlines": bool(row["has_deadlines"]),
            "commitments": bool(row["has_commitments"]),
        }
    return cache[city.pk]


def deadlines_panel(request: HttpRequest, city: City, year: int) -> DashboardPanel | None:
    """Deadlines ahead of the events the city takes part in (none: no panel)."""
    if not _has_content(request, city)["deadlines"]:
        return None
    rows = list(services.upcoming_deadlines(city)[:10])
    if not rows:
        return None
    return DashboardPanel(
        "engagement-deadlines",
        "Upcoming deadlines",
        "engagement/_panel_deadlines.html",
        {"rows": rows, "city": city},
        order=60,
    )


def off_track_panel(request: HttpRequest, city: City, year: int) -> DashboardPanel | None:
    """The city's commitments that are off track on the data the viewer may read."""
    if not _has_content(request, city)["commitments"]:
        return None
    rows = services.off_track(request.user, city)
    if not rows:
        return None
    return DashboardPanel(
        "engagement-off-track",
        "Commitments off track",
        "engagement/_panel_off_track.html",
        {"rows": rows, "city": city},
        order=61,
    )


def city_section(request: HttpRequest, city: City) -> CitySection | None:
    """Declarations the city has signed and its commitments with their progress."""
    signatures = list(
        Signature.objects.filter(city=city, withdrawn_at__isnull=True)
        .select_related("declaration")
        .order_by("declaration__title")
    )
    commitments = [
        (c, services.progress(request.user, c))
        for c in Commitment.objects.filter(city=city).order_by("target_year", "title")
    ]
    if not signatures and not commitments:
        return None
    return CitySection(
        "engagement",
        "Declarations and commitments",
        "engagement/_city_section.html",
        {
            "signatures": signatures,
            "commitments": commitments,
            "off_track": sum(1 for _, p in commitments if p.status == Status.OFF_TRACK),
        },
    )
