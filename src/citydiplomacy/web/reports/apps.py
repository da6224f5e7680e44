from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "citydiplomacy.web.reports"
    label = "reports"
    verbose_name = "Reports"
