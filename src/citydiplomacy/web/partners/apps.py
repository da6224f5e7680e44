from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "citydiplomacy.web.partners"
    label = "partners"
    verbose_name = "Partnerships and networks"
