from django.contrib import admin

from citydiplomacy.web.accounts.models import ApiToken, CityAssignment, Membership


class CityAssignmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CityAssignment
    extra = 1
    autocomplete_fields = ["city"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email"]
    inlines = [CityAssignmentInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "user", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix", "created_at"]
    search_fields = ["name", "user__username"]
