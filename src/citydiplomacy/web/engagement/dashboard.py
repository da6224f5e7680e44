"""What the engagement app adds to other pages: two dashboard panels (upcoming deadlines,
off-track commitments) and a city-page section (declarations signed, commitments)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext

from citydiplomacy.core.commitments import Status
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.cities.sections import CitySection
from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Commitment, Signature
from citydiplomacy.web.indicators.panels import DashboardPanel


def deadlines_panel(request: HttpRequest, city: City, year: int) -> DashboardPanel | None:
    """Deadlines ahead of the events the city takes part in (none: no panel). One query."""
    rows = list(services.upcoming_deadlines(city)[:10])
    if not rows:
        return None
    return DashboardPanel(
        "engagement-deadlines",
        gettext("Upcoming deadlines"),
        "engagement/_panel_deadlines.html",
        {"rows": rows, "city": city},
        order=60,
    )


def off_track_panel(request: HttpRequest, city: City, year: int) -> DashboardPanel | None:
    """The city's commitments that are off track on the data the viewer may read. One query
    (the commitments with their latest visible value), so both panels add two queries to
    the dashboard."""
    rows = services.off_track(request.user, city)
    if not rows:
        return None
    return DashboardPanel(
        "engagement-off-track",
        gettext("Commitments off track"),
        "engagement/_panel_off_track.html",
        {"rows": rows, "city": city},
        order=61,
    )


def city_section(request: HttpRequest, city: City) -> CitySection | None:
    """Declarations the city has signed and its commitments with their progress."""
    # Only declarations the reader may see: a signature on a draft (e.g. imported from a
    # list) must not show the draft's title to the public.
    signatures = list(
        Signature.objects.filter(
            city=city,
            withdrawn_at__isnull=True,
            declaration__in=services.visible_declarations(request.user),
        )
        .select_related("declaration")
        .order_by("declaration__title")
    )
    commitments = services.progress_of(
        request.user, Commitment.objects.filter(city=city).order_by("target_year", "title")
    )
    if not signatures and not commitments:
        return None
    return CitySection(
        "engagement",
        gettext("Declarations and commitments"),
        "engagement/_city_section.html",
        {
            "signatures": signatures,
            "commitments": commitments,
            "off_track": sum(1 for _, p in commitments if p.status == Status.OFF_TRACK),
        },
    )
