"""The secretariat's admin of partnerships and networks."""

from __future__ import annotations

from django.contrib import admin

from citydiplomacy.web.partners.models import (
    Activity,
    Document,
    Membership,
    Network,
    Partnership,
    PartnershipCity,
)


class PartyInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PartnershipCity
    extra = 0
    raw_id_fields = ["city", "confirmed_by"]


class ActivityInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Activity
    extra = 0
    raw_id_fields = ["added_by"]


class DocumentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Document
    extra = 0
    raw_id_fields = ["added_by"]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "kind", "status", "source", "is_demo", "start", "end"]
    list_filter = ["kind", "status", "source", "is_demo"]
    search_fields = ["title", "parties__city__name", "source_ref"]
    raw_id_fields = ["created_by"]
    inlines = [PartyInline, ActivityInline, DocumentInline]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "short_name", "slug", "url"]
    prepopulated_fields = {"slug": ["short_name"]}
    search_fields = ["name", "short_name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["city", "network", "role", "since", "status", "source", "is_demo"]
    list_filter = ["network", "role", "source", "is_demo"]
    search_fields = ["city__name"]
    raw_id_fields = ["city"]
