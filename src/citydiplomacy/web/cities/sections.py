"""Sections that other apps add to the city page.

The city page shows, after the registry's own facts, one ``<section>`` per
:class:`CitySection` that a registered provider returns; with no provider, nothing (no empty
"coming soon" headings). An app registers a provider once, for example in its
``AppConfig.ready``::

    from citydiplomacy.web.cities.sections import CitySection, register_city_section

    def partnerships(request, city):
        rows = Partnership.objects.filter(city=city)
        if not rows:
            return None
        return CitySection(
            "partnerships", "Networks and partnerships", "partners/_city.html", {"rows": rows}
        )

    register_city_section(partnerships)

The template is included with the page's context plus ``section``; it reads its own data
as ``section.context`` (``{% for row in section.context.rows %}``). The page supplies the
``<section>`` element and its ``<h2>``; the template renders only the body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from citydiplomacy.web.cities.models import City


@dataclass(frozen=True)
class CitySection:
    """One section of the city page.

    Attributes
    ----------
    key
        A short identifier, used for the section's HTML id (``section-<key>``).
    title
        The section's heading (an ``<h2>``).
    template_name
        The template that renders the section's body.
    context
        Extra template context for that template.
    """

    key: str
    title: str
    template_name: str
    context: dict[str, Any] = field(default_factory=dict)


SectionProvider = Callable[[HttpRequest, City], "CitySection | None"]
_providers: list[SectionProvider] = []


def register_city_section(provider: SectionProvider) -> SectionProvider:
    """Add ``provider`` (called with the request and the city; returns a section or ``None``)
    to the city page. Registering the same function twice has no effect."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_city_section(provider: SectionProvider) -> None:
    """Remove ``provider`` (for tests)."""
    if provider in _providers:
        _providers.remove(provider)


def city_sections(request: HttpRequest, city: City) -> list[CitySection]:
    """The sections the registered providers give for this city and viewer, in order."""
    sections = []
    for provider in list(_providers):
        section = provider(request, city)
        if section is not None:
            sections.append(section)
    return sections
