from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        """A secretariat administrator may do everything, the Django admin included
        (``is_staff`` and ``is_superuser``); another role loses both."""
        super().save_model(request, obj, form, change)
        user = obj.user
        admin_role = obj.role == "admin"
        if (user.is_staff, user.is_superuser) != (admin_role, admin_role):
            user.is_staff = user.is_superuser = admin_role
            user.save(update_fields=["is_staff", "is_superuser"])


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "user", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix", "created_at"]
    search_fields = ["name", "user__username"]
