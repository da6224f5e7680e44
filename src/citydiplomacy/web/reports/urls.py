"""Pages of the reports app (mounted at /cities/)."""

from django.urls import URLPattern

app_name = "reports"
urlpatterns: list[URLPattern] = []
