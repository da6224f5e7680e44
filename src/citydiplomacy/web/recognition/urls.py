"""Pages of the recognition tracker, under ``recognition/``."""

from django.urls import URLPattern, path, register_converter

from citydiplomacy.web.engagement.urls import IdConverter
from citydiplomacy.web.recognition import exports, views

register_converter(IdConverter, "recognition_id")

app_name = "recognition"
urlpatterns: list[URLPattern] = [
    path("recognition/", views.document_list, name="documents"),
    path("recognition/export.<str:fmt>", exports.documents_export, name="documents-export"),
    path("recognition/upload/", views.upload, name="upload"),
    path("recognition/imports/<slug:token>/", views.import_state, name="import"),
    path("recognition/compare/", views.compare_view, name="compare"),
    path("recognition/compare/export.<str:fmt>", exports.compare_export, name="compare-export"),
    path("recognition/references.csv", views.references_csv, name="references-csv"),
    path("recognition/documents/<recognition_id:pk>/", views.document_detail, name="document"),
    path(
        "recognition/documents/<recognition_id:pk>/timeline.<str:fmt>",
        exports.timeline_export,
        name="timeline-export",
    ),
    path("recognition/texts/<recognition_id:pk>/", views.text_profile, name="text"),
    path(
        "recognition/texts/<recognition_id:pk>/references.csv",
        views.references_csv,
        name="text-csv",
    ),
    path(
        "recognition/texts/<recognition_id:pk>/summary.<str:fmt>",
        exports.summary_export,
        name="summary-export",
    ),
    path(
        "recognition/versions/<recognition_id:pk>/languages/",
        views.languages_view,
        name="languages",
    ),
    path(
        "recognition/versions/<recognition_id:pk>/languages.<str:fmt>",
        exports.languages_export,
        name="languages-export",
    ),
]
