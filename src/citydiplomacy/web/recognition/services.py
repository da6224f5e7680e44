"""The recognition tracker's rules for the web and the command line.

Only :func:`import_text` writes texts, paragraphs and references: it reads the file
(:mod:`citydiplomacy.io.texts`), detects or checks the language, analyses the text
(:mod:`citydiplomacy.core.recognition`) and stores everything in one transaction, so a
refused file (no text layer, encrypted, another language, already imported) leaves nothing
behind. Comparisons and language views are rebuilt from what was stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from citydiplomacy.core.recognition import (
    Analysis,
    analyse,
    check_language,
    compare,
    compare_languages,
    detect_language,
    profile,
)
from citydiplomacy.core.recognition import Paragraph as CoreParagraph
from citydiplomacy.core.recognition import Reference as CoreReference
from citydiplomacy.core.recognition.align import Comparison, LanguageRow
from citydiplomacy.core.recognition.segment import Part
from citydiplomacy.errors import DataError
from citydiplomacy.io.texts import read_text, recogniser
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.recognition.models import Document, Paragraph, Reference, Text, Version

#: Roles that may add documents, versions and texts: the secretariat and analysts.
UPLOAD_ROLES = frozenset({"admin", "analyst"})


def can_upload(user: Any) -> bool:
    """May ``user`` add texts? (secretariat administrators and analysts)."""
    return permissions.role_of(user) in UPLOAD_ROLES


def user_lexicons() -> list[Path]:
    """The lexicon files the settings add to the packaged ones."""
    return [Path(p) for p in getattr(settings, "CITYDIPLOMACY_RECOGNITION_LEXICONS", [])]


def document_for(symbol: str, title: str = "") -> Document:
    """The document with ``symbol``, created (with ``title``) if new."""
    symbol = " ".join(symbol.split())
    if not symbol:
        raise DataError("a document needs a symbol (e.g. A/RES/79/1)")
    doc = Document.objects.filter(symbol=symbol).first()
    if doc is None:
        if not title.strip():
            raise DataError(f"{symbol} is a new document: give its title")
        doc = Document.objects.create(symbol=symbol, title=title.strip())
    return doc


def link_document(document: Document, event: Any = None, declaration: Any = None) -> None:
    """Record where ``document`` was negotiated (a calendar event) and which platform
    declaration it is; ``None`` leaves a link as it is."""
    changed = []
    if event is not None and document.event_id != event.pk:
        document.event = event
        changed.append("event")
    if declaration is not None and document.declaration_id != declaration.pk:
        document.declaration = declaration
        changed.append("declaration")
        if document.event_id is None and declaration.event_id is not None:
            document.event_id = declaration.event_id
            changed.append("event")
    if changed:
        document.save(update_fields=sorted(set(changed)))


def version_for(
    document: Document, label: str, date: dt.date | None = None, stage: str = "draft"
) -> Version:
    """The version ``label`` of ``document``, created at the end of its timeline if new."""
    label = " ".join(label.split())
    if not label:
        raise DataError("a version needs a label (e.g. zero draft, rev.1, adopted)")
    version = document.versions.filter(label=label).first()
    if version is None:
        last = document.versions.order_by("-order").values_list("order", flat=True).first()
        version = Version.objects.create(
            document=document, label=label, date=date, stage=stage, order=(last or 0) + 1
        )
    return version


@transaction.atomic
def import_text(
    version: Version,
    data: bytes,
    filename: str,
    *,
    lang: str | None = None,
    source_url: str = "",
    source_note: str = "",
    user: Any = None,
) -> Text:
    """Read, analyse and store one language text of ``version`` (all or nothing).

    Raises
    ------
    DataError
        The file cannot be read (no text layer, encrypted, not UTF-8, empty), the language
        is not one of the six or cannot be told, or the version already has a text in that
        language.
    """
    source = read_text(data, filename)
    code = check_language(lang) if lang else detect_language(source.text)
    if Text.objects.filter(version=version, lang=code).exists():
        raise DataError(f"{version} already has a {code} text; delete it before importing another")
    analysis = analyse(source.text, recogniser(code, user_lexicons()))
    p = profile(analysis)
    summary = {k: v for k, v in asdict(p).items() if k != "located"}
    text = Text.objects.create(
        version=version,
        lang=code,
        source_url=source_url,
        source_note=source_note[:300],
        filename=Path(filename).name[:255],
        file_format=source.format,
        sha256=source.sha256,
        body=source.text,
        words=analysis.words,
        references_count=p.references,
        profile=summary,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    paragraphs = Paragraph.objects.bulk_create(
        [
            Paragraph(
                text=text,
                index=para.index,
                key=para.key[:120],
                number=para.number[:40],
                section=para.section[:500],
                position=para.position,
                body=para.text,
                parts=[[part.label, part.start, part.end] for part in para.parts],
            )
            for para in analysis.paragraphs
        ]
    )
    Reference.objects.bulk_create(
        [
            Reference(
                text=text,
                paragraph=stored,
                term=r.term[:200],
                category=r.category,
                code=r.code,
                cue=r.cue[:300],
                start=r.start,
                end=r.end,
                part=para.part_at(r.start)[:12],
                bracketed=r.bracketed,
                lexicon_entry=f"{r.lexicon_term} ({r.lexicon_source})"[:300],
            )
            for stored, para, refs in zip(
                paragraphs, analysis.paragraphs, analysis.references, strict=True
            )
            for r in refs
        ]
    )
    return text


def upload_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The upload form's cleaned values as JSON data (for :func:`import_upload` on a worker)."""
    return {
        "document": data["document"].pk if data.get("document") else None,
        "symbol": data.get("symbol") or "",
        "title": data.get("title") or "",
        "version": data["version"],
        "date": data["date"].isoformat() if data.get("date") else None,
        "stage": data.get("stage") or "draft",
        "lang": data.get("lang") or None,
        "source_url": data.get("source_url") or "",
        "event": data["event"].pk if data.get("event") else None,
        "declaration": data["declaration"].pk if data.get("declaration") else None,
    }


@transaction.atomic
def import_upload(fields: dict[str, Any], data: bytes) -> Text:
    """Import an uploaded file for the document and version :func:`upload_fields` names (plus
    ``filename`` and ``user``, the uploader's id): one transaction, so a refused file leaves no
    new document or version behind.

    Raises
    ------
    DataError
        As :func:`import_text`, or when the document, event or declaration chosen was removed
        (or the declaration is a draft) before the file was read.
    """
    from django.contrib.auth import get_user_model

    from citydiplomacy.web.engagement.models import Declaration, DeclarationStatus, Event

    def chosen(model: Any, pk: Any, what: str, query: Any = None) -> Any:
        if pk is None:
            return None
        found = (query if query is not None else model.objects).filter(pk=pk).first()
        if found is None:
            raise DataError(f"the {what} chosen no longer exists")
        return found

    user = get_user_model().objects.filter(pk=int(fields.get("user") or 0)).first()
    document = chosen(Document, fields.get("document"), "document") or document_for(
        fields["symbol"], fields["title"]
    )
    drafts = Declaration.objects.exclude(status=DeclarationStatus.DRAFT)
    link_document(
        document,
        chosen(Event, fields.get("event"), "event"),
        chosen(Declaration, fields.get("declaration"), "declaration", drafts),
    )
    date = dt.date.fromisoformat(fields["date"]) if fields.get("date") else None
    version = version_for(document, fields["version"], date, fields.get("stage") or "draft")
    return import_text(
        version,
        data,
        str(fields["filename"]),
        lang=fields.get("lang") or None,
        source_url=fields.get("source_url") or "",
        user=user,
    )


def to_analysis(text: Text) -> Analysis:
    """The stored text as the engine's :class:`Analysis` (what was found at import time)."""
    paragraphs = list(text.paragraphs.order_by("index"))
    refs: dict[int, list[CoreReference]] = {p.pk: [] for p in paragraphs}
    for r in text.references.order_by("paragraph__index", "start"):
        term, _, source = r.lexicon_entry.rpartition(" (")
        refs[r.paragraph_id].append(
            CoreReference(
                term=r.term,
                category=r.category,
                code=r.code,  # type: ignore[arg-type]
                cue=r.cue,
                start=r.start,
                end=r.end,
                lexicon_term=term,
                lexicon_source=source.rstrip(")"),
                bracketed=r.bracketed,
            )
        )
    core = tuple(
        CoreParagraph(
            index=p.index,
            key=p.key,
            number=p.number,
            section=p.section,
            position=p.position,  # type: ignore[arg-type]
            text=p.body,
            parts=tuple(Part(str(a), int(b), int(c)) for a, b, c in p.parts),
        )
        for p in paragraphs
    )
    return Analysis(text.lang, core, tuple(tuple(refs[p.pk]) for p in paragraphs), text.words)


def compare_texts(old: Text, new: Text) -> Comparison:
    """Paragraph alignment of two stored texts (of one language)."""
    if old.lang != new.lang:
        raise DataError(
            "compare two versions in one language; the language view compares languages"
        )
    return compare(to_analysis(old), to_analysis(new))


def language_rows(version: Version) -> tuple[list[str], list[LanguageRow]]:
    """The version's languages and its paragraphs aligned across them."""
    texts = list(version.texts.order_by("lang"))
    analyses = {t.lang: to_analysis(t) for t in texts}
    return [t.lang for t in texts], compare_languages(analyses)


def timeline(document: Document, lang: str) -> list[dict[str, Any]]:
    """One row per version that has a text in ``lang``: counts and strongest code."""
    rows = []
    for version in document.versions.all():
        text = version.texts.filter(lang=lang).first()
        if text is None:
            continue
        prof = text.profile
        rows.append(
            {
                "version": version,
                "text": text,
                "references": text.references_count,
                "by_code": prof.get("by_code", {}),
                "paragraphs": len(prof.get("paragraphs_mentioning", [])),
                "per_10000_words": prof.get("per_10000_words", 0),
            }
        )
    return rows


def highlighted(paragraph: Paragraph, refs: Sequence[Reference]) -> list[tuple[str, Any]]:
    """The paragraph body as pieces: ``("text", str)`` and ``("ref", Reference)``."""
    pieces: list[tuple[str, Any]] = []
    at = 0
    for r in sorted(refs, key=lambda r: r.start):
        if r.start < at:
            continue
        pieces.append(("text", paragraph.body[at : r.start]))
        pieces.append(("ref", r))
        at = r.end
    pieces.append(("text", paragraph.body[at:]))
    return [p for p in pieces if p[0] == "ref" or p[1]]
