from django.urls import path

from citydiplomacy.web.cities import exports, views

app_name = "cities"
urlpatterns = [
    path("", views.search, name="search"),
    path("export.<str:fmt>", exports.search_export, name="search-export"),
    path("autocomplete/", views.autocomplete, name="autocomplete"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/facts.<str:fmt>", exports.facts_export, name="facts-export"),
]
