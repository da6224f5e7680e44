"""Pages of the recognition tracker. Thin: the work is in :mod:`.services`."""

from __future__ import annotations

import csv
import itertools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from citydiplomacy.errors import CityDiplomacyError
from citydiplomacy.io.safe_text import safe_cell
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.cities.sections import CitySection
from citydiplomacy.web.engagement.models import DeclarationStatus
from citydiplomacy.web.forms import checks_form_text
from citydiplomacy.web.recognition import services, tasks
from citydiplomacy.web.recognition.forms import CompareForm, UploadForm
from citydiplomacy.web.recognition.models import Document, Reference, Text, Version

CSV_COLUMNS = (
    "document",
    "version",
    "lang",
    "paragraph",
    "sub",
    "key",
    "position",
    "section",
    "term",
    "category",
    "code",
    "cue",
    "bracketed",
    "lexicon_entry",
    "source_url",
    "sha256",
)


def listed_documents() -> QuerySet[Document]:
    """The documents list's rows, each with its versions and their texts: the page's and its
    export's one selection."""
    return Document.objects.annotate(n_versions=Count("versions", distinct=True)).prefetch_related(
        Prefetch("versions", queryset=Version.objects.prefetch_related("texts"))
    )


@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "recognition/document_list.html",
        {"documents": listed_documents(), "can_upload": services.can_upload(request.user)},
    )


def document_timeline(
    request: HttpRequest, document: Document
) -> tuple[list[Version], list[str], str, list[dict[str, Any]]]:
    """A document's versions, the languages of its texts, the language asked for
    (``?lang=``, English or the first one by default) and the timeline's rows in that
    language: the page's and its export's one selection."""
    versions = list(document.versions.prefetch_related("texts"))
    langs = sorted({t.lang for v in versions for t in v.texts.all()})
    lang = request.GET.get("lang") or ("en" if "en" in langs else (langs[0] if langs else "en"))
    return versions, langs, lang, services.timeline(document, lang)


@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(Document.objects.select_related("event", "declaration"), pk=pk)
    versions, langs, lang, timeline = document_timeline(request, document)
    pairs = [(a["text"], b["text"]) for a, b in itertools.pairwise(timeline)]
    return render(
        request,
        "recognition/document_detail.html",
        {
            "document": document,
            "versions": versions,
            "langs": langs,
            "lang": lang,
            "timeline": timeline,
            "pairs": pairs,
            "can_upload": services.can_upload(request.user),
        },
    )


def _code_counts(refs: list[Reference]) -> dict[str, int]:
    out = {"actor": 0, "place": 0, "issue": 0}
    for r in refs:
        out[r.code] += 1
    return out


def summary_rows(profile: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The figures of a text's summary table as ``(row, figure, value)``, in the table's
    order, read from the stored profile as the template reads them (``row`` names the
    table's row: references, by_code, by_category, paragraphs); its download's rows."""
    by_code = profile.get("by_code", {})
    by_position = profile.get("by_position", {})
    rows: list[tuple[str, str, Any]] = [
        ("references", "references", profile.get("references", 0)),
        ("references", "per_10000_words", profile.get("per_10000_words", 0)),
    ]
    rows += [("by_code", code, by_code.get(code, 0)) for code in ("actor", "place", "issue")]
    rows += [("by_category", k, v) for k, v in profile.get("by_category", {}).items()]
    rows += [
        ("paragraphs", position, by_position.get(position, 0))
        for position in ("preamble", "operative", "follow-up")
    ]
    return rows


@require_GET
def text_profile(request: HttpRequest, pk: int) -> HttpResponse:
    text = get_object_or_404(Text.objects.select_related("version__document"), pk=pk)
    refs_by_paragraph: dict[int, list[Reference]] = {}
    for r in text.references.all():
        refs_by_paragraph.setdefault(r.paragraph_id, []).append(r)
    only_mentions = request.GET.get("all") != "1"
    rows = []
    for p in text.paragraphs.all():
        refs = refs_by_paragraph.get(p.pk, [])
        if only_mentions and not refs:
            continue
        rows.append({"paragraph": p, "pieces": services.highlighted(p, refs), "refs": refs})
    siblings = text.version.texts.exclude(pk=text.pk)
    return render(
        request,
        "recognition/text_profile.html",
        {
            "text": text,
            "version": text.version,
            "document": text.version.document,
            "profile": text.profile,
            "rows": rows,
            "only_mentions": only_mentions,
            "siblings": siblings,
            "follow_up": text.profile.get("by_position", {}).get("follow-up", 0),
        },
    )


def compared(request: HttpRequest) -> dict[str, Any]:
    """The comparison ``?old=&new=`` asks for (``?all=1``: every paragraph, else the changes):
    the form, the two texts and the table's rows, or ``error`` (the form's, or the
    comparison's message) with nothing else; the page's and its export's one selection."""
    form = CompareForm(request.GET)
    if not form.is_valid():
        return {"form": form, "error": ""}
    old = get_object_or_404(
        Text.objects.select_related("version__document"), pk=form.cleaned_data["old"]
    )
    new = get_object_or_404(
        Text.objects.select_related("version__document"), pk=form.cleaned_data["new"]
    )
    try:
        comparison = services.compare_texts(old, new)
    except CityDiplomacyError as exc:
        return {"form": form, "error": str(exc)}
    show_all = request.GET.get("all") == "1"
    rows = [
        {"change": c, "pieces": c.diff}
        for c in comparison.changes
        if show_all or c.kind != "unchanged" or c.recognition not in ("none", "same")
    ]
    return {
        "form": form,
        "old": old,
        "new": new,
        "rows": rows,
        "counts": sorted(comparison.counts().items()),
        "recognition": sorted(comparison.recognition_counts().items()),
        "show_all": show_all,
    }


@require_GET
def compare_view(request: HttpRequest) -> HttpResponse:
    context = compared(request)
    status = 400 if "rows" not in context else 200
    return render(request, "recognition/compare.html", context, status=status)


def language_table(request: HttpRequest, version: Version) -> dict[str, Any]:
    """A version's paragraphs across its languages as the page shows them (``?all=1``: every
    paragraph that mentions cities, else the disagreements): the page's and its export's one
    selection."""
    langs, rows = services.language_rows(version)
    only_flagged = request.GET.get("all") != "1"
    if only_flagged:
        shown = [r for r in rows if r.flag]
    else:
        shown = [r for r in rows if r.flag or any(r.codes.values())]
    table = [
        {"row": r, "cells": [(lang, r.present[lang], r.codes[lang]) for lang in langs]}
        for r in shown
    ]
    return {
        "version": version,
        "document": version.document,
        "langs": langs,
        "table": table,
        "flagged": sum(1 for r in rows if r.flag),
        "only_flagged": only_flagged,
    }


@require_GET
def languages_view(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(Version.objects.select_related("document"), pk=pk)
    return render(request, "recognition/languages.html", language_table(request, version))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (the project's one guard)."""
    return safe_cell(str(value))


@require_GET
def references_csv(request: HttpRequest, pk: int | None = None) -> StreamingHttpResponse:
    """Every reference (of one text, or of all texts) with paragraph, category, code, cue."""
    refs = Reference.objects.select_related("paragraph", "text__version__document").order_by(
        "text__version__document__symbol",
        "text__version__order",
        "text__lang",
        "paragraph__index",
        "start",
    )
    name = "recognition-references.csv"
    if pk is not None:
        text = get_object_or_404(Text, pk=pk)
        refs = refs.filter(text=text)
        name = f"recognition-{text.pk}-{text.lang}.csv"
    writer = csv.writer(_Echo(), lineterminator="\n")

    def rows() -> Any:
        yield writer.writerow(CSV_COLUMNS)
        for r in refs.iterator(chunk_size=2000):
            t, p = r.text, r.paragraph
            yield writer.writerow(
                [
                    _csv_cell(v)
                    for v in (
                        t.version.document.symbol,
                        t.version.label,
                        t.lang,
                        p.number or p.key,
                        r.part,
                        p.key,
                        p.position,
                        p.section,
                        r.term,
                        r.category,
                        r.code,
                        r.cue,
                        "yes" if r.bracketed else "",
                        r.lexicon_entry,
                        t.source_url,
                        t.sha256,
                    )
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if not services.can_upload(request.user):
        raise PermissionDenied("Only the secretariat and analysts add texts.")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Read by a worker (inline, here, without a broker); nothing is stored if refused.
        token = tasks.start_import(
            request.user, services.upload_fields(form.cleaned_data), upload.read(), upload.name
        )
        found = tasks.state(token) or {}
        if found.get("state") == tasks.FAILED:
            form.add_error("file", found["error"])
        elif found.get("state") == tasks.DONE:
            messages.success(request, found["message"])
            return redirect(found["url"])
        else:
            return redirect("recognition:import", token=token)
    status = 400 if request.method == "POST" else 200
    return render(request, "recognition/upload.html", {"form": form}, status=status)


#: Seconds after which the "being read" page asks again.
REFRESH_SECONDS = 2


@login_required
@require_GET
def import_state(request: HttpRequest, token: str) -> HttpResponse:
    """Where an upload read by a worker stands: being read (202, the page refreshes itself
    without a script), imported (to the text, as an upload read inline goes), or refused (the
    reason). Only the uploader sees it; anyone else, or an unknown token, gets 404."""
    if not services.can_upload(request.user):
        raise PermissionDenied("Only the secretariat and analysts add texts.")
    found = tasks.state(token) if len(token) == 32 else None
    if found is None or found.get("user") != request.user.pk:
        raise Http404("no such import")
    if found["state"] == tasks.DONE:
        messages.success(request, found["message"])
        return redirect(found["url"])
    reading = found["state"] == tasks.READING
    response = render(
        request,
        "recognition/import_state.html",
        {"found": found, "reading": reading, "refresh": REFRESH_SECONDS},
        status=202 if reading else 200,
    )
    response["Cache-Control"] = "no-store"
    if reading:
        response["Retry-After"] = str(REFRESH_SECONDS)
    return response


def city_section(request: HttpRequest, city: City) -> CitySection | None:
    """Texts negotiated at events this city hosted (city page section)."""
    docs = list(
        Document.objects.filter(Q(event__host_city=city) | Q(declaration__event__host_city=city))
        .exclude(Q(event__isnull=True) & Q(declaration__status=DeclarationStatus.DRAFT))
        .select_related("event", "declaration__event")
        .distinct()
        .order_by("symbol")
    )
    if not docs:
        return None
    rows = [
        {"document": d, "event": d.event or (d.declaration.event if d.declaration else None)}
        for d in docs
    ]
    return CitySection(
        "recognition", "Texts negotiated here", "recognition/_city.html", {"rows": rows}
    )
