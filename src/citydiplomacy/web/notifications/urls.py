from django.urls import URLPattern, path

from citydiplomacy.web.notifications import views

app_name = "notifications"
urlpatterns: list[URLPattern] = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="mark-read"),
    path("preferences/", views.preferences, name="preferences"),
]
