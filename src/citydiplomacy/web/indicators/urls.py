from django.urls import path

from citydiplomacy.web.indicators import data_exports, exports, views, views_profiles

app_name = "indicators"
urlpatterns = [
    # Profiles in the browser (views_profiles)
    path("cities/<int:pk>/profile/", views_profiles.dashboard, name="dashboard"),
    path(
        "cities/<int:pk>/profile/tables/<str:table>.<str:fmt>",
        exports.profile_export,
        name="profile-export",
    ),
    path("compare/", views_profiles.compare, name="compare"),
    path("compare/export.<str:fmt>", exports.compare_export, name="compare-export"),
    path("ranking/", views_profiles.ranking, name="ranking"),
    path("ranking/export.<str:fmt>", exports.ranking_export, name="ranking-export"),
    path("ranking/bundle.zip", exports.cohort_bundle, name="cohort-bundle"),
    # KPI data: submissions, manual entry, verification, history, export (views)
    path("submit/", views.upload, name="upload"),
    path("submit/recent.<str:fmt>", data_exports.recent_export, name="upload-export"),
    path("submit/<int:pk>/", views.submission, name="submission"),
    path(
        "submit/<int:pk>/<str:table>.<str:fmt>",
        data_exports.submission_export,
        name="submission-export",
    ),
    path("cities/<int:pk>/data/", views.city_data, name="city_data"),
    path("cities/<int:pk>/data/entry/", views.entry, name="entry"),
    path("cities/<int:pk>/data/export.<str:fmt>", views.export, name="export"),
    path("cities/<int:pk>/data/verify.<str:fmt>", data_exports.verify_export, name="verify-export"),
    path(
        "cities/<int:pk>/data/template-<str:shape>.<str:fmt>",
        exports.upload_template,
        name="upload-template",
    ),
    path("history/", views.history, name="history"),
    path("history/export.<str:fmt>", exports.history_export, name="history-export"),
]
