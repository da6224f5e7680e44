from django.urls import path

from citydiplomacy.web.cities import views

app_name = "cities"
urlpatterns = [
    path("", views.search, name="search"),
    path("autocomplete/", views.autocomplete, name="autocomplete"),
    path("<int:pk>/", views.detail, name="detail"),
]
