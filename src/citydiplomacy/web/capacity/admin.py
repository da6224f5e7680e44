"""The secretariat grants capacity roles, keeps the module catalogue and the people in the
Django admin. Ratings are not listed there: they are read on the person pages."""

from django.contrib import admin

from citydiplomacy.web.capacity.models import CapacityGrant, Module, Person, Programme


@admin.register(CapacityGrant)
class CapacityGrantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "kind", "city", "granted_at")
    list_filter = ("kind",)
    raw_id_fields = ("user", "city")


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "title", "provider", "format", "hours")
    search_fields = ("code", "title", "provider")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "city", "role", "user", "synthetic")
    raw_id_fields = ("user", "city")
    search_fields = ("name",)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "start_date", "end_date", "synthetic")
    filter_horizontal = ("organisers",)
    raw_id_fields = ("declaration",)
    exclude = ("feed_token",)
