from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "citydiplomacy.web.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # The dashboard shows the download buttons and the top recommendations.
        from citydiplomacy.web.indicators.panels import register_dashboard_panel
        from citydiplomacy.web.lazy import LazyCallable

        # Imported at the first dashboard, not at every start (pandas, the report builder).
        register_dashboard_panel(LazyCallable("citydiplomacy.web.reports.panels.report_panel"))
