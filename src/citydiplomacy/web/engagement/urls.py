"""Pages of the multilateral engagement app (mounted at /engagement/)."""

from django.urls import URLPattern

app_name = "engagement"
urlpatterns: list[URLPattern] = []
