"""Downloads of the recognition tracker's tables, as CSV or XLSX (issue 19, item 2).

* ``recognition/export.csv|xlsx``: the documents list (symbol, title, versions and their
  languages);
* ``recognition/documents/<id>/timeline.csv|xlsx?lang=``: a document's timeline table (the
  references per version, in the language the page shows);
* ``recognition/compare/export.csv|xlsx?old=&new=&all=``: the paragraph-by-paragraph table of
  a comparison (the changes, or every paragraph with ``all=1``), the differences written as
  the page writes them (``[-removed-]``, ``{+added+}``);
* ``recognition/versions/<id>/languages.csv|xlsx?all=``: a version's paragraphs across its
  languages (the disagreements, or every paragraph that mentions cities with ``all=1``);
* ``recognition/texts/<id>/summary.csv|xlsx``: a text's profile summary table (its references,
  by code, by category and by place in the text), one row per figure the table shows.

Each reads the same function as its page (:func:`.views.listed_documents`,
:func:`.views.document_timeline`, :func:`.views.compared`, :func:`.views.language_table`,
:func:`.views.summary_rows`)
and goes through the project's one export path
(:func:`citydiplomacy.web.indicators.exports.table_response`: the spreadsheet guard against
formulas and the shared writer). The references themselves have their CSV already
(``references.csv``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from citydiplomacy.web.indicators.exports import FORMATS, table_response
from citydiplomacy.web.recognition.models import Document, Text, Version
from citydiplomacy.web.recognition.views import (
    compared,
    document_timeline,
    language_table,
    listed_documents,
    summary_rows,
)

#: Columns of the documents export: the documents list's table.
DOCUMENT_COLUMNS = ("symbol", "title", "versions", "versions_and_languages", "page_url")
#: Columns of a document's timeline export: the timeline table of its page.
TIMELINE_COLUMNS = (
    "document",
    "version",
    "date",
    "lang",
    "references",
    "as_actors",
    "as_places",
    "as_an_issue",
    "paragraphs",
    "per_10000_words",
    "text_url",
)

#: Columns of a comparison export: the page's paragraph-by-paragraph table.
CHANGE_COLUMNS = (
    "change",
    "note",
    "old_paragraph",
    "new_paragraph",
    "recognition",
    "old_code",
    "new_code",
    "differences",
)
#: Columns of a text's summary export: the text, then one figure of its summary table per row.
SUMMARY_COLUMNS = ("document", "title", "version", "lang", "row", "figure", "value")
#: What a language cell holds when the paragraph is not in that language (as the page).
ABSENT = "absent"


def documents_frame(documents: Any, base: str) -> pd.DataFrame:
    """The documents list's rows; ``base`` makes the pages' links absolute."""
    records = []
    for d in documents:
        versions = list(d.versions.all())
        records.append(
            (
                d.symbol,
                d.title,
                len(versions),
                "; ".join(
                    f"{v.label} ({', '.join(t.lang for t in v.texts.all())})" for v in versions
                ),
                base + d.get_absolute_url(),
            )
        )
    return pd.DataFrame.from_records(records, columns=list(DOCUMENT_COLUMNS))


def timeline_frame(
    document: Document, lang: str, rows: list[dict[str, Any]], base: str
) -> pd.DataFrame:
    """A document's timeline rows (one per version with a text in ``lang``)."""
    records = [
        (
            document.symbol,
            r["version"].label,
            r["version"].date.isoformat() if r["version"].date else "",
            lang,
            r["references"],
            r["by_code"].get("actor", 0),
            r["by_code"].get("place", 0),
            r["by_code"].get("issue", 0),
            r["paragraphs"],
            r["per_10000_words"],
            base + r["text"].get_absolute_url(),
        )
        for r in rows
    ]
    return pd.DataFrame.from_records(records, columns=list(TIMELINE_COLUMNS))


def changes_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A comparison's rows; the differences as the page writes them: removed words in
    ``[-…-]``, added words in ``{+…+}``."""
    marks = {"delete": "[-{}-]", "insert": "{{+{}+}}"}
    records = [
        (
            c.kind,
            c.note,
            c.old_key,
            c.new_key,
            c.recognition,
            c.old_code,
            c.new_code,
            "".join(marks.get(piece.op, "{}").format(piece.text) for piece in row["pieces"]),
        )
        for row in rows
        for c in (row["change"],)
    ]
    return pd.DataFrame.from_records(records, columns=list(CHANGE_COLUMNS))


def languages_frame(langs: list[str], table: list[dict[str, Any]]) -> pd.DataFrame:
    """A version's language table: per paragraph, the strongest code in each language
    ("" no reference, ``absent`` no such paragraph) and the flag."""
    records = [
        (
            item["row"].key,
            *((code or "") if present else ABSENT for _, present, code in item["cells"]),
            item["row"].flag or "",
        )
        for item in table
    ]
    return pd.DataFrame.from_records(records, columns=["paragraph", *langs, "flag"])


def summary_frame(text: Text) -> pd.DataFrame:
    """A text's profile summary table, one row per figure it shows (``row`` names the
    table's row, ``figure`` the figure within it: the references and their rate, the
    actor / place / issue counts, each category, the preamble / operative / follow-up
    paragraphs)."""
    version = text.version
    document = version.document
    records = [
        (document.symbol, document.title, version.label, text.lang, row, figure, value)
        for row, figure, value in summary_rows(text.profile)
    ]
    return pd.DataFrame.from_records(records, columns=list(SUMMARY_COLUMNS))


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")


@require_GET
def documents_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The documents list, as CSV or XLSX."""
    _check_format(fmt)
    base = request.build_absolute_uri("/").rstrip("/")
    return table_response(documents_frame(listed_documents(), base), fmt, "recognition-documents")


@require_GET
def timeline_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A document's timeline in the page's language (``?lang=``), as CSV or XLSX."""
    _check_format(fmt)
    document = get_object_or_404(Document, pk=pk)
    _, _, lang, rows = document_timeline(request, document)
    base = request.build_absolute_uri("/").rstrip("/")
    return table_response(
        timeline_frame(document, lang, rows, base), fmt, f"recognition-{document.pk}-timeline"
    )


@require_GET
def compare_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """A comparison's paragraph-by-paragraph table (the page's ``?old=&new=&all=``), as CSV
    or XLSX; a comparison the page cannot make is a 400 that says why."""
    _check_format(fmt)
    context = compared(request)
    if "rows" not in context:
        problem = context["error"] or "choose two texts to compare (old and new)"
        return HttpResponse(
            f"Nothing was exported: {problem}",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    name = f"recognition-compare-{context['old'].pk}-{context['new'].pk}"
    return table_response(changes_frame(context["rows"]), fmt, name)


@require_GET
def languages_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A version's paragraphs across its languages (the page's ``?all=``), as CSV or XLSX."""
    _check_format(fmt)
    version = get_object_or_404(Version.objects.select_related("document"), pk=pk)
    context = language_table(request, version)
    frame = languages_frame(context["langs"], context["table"])
    return table_response(frame, fmt, f"recognition-{version.pk}-languages")


@require_GET
def summary_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A text's profile summary table, as CSV or XLSX."""
    _check_format(fmt)
    text = get_object_or_404(Text.objects.select_related("version__document"), pk=pk)
    return table_response(summary_frame(text), fmt, f"recognition-text-{text.pk}-summary")
