"""The multilateral engagement app: calendar, forum sessions, declarations, commitments."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "citydiplomacy.web.engagement"
    label = "engagement"
    verbose_name = "Multilateral engagement"

    def ready(self) -> None:
        """Add the app's panels to the city dashboard and its section to the city page."""
        from citydiplomacy.web.cities.sections import register_city_section
        from citydiplomacy.web.indicators.panels import register_dashboard_panel
        from citydiplomacy.web.lazy import LazyCallable

        dashboard = "citydiplomacy.web.engagement.dashboard"
        register_dashboard_panel(LazyCallable(f"{dashboard}.deadlines_panel"))
        register_dashboard_panel(LazyCallable(f"{dashboard}.off_track_panel"))
        register_city_section(LazyCallable(f"{dashboard}.city_section"))

    def load_demo(self, progress: Callable[[str], None]) -> None:
        """Seed the sourced events, sessions and declarations, import the real signatory
        lists, and add demo representatives and commitments (on synthetic KPI values)."""
        from citydiplomacy.web.engagement import demo

        for line in demo.load_demo(progress).lines():
            # The unmatched entries, one per line, are on each declaration's page (and in
            # SignatoryImport); the demo's output keeps to the summaries.
            if not line.startswith(("  - ", "  ... and ")):
                progress(line)
