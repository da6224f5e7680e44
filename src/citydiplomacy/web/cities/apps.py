from django.apps import AppConfig


class CitiesConfig(AppConfig):
    name = "citydiplomacy.web.cities"
    label = "cities"
    verbose_name = "City registry"
