from django.urls import URLPattern, path, register_converter

from citydiplomacy.web.notifications import exports, secretariat_views, views


class ShortIdConverter:
    """A database id of at most nine digits: a longer number is no match (a 404) rather
    than an integer overflow in the database (a 500)."""

    regex = "[0-9]{1,9}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))


register_converter(ShortIdConverter, "notification_id")

app_name = "notifications"
urlpatterns: list[URLPattern] = [
    path("", views.inbox, name="inbox"),
    path("export.<str:fmt>", exports.inbox_export, name="inbox-export"),
    path("read/", views.mark_read, name="mark-read"),
    path("preferences/", views.preferences, name="preferences"),
    path(
        "reporting-deadlines/",
        secretariat_views.reporting_deadlines,
        name="reporting-deadlines",
    ),
    path(
        "reporting-deadlines/export.<str:fmt>",
        exports.deadlines_export,
        name="reporting-deadlines-export",
    ),
    path(
        "reporting-deadlines/new/",
        secretariat_views.reporting_deadline_new,
        name="reporting-deadline-new",
    ),
    path(
        "reporting-deadlines/<notification_id:pk>/edit/",
        secretariat_views.reporting_deadline_edit,
        name="reporting-deadline-edit",
    ),
    path(
        "reporting-deadlines/<notification_id:pk>/delete/",
        secretariat_views.reporting_deadline_delete,
        name="reporting-deadline-delete",
    ),
    path(
        "cities-without-editor/",
        secretariat_views.cities_without_editor,
        name="cities-without-editor",
    ),
    path(
        "cities-without-editor/export.<str:fmt>",
        exports.cities_without_editor_export,
        name="cities-without-editor-export",
    ),
    path("cities/<notification_id:city_id>/invite/", secretariat_views.invite, name="invite"),
    path(
        "cities/<notification_id:city_id>/invitations.<str:fmt>",
        exports.invitations_export,
        name="invitations-export",
    ),
    path(
        "invitations/<notification_id:pk>/revoke/",
        secretariat_views.revoke_invitation,
        name="revoke-invitation",
    ),
    path(
        "invitation/<str:token>/",
        secretariat_views.accept_invitation,
        name="accept-invitation",
    ),
]
