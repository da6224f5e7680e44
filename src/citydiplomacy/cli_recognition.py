"""``citydiplomacy recognition``: how a multilateral text recognises cities.

``profile FILE`` and ``compare OLD NEW`` work straight on files (PDF, DOCX, HTML, text), like
``score``; ``import`` stores a text in the web platform's database as a version of a
document. :mod:`citydiplomacy.cli` loads them lazily.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from citydiplomacy.cli_common import UserError, output_option, user_errors
from citydiplomacy.io.safe_text import safe_cell

LANG_HELP = "Language (ar, en, es, fr, ru, zh); detected from the text when not given."
LEXICON_HELP = (
    "A lexicon CSV (term, category, lemma, pattern, notes) added to the packaged one; "
    "repeat for several. Also CITYDIPLOMACY_RECOGNITION_LEXICONS (paths separated by ':')."
)
REFERENCE_COLUMNS = (
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
)


def _lexicons(given: tuple[Path, ...]) -> list[Path]:
    import os

    env = os.environ.get("CITYDIPLOMACY_RECOGNITION_LEXICONS", "")
    return [*(Path(p) for p in env.split(os.pathsep) if p), *given]


def _analyse(path: Path, lang: str | None, lexicons: tuple[Path, ...]) -> Any:
    from citydiplomacy.core.recognition import analyse, check_language, detect_language
    from citydiplomacy.io.texts import read_text_file, recogniser

    source = read_text_file(path)
    code = check_language(lang) if lang else detect_language(source.text)
    return source, analyse(source.text, recogniser(code, _lexicons(lexicons)))


def reference_rows(analysis: Any) -> list[dict[str, str]]:
    """One row per reference, with the columns of :data:`REFERENCE_COLUMNS`."""
    rows = []
    for x in analysis.located():
        r = x.reference
        rows.append(
            {
                "paragraph": x.paragraph.number or x.paragraph.key,
                "sub": x.part,
                "key": x.paragraph.key,
                "position": x.paragraph.position,
                "section": x.paragraph.section,
                "term": r.term,
                "category": r.category,
                "code": r.code,
                "cue": r.cue,
                "bracketed": "yes" if r.bracketed else "",
                "lexicon_entry": f"{r.lexicon_term} ({r.lexicon_source})",
            }
        )
    return rows


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


def profile_data(source: Any, analysis: Any) -> dict[str, Any]:
    from citydiplomacy.core.recognition import profile

    p = profile(analysis)
    data = {k: v for k, v in asdict(p).items() if k != "located"}
    data["file"] = source.name
    data["sha256"] = source.sha256
    data["format"] = source.format
    data["references_list"] = reference_rows(analysis)
    return data


@click.group("recognition")
def recognition() -> None:
    """How multilateral texts recognise cities and local governments (six UN languages)."""


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="A table for people, JSON with everything, or CSV with one row per reference.",
)
lang_option = click.option("--lang", default=None, help=LANG_HELP)
lexicon_option = click.option(
    "--lexicon",
    "lexicons",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=LEXICON_HELP,
)


@recognition.command("profile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@lang_option
@lexicon_option
@format_option
@output_option
def profile_command(
    file: Path, lang: str | None, lexicons: tuple[Path, ...], fmt: str, output: Path | None
) -> None:
    """The recognition profile of FILE (PDF, DOCX, HTML or UTF-8 text).

    Counts references to cities and local and regional governments per category and per
    code (actor, place, issue), the paragraphs that mention them and where they stand, and
    quotes the strongest formulation. CSV: one row per reference with the paragraph number
    as printed, the term, its category, code and the cue that decided the code.
    """
    with user_errors():
        source, analysis = _analyse(file, lang, lexicons)
        if fmt == "csv":
            _emit(_csv(reference_rows(analysis), REFERENCE_COLUMNS), output)
            return
        data = profile_data(source, analysis)
        if fmt == "json":
            _emit(json.dumps(data, ensure_ascii=False, indent=2) + "\n", output)
            return
        _emit(_profile_table(data), output)


def _profile_table(d: dict[str, Any]) -> str:
    lines = [
        f"{d['file']} ({d['lang']}, {d['words']:,} words, {d['paragraphs']} paragraphs)",
        "",
        d["summary"],
        "",
        f"references: {d['references']}  ({d['per_10000_words']} per 10,000 words)",
        "by code:     " + ", ".join(f"{k} {v}" for k, v in d["by_code"].items()),
        "by category: " + (", ".join(f"{k} {v}" for k, v in d["by_category"].items()) or "-"),
        "paragraphs:  " + ", ".join(f"{k} {v}" for k, v in d["by_position"].items()),
        "",
    ]
    rows = d["references_list"]
    if rows:
        width = max(len(r["key"] + r["sub"]) for r in rows) + 1
        lines.append(f"{'paragraph':<{width + 1}} {'code':<6} {'category':<22} term  [cue]")
        for r in rows:
            where = f"{r['key']} {r['sub']}".strip()
            mark = " [bracketed]" if r["bracketed"] else ""
            lines.append(
                f"{where:<{width + 1}} {r['code']:<6} {r['category']:<22} {r['term']}  "
                f"[{r['cue']}]{mark}"
            )
    return "\n".join(lines) + "\n"


CHANGE_COLUMNS = (
    "kind",
    "old_paragraph",
    "new_paragraph",
    "similarity",
    "recognition",
    "old_code",
    "new_code",
    "old_references",
    "new_references",
    "note",
    "diff",
)


def change_rows(comparison: Any) -> list[dict[str, Any]]:
    from citydiplomacy.core.textdiff import marked_text

    return [
        {
            "kind": c.kind,
            "old_paragraph": c.old_key or "",
            "new_paragraph": c.new_key or "",
            "similarity": c.similarity,
            "recognition": c.recognition,
            "old_code": c.old_code or "",
            "new_code": c.new_code or "",
            "old_references": c.old_references,
            "new_references": c.new_references,
            "note": c.note,
            "diff": marked_text(c.diff) if c.diff else "",
        }
        for c in comparison.changes
    ]


@recognition.command("compare")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@lang_option
@lexicon_option
@format_option
@click.option("--all", "show_all", is_flag=True, help="Table: list unchanged paragraphs too.")
@output_option
def compare_command(
    old: Path,
    new: Path,
    lang: str | None,
    lexicons: tuple[Path, ...],
    fmt: str,
    show_all: bool,
    output: Path | None,
) -> None:
    """Align the paragraphs of two versions, OLD and NEW, of one text.

    Says which paragraphs were renumbered, moved, merged, split, modified, added or
    removed, and what happened to the recognition of cities in each (gained, lost,
    strengthened: issue or place became actor, weakened), with a word-level diff
    ([-removed-] {+added+}) of each modified paragraph.
    """
    from citydiplomacy.core.recognition import compare, profile

    with user_errors():
        _, a = _analyse(old, lang, lexicons)
        _, b = _analyse(new, lang, lexicons)
        if a.lang != b.lang:
            raise UserError(
                f"{old.name} is {a.lang} and {new.name} is {b.lang}: compare two versions in "
                "one language (or give --lang if the detection is wrong)"
            )
        comparison = compare(a, b)
        rows = change_rows(comparison)
        if fmt == "csv":
            _emit(_csv(rows, CHANGE_COLUMNS), output)
            return
        pa, pb = profile(a), profile(b)
        summary: dict[str, Any] = {
            "old": {"file": str(old), "references": pa.references, "by_code": pa.by_code},
            "new": {"file": str(new), "references": pb.references, "by_code": pb.by_code},
            "changes": comparison.counts(),
            "recognition": comparison.recognition_counts(),
        }
        if fmt == "json":
            _emit(
                json.dumps({**summary, "rows": rows}, ensure_ascii=False, indent=2) + "\n", output
            )
            return
        lines = [
            f"old: {old} ({pa.references} references: "
            + ", ".join(f"{k} {v}" for k, v in pa.by_code.items())
            + ")",
            f"new: {new} ({pb.references} references: "
            + ", ".join(f"{k} {v}" for k, v in pb.by_code.items())
            + ")",
            "paragraphs: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["changes"].items())),
            "recognition: "
            + (", ".join(f"{k} {v}" for k, v in sorted(summary["recognition"].items())) or "-"),
            "",
        ]
        for r in rows:
            if r["kind"] == "unchanged" and r["recognition"] in ("none", "same") and not show_all:
                continue
            pair = f"{r['old_paragraph'] or '-':>10} -> {r['new_paragraph'] or '-':<10}"
            head = f"{r['kind']:<10} {pair}"
            rec = "" if r["recognition"] == "none" else f"  recognition {r['recognition']}"
            lines.append(f"{head}{rec}  {r['note']}".rstrip())
            if r["diff"] and r["recognition"] != "none":
                lines.append("    " + r["diff"].replace("\n", "\n    "))
        _emit("\n".join(lines) + "\n", output)


@recognition.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--symbol", required=True, help="Document symbol, e.g. A/RES/79/1.")
@click.option("--title", default="", help="Title of the document (needed when it is new).")
@click.option(
    "--version", "version_label", required=True, help="Version label: zero draft, rev.1, adopted..."
)
@click.option("--date", "version_date", default=None, help="Date of the version (YYYY-MM-DD).")
@click.option(
    "--stage",
    type=click.Choice(["draft", "adopted"]),
    default="draft",
    show_default=True,
    help="Draft or adopted text.",
)
@lang_option
@click.option("--source-url", default="", help="Where the text comes from (http or https).")
def import_command(
    file: Path,
    symbol: str,
    title: str,
    version_label: str,
    version_date: str | None,
    stage: str,
    lang: str | None,
    source_url: str,
) -> None:
    """Store FILE as a language text of a version of a document in the web database.

    All or nothing: a file that cannot be read, a text in another language, or a version
    that already has a text in that language is refused and nothing is stored.
    """
    import datetime as dt

    from citydiplomacy.cli_web import setup_django

    if source_url and not source_url.startswith(("http://", "https://")):
        raise click.BadParameter("give an http or https address", param_hint="--source-url")
    try:
        when = dt.date.fromisoformat(version_date) if version_date else None
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--date") from None
    setup_django()
    from django.db import DatabaseError, transaction

    from citydiplomacy.web.recognition import services

    with user_errors():
        try:
            with transaction.atomic():
                document = services.document_for(symbol, title)
                version = services.version_for(document, version_label, when, stage)
                text = services.import_text(
                    version, file.read_bytes(), file.name, lang=lang, source_url=source_url
                )
        except DatabaseError as exc:
            raise click.ClickException(
                f"cannot store the text ({exc}); is the database set up? Run "
                "'citydiplomacy manage migrate' (or 'citydiplomacy demo') first"
            ) from None
        click.echo(
            f"imported {file.name} as {document.symbol} {version.label} ({text.lang}): "
            f"{text.references_count} reference(s) in {text.paragraphs.count()} paragraphs; "
            f"text id {text.pk}"
        )
