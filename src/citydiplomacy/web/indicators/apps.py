from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "citydiplomacy.web.indicators"
    label = "indicators"
    verbose_name = "KPI data and profiles"
