"""Pages of declarations: the list, the public page, drafting (versions, comments) and adoption."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydiplomacy.core import textdiff
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.fields import city_form
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement import forms, services
from citydiplomacy.web.engagement.models import (
    CommentKind,
    CommentStatus,
    Declaration,
    DeclarationComment,
    DeclarationKind,
    DeclarationVersion,
    Signature,
)
from citydiplomacy.web.engagement.views import table_exports
from citydiplomacy.web.engagement.views.common import _declaration, _id, _int, form_messages
from citydiplomacy.web.forms import checks_form_text, field_errors

#: Signatures per page of a declaration's public page.
PAGE_SIZE = 50


def listed_declarations(request: HttpRequest) -> QuerySet[Declaration]:
    """The declaration list's rows for this viewer (drafts only to their readers), in the
    page's order: the page and its exports both read the list from here."""
    return services.visible_declarations(request.user).select_related("event")


@require_GET
def declaration_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "engagement/declaration_list.html",
        {
            "declarations": listed_declarations(request),
            "can_create": services.can_draft(request.user),
        },
    )


def live_signatures(declaration: Declaration) -> QuerySet[Signature]:
    """The signatories table of a declaration's page (live signatures, in its order): the
    page and its export read it from here."""
    return (
        Signature.objects.filter(declaration=declaration, withdrawn_at__isnull=True)
        .select_related("city", "country")
        .order_by("signer_name", "pk")
    )


@require_GET
def declaration_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The public page: text, counts by country and region, signatures by page."""
    d = _declaration(request, slug)
    stats = services.signature_stats(d)
    page = Paginator(live_signatures(d), PAGE_SIZE).get_page(request.GET.get("page"))
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
            # The recognition tracker's texts of this declaration (read through the reverse
            # link of recognition.Document, so engagement does not import that app).
            "texts": list(d.recognition_documents.order_by("symbol")),
        },
    )


@require_GET
def versions(request: HttpRequest, slug: str) -> HttpResponse:
    """Every version, and the readable difference between any two of them."""
    d = _declaration(request, slug)
    all_versions = list(d.versions.select_related("created_by").order_by("number"))
    for v in all_versions:
        v.author_shown = table_exports.version_author(v, request.user)  # type: ignore[attr-defined]
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
            error = _("Choose two of the versions %(numbers)s.") % {
                "numbers": ", ".join(map(str, numbers))
            }
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


@require_GET
def version_text(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """One version's text as plain text (for copying into an amendment)."""
    d = _declaration(request, slug)
    v = get_object_or_404(DeclarationVersion, declaration=d, number=number)
    return HttpResponse(v.text, content_type="text/plain; charset=utf-8")


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def declaration_new(request: HttpRequest) -> HttpResponse:
    """A new draft. Each problem is shown at its field (a title too long, a control
    character in the text...); nothing is written until every field is right."""
    if not services.can_draft(request.user):
        raise PermissionDenied(_("Only the secretariat creates declarations."))
    values = {"title": "", "summary": "", "text": "", "kind": DeclarationKind.DECLARATION}
    errors: list[str] = []
    problems: dict[str, list[str]] = {}
    posted = request.POST if request.method == "POST" else None
    cities_picker = city_form(
        posted,
        name="cities_text",
        label=_("Participating cities (one a line, by name; optional)"),
        required=False,
        many=True,
    )
    if posted is not None:
        values = {k: posted.get(k, "").strip() for k in values}
        form = forms.DeclarationForm(posted)
        form.is_valid()
        problems = field_errors(form)
        # The city picker's list: names one a line ("Lyon FR"), each resolved or reported;
        # text it could not store is refused before the picker looks it up.
        participants: list[City] = []
        picker_problems = forms.picker_text_errors(posted, "cities_text")
        if not picker_problems and cities_picker.is_valid():
            ids = cities_picker.cleaned_data["cities_text"]
            found = City.objects.in_bulk(ids)
            participants = [found[i] for i in ids if i in found]
        elif not picker_problems:
            picker_problems = [str(m) for m in cities_picker.errors.get("cities_text", [])]
        if picker_problems:
            problems["cities_text"] = picker_problems
        labels = {
            "title": _("Title"),
            "kind": _("Kind"),
            "summary": _("Summary"),
            "text": _("Text of version 1"),
            "cities_text": _("Participating cities"),
        }
        problems = {
            k: [f"{labels.get(k, k.capitalize())}: {m}" for m in v] for k, v in problems.items()
        }
        if not problems:
            try:
                d = services.create_declaration(
                    request.user,
                    slug=services.declaration_slug(form.cleaned_data["title"]),
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    summary=form.cleaned_data["summary"],
                    kind=form.cleaned_data["kind"],
                    participants=participants,
                )
                messages.success(request, _("Draft created (version 1)."))
                return redirect(d.get_absolute_url())
            except services.EngagementError as exc:
                errors.extend(exc.messages)
    return render(
        request,
        "engagement/declaration_form.html",
        {
            "form": values,
            "errors": errors,
            "field_errors": problems,
            "kinds": DeclarationKind.choices,
            "cities_picker": cities_picker,
            "limits": {
                "title": getattr(forms.DeclarationForm.base_fields["title"], "max_length", None),
                "summary": forms.SUMMARY_MAX_LENGTH,
                "text": forms.DECLARATION_TEXT_MAX_LENGTH,
            },
        },
        status=400 if errors or problems else 200,
    )


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def version_new(request: HttpRequest, slug: str) -> HttpResponse:
    d = _declaration(request, slug)
    if not services.can_draft(request.user, d):
        raise PermissionDenied(_("Only the secretariat edits a draft declaration."))
    current = d.current_version()
    text = current.text if current else ""
    note = ""
    errors: list[str] = []
    problems: dict[str, list[str]] = {}
    if request.method == "POST":
        text = request.POST.get("text", "")
        note = request.POST.get("note", "")
        form = forms.VersionForm(request.POST)
        if form.is_valid():
            try:
                v = services.add_version(
                    request.user, d, form.cleaned_data["text"], form.cleaned_data["note"]
                )
                messages.success(request, _("Version %(number)s saved.") % {"number": v.number})
                return redirect(reverse("engagement:versions", args=[d.slug]))
            except services.EngagementError as exc:
                errors.extend(exc.messages)
        problems = field_errors(form)
    return render(
        request,
        "engagement/version_form.html",
        {
            "declaration": d,
            "text": text,
            "note": note,
            "errors": errors,
            "field_errors": problems,
            "current": current,
            "text_limit": forms.DECLARATION_TEXT_MAX_LENGTH,
        },
        status=400 if errors or problems else 200,
    )


@checks_form_text
@login_required
@require_POST
def comment(request: HttpRequest, slug: str) -> HttpResponse:
    """A comment or amendment, from the form on the declaration's page: a problem is shown
    there as a message naming its field; nothing is recorded."""
    d = _declaration(request, slug)
    city = City.objects.filter(pk=_id(request.POST.get("city"))).first()
    if city is None:
        messages.error(request, _("Choose the city on whose behalf you comment."))
        return redirect(d.get_absolute_url() + "#comments")
    form = forms.CommentForm(request.POST)
    data = {"kind": "", "text": "", "original": "", "proposed": ""}
    if form.is_valid():
        data = {k: form.cleaned_data[k] for k in data}
    elif city in services.comment_cities(request.user, d):
        for message in form_messages(form):
            messages.error(request, message)
        return redirect(d.get_absolute_url() + "#comments")
    # (anyone who may not comment for the city is refused by the service, whatever they sent)
    try:
        services.add_comment(request.user, d, city, **data)
        messages.success(request, _("Thank you: your contribution is recorded."))
    except services.EngagementError as exc:
        for message in exc.messages:
            messages.error(request, message)
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
                request,
                _("Amendment accepted and written into version %(number)s.")
                % {"number": merged.number},
            )
        elif c.kind == CommentKind.AMENDMENT and c.status == CommentStatus.ACCEPTED:
            messages.warning(
                request,
                _(
                    "Amendment accepted. Its passage is no longer found exactly once in the "
                    "current version: write it in by hand with a new version."
                ),
            )
        else:
            messages.success(request, _("Comment updated."))
    except services.EngagementError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(d.get_absolute_url() + "#comments")


@login_required
@require_POST
def adopt(request: HttpRequest, slug: str) -> HttpResponse:
    d = _declaration(request, slug)
    try:
        services.adopt(request.user, d)
        messages.success(request, _("Adopted: the declaration is public and open for signature."))
    except services.EngagementError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(d.get_absolute_url())
