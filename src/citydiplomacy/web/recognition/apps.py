"""The recognition tracker: how multilateral texts recognise cities (issue 17)."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "citydiplomacy.web.recognition"
    label = "recognition"
    verbose_name = "Recognition tracker"

    def ready(self) -> None:
        """Add the texts negotiated at events in a city to that city's page."""
        from citydiplomacy.web.cities.sections import register_city_section
        from citydiplomacy.web.lazy import LazyCallable

        register_city_section(LazyCallable("citydiplomacy.web.recognition.views.city_section"))

    def load_demo(self, progress: Callable[[str], None]) -> None:
        """Load the UN documents shipped in ``data/recognition/texts`` with their versions."""
        from citydiplomacy.web.recognition import demo

        demo.load_demo(progress)
