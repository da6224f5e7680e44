from django.contrib import admin

from citydiplomacy.web.cities.models import City, Country


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["iso2", "iso3", "name", "continent_name", "region"]
    search_fields = ["iso2", "iso3", "name"]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "country", "population", "id"]
    list_filter = ["country__continent_name"]
    search_fields = ["name", "=id"]
    list_select_related = ["country"]
