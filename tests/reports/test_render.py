"""HTML (standalone, accessible), the wheel, languages, and the PDF (text and pixels)."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from PIL import Image

from citydiplomacy.errors import CityDiplomacyError
from citydiplomacy.reports import Report, render_html
from citydiplomacy.reports.i18n import Formatter, available_languages, translations
from tests.reports.conftest import normalise, pdftotext

SECTIONS_EN = (
    "Executive summary",
    "Benchmarking wheel",
    "Results by category",
    "Trends over the years",
    "Peer comparison",
    "Recommendations",
    "Data gaps and data quality",
    "Methodology",
)
SECTIONS_FR = (
    "Synthèse",
    "Roue d'étalonnage",
    "Résultats par catégorie",
    "Comparaison avec les villes pairs",
    "Recommandations",
    "Lacunes et qualité des données",
    "Méthodologie",
)


class Requests(HTMLParser):
    """Everything in a page that would make the browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "link", "object", "embed", "source", "video"):
            self.fetches.append(f"<{tag}> {a}")
        for name in ("src", "srcset", "poster", "data", "background"):
            if a.get(name):
                self.fetches.append(f"{tag}[{name}]={a[name]}")
        if tag in ("image", "use") and (a.get("href") or a.get("xlink:href")):
            self.fetches.append(f"<{tag}> {a}")


def test_html_makes_no_external_request(report_en: Report) -> None:
    html = render_html(report_en, "en")
    parser = Requests()
    parser.feed(html)
    assert parser.fetches == []
    assert "url(" not in html and "@import" not in html
    # Links are for the reader to follow (sources), never loaded.
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("#", "https://", "http://")), href


def test_html_is_accessible(report_en: Report) -> None:
    html = render_html(report_en, "en")
    assert '<html lang="en">' in html
    assert html.count("<svg") == html.count('role="img"') == 2  # wheel and trend chart
    for chart in re.findall(r"<svg.*?</svg>", html, flags=re.S):
        root = ET.fromstring(chart)  # well-formed XML
        ns = "{http://www.w3.org/2000/svg}"
        title, desc = root.find(f"{ns}title"), root.find(f"{ns}desc")
        assert title is not None and title.text and desc is not None and desc.text
        ids = root.attrib["aria-labelledby"].split()
        assert ids == [title.attrib["id"], desc.attrib["id"]]
    # Every band shown as colour also reads as text (B1-B4 and its meaning).
    assert "95% of target or more" in html and ">B4<" in html
    for section in SECTIONS_EN:
        assert f">{section}</h2>" in html


def test_wheel_labels_every_category(report_en: Report) -> None:
    html = render_html(report_en, "en")
    wheel = re.search(r'<svg[^>]*class="wheel".*?</svg>', html, flags=re.S)
    assert wheel is not None
    root = ET.fromstring(wheel.group(0))
    ns = "{http://www.w3.org/2000/svg}"
    paths = root.findall(f"{ns}path")
    categories = [c for d in report_en.dimensions for s in d.subdimensions for c in s.categories]
    # One segment per category, sub-dimension and dimension.
    assert len(paths) == len(categories) + 7 + 3
    texts = "".join(root.itertext())
    for c in categories:
        assert c.name in texts
    desc = root.find(f"{ns}desc")
    assert desc is not None and desc.text is not None
    for c in categories:
        assert c.name in desc.text


def test_synthetic_and_unpublished_are_labelled(report_en: Report) -> None:
    html = render_html(report_en, "en")
    assert "Synthetic demo data." in html
    # Every synthetic value says so in its row (plain text in the Data cell).
    rows = report_en.kpi_rows()
    synthetic = sum(bool(k.synthetic) for k in rows)
    assert synthetic and html.count(", synthetic") == synthetic
    assert "Not published." not in html
    draft = render_html(replace(report_en, unpublished=True, synthetic=False), "en")
    assert "Not published." in draft and "Synthetic demo data." not in draft


def test_data_quality_warnings_give_their_counts(report_en: Report) -> None:
    """The self-reported warning counts the values (it once printed a Python method's repr)."""
    warning = next(w for w in report_en.gaps.warnings if w.kind == "self_reported")
    total = report_en.coverage.values
    expected = {
        "en": f"{warning.count} of {total} values are self-reported",
        "fr": f"{warning.count} valeurs sur {total} sont autodéclarées",
    }
    for lang, text in expected.items():
        html = render_html(report_en, lang)
        assert "built-in method" not in html and " object at 0x" not in html
        assert text in html, lang


def test_french_html_formats_numbers_for_the_locale(report_fr: Report) -> None:
    html = render_html(report_fr, "fr")
    assert '<html lang="fr">' in html
    score = Formatter("fr").number(report_fr.index.score)
    assert "," in score and score in html
    assert "Profil de ville intelligente" in html
    assert report_fr.guidance[0].recommendations[0].text in html.replace("&#39;", "'")


def test_formatter() -> None:
    assert Formatter("en").number(1234.56) == "1,234.6"
    assert Formatter("fr").number(1234.56) == "1\u202f234,6"
    assert Formatter("fr").percent(0.42) == "42\u00a0%"
    assert Formatter("en").percent(0.42) == "42%"
    assert Formatter("en").signed(-1.25) == "−1.2" or Formatter("en").signed(-1.25) == "−1.3"
    assert Formatter("en").number(None) == "–"
    assert Formatter("fr").country("CH") == "Suisse"


def test_every_message_is_in_every_catalogue() -> None:
    """The .po files hold every message of the templates and code, translated, nothing else
    (the catalogues are compiled at load, so a .po is always what runs)."""
    root = Path(str(resources.files("citydiplomacy.reports")))
    extracted = {
        msg
        for _, _, msg, _, _ in extract_from_dir(
            root,
            [("templates/**.j2", "jinja2"), ("*.py", "python")],
            options_map={"templates/**.j2": {"extensions": "jinja2.ext.i18n"}},
            keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
        )
    }
    assert len(extracted) > 100
    for lang in available_languages():
        if lang == "en":
            continue
        with (root / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            catalog = read_po(fh)
        ids = {m.id for m in catalog if m.id}
        assert extracted - ids == set(), f"{lang}: messages missing from the catalogue"
        assert ids - extracted == set(), f"{lang}: obsolete messages in the catalogue"
        for m in catalog:
            if m.id:
                assert m.string and not m.fuzzy, f"{lang}: {m.id!r} is not translated"
                assert sorted(re.findall(r"%\(\w+\)s", m.id)) == sorted(
                    re.findall(r"%\(\w+\)s", str(m.string))
                ), m.id
        t = translations(lang)
        assert t.gettext("Executive summary") != "Executive summary"


def test_unknown_language_is_refused() -> None:
    assert available_languages()[:2] == ["en", "fr"]
    with pytest.raises(CityDiplomacyError, match="no report language 'xx'"):
        translations("xx")


# ------------------------------------------------------------------ PDF
def test_pdf_text_holds_city_sections_and_recommendations(
    pdfs: dict[str, Path], report_en: Report, report_fr: Report
) -> None:
    for lang, report, sections in (
        ("en", report_en, SECTIONS_EN),
        ("fr", report_fr, SECTIONS_FR),
    ):
        text = normalise(pdftotext(pdfs[lang]))
        assert report.city.name in text
        for section in sections:
            assert normalise(section) in text, (lang, section)
        assert report.guidance, "the synthetic city gets recommendations"
        for g in report.guidance:
            for rec in g.recommendations:
                assert normalise(rec.text) in text, (lang, rec.key)
            for p in g.peers:
                assert p.name in text
        label = "Synthetic demo data" if lang == "en" else "Données de démonstration synthétiques"
        assert label in text


def test_pdf_is_a4_tagged_and_no_page_is_blank(pdfs: dict[str, Path], tmp_path: Path) -> None:
    pdf = pdfs["en"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"Tagged:\s+yes", info.stdout)  # PDF/UA-1: a structure tree
    assert "Smart City Profile" in info.stdout  # the document title
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts \(A4\)", info.stdout)
    assert size is not None, info.stdout
    # A4 is 595.28 x 841.89 pt; Chromium rounds the page to whole CSS pixels.
    assert abs(float(size[1]) - 595.28) < 1 and abs(float(size[2]) - 841.89) < 1
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))  # type: ignore[union-attr]
    assert pages >= 8
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == pages
    for path in images:
        grey = Image.open(path).convert("L")
        # The body, without the running header and the page number.
        body = grey.crop((0, grey.height // 10, grey.width, grey.height * 9 // 10))
        dark = body.point(lambda v: 255 if v < 230 else 0).histogram()[255]
        inked = dark / (body.width * body.height)
        assert inked > 0.003, f"{path.name} looks blank ({inked:.3%} inked)"


def test_pdf_uses_one_font_family_without_fallback(pdfs: dict[str, Path]) -> None:
    """Every character of the profile (arrows, band labels, French spacing) is in the
    Liberation fonts: no fallback font is embedded for a stray glyph."""
    for lang in ("en", "fr"):
        out = subprocess.run(
            ["pdffonts", str(pdfs[lang])], capture_output=True, text=True, check=True
        ).stdout
        families = {
            line.split()[0].split("+", 1)[-1].split("-")[0] for line in out.splitlines()[2:]
        }
        assert families and all(f.startswith("Liberation") for f in families), (lang, families)


def pdf_alt_texts(raw: bytes) -> list[str]:
    """The /Alt strings of a PDF's (uncompressed) structure elements, hex or literal."""
    out = []
    for hexa, literal in re.findall(rb"/Alt\s*(?:<([0-9A-Fa-f]+)>|\(((?:\\.|[^\\)])*)\))", raw):
        if hexa:
            out.append(bytes.fromhex(hexa.decode()).decode("utf-16"))
        else:
            out.append(re.sub(rb"\\(.)", rb"\1", literal).decode("latin-1"))
    return out


def test_pdf_structure_tree_has_headings_tables_and_figures_with_alt_text(
    pdfs: dict[str, Path],
) -> None:
    """The tagged PDF's structure (what a screen reader reads): the document's language, the
    section headings, the KPI tables, and the charts as figures with their text."""
    raw = pdfs["en"].read_bytes()
    assert b"/StructTreeRoot" in raw and b"/MarkInfo" in raw
    assert re.search(rb"/Lang\s*\(en\)", raw)
    info = subprocess.run(
        ["pdfinfo", "-struct", str(pdfs["en"])], capture_output=True, text=True, check=True
    ).stdout
    for tag in ("H1", "H2", "H3", "Table", "TH", "TD", "Figure", "L"):
        assert re.search(rf"^\s*{tag}\b", info, re.M), tag
    alts = pdf_alt_texts(raw)
    assert any(a.startswith("Benchmarking wheel of") for a in alts), alts
    assert any("Scores over the years" in a for a in alts), alts


def test_pdf_pages_carry_a_running_header_and_numbers(
    pdfs: dict[str, Path], report_en: Report
) -> None:
    """Every page but the cover is headed with the profile's name; every page is numbered."""

    def page_text(n: int) -> str:
        return subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdfs["en"]), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    header = f"Smart City Profile – {report_en.city.name}, {report_en.year}"
    info = subprocess.run(["pdfinfo", str(pdfs["en"])], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert header not in page_text(1).splitlines()[0]
    for n in (1, 2, pages):
        assert f"Page {n} / {pages}" in page_text(n)
    for n in (2, pages):
        assert page_text(n).lstrip().startswith(header)
