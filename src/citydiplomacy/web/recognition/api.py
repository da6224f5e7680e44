"""JSON API of the recognition tracker (mounted on the platform's API at /api/).

Read-only and public (the texts are UN documents): documents with their versions and texts
(``/api/recognition/documents``), one text's profile with every reference
(``/api/recognition/texts/{id}``), and the comparison of two texts
(``/api/recognition/compare?old=&new=``). Texts are added on the upload page or with
``citydiplomacy recognition import``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Schema
from pydantic import Field

from citydiplomacy.core.textdiff import marked_text
from citydiplomacy.web.apikit.auth import OPTIONAL_AUTH, READ_AUTH
from citydiplomacy.web.apikit.errors import error_responses
from citydiplomacy.web.apikit.pagination import MAX_ID, PageMeta, PageParams, paginate
from citydiplomacy.web.recognition import services
from citydiplomacy.web.recognition.models import Document, Text

router = Router(tags=["Recognition tracker"])

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="Database id.")]


class TextBrief(Schema):
    id: int = Field(description="Id of the text (use it with /api/recognition/texts/{id}).")
    lang: str = Field(description="ar, en, es, fr, ru or zh.")
    references: int = Field(description="References to cities and local governments.")
    source_url: str = Field(description="Where the text comes from ('' if unknown).")
    sha256: str = Field(description="SHA-256 of the file the text was read from.")


class VersionOut(Schema):
    id: int = Field(description="Id of the version.")
    label: str = Field(description="zero draft, rev.1, a draft's symbol, adopted ...")
    date: dt.date | None = Field(description="Date of the version, if known.")
    stage: str = Field(description="draft or adopted.")
    texts: list[TextBrief] = Field(description="One text per language.")


class DocumentOut(Schema):
    id: int = Field(description="Id of the document.")
    symbol: str = Field(description="UN document symbol, e.g. A/RES/79/1.")
    title: str = Field(description="Title of the document.")
    description: str = Field(description="What the versions are ('' if nothing to say).")
    event: str | None = Field(description="Slug of the calendar event it was negotiated at.")
    versions: list[VersionOut] = Field(description="In timeline order.")


class DocumentPage(PageMeta):
    results: list[DocumentOut] = Field(description="The documents of this page, by symbol.")


class ReferenceOut(Schema):
    paragraph: str = Field(description="The paragraph number as printed (or its key).")
    sub: str = Field(description="Sub-paragraph label, e.g. (a); '' for the lead.")
    key: str = Field(description="Paragraph key, unique within the text (e.g. 7.2, PP3).")
    position: str = Field(description="preamble, operative or follow-up.")
    term: str = Field(description="The words as written in the text.")
    category: str = Field(description="Lexicon category (city, local_government, ...).")
    code: str = Field(description="actor, place or issue.")
    cue: str = Field(description="The rule that decided the code.")
    bracketed: bool = Field(description="Inside negotiating brackets (a proposal).")


class TextOut(Schema):
    id: int = Field(description="Id of the text.")
    document: str = Field(description="Symbol of the document.")
    version: str = Field(description="Label of the version.")
    lang: str = Field(description="ar, en, es, fr, ru or zh.")
    source_url: str = Field(description="Where the text comes from ('' if unknown).")
    sha256: str = Field(description="SHA-256 of the file the text was read from.")
    words: int = Field(description="Tokens of the text, as the analysis counts them.")
    profile: dict[str, Any] = Field(
        description="Counts by category, code and position, references per 10,000 words, "
        "strongest formulation, plain-language summary."
    )
    references: list[ReferenceOut] = Field(description="Every reference, in text order.")


class ChangeOut(Schema):
    kind: str = Field(
        description="unchanged, renumbered, moved, modified, merged, split, added, removed."
    )
    old_key: str | None = Field(description="Key of the old paragraph (none if added).")
    new_key: str | None = Field(description="Key of the new paragraph (none if removed).")
    similarity: float = Field(description="Word overlap of the pair (Dice), 0 to 1.")
    recognition: str = Field(
        description="gained, lost, strengthened, weakened, same or none (no reference)."
    )
    old_code: str | None = Field(description="Strongest code before (none: no reference).")
    new_code: str | None = Field(description="Strongest code after (none: no reference).")
    diff: str = Field(description="Word diff: [-removed-] {+added+} ('' if unchanged).")
    note: str = Field(description="For merged and split rows: the other paragraph.")


class CompareOut(Schema):
    old: int = Field(description="Id of the older text.")
    new: int = Field(description="Id of the newer text.")
    changes: dict[str, int] = Field(description="Paragraph rows per kind of change.")
    recognition: dict[str, int] = Field(description="Rows per recognition change.")
    rows: list[ChangeOut] = Field(description="One row per paragraph change, in new order.")


class CompareQuery(Schema):
    old: int = Field(ge=1, le=MAX_ID, description="Id of the older text.")
    new: int = Field(ge=1, le=MAX_ID, description="Id of the newer text (same language).")


def _document(d: Document) -> dict[str, Any]:
    return {
        "id": d.pk,
        "symbol": d.symbol,
        "title": d.title,
        "description": d.description,
        "event": d.event.slug if d.event else None,
        "versions": [
            {
                "id": v.pk,
                "label": v.label,
                "date": v.date,
                "stage": v.stage,
                "texts": [
                    {
                        "id": t.pk,
                        "lang": t.lang,
                        "references": t.references_count,
                        "source_url": t.source_url,
                        "sha256": t.sha256,
                    }
                    for t in v.texts.all()
                ],
            }
            for v in d.versions.all()
        ],
    }


def _documents() -> QuerySet[Document]:
    return Document.objects.select_related("event").prefetch_related("versions__texts")


@router.get(
    "/recognition/documents",
    response={200: DocumentPage, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="Documents of the recognition tracker",
)
def list_documents(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    """Documents by symbol, each with its versions and language texts."""
    page = paginate(_documents().order_by("symbol"), params)
    return page.as_dict([_document(d) for d in page.items])


@router.get(
    "/recognition/documents/{document_id}",
    response={200: DocumentOut, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="A document with its versions",
)
def get_document(request: HttpRequest, document_id: Id) -> dict[str, Any]:
    """The document with its versions in timeline order and their language texts."""
    return _document(get_object_or_404(_documents(), pk=document_id))


@router.get(
    "/recognition/texts/{text_id}",
    response={200: TextOut, **error_responses(401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="A text's recognition profile and references",
)
def get_text(request: HttpRequest, text_id: Id) -> dict[str, Any]:
    """The profile found at import time and every reference with its code and cue."""
    text = get_object_or_404(Text.objects.select_related("version__document"), pk=text_id)
    refs = text.references.select_related("paragraph")
    return {
        "id": text.pk,
        "document": text.version.document.symbol,
        "version": text.version.label,
        "lang": text.lang,
        "source_url": text.source_url,
        "sha256": text.sha256,
        "words": text.words,
        "profile": text.profile,
        "references": [
            {
                "paragraph": r.paragraph.number or r.paragraph.key,
                "sub": r.part,
                "key": r.paragraph.key,
                "position": r.paragraph.position,
                "term": r.term,
                "category": r.category,
                "code": r.code,
                "cue": r.cue,
                "bracketed": r.bracketed,
            }
            for r in refs
        ],
    }


@router.get(
    "/recognition/compare",
    response={200: CompareOut, **error_responses(400, 401, 404, 422, 429)},
    auth=READ_AUTH,
    openapi_extra=OPTIONAL_AUTH,
    summary="Compare two versions of a text",
)
def compare(request: HttpRequest, params: Query[CompareQuery]) -> dict[str, Any]:
    """Paragraph alignment (renumbered, moved, merged, split, modified, added, removed) and
    what happened to recognition in each, with word diffs. Both texts must be in one
    language (400 otherwise)."""
    old = get_object_or_404(Text, pk=params.old)
    new = get_object_or_404(Text, pk=params.new)
    comparison = services.compare_texts(old, new)  # another language: a DataError (400)
    return {
        "old": old.pk,
        "new": new.pk,
        "changes": comparison.counts(),
        "recognition": comparison.recognition_counts(),
        "rows": [
            {
                "kind": c.kind,
                "old_key": c.old_key,
                "new_key": c.new_key,
                "similarity": c.similarity,
                "recognition": c.recognition,
                "old_code": c.old_code,
                "new_code": c.new_code,
                "diff": marked_text(c.diff) if c.diff else "",
                "note": c.note,
            }
            for c in comparison.changes
        ],
    }
