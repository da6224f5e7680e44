"""The diplomatic capacity app: competencies, assessments, gaps, training programmes."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "citydiplomacy.web.capacity"
    label = "capacity"
    verbose_name = "Diplomatic capacity"

    def ready(self) -> None:
        """Add the capacity section (office survey, aggregate gaps) to the city page."""
        from citydiplomacy.web.cities.sections import register_city_section
        from citydiplomacy.web.lazy import LazyCallable

        # Imported at the first city page, not at every start (pandas, SciPy's optimiser).
        register_city_section(LazyCallable("citydiplomacy.web.capacity.views.city_section"))

    def load_demo(self, progress: Callable[[str], None]) -> None:
        """Load the framework and module catalogue, then a labelled SYNTHETIC cohort of
        participants from several demo cities. Idempotent."""
        from citydiplomacy.web.capacity.demo import load_demo

        load_demo(progress)
