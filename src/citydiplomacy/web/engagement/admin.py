"""The secretariat's tools in the Django admin: representatives (granted and revoked here),
events, sessions, declarations. Signatures are read-only: they are given on the platform or
imported, and withdrawn, never edited or deleted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.core.validators import URLValidator
from django.db.models import Field, URLField
from django.http import HttpRequest
from django.utils import timezone

from citydiplomacy.web.engagement import models

#: Links entered in the admin are web pages only, like every link the app stores (the
#: form's own check also lets ftp:// through).
WEB_LINKS: dict[type[Field[Any, Any]], Mapping[str, Any]] = {
    URLField: {"validators": [URLValidator(schemes=["http", "https"])], "assume_scheme": "https"}
}


@admin.register(models.Representative)
class RepresentativeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    formfield_overrides = WEB_LINKS
    list_display = ("user", "city", "title", "capacity", "since", "until", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "city__name", "title")
    raw_id_fields = ("city",)
    readonly_fields = ("authorised_by", "revoked_by", "revoked_at")
    actions = ["revoke"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.authorised_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: signatures keep pointing at the role they used

    @admin.action(description="Revoke the selected representatives")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        queryset.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=request.user
        )


class DeadlineInline(admin.TabularInline):  # type: ignore[type-arg]
    formfield_overrides = WEB_LINKS
    model = models.Deadline
    extra = 0


@admin.register(models.Event)
class EventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    formfield_overrides = WEB_LINKS
    list_display = ("name", "kind", "start_date", "end_date", "place")
    list_filter = ("kind", "tags")
    search_fields = ("name", "place")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("host_city", "cities")
    inlines = [DeadlineInline]


admin.site.register(models.Tag)


class AgendaInline(admin.TabularInline):  # type: ignore[type-arg]
    formfield_overrides = WEB_LINKS
    model = models.AgendaItem
    extra = 0


class SpeakerInline(admin.TabularInline):  # type: ignore[type-arg]
    formfield_overrides = WEB_LINKS
    model = models.Speaker
    extra = 0
    raw_id_fields = ("city",)


class RecommendationInline(admin.StackedInline):  # type: ignore[type-arg]
    formfield_overrides = WEB_LINKS
    model = models.Recommendation
    extra = 0
    readonly_fields = ("status",)  # status changes go through the session page (history)


@admin.register(models.ForumSession)
class ForumSessionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    formfield_overrides = WEB_LINKS
    list_display = ("title", "date", "place")
    raw_id_fields = ("cities",)
    inlines = [AgendaInline, SpeakerInline, RecommendationInline]


@admin.register(models.Declaration)
class DeclarationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    formfield_overrides = WEB_LINKS
    list_display = ("title", "kind", "status", "adopted_on")
    list_filter = ("status", "kind")
    raw_id_fields = ("participants",)
    readonly_fields = ("adopted_by", "created_by")


@admin.register(models.Signature)
class SignatureAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    formfield_overrides = WEB_LINKS
    list_display = ("signer_name", "declaration", "city", "source", "signed_at", "withdrawn_at")
    list_filter = ("source", "declaration")
    search_fields = ("signer_name", "listed_place")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.Commitment)
class CommitmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    formfield_overrides = WEB_LINKS
    list_display = ("title", "city", "measure", "baseline_year", "target_year", "synthetic")
    raw_id_fields = ("city",)
