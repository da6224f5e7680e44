"""Pages of the diplomatic capacity app, under /capacity/."""

from django.urls import URLPattern, path, register_converter

from citydiplomacy.web.capacity import table_exports, views, views_modules
from citydiplomacy.web.engagement.urls import IdConverter


class FormatConverter:
    regex = "csv|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdConverter, "capacity_id")
register_converter(FormatConverter, "table_format")

app_name = "capacity"
urlpatterns: list[URLPattern] = [
    path("", views.index, name="index"),
    path(
        "survey-figures.<table_format:fmt>",
        table_exports.figures_export,
        name="figures-export",
    ),
    path("framework/", views.framework, name="framework"),
    path("framework/case.json", views.framework_case, name="framework-case"),
    path("framework.<table_format:fmt>", views.framework_export, name="framework-export"),
    path("framework/import/", views.framework_import, name="framework-import"),
    path("modules/", views_modules.modules, name="modules"),
    path("modules.<table_format:fmt>", views_modules.modules_export, name="modules-export"),
    path("modules/new/", views_modules.module_edit, name="module-new"),
    path("modules/<str:code>/edit/", views_modules.module_edit, name="module-edit"),
    path("me/", views.me, name="me"),
    path("people/<capacity_id:pk>/", views.person, name="person"),
    path(
        "people/<capacity_id:pk>/gaps.<table_format:fmt>",
        table_exports.person_gaps_export,
        name="person-gaps-export",
    ),
    path("people/<capacity_id:pk>/assess/", views.assess, {"rater": "self"}, name="assess"),
    path("people/<capacity_id:pk>/rate/", views.assess, {"rater": "second"}, name="rate"),
    path("cities/<capacity_id:pk>/", views.city, name="city"),
    path(
        "cities/<capacity_id:pk>/gaps.<table_format:fmt>",
        table_exports.city_gaps_export,
        name="city-gaps-export",
    ),
    path(
        "cities/<capacity_id:pk>/surveys.<table_format:fmt>",
        table_exports.city_surveys_export,
        name="city-surveys-export",
    ),
    path("cities/<capacity_id:pk>/survey/", views.city_survey, name="city-survey"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/new/", views.programme_new, name="programme-new"),
    path("programmes/<slug:slug>/", views.programme, name="programme"),
    path("programmes/<slug:slug>/import/", views.programme_import, name="programme-import"),
    path(
        "programmes/<slug:slug>/responses.<table_format:fmt>",
        views.responses_export,
        name="responses-export",
    ),
    path(
        "programmes/<slug:slug>/cohort.<table_format:fmt>",
        views.cohort_export,
        name="cohort-export",
    ),
    path(
        "programmes/<slug:slug>/heat-city.<table_format:fmt>",
        table_exports.heat_export,
        {"by": "city"},
        name="heat-city-export",
    ),
    path(
        "programmes/<slug:slug>/heat-person.<table_format:fmt>",
        table_exports.heat_export,
        {"by": "person"},
        name="heat-person-export",
    ),
    path(
        "programmes/<slug:slug>/change.<table_format:fmt>",
        table_exports.change_export,
        name="change-export",
    ),
    path(
        "programmes/<slug:slug>/participants.<table_format:fmt>",
        table_exports.participants_export,
        name="participants-export",
    ),
    path("programmes/<slug:slug>/sessions-<str:token>.ics", views.feed, name="feed"),
    path("programmes/<slug:slug>/sessions/", views.session_new, name="session-new"),
    path(
        "programmes/<slug:slug>/sessions/<capacity_id:pk>/attendance/",
        views.attendance,
        name="attendance",
    ),
    path("programmes/<slug:slug>/mentoring/", views.mentoring, name="mentoring"),
    path("programmes/<slug:slug>/statement/", views.statement, name="statement"),
    path(
        "programmes/<slug:slug>/participants/<capacity_id:pk>/complete/",
        views.complete,
        name="complete",
    ),
    path(
        "programmes/<slug:slug>/certificates/<capacity_id:pk>.pdf",
        views.certificate,
        name="certificate",
    ),
]
