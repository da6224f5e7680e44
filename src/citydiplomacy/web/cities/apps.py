from collections.abc import Callable

from django.apps import AppConfig


class CitiesConfig(AppConfig):
    name = "citydiplomacy.web.cities"
    label = "cities"
    verbose_name = "City registry"

    def load_demo(self, progress: Callable[[str], None]) -> None:
        """Demo step: the open city facts (real data, with their sources)."""
        from citydiplomacy.web.cities.facts import import_open_facts

        import_open_facts(progress=progress)
