from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "citydiplomacy.web.indicators"
    label = "indicators"
    verbose_name = "KPI data and profiles"

    def ready(self) -> None:
        """Tell the registry which profile years a viewer may see and which cities have a
        published profile (the registry cannot import this app: it imports the registry)."""
        from citydiplomacy.web.cities import profiles
        from citydiplomacy.web.lazy import LazyCallable

        profiles.register(
            LazyCallable("citydiplomacy.web.indicators.city_profiles.profile_years"),
            LazyCallable("citydiplomacy.web.indicators.city_profiles.has_profile"),
        )
