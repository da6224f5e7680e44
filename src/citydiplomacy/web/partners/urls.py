"""Pages of the partnerships and networks app (mounted at /partners/)."""

from django.urls import path

from citydiplomacy.web.partners import exports, views

app_name = "partners"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.<str:fmt>", views.export, name="export"),
    path("propose/", views.propose, name="propose"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/export.<str:fmt>", exports.parties_export, name="parties-export"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/activities/add/", views.add_activity, name="add_activity"),
    path("<int:pk>/documents/add/", views.add_document, name="add_document"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("networks/", views.networks, name="networks"),
    path("networks/export.<str:fmt>", exports.networks_export, name="networks-export"),
    path("networks/<slug:slug>/", views.network, name="network"),
    path(
        "networks/<slug:slug>/export.<str:fmt>",
        exports.network_members_export,
        name="network-export",
    ),
    path("networks/<slug:slug>/members/add/", views.add_membership, name="add_membership"),
    path("cities/<int:pk>/", views.city_ties, name="city"),
    path("cities/<int:pk>/export.<str:fmt>", exports.city_ties_export, name="city-export"),
    path("suggest/", views.suggest, name="suggest"),
    path("suggest/export.<str:fmt>", exports.suggestions_export, name="suggest-export"),
    path("suggest/evidence.<str:fmt>", exports.evidence_export, name="suggest-evidence-export"),
    path("analysis/", views.analysis, name="analysis"),
    path("analysis/export.<str:fmt>", exports.analysis_export, name="analysis-export"),
]
