"""Read multilateral texts (PDF, DOCX, HTML, plain text) and the recognition lexicons.

:func:`read_text` turns a file's bytes into clean text for
:mod:`citydiplomacy.core.recognition`: PDF pages through :mod:`pypdf` (running headers,
footers, page numbers and line-end hyphenation removed by
:func:`~citydiplomacy.core.recognition.normalise.clean_pages`), DOCX paragraphs through
:mod:`docx` (python-docx), HTML block elements through :mod:`bs4`, and UTF-8 text as it is.
It also gives the SHA-256 of the bytes. A PDF without a text layer (a scan), an encrypted
file, or a file that is none of these gets a :class:`~citydiplomacy.errors.DataError`, and the
caller stores nothing.

:func:`load_lexicon` reads the packaged lexicon of a language
(``data/recognition/lexicons/<lang>.csv``) plus any user lexicons (same columns), and
:func:`recogniser` builds (and caches) the matcher for them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from citydiplomacy.core.recognition.language import check_language
from citydiplomacy.core.recognition.lexicon import COLUMNS, Entry, parse_lexicon
from citydiplomacy.core.recognition.match import Recogniser
from citydiplomacy.core.recognition.normalise import clean_pages, normalise
from citydiplomacy.errors import DataError, Problem, ValidationError
from citydiplomacy.io.limits import UPLOAD_LIMITS, check_zip

LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "recognition" / "lexicons"
#: Inflected forms of the packaged lexicons' lemmas (en, es, fr), see :func:`build_forms`.
FORMS_DIR = LEXICON_DIR.parent / "forms"
#: The shipped corpus (UN documents, see data/SOURCES.md).
TEXTS_DIR = LEXICON_DIR.parent / "texts"
FORM_LANGUAGES = ("en", "es", "fr")
TEXT_FORMATS = ("pdf", "docx", "html", "txt")
#: Upload and import limit: a 600-page resolution compilation is well under this.
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class SourceText:
    """A text read from a file: clean text, its format, page count, and the bytes' SHA-256."""

    text: str
    format: str
    sha256: str
    pages: int
    name: str


def sniff_format(data: bytes, name: str) -> str:
    """``pdf``, ``docx``, ``html`` or ``txt`` from the bytes (and the name's extension)."""
    head = data[:1024].lstrip()
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    lower = head.lower()
    if lower.startswith((b"<!doctype html", b"<html")) or name.lower().endswith((".html", ".htm")):
        return "html"
    if name.lower().endswith((".pdf", ".docx")):
        kind = name.rsplit(".", 1)[-1].upper()
        raise DataError(f"{name}: the file is not a {kind} file (its first bytes say otherwise)")
    return "txt"


def read_text(data: bytes, name: str = "<text>") -> SourceText:
    """The clean text of a document's bytes (see the module docstring)."""
    if len(data) > MAX_BYTES:
        raise DataError(f"{name}: the file is larger than {MAX_BYTES // 1024 // 1024} MB")
    if not data.strip():
        raise DataError(f"{name}: the file is empty")
    fmt = sniff_format(data, name)
    digest = hashlib.sha256(data).hexdigest()
    if fmt == "pdf":
        text, pages = _read_pdf(data, name)
    elif fmt == "docx":
        text, pages = _read_docx(data, name), 0
    elif fmt == "html":
        text, pages = _read_html(data, name), 0
    else:
        text, pages = _decode(data, name), 0
        text = normalise(text)
    if sum(ch.isalpha() for ch in text) < 20:
        raise DataError(f"{name}: the file holds no readable text")
    return SourceText(text, fmt, digest, pages, name)


def read_text_file(path: Path) -> SourceText:
    """:func:`read_text` on a file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror})") from None
    return read_text(data, str(path))


def _decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{name}: a text file must be UTF-8 (byte {exc.start + 1} is not); save it as "
            "UTF-8, or give the PDF, DOCX or HTML file"
        ) from None


def _read_pdf(data: bytes, name: str) -> tuple[str, int]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DataError(
                f"{name}: the PDF is encrypted; give an unprotected copy of the document"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except DataError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"{name}: cannot read the PDF ({exc})") from None
    letters = sum(ch.isalpha() for page in pages for ch in page)
    if letters < 20 * max(1, len(pages)):
        raise DataError(
            f"{name}: the PDF has no text layer (a scan?): {letters} letters on "
            f"{len(pages)} page(s). Run it through OCR, or give the DOCX, HTML or text version"
        )
    return clean_pages(pages), len(pages)


def _read_docx(data: bytes, name: str) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(data, name, UPLOAD_LIMITS, "DOCX")  # no decompression bomb reaches python-docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DataError(f"{name}: cannot read the DOCX file ({exc})") from None
    paragraphs = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" | ".join(cell.text.strip() for cell in row.cells))
    return normalise("\n\n".join(p for p in paragraphs if p))


_HTML_BLOCKS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dd", "dt", "pre")


def _read_html(data: bytes, name: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "template"]):
        tag.decompose()
    blocks: list[str] = []
    for element in soup.find_all(_HTML_BLOCKS):
        if element.find_parent(_HTML_BLOCKS):
            continue  # its text is in the enclosing block
        text = " ".join(element.get_text(" ").split())
        if element.name == "li" and element.parent is not None and element.parent.name == "ol":
            items = element.parent.find_all("li", recursive=False)
            start = int(str(element.parent.get("start") or 1))
            if element.parent.get("type") == "a":
                text = f"({chr(ord('a') + items.index(element))}) {text}"
            else:
                text = f"{start + items.index(element)}. {text}"
        if text:
            blocks.append(text)
    if not blocks:
        body = soup.body or soup
        blocks = [line.strip() for line in body.get_text("\n").splitlines() if line.strip()]
    return normalise("\n\n".join(blocks))


def read_lexicon(path: Path) -> list[Entry]:
    """The entries of a lexicon CSV (columns ``term, category, lemma, pattern, notes``)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read the lexicon ({exc.strerror})") from None
    text = _decode(raw, str(path))
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("term", "category") if c not in header]
    if missing:
        raise ValidationError(
            [
                Problem(
                    path.name,
                    1,
                    0,
                    f"missing column(s) {', '.join(missing)}; a lexicon has the columns "
                    f"{', '.join(COLUMNS)}",
                )
            ]
        )
    rows = (
        (n, {k.strip(): (v or "") for k, v in row.items() if k}) for n, row in enumerate(reader, 2)
    )
    return parse_lexicon(rows, path.name)


def load_lexicon(lang: str, extra: Sequence[Path] = ()) -> list[Entry]:
    """The packaged lexicon of ``lang`` followed by the user's lexicons (``extra``)."""
    lang = check_language(lang)
    entries = read_lexicon(LEXICON_DIR / f"{lang}.csv")
    for path in extra:
        entries.extend(read_lexicon(path))
    return entries


def build_forms(lang: str) -> dict[str, str]:
    """The forms table of ``lang``: every word whose simplemma lemma is a key of the
    packaged lexicon (or which is such a key), with that lemma.

    Built from simplemma's own dictionary, so :class:`Recogniser` gets the same keys from
    the table as from simplemma for every word in the dictionary, without loading it. Words
    outside the dictionary that simplemma's rules would map onto a key are not in it; a
    lexicon term reaches those with a ``pattern`` (as Spanish *subnacionales*). Rebuild
    with :func:`write_forms` after changing a lexicon (a test checks it).
    """
    import re

    from simplemma.strategies.dictionaries.dictionary_factory import (
        _load_dictionary_from_disk,
    )

    r = Recogniser(lang, load_lexicon(lang))  # keys from simplemma itself
    keys = r.keys()
    word = re.compile(r"[^\W_]+")
    candidates: set[str] = set(keys)
    for raw_surface, raw_lemma in _load_dictionary_from_disk(lang).items():
        if raw_lemma.decode("utf-8").lower() in keys:
            text = raw_surface.decode("utf-8").lower()
            if word.fullmatch(text):
                candidates.add(text)
    for entry in r.entries:
        candidates.update(w.lower() for w in word.findall(normalise(entry.term)))
    table: dict[str, str] = {}
    for candidate in candidates:
        key = r.tokeniser.key(candidate)
        if key in keys or candidate in keys:
            table[candidate] = key
    return table


def write_forms() -> None:
    """Rebuild ``data/recognition/forms/<lang>.csv`` for English, Spanish and French."""
    FORMS_DIR.mkdir(exist_ok=True)
    for lang in FORM_LANGUAGES:
        rows = sorted(build_forms(lang).items())
        with (FORMS_DIR / f"{lang}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["surface", "lemma"])
            writer.writerows(rows)


def read_forms(lang: str) -> dict[str, str] | None:
    """The shipped forms table of ``lang``, or ``None`` if there is none."""
    path = FORMS_DIR / f"{lang}.csv"
    if lang not in FORM_LANGUAGES or not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["surface"]: row["lemma"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=12)
def _cached(lang: str, extra: tuple[str, ...], stamps: tuple[float, ...]) -> Recogniser:
    entries = load_lexicon(lang, [Path(p) for p in extra])
    # The forms table covers the packaged lexicon only: user lexicons bring lemmas it may
    # not hold, so they use simplemma itself.
    forms = None if extra else read_forms(lang)
    return Recogniser(lang, entries, forms)


def recogniser(lang: str, extra: Sequence[Path] = ()) -> Recogniser:
    """The matcher of ``lang`` with the packaged and the user's lexicons (cached until a
    lexicon file changes)."""
    lang = check_language(lang)
    paths = tuple(str(p) for p in extra)
    stamps = []
    for p in [LEXICON_DIR / f"{lang}.csv", *map(Path, paths)]:
        try:
            stamps.append(p.stat().st_mtime)
        except OSError as exc:
            raise DataError(f"{p}: cannot read the lexicon ({exc.strerror})") from None
    return _cached(lang, paths, tuple(stamps))
