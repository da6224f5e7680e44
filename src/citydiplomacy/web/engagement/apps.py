from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "citydiplomacy.web.engagement"
    label = "engagement"
    verbose_name = "Multilateral engagement"
