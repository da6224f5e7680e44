"""Pages of the engagement app. Thin: the rules live in :mod:`.services`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydiplomacy.core import textdiff
from citydiplomacy.core.commitments import Status
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.api.pagination import MAX_ID
from citydiplomacy.web.cities.fields import city_form
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement import charts, forms, ics, services
from citydiplomacy.web.engagement.models import (
    CommentKind,
    CommentStatus,
    Commitment,
    CommitmentOrigin,
    Deadline,
    Declaration,
    DeclarationComment,
    DeclarationKind,
    DeclarationVersion,
    Event,
    EventKind,
    ForumSession,
    Recommendation,
    RecommendationStatus,
    Representative,
    Signature,
    Tag,
)
from citydiplomacy.web.indicators.charts import fmt_value
from citydiplomacy.web.indicators.services import visible_values

#: Signatures per page of a declaration's public page.
PAGE_SIZE = 50


#: Commitments per page of the commitment list.
COMMITMENT_PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    """A positive id or number from a query string or form, or ``None``.

    Only whole numbers from 1 to :data:`MAX_ID` (the largest id the database holds) are
    taken: a larger one would overflow the database's integer (an error, not "no match")."""
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def _id(value: str | None) -> int:
    """A posted id, or 0 (which matches nothing) when it is missing or not a number."""
    return _int(value) or 0


# ------------------------------------------------------------------------- calendar
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Events with filters (kind, tag, city, when) and links to the calendar feeds."""
    qs = Event.objects.prefetch_related("tags").select_related("host_city")
    kind = request.GET.get("kind", "")
    tag = request.GET.get("tag", "")
    when = request.GET.get("when", "upcoming")
    if when not in ("all", "upcoming", "past"):
        when = "upcoming"
    city_id = _int(request.GET.get("city"))
    today = timezone.localdate()
    if kind in EventKind.values:
        qs = qs.filter(kind=kind)
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
    events = list(qs.order_by("start_date", "name"))
    return render(
        request,
        "engagement/event_list.html",
        {
            "events": events,
            "kinds": EventKind.choices,
            "tags": Tag.objects.all(),
            "kind": kind,
            "tag": tag_obj.slug if tag_obj is not None else "",
            "when": when,
            "city": city,
            "today": today,
            "can_edit": permissions.is_admin(request.user),
            "next_upcoming": services.upcoming_events(today).order_by("start_date").first()
            if when == "upcoming" and not events
            else None,
        },
    )


@require_GET
def event_archive(request: HttpRequest) -> HttpResponse:
    """Past events, the most recent first: the calendar's archive (nothing is deleted)."""
    today = timezone.localdate()
    events = list(
        Event.objects.filter(end_date__lt=today)
        .prefetch_related("tags")
        .select_related("host_city")
        .order_by("-start_date", "name")
    )
    return render(request, "engagement/event_archive.html", {"events": events, "today": today})


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    """The secretariat records an event, with the official source of its dates."""
    if not permissions.is_admin(request.user):
        raise PermissionDenied("Only the secretariat maintains the calendar.")
    form = forms.EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(
                request.user, form.event_data(), form.cleaned_data["tags"]
            )
            messages.success(request, f"Event recorded: {event.name}.")
            return redirect(event.get_absolute_url())
        except services.EngagementError as exc:
            form.add_error(None, str(exc))
    return render(
        request,
        "engagement/event_form.html",
        {"form": form, "event": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    if not permissions.is_admin(request.user):
        raise PermissionDenied("Only the secretariat maintains the calendar.")
    event = get_object_or_404(Event, slug=slug)
    form = forms.EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            # The form's instance is not saved by the form: the service applies the
            # checked facts (one rule for pages, API and tests).
            fresh = Event.objects.get(pk=event.pk)
            services.update_event(request.user, fresh, form.event_data(), form.cleaned_data["tags"])
            messages.success(request, "Event updated.")
            return redirect(fresh.get_absolute_url())
        except services.EngagementError as exc:
            form.add_error(None, str(exc))
    return render(
        request,
        "engagement/event_form.html",
        {"form": form, "event": Event.objects.get(pk=event.pk)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def event_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    if not permissions.is_admin(request.user):
        raise PermissionDenied("Only the secretariat maintains the calendar.")
    event = get_object_or_404(Event, slug=slug)
    form = forms.CancelEventForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason for the cancellation (at most 500 characters).")
        return redirect(event.get_absolute_url() + "#cancel")
    try:
        services.cancel_event(request.user, event, form.cleaned_data["reason"])
        messages.success(request, "The event is marked as cancelled; it stays in the calendar.")
    except services.EngagementError as exc:
        messages.error(request, str(exc))
    return redirect(event.get_absolute_url())


@require_GET
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(
        Event.objects.select_related("host_city", "country").prefetch_related("tags", "cities"),
        slug=slug,
    )
    return render(
        request,
        "engagement/event_detail.html",
        {
            "event": event,
            "deadlines": event.deadlines.all(),
            "sessions": event.sessions.all(),
            "declarations": services.visible_declarations(request.user).filter(event=event),
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


# ------------------------------------------------------------------------- forum sessions
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = ForumSession.objects.select_related("event").prefetch_related("recommendations")
    return render(request, "engagement/session_list.html", {"sessions": sessions})


@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(
        ForumSession.objects.select_related("event").prefetch_related(
            "agenda__speakers",
            "speakers__city",
            "cities",
            Prefetch("recommendations", Recommendation.objects.prefetch_related("history")),
        ),
        pk=pk,
    )
    return render(
        request,
        "engagement/session_detail.html",
        {
            "session": session,
            "statuses": RecommendationStatus.choices,
            "can_update": permissions.is_admin(request.user),
        },
    )


@login_required
@require_POST
def recommendation_status(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(Recommendation, pk=pk)
    try:
        services.set_recommendation_status(
            request.user, rec, request.POST.get("status", ""), request.POST.get("note", "")
        )
        messages.success(request, f"Status recorded: {rec.get_status_display()}.")
    except services.EngagementError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("engagement:session", args=[rec.session_id]) + f"#rec-{rec.pk}")


# ------------------------------------------------------------------------- declarations
def _declaration(request: HttpRequest, slug: str) -> Declaration:
    d = get_object_or_404(Declaration.objects.select_related("event"), slug=slug)
    if not services.can_view(request.user, d):
        # A draft is not public: do not reveal that it exists.
        raise Http404("No such declaration.")
    return d


@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    rows = services.visible_declarations(request.user).select_related("event")
    return render(
        request,
        "engagement/declaration_list.html",
        {"declarations": rows, "can_create": services.can_draft(request.user)},
    )


@require_GET
def declaration_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The public page: text, counts by country and region, signatures by page."""
    d = _declaration(request, slug)
    stats = services.signature_stats(d)
    live = (
        Signature.objects.filter(declaration=d, withdrawn_at__isnull=True)
        .select_related("city", "country")
        .order_by("signer_name", "pk")
    )
    page = Paginator(live, PAGE_SIZE).get_page(request.GET.get("page"))
    withdrawn = list(
        Signature.objects.filter(declaration=d, withdrawn_at__isnull=False)
        .select_related("city", "country")
        .order_by("-withdrawn_at")[:200]
    )
    user: Any = request.user
    rep_city_ids = set(services.current_representations(user).values_list("city_id", flat=True))
    is_admin = permissions.is_admin(user)
    return render(
        request,
        "engagement/declaration_detail.html",
        {
            "declaration": d,
            "version": d.current_version(),
            "commitments": d.commitments.all(),
            "stats": stats,
            "page": page,
            "withdrawn": withdrawn,
            "signable": services.signable_cities(user, d),
            "rep_city_ids": rep_city_ids,
            "is_admin": is_admin,
            "can_draft": services.can_draft(user, d),
            "comment_cities": services.comment_cities(user, d),
            "comments": d.comments.select_related("city", "version", "author")
            if d.is_draft or is_admin
            else DeclarationComment.objects.none(),
            "comment_kinds": CommentKind.choices,
            "comment_statuses": CommentStatus.choices,
            "imports": d.imports.all(),
            "n_versions": d.versions.count(),
        },
    )


@require_GET
def signatures_csv(request: HttpRequest, slug: str) -> HttpResponse:
    d = _declaration(request, slug)
    response = HttpResponse(services.signatures_csv(d), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{d.slug}-signatures.csv"'
    return response


@require_GET
def versions(request: HttpRequest, slug: str) -> HttpResponse:
    """Every version, and the readable difference between any two of them."""
    d = _declaration(request, slug)
    all_versions = list(d.versions.select_related("created_by").order_by("number"))
    numbers = [v.number for v in all_versions]
    a = _int(request.GET.get("a"))
    b = _int(request.GET.get("b"))
    if a is None and len(numbers) >= 2:
        a, b = numbers[-2], numbers[-1]
    diff = None
    error = ""
    if a is not None and b is not None:
        by_number = {v.number: v for v in all_versions}
        if a not in by_number or b not in by_number:
            error = f"Choose two of the versions {', '.join(map(str, numbers))}."
        else:
            pieces = services.version_diff(by_number[a], by_number[b])
            inserted, deleted = textdiff.counts(pieces)
            diff = {
                "a": by_number[a],
                "b": by_number[b],
                "pieces": pieces,
                "inserted": inserted,
                "deleted": deleted,
                "marked": textdiff.marked_text(pieces),
            }
    return render(
        request,
        "engagement/versions.html",
        {
            "declaration": d,
            "versions": all_versions,
            "a": a,
            "b": b,
            "diff": diff,
            "error": error,
            "can_draft": services.can_draft(request.user, d),
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def declaration_new(request: HttpRequest) -> HttpResponse:
    if not services.can_draft(request.user):
        raise PermissionDenied("Only the secretariat creates declarations.")
    form = {"title": "", "summary": "", "text": "", "kind": DeclarationKind.DECLARATION}
    errors: list[str] = []
    cities_picker = city_form(
        request.POST if request.method == "POST" else None,
        name="cities_text",
        label="Participating cities (one a line, by name; optional)",
        required=False,
        many=True,
    )
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        # The city picker's list: names one a line ("Lyon FR"), each resolved or reported.
        participants: list[City] = []
        if cities_picker.is_valid():
            ids = cities_picker.cleaned_data["cities_text"]
            found = City.objects.in_bulk(ids)
            participants = [found[i] for i in ids if i in found]
        problems = list(cities_picker.errors.get("cities_text", []))
        errors += [f"Participating cities: {m}" for m in problems]
        if not form["title"]:
            errors.append("Give the declaration a title.")
        elif len(form["title"]) > 300:
            errors.append(f"Title: at most 300 characters ({len(form['title'])} given).")
        elif Declaration.objects.filter(title__iexact=form["title"]).exists():
            errors.append("A declaration with this title exists already.")
        if form["kind"] not in DeclarationKind.values:
            errors.append("Choose a kind.")
        if not errors:
            try:
                d = services.create_declaration(
                    request.user,
                    slug=services.declaration_slug(form["title"]),
                    title=form["title"],
                    text=form["text"],
                    summary=form["summary"],
                    kind=form["kind"],
                    participants=participants,
                )
                messages.success(request, "Draft created (version 1).")
                return redirect(d.get_absolute_url())
            except services.EngagementError as exc:
                errors.append(str(exc))
    return render(
        request,
        "engagement/declaration_form.html",
        {
            "form": form,
            "errors": errors,
            "kinds": DeclarationKind.choices,
            "cities_picker": cities_picker,
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_new(request: HttpRequest, slug: str) -> HttpResponse:
    d = _declaration(request, slug)
    if not services.can_draft(request.user, d):
        raise PermissionDenied("Only the secretariat edits a draft declaration.")
    current = d.current_version()
    text = current.text if current else ""
    note = ""
    errors: list[str] = []
    if request.method == "POST":
        text = request.POST.get("text", "")
        note = request.POST.get("note", "")
        try:
            v = services.add_version(request.user, d, text, note)
            messages.success(request, f"Version {v.number} saved.")
            return redirect(reverse("engagement:versions", args=[d.slug]))
        except services.EngagementError as exc:
            errors.append(str(exc))
    return render(
        request,
        "engagement/version_form.html",
        {"declaration": d, "text": text, "note": note, "errors": errors, "current": current},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def comment(request: HttpRequest, slug: str) -> HttpResponse:
    d = _declaration(request, slug)
    city = City.objects.filter(pk=_id(request.POST.get("city"))).first()
    if city is None:
        messages.error(request, "Choose the city on whose behalf you comment.")
        return redirect(d.get_absolute_url() + "#comments")
    try:
        services.add_comment(
            request.user,
            d,
            city,
            kind=request.POST.get("kind", ""),
            text=request.POST.get("text", ""),
            original=request.POST.get("original", ""),
            proposed=request.POST.get("proposed", ""),
        )
        messages.success(request, "Thank you: your contribution is recorded.")
    except services.EngagementError as exc:
        messages.error(request, str(exc))
    return redirect(d.get_absolute_url() + "#comments")


@login_required
@require_POST
def comment_settle(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    d = _declaration(request, slug)
    c = get_object_or_404(DeclarationComment, pk=pk, declaration=d)
    try:
        merged = services.settle_comment(request.user, c, request.POST.get("status", ""))
        if merged is not None:
            messages.success(
                request, f"Amendment accepted and written into version {merged.number}."
            )
        elif c.kind == CommentKind.AMENDMENT and c.status == CommentStatus.ACCEPTED:
            messages.warning(
                request,
                "Amendment accepted. Its passage is no longer found exactly once in the "
                "current version: write it in by hand with a new version.",
            )
        else:
            messages.success(request, "Comment updated.")
    except services.EngagementError as exc:
        messages.error(request, str(exc))
    return redirect(d.get_absolute_url() + "#comments")


@login_required
@require_POST
def adopt(request: HttpRequest, slug: str) -> HttpResponse:
    d = _declaration(request, slug)
    try:
        services.adopt(request.user, d)
        messages.success(request, "Adopted: the declaration is public and open for signature.")
    except services.EngagementError as exc:
        messages.error(request, str(exc))
    return redirect(d.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    """Signing in two steps: a confirmation page shows the text version, the city and the
    representative's full name and title (asking for the name when none is on record);
    only the confirmed POST signs, recording that version."""
    d = _declaration(request, slug)
    signer: Any = request.user  # signed in (login_required)
    source = request.POST if request.method == "POST" else request.GET
    city = get_object_or_404(City, pk=_id(source.get("city")))
    rep = services.representation_for(signer, city)
    if rep is None:
        raise PermissionDenied(f"You are not an authorised representative of {city.name}.")
    version = d.current_version()
    if d.status != "adopted" or version is None:
        messages.error(request, "This declaration is not open for signature.")
        return redirect(d.get_absolute_url() + "#signatures")
    needs_name = not services.signer_full_name(signer)
    form = forms.SignForm(
        request.POST if request.method == "POST" else None,
        needs_name=needs_name,
        initial={"city": city.pk, "version": version.number},
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        confirmed = DeclarationVersion.objects.filter(
            declaration=d, number=form.cleaned_data["version"]
        ).first()
        name = (
            f"{form.cleaned_data['first_name'].strip()} {form.cleaned_data['last_name'].strip()}"
            if needs_name
            else services.signer_full_name(signer)
        )
        # The signature records the signer's full name (first and last name may hold 150
        # characters each); one longer than the column is refused here, not by the database.
        limit = Signature._meta.get_field("signer_name").max_length or 0
        if confirmed is None:
            errors.append("Confirm the current version of the text.")
        elif len(name) > limit:
            errors.append(
                f"Your name as a signature would record it is {len(name)} characters long; "
                f"a signature holds at most {limit}. Ask the secretariat to record a shorter "
                "name for your account, then sign again."
            )
        else:
            try:
                with transaction.atomic():
                    if needs_name:
                        signer.first_name = form.cleaned_data["first_name"].strip()
                        signer.last_name = form.cleaned_data["last_name"].strip()
                        signer.save(update_fields=["first_name", "last_name"])
                    s = services.sign(signer, d, city, version=confirmed)
                messages.success(
                    request,
                    f"Signed on behalf of {city.name} by {s.signer_name}, {s.signer_title} "
                    f"(version {confirmed.number}).",
                )
                return redirect(d.get_absolute_url() + "#signatures")
            except services.EngagementError as exc:
                errors.append(str(exc))
    return render(
        request,
        "engagement/sign_confirm.html",
        {
            "declaration": d,
            "version": version,
            "city": city,
            "rep": rep,
            "full_name": services.signer_full_name(signer),
            "form": form,
            "errors": errors,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    d = _declaration(request, slug)
    s = get_object_or_404(Signature, pk=pk, declaration=d)
    try:
        services.withdraw(request.user, s, request.POST.get("reason", ""))
        messages.success(request, "The signature is withdrawn; the withdrawal is recorded.")
    except services.EngagementError as exc:
        messages.error(request, str(exc))
    return redirect(d.get_absolute_url() + "#signatures")


# ------------------------------------------------------------------------- commitments
@require_GET
def commitment_list(request: HttpRequest) -> HttpResponse:
    """Commitments with their progress, filtered by city and status, by pages.

    One query fetches the commitments with the latest KPI value each may be assessed on
    (what the viewer may read); the status filter needs every row's assessment, so the page
    is cut after assessing."""
    qs = Commitment.objects.select_related("city", "city__country", "declaration")
    city_id = _int(request.GET.get("city"))
    if city_id:
        qs = qs.filter(city_id=city_id)
    status = request.GET.get("status", "")
    rows = services.progress_of(request.user, qs.order_by("city__name", "target_year", "pk"))
    if status in Status.__members__.values():
        rows = [(c, p) for c, p in rows if p.status == status]
    else:
        status = ""
    page = Paginator(rows, COMMITMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagement/commitment_list.html",
        {
            "rows": page.object_list,
            "page": page,
            "n_rows": len(rows),
            "statuses": [(s.value, s.label) for s in Status],
            "status": status,
            "city": City.objects.filter(pk=city_id).first() if city_id else None,
            "can_create": permissions.can_edit_any_city(request.user),
        },
    )


@require_GET
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = get_object_or_404(
        Commitment.objects.select_related("city", "declaration", "declaration_commitment"), pk=pk
    )
    path = services.commitment_path(c)
    observations = services.kpi_observations(request.user, c)
    progress = services.progress(request.user, c)
    info = services.measure_info(c.measure) or {"name": c.measure, "unit": "", "direction": 1}
    years = sorted({c.baseline_year, c.target_year, *observations})
    table = [
        {
            "year": y,
            "expected": fmt_value(path.expected_value(y)) if y >= c.baseline_year else "—",
            "value": fmt_value(observations.get(y)),
        }
        for y in years
    ]
    chart = charts.commitment_chart(
        path,
        observations,
        chart_id=f"commitment-{c.pk}",
        title=f"{c.city.name}: {info['name']} against the commitment's path",
        unit=info["unit"],
    )
    # Only values this viewer may read decide the label (an unpublished synthetic series is
    # not mentioned to a reader who cannot see it).
    synthetic_values = (
        visible_values(request.user)
        .filter(city_id=c.city_id, measure=c.measure, synthetic=True)
        .exists()
    )
    return render(
        request,
        "engagement/commitment_detail.html",
        {
            "c": c,
            "progress": progress,
            "info": info,
            "table": table,
            "chart": chart,
            "synthetic_values": synthetic_values,
            "baseline": fmt_value(c.baseline_value),
            "target": fmt_value(c.target_value),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitment_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not permissions.can_edit_any_city(user):
        raise PermissionDenied("Only city editors and the secretariat record commitments.")
    if permissions.is_admin(user):
        cities = City.objects.filter(pk=_id(request.GET.get("city") or request.POST.get("city")))
    else:
        cities = City.objects.filter(pk__in=permissions.editable_city_ids(user))
    cities = cities.select_related("country")
    fields = (
        "city",
        "title",
        "origin",
        "measure",
        "baseline_year",
        "baseline_value",
        "target_year",
        "target_value",
        "network",
        "declaration_commitment",
        "source_url",
    )
    form = {k: request.POST.get(k, request.GET.get(k, "")).strip() for k in fields}
    errors: list[str] = []
    if request.method == "POST":
        city = City.objects.filter(pk=_id(form["city"])).first()
        # Only items of adopted or closed declarations are offered and accepted; another id
        # is refused exactly like an unknown one (a draft's existence is not revealed).
        item = services.adopted_items().filter(pk=_id(form["declaration_commitment"])).first()
        if form["declaration_commitment"] and item is None:
            errors.append("declaration_commitment: expected a commitment of an adopted declaration")
        if city is None:
            errors.append("city: choose the city")
        elif not errors:
            try:
                c = services.record_commitment(
                    user,
                    city,
                    {
                        **form,
                        "declaration": item.declaration if item else None,
                        "declaration_commitment": item,
                    },
                )
                messages.success(request, "Commitment recorded.")
                return redirect(c.get_absolute_url())
            except services.EngagementError as exc:
                errors.extend(str(exc).split("; "))
    return render(
        request,
        "engagement/commitment_form.html",
        {
            "form": form,
            "errors": errors,
            "cities": cities,
            "origins": CommitmentOrigin.choices,
            "items": services.adopted_items(),
            "this_year": dt.date.today().year,
        },
        status=400 if errors else 200,
    )


@require_GET
def version_text(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One version's text as plain text (for copying into an amendment)."""
    d = _declaration(request, slug)
    v = get_object_or_404(DeclarationVersion, declaration=d, number=number)
    return HttpResponse(v.text, content_type="text/plain; charset=utf-8")


# ------------------------------------------------------------------------- representatives
@login_required
@require_http_methods(["GET", "POST"])
def representatives(request: HttpRequest) -> HttpResponse:
    """Who may sign for which city: the secretariat grants and revokes; a city's editors see
    their cities' representatives; nobody else sees the list."""
    user = request.user
    if not services.can_see_representatives(user):
        raise PermissionDenied("The list of representatives is for the secretariat and editors.")
    secretariat = permissions.is_admin(user)
    form = {"username": "", "city": "", "title": "", "capacity": "", "until": ""}
    errors: list[str] = []
    city_picker = city_form(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not secretariat:
            raise PermissionDenied("Only the secretariat authorises representatives of a city.")
        form = {k: request.POST.get(k, "").strip() for k in form}
        person = services.user_named(form["username"])
        if person is None:
            errors.append(f"User: no active account named {form['username']!r}.")
        city = None
        if city_picker.is_valid():  # the city picker: a typed name or a chosen suggestion
            city = City.objects.filter(pk=city_picker.cleaned_data["city"]).first()
        errors += [f"City: {m}" for m in city_picker.errors.get("city", [])]
        until: dt.date | None = None
        if form["until"]:
            try:
                until = dt.date.fromisoformat(form["until"])
            except ValueError:
                errors.append("End of mandate: expected a date as YYYY-MM-DD.")
        if len(form["title"]) > 200 or len(form["capacity"]) > 200:
            errors.append("Title and capacity: at most 200 characters each.")
        if not errors and person is not None and city is not None:
            try:
                rep = services.grant_representative(
                    user, person, city, title=form["title"], capacity=form["capacity"], until=until
                )
                messages.success(
                    request, f"{rep.user} may now sign on behalf of {city.name} as {rep.title}."
                )
                return redirect("engagement:representatives")
            except services.EngagementError as exc:
                errors.append(str(exc))
    listed = Representative.objects.select_related(
        "user", "city", "city__country", "authorised_by", "revoked_by"
    ).order_by("city__name", "-since")
    if not secretariat:
        listed = listed.filter(city_id__in=permissions.editable_city_ids(user))
    show_past = request.GET.get("past") == "1"
    today = timezone.localdate()
    current = Q(revoked_at__isnull=True) & (Q(until__isnull=True) | Q(until__gte=today))
    listed = listed if show_past else listed.filter(current)
    return render(
        request,
        "engagement/representatives.html",
        {
            "representatives": listed,
            "secretariat": secretariat,
            "show_past": show_past,
            "form": form,
            "city_picker": city_picker,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def representative_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    rep = get_object_or_404(Representative.objects.select_related("user", "city"), pk=pk)
    services.revoke_representative(request.user, rep)  # PermissionDenied unless secretariat
    messages.success(
        request,
        f"{rep.user} no longer signs for {rep.city.name}; signatures already given remain.",
    )
    return redirect("engagement:representatives")
