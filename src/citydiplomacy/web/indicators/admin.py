"""The secretariat's admin: KPI data are read-only here, so every change goes through the
audited services (pages, uploads, API)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from citydiplomacy.web.indicators.models import (
    KpiValue,
    KpiValueChange,
    Publication,
    ScoreSnapshot,
    Submission,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KpiValue)
class KpiValueAdmin(ReadOnlyAdmin):
    list_display = ["city", "year", "measure", "value", "unit", "status", "synthetic"]
    list_filter = ["status", "synthetic", "year"]
    search_fields = ["city__name", "measure"]
    list_select_related = ["city"]


@admin.register(KpiValueChange)
class KpiValueChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "changed_at",
        "changed_by",
        "city",
        "year",
        "measure",
        "action",
        "old_value",
        "new_value",
        "via",
    ]
    list_filter = ["action", "via"]
    search_fields = ["city__name", "measure"]
    list_select_related = ["city", "changed_by"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "uploaded_by", "uploaded_at", "status", "n_rows"]
    list_filter = ["status"]
    exclude = ["content"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    """Read-only: publishing goes through the city's data page, which re-scores the cohort
    (peer targets come from published profiles)."""

    list_display = ["city", "year", "published_by", "published_at"]
    list_select_related = ["city"]


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["data_version", "computed_at", "n_cities", "seconds"]
