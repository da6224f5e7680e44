"""Panels that other apps add to a city's profile dashboard.

The dashboard (``/cities/<pk>/profile/``) shows, after its own sections and before "More",
one ``<section>`` per :class:`DashboardPanel` that a registered provider returns; with no
provider, or a provider that returns ``None``, nothing. An app registers a provider once,
for example in its ``AppConfig.ready``::

    from citydiplomacy.web.indicators.panels import DashboardPanel, register_dashboard_panel

    def deadlines(request, city, year):
        rows = upcoming_deadlines(city)
        if not rows:
            return None
        return DashboardPanel("deadlines", "Upcoming deadlines", "engagement/_deadlines.html",
                              {"rows": rows})

    register_dashboard_panel(deadlines)

The template is included with the page's context plus ``panel``; it reads its own data as
``panel.context``. The page supplies the ``<section>`` element and its ``<h2>``; the
template renders only the body. ``order`` sorts the panels (lower first, then by
registration).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from citydiplomacy.web.cities.models import City


@dataclass(frozen=True)
class DashboardPanel:
    """One panel of the city dashboard.

    Attributes
    ----------
    key
        A short identifier, used for the section's HTML id (``panel-<key>``).
    title
        The panel's heading (an ``<h2>``).
    template_name
        The template that renders the panel's body.
    context
        Extra template context for that template.
    order
        Sort key among panels (lower first).
    """

    key: str
    title: str
    template_name: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelProvider = Callable[[HttpRequest, City, int], "DashboardPanel | None"]
_providers: list[PanelProvider] = []


def register_dashboard_panel(provider: PanelProvider) -> PanelProvider:
    """Add ``provider`` (called with the request, the city and the year shown; returns a
    panel or ``None``) to the dashboard. Registering the same function twice has no effect."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_dashboard_panel(provider: PanelProvider) -> None:
    """Remove ``provider`` (for tests)."""
    if provider in _providers:
        _providers.remove(provider)


def dashboard_panels(request: HttpRequest, city: City, year: int) -> list[DashboardPanel]:
    """The panels the registered providers give for this city, year and viewer, in order."""
    panels = []
    for provider in list(_providers):
        panel = provider(request, city, year)
        if panel is not None:
            panels.append(panel)
    return sorted(panels, key=lambda p: p.order)
