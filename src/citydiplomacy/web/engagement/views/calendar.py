"""Pages of the calendar: events, the secretariat's event forms, the iCalendar feeds."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement import forms, ics, services
from citydiplomacy.web.engagement.models import (
    Deadline,
    Event,
    EventKind,
    Tag,
)
from citydiplomacy.web.engagement.views.common import _int, form_messages
from citydiplomacy.web.forms import checks_form_text


def filtered_events(request: HttpRequest) -> dict[str, Any]:
    """The calendar's rows for its filters (``?kind=``, ``?tag=``, ``?city=``, ``?when=``) and
    the filters as taken: the page and its exports both read the list from here, so a
    download equals what the page shows.

    Returns
    -------
    dict
        ``events`` (in the page's order), ``kind``, ``tag`` (a known tag or ``None``),
        ``city`` (a known city or ``None``), ``when`` and ``today``.
    """
    qs = Event.objects.prefetch_related("tags").select_related("host_city", "country")
    kind = request.GET.get("kind", "")
    tag = request.GET.get("tag", "")
    when = request.GET.get("when", "upcoming")
    if when not in ("all", "upcoming", "past"):
        when = "upcoming"
    city_id = _int(request.GET.get("city"))
    today = timezone.localdate()
    if kind in EventKind.values:
        qs = qs.filter(kind=kind)
    else:
        kind = ""
    # Only a tag that exists filters (and gets a feed link): any other text in ?tag= is
    # ignored, so the page never builds a URL from it.
    tag_obj = Tag.objects.filter(slug=tag).first() if tag else None
    if tag_obj is not None:
        qs = qs.filter(tags=tag_obj)
    city = City.objects.filter(pk=city_id).first() if city_id else None
    if city is not None:
        qs = qs.filter(Q(cities=city) | Q(host_city=city)).distinct()
    if when == "upcoming":
        qs = qs.filter(end_date__gte=today)
    elif when == "past":
        qs = qs.filter(end_date__lt=today)
    return {
        "events": list(qs.order_by("start_date", "name")),
        "kind": kind,
        "tag": tag_obj,
        "city": city,
        "when": when,
        "today": today,
    }


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Events with filters (kind, tag, city, when) and links to the calendar feeds."""
    found = filtered_events(request)
    events, tag_obj, city, when, today = (
        found["events"],
        found["tag"],
        found["city"],
        found["when"],
        found["today"],
    )
    # the filters as taken (a known kind, tag and city): the downloads' query
    export_query = urlencode(
        [
            (k, v)
            for k, v in (
                ("kind", found["kind"]),
                ("tag", tag_obj.slug if tag_obj is not None else ""),
                ("city", city.pk if city is not None else ""),
                ("when", when),
            )
            if v
        ]
    )
    return render(
        request,
        "engagement/event_list.html",
        {
            "events": events,
            "kinds": EventKind.choices,
            "tags": Tag.objects.all(),
            "kind": found["kind"],
            "tag": tag_obj.slug if tag_obj is not None else "",
            "when": when,
            "city": city,
            "today": today,
            "export_query": export_query,
            "can_edit": permissions.is_admin(request.user),
            "next_upcoming": services.upcoming_events(today).order_by("start_date").first()
            if when == "upcoming" and not events
            else None,
        },
    )


def archived_events(today: dt.date) -> list[Event]:
    """The archive's rows: events ended before ``today``, the most recent first (the page
    and its exports read them from here)."""
    return list(
        Event.objects.filter(end_date__lt=today)
        .prefetch_related("tags")
        .select_related("host_city", "country")
        .order_by("-start_date", "name")
    )


@require_GET
def event_archive(request: HttpRequest) -> HttpResponse:
    """Past events, the most recent first: the calendar's archive (nothing is deleted)."""
    today = timezone.localdate()
    return render(
        request,
        "engagement/event_archive.html",
        {"events": archived_events(today), "today": today},
    )


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    """The secretariat records an event, with the official source of its dates."""
    if not permissions.is_admin(request.user):
        raise PermissionDenied(_("Only the secretariat maintains the calendar."))
    form = forms.EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(
                request.user, form.event_data(), form.cleaned_data["tags"]
            )
            messages.success(request, _("Event recorded: %(name)s.") % {"name": event.name})
            return redirect(event.get_absolute_url())
        except services.EngagementError as exc:
            for message in exc.messages:
                form.add_error(None, message)
    return render(
        request,
        "engagement/event_form.html",
        {"form": form, "event": None},
        status=400 if form.errors else 200,
    )


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    if not permissions.is_admin(request.user):
        raise PermissionDenied(_("Only the secretariat maintains the calendar."))
    event = get_object_or_404(Event, slug=slug)
    form = forms.EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            # The form's instance is not saved by the form: the service applies the
            # checked facts (one rule for pages, API and tests).
            fresh = Event.objects.get(pk=event.pk)
            services.update_event(request.user, fresh, form.event_data(), form.cleaned_data["tags"])
            messages.success(request, _("Event updated."))
            return redirect(fresh.get_absolute_url())
        except services.EngagementError as exc:
            for message in exc.messages:
                form.add_error(None, message)
    return render(
        request,
        "engagement/event_form.html",
        {"form": form, "event": Event.objects.get(pk=event.pk)},
        status=400 if form.errors else 200,
    )


@checks_form_text
@login_required
@require_POST
def event_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    if not permissions.is_admin(request.user):
        raise PermissionDenied(_("Only the secretariat maintains the calendar."))
    event = get_object_or_404(Event, slug=slug)
    form = forms.CancelEventForm(request.POST)
    if not form.is_valid():
        for message in form_messages(form):
            messages.error(request, message)
        return redirect(event.get_absolute_url() + "#cancel")
    try:
        services.cancel_event(request.user, event, form.cleaned_data["reason"])
        messages.success(request, _("The event is marked as cancelled; it stays in the calendar."))
    except services.EngagementError as exc:
        messages.error(request, str(exc))
    return redirect(event.get_absolute_url())


def negotiated_texts(event: Event, declarations: list[Any]) -> list[Any]:
    """The recognition tracker's texts negotiated at ``event``: those linked to the event, and
    those linked to a declaration of the event that the viewer may read (``declarations``,
    with ``recognition_documents`` prefetched), each once, by symbol.

    Read through the reverse relations of ``recognition.Document`` (its ``event`` and
    ``declaration`` links), so the calendar does not import the recognition app."""
    found = {d.pk: d for d in event.recognition_documents.all()}
    for declaration in declarations:
        found.update((d.pk, d) for d in declaration.recognition_documents.all())
    return sorted(found.values(), key=lambda d: d.symbol)


@require_GET
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(
        Event.objects.select_related("host_city", "country").prefetch_related("tags", "cities"),
        slug=slug,
    )
    declarations = list(
        services.visible_declarations(request.user)
        .filter(event=event)
        .prefetch_related("recognition_documents")
    )
    return render(
        request,
        "engagement/event_detail.html",
        {
            "event": event,
            "deadlines": event.deadlines.all(),
            "sessions": event.sessions.all(),
            "declarations": declarations,
            "texts": negotiated_texts(event, declarations),
            "today": timezone.localdate(),
            "can_edit": permissions.is_admin(request.user),
            "cancel_form": forms.CancelEventForm(),
        },
    )


def _feed(
    request: HttpRequest, name: str, events: Any, deadlines: Any, filename: str
) -> HttpResponse:
    base = request.build_absolute_uri("/").rstrip("/")
    body = ics.calendar(
        name,
        events.prefetch_related("tags").order_by("start_date", "slug"),
        deadlines.select_related("event").order_by("due_date", "pk"),
        base,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def calendar_all(request: HttpRequest) -> HttpResponse:
    """Every event and deadline: ``/events/calendar.ics``."""
    return _feed(
        request,
        "citydiplomacy: multilateral events",
        Event.objects.all(),
        Deadline.objects.all(),
        "calendar.ics",
    )


@require_GET
def calendar_tag(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    return _feed(
        request,
        f"citydiplomacy: {tag.name}",
        Event.objects.filter(tags=tag),
        Deadline.objects.filter(event__tags=tag),
        f"{tag.slug}.ics",
    )


@require_GET
def calendar_city(request: HttpRequest, pk: int) -> HttpResponse:
    """Events the city takes part in (or hosts), with their deadlines."""
    city = get_object_or_404(City, pk=pk)
    events = Event.objects.filter(Q(cities=city) | Q(host_city=city)).distinct()
    return _feed(
        request,
        f"citydiplomacy: {city.name}",
        events,
        Deadline.objects.filter(event__in=events.values("pk")),
        f"city-{city.pk}.ics",
    )
