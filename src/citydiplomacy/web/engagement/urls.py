"""Pages of the multilateral engagement app (mounted at the site root, each with its own
prefix: ``events/``, ``forums/``, ``declarations/``, ``commitments/``)."""

from django.urls import URLPattern, path

from citydiplomacy.web.engagement import views

app_name = "engagement"
urlpatterns: list[URLPattern] = [
    path("events/", views.event_list, name="events"),
    path("events/calendar.ics", views.calendar_all, name="calendar"),
    path("events/tags/<slug:slug>/calendar.ics", views.calendar_tag, name="calendar-tag"),
    path("events/cities/<int:pk>/calendar.ics", views.calendar_city, name="calendar-city"),
    path("events/<slug:slug>/", views.event_detail, name="event"),
    path("forums/", views.session_list, name="sessions"),
    path("forums/<int:pk>/", views.session_detail, name="session"),
    path(
        "forums/recommendations/<int:pk>/status/",
        views.recommendation_status,
        name="recommendation-status",
    ),
    path("declarations/", views.declaration_list, name="declarations"),
    path("declarations/new/", views.declaration_new, name="declaration-new"),
    path("declarations/<slug:slug>/", views.declaration_detail, name="declaration"),
    path("declarations/<slug:slug>/signatures.csv", views.signatures_csv, name="signatures-csv"),
    path("declarations/<slug:slug>/versions/", views.versions, name="versions"),
    path("declarations/<slug:slug>/versions/new/", views.version_new, name="version-new"),
    path(
        "declarations/<slug:slug>/versions/<int:number>.txt",
        views.version_text,
        name="version-text",
    ),
    path("declarations/<slug:slug>/comments/", views.comment, name="comment"),
    path(
        "declarations/<slug:slug>/comments/<int:pk>/settle/",
        views.comment_settle,
        name="comment-settle",
    ),
    path("declarations/<slug:slug>/adopt/", views.adopt, name="adopt"),
    path("declarations/<slug:slug>/sign/", views.sign, name="sign"),
    path(
        "declarations/<slug:slug>/signatures/<int:pk>/withdraw/",
        views.withdraw,
        name="withdraw",
    ),
    path("commitments/", views.commitment_list, name="commitments"),
    path("commitments/new/", views.commitment_new, name="commitment-new"),
    path("commitments/<int:pk>/", views.commitment_detail, name="commitment"),
]
