"""Pages of the reports app (mounted at /cities/)."""

from django.urls import URLPattern, path

from citydiplomacy.web.reports import views

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path(
        "<int:pk>/profile/report.<str:fmt>",
        views.download,
        name="download",
    ),
]
