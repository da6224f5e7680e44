"""Reading texts for the recognition tracker: PDF, DOCX, HTML and plain text."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from citydiplomacy.core.recognition import segment
from citydiplomacy.errors import DataError, ValidationError
from citydiplomacy.io.texts import read_lexicon, read_text, read_text_file, recogniser


def make_pdf(pages: list[list[str]]) -> bytes:
    """A small PDF with a text layer (Helvetica, one text line per item), built by hand."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    objects: list[bytes] = []
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, then per page: page object and content stream
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    for i, lines in enumerate(pages):
        content = (
            "BT /F1 10 Tf 12 TL 56 780 Td "
            + " ".join(f"({esc(line)}) Tj T*" for line in lines)
            + " ET"
        )
        data = content.encode("cp1252")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for k, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % k + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


BODIES = [
    (
        "The General Assembly invites local governments and cities to take part in the",
        "implementation of the Agenda, and encourages Member States to support their",
        "efforts.",
    ),
    (
        "Recognizes the work of the regional commissions on data and statistics, and",
        "welcomes the progress made by the United Nations system in the field of",
        "disaster risk reduc-",
        "tion and early warning.",
    ),
    (
        "Stresses that adaptation finance must be scaled up, in particular for the least",
        "developed countries and small island developing States, including through new",
        "and additional resources.",
    ),
    (
        "Decides to include in the provisional agenda of its eighty-first session the",
        "item entitled \u201cSustainable development\u201d, and requests a report.",
    ),
]


def resolution_pages() -> list[list[str]]:
    """Four pages of a synthetic resolution, with a running head and foot on each."""
    pages = []
    for p, body in enumerate(BODIES, start=1):
        lines = [f"{p}. {body[0]}", *body[1:]]
        pages.append(["A/RES/99/1", *lines, "", f"{p}/4                    24-00001"])
    return pages


def test_pdf_text_layer_without_running_heads_and_page_numbers() -> None:
    data = make_pdf(resolution_pages())
    source = read_text(data, "res.pdf")
    assert source.format == "pdf" and source.pages == 4
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert "A/RES/99/1" not in source.text and "24-00001" not in source.text
    paragraphs = segment(source.text)
    assert [p.number for p in paragraphs] == ["1", "2", "3", "4"]
    assert paragraphs[0].text.endswith("Member States to support their efforts.")
    assert "disaster risk reduction and" in paragraphs[1].text  # line-end hyphen joined
    refs = recogniser("en").references(paragraphs[0].text)
    assert [(r.term, r.code) for r in refs] == [("local governments", "actor"), ("cities", "actor")]


def test_pdf_without_text_layer_is_refused() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DataError, match="no text layer"):
        read_text(buffer.getvalue(), "scan.pdf")


def test_encrypted_pdf_is_refused() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(resolution_pages()))))
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DataError, match="encrypted"):
        read_text(buffer.getvalue(), "locked.pdf")


def test_broken_pdf_and_wrong_extension_are_refused() -> None:
    with pytest.raises(DataError, match="cannot read the PDF"):
        read_text(b"%PDF-1.4\nnot really a pdf", "broken.pdf")
    with pytest.raises(DataError, match="not a PDF file"):
        read_text(b"plain words here, many of them, enough letters", "fake.pdf")


def test_docx_paragraphs() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("The General Assembly,")
    document.add_paragraph("Recalling the New Urban Agenda,")
    document.add_paragraph("1. Invites cities to engage;")
    document.add_paragraph("(a) in the review;")
    buffer = io.BytesIO()
    document.save(buffer)
    source = read_text(buffer.getvalue(), "draft.docx")
    assert source.format == "docx"
    paragraphs = segment(source.text)
    assert [p.key for p in paragraphs] == ["PP1", "PP2", "1"]
    assert [part.label for part in paragraphs[2].parts] == ["", "(a)"]


def test_html_blocks_and_ordered_lists() -> None:
    html = b"""<!doctype html><html><head><style>p{}</style><script>var cities=1;</script></head>
    <body><nav>Menu cities</nav><h2>Preamble</h2><p>Recalling the role of cities,</p>
    <ol><li>Invites local authorities to act;</li><li>Decides to remain seized.</li></ol>
    </body></html>"""
    source = read_text(html, "page.html")
    assert source.format == "html"
    assert "Menu" not in source.text and "var cities" not in source.text
    paragraphs = segment(source.text)
    assert [(p.key, p.section) for p in paragraphs] == [
        ("PP1", "Preamble"),
        ("1", "Preamble"),
        ("2", "Preamble"),
    ]


def test_plain_text_must_be_utf8_and_nonempty(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="must be UTF-8"):
        read_text("Les villes et les collectivités".encode("latin-1"), "fr.txt")
    with pytest.raises(DataError, match="empty"):
        read_text(b"  \n", "empty.txt")
    path = tmp_path / "t.txt"
    path.write_bytes("\ufeff1. Invites cities to engage.".encode())
    assert read_text_file(path).text.startswith("1. Invites")
    with pytest.raises(DataError, match="cannot read"):
        read_text_file(tmp_path / "missing.txt")


def test_user_lexicon_extends_the_packaged_one(tmp_path: Path) -> None:
    extra = tmp_path / "mine.csv"
    extra.write_text("term,category,lemma,pattern,notes\nborough,town,,,London usage\n")
    plain = recogniser("en").references("The borough council met.")
    extended = recogniser("en", [extra]).references("The borough council met.")
    assert plain == [] and [r.category for r in extended] == ["town"]
    bad = tmp_path / "bad.csv"
    bad.write_text("word,kind\nx,y\n")
    with pytest.raises(ValidationError, match="missing column"):
        read_lexicon(bad)


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_forms_table_is_up_to_date_and_gives_what_simplemma_gives(lang: str) -> None:
    """The shipped forms table equals a fresh build from the lexicon and simplemma, and the
    references found with it equal those found with simplemma on real texts."""
    import csv as csv_module

    from citydiplomacy.core.recognition import Recogniser, analyse
    from citydiplomacy.core.recognition.normalise import normalise
    from citydiplomacy.io.texts import TEXTS_DIR, build_forms, load_lexicon, read_forms

    assert read_forms(lang) == build_forms(lang), "run citydiplomacy.io.texts.write_forms()"
    with_forms = Recogniser(lang, load_lexicon(lang), read_forms(lang))
    with_simplemma = Recogniser(lang, load_lexicon(lang))
    texts = [p.read_text(encoding="utf-8") for p in sorted(TEXTS_DIR.rglob(f"*.{lang}.txt"))]
    with (TEXTS_DIR / "sdg_texts.csv").open(encoding="utf-8") as fh:
        texts.append(
            "\n\n".join(
                normalise(r["text"]) for r in csv_module.DictReader(fh) if r["lang"] == lang
            )
        )
    for text in texts:
        a, b = analyse(text, with_forms), analyse(text, with_simplemma)
        assert a.references == b.references
