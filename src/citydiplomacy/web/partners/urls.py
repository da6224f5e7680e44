"""Pages of the partnerships and networks app (mounted at /partners/)."""

from django.urls import URLPattern

app_name = "partners"
urlpatterns: list[URLPattern] = []
