from __future__ import annotations

from collections.abc import Callable

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "citydiplomacy.web.partners"
    label = "partners"
    verbose_name = "Partnerships and networks"

    def ready(self) -> None:
        from citydiplomacy.web.cities.sections import register_city_section
        from citydiplomacy.web.lazy import LazyCallable

        # Imported at the first city page, not at every start (networkx, pandas).
        register_city_section(LazyCallable("citydiplomacy.web.partners.views.city_section"))

    def load_demo(self, progress: Callable[[str], None]) -> None:
        """Import the real partnership and network data, then a few DEMO partnerships among
        the demo cities (labelled as demo). Idempotent."""
        from citydiplomacy.web.partners.demo import load_demo

        load_demo(progress)
