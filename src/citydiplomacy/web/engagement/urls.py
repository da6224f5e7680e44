"""Pages of the multilateral engagement app (mounted at the site root, each with its own
prefix: ``events/``, ``forums/``, ``declarations/``, ``commitments/``)."""

from django.urls import URLPattern, path, register_converter

from citydiplomacy.web.apikit.pagination import MAX_ID
from citydiplomacy.web.engagement import views


class IdConverter:
    """A database id in a path: 1 to :data:`MAX_ID`. A longer number is no match (a 404)
    instead of an integer overflow in the database (a 500)."""

    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"{value} is not an id")
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


register_converter(IdConverter, "engagement_id")

app_name = "engagement"
urlpatterns: list[URLPattern] = [
    path("events/", views.event_list, name="events"),
    path("events/calendar.ics", views.calendar_all, name="calendar"),
    path("events/tags/<slug:slug>/calendar.ics", views.calendar_tag, name="calendar-tag"),
    path(
        "events/cities/<engagement_id:pk>/calendar.ics", views.calendar_city, name="calendar-city"
    ),
    path("events/export.<str:fmt>", views.events_export, name="events-export"),
    path("events/archive/", views.event_archive, name="events-archive"),
    path(
        "events/archive/export.<str:fmt>",
        views.events_archive_export,
        name="events-archive-export",
    ),
    path("events/new/", views.event_new, name="event-new"),
    path("events/<slug:slug>/", views.event_detail, name="event"),
    path("events/<slug:slug>/edit/", views.event_edit, name="event-edit"),
    path("events/<slug:slug>/cancel/", views.event_cancel, name="event-cancel"),
    path("forums/", views.session_list, name="sessions"),
    path("forums/export.<str:fmt>", views.sessions_export, name="sessions-export"),
    path(
        "forums/<engagement_id:pk>/recommendations.<str:fmt>",
        views.recommendations_export,
        name="recommendations-export",
    ),
    path("forums/<engagement_id:pk>/", views.session_detail, name="session"),
    path(
        "forums/recommendations/<engagement_id:pk>/status/",
        views.recommendation_status,
        name="recommendation-status",
    ),
    path("declarations/", views.declaration_list, name="declarations"),
    path("declarations/new/", views.declaration_new, name="declaration-new"),
    path("declarations/export.<str:fmt>", views.declarations_export, name="declarations-export"),
    path("declarations/<slug:slug>/", views.declaration_detail, name="declaration"),
    path("declarations/<slug:slug>/signatures.csv", views.signatures_csv, name="signatures-csv"),
    path(
        "declarations/<slug:slug>/signatories.<str:fmt>",
        views.signatories_export,
        name="signatories-export",
    ),
    path(
        "declarations/<slug:slug>/signatures-by-country.<str:fmt>",
        views.signatures_by_country_export,
        name="signatures-by-country-export",
    ),
    path(
        "declarations/<slug:slug>/signatures-by-region.<str:fmt>",
        views.signatures_by_region_export,
        name="signatures-by-region-export",
    ),
    path(
        "declarations/<slug:slug>/withdrawn-signatures.<str:fmt>",
        views.withdrawn_signatures_export,
        name="withdrawn-signatures-export",
    ),
    path("declarations/<slug:slug>/versions/", views.versions, name="versions"),
    path(
        "declarations/<slug:slug>/versions.<str:fmt>",
        views.versions_export,
        name="versions-export",
    ),
    path("declarations/<slug:slug>/versions/new/", views.version_new, name="version-new"),
    path(
        "declarations/<slug:slug>/versions/<engagement_id:number>.txt",
        views.version_text,
        name="version-text",
    ),
    path("declarations/<slug:slug>/comments/", views.comment, name="comment"),
    path(
        "declarations/<slug:slug>/comments/<engagement_id:pk>/settle/",
        views.comment_settle,
        name="comment-settle",
    ),
    path("declarations/<slug:slug>/adopt/", views.adopt, name="adopt"),
    path("declarations/<slug:slug>/sign/", views.sign, name="sign"),
    path(
        "declarations/<slug:slug>/signatures/<engagement_id:pk>/withdraw/",
        views.withdraw,
        name="withdraw",
    ),
    path("representatives/", views.representatives, name="representatives"),
    path(
        "representatives/export.<str:fmt>",
        views.representatives_export,
        name="representatives-export",
    ),
    path(
        "representatives/<engagement_id:pk>/revoke/",
        views.representative_revoke,
        name="representative-revoke",
    ),
    path("commitments/", views.commitment_list, name="commitments"),
    path("commitments/new/", views.commitment_new, name="commitment-new"),
    path("commitments/export.<str:fmt>", views.commitments_export, name="commitments-export"),
    path("commitments/<engagement_id:pk>/", views.commitment_detail, name="commitment"),
    path(
        "commitments/<engagement_id:pk>/values.<str:fmt>",
        views.commitment_values_export,
        name="commitment-values-export",
    ),
]
