"""CSV and XLSX downloads of the recognition tracker's tables (issue 19, item 2): the
documents list and a document's timeline (in the language the page shows), equal to the
pages' rows, formulas neutralised, unknown formats a 404."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.test import Client

from citydiplomacy.web.recognition import services
from tests.web.export_checks import (
    HOSTILE,
    assert_guarded,
    assert_no_formula,
    csv_rows,
    xlsx_rows,
)
from tests.web.recognition.test_recognition_web import FR, REV1, ZERO

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "public", "editor", "analyst", "admin"]


@pytest.fixture
def doc(db: Any) -> dict[str, Any]:
    document = services.document_for("A/TEST/1", "Synthetic test resolution (test data)")
    zero = services.version_for(document, "zero draft", dt.date(2025, 1, 1))
    rev1 = services.version_for(document, "rev.1", dt.date(2025, 2, 1))
    t0 = services.import_text(zero, ZERO, "zero.txt", lang="en")
    t1 = services.import_text(rev1, REV1, "rev1.txt")
    tf = services.import_text(rev1, FR, "rev1.fr.txt")
    other = services.document_for("A/TEST/0", "Another synthetic resolution")
    return {"document": document, "other": other, "t0": t0, "t1": t1, "tf": tf}


def client_for(users: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    return client


@pytest.mark.parametrize("who", WHO)
def test_the_documents_export_equals_the_list_for_everyone(
    users: dict[str, Any], doc: dict[str, Any], who: str
) -> None:
    client = client_for(users, who)
    page = client.get("/recognition/").content.decode()
    shown = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', page)
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(client.get(f"/recognition/export.{fmt}"))
        assert [r["symbol"] for r in rows] == shown, fmt
        test1 = next(r for r in rows if r["symbol"] == "A/TEST/1")
        assert int(test1["versions"]) == 2
        assert test1["versions_and_languages"] == "zero draft (en); rev.1 (en, fr)"
        assert test1["page_url"] == f"http://testserver{doc['document'].get_absolute_url()}"
        assert f'href="/recognition/export.{fmt}" download' in page


@pytest.mark.parametrize(("lang", "labels"), [("", ["zero draft", "rev.1"]), ("fr", ["rev.1"])])
def test_the_timeline_export_equals_the_pages_timeline(
    doc: dict[str, Any], lang: str, labels: list[str]
) -> None:
    client = Client()
    url = doc["document"].get_absolute_url()
    query = f"?lang={lang}" if lang else ""
    page = client.get(url + query).content.decode()
    table = page[page.index("<tbody>") : page.index("</tbody>")]
    shown = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', table)
    assert shown == labels
    counts = re.findall(r"</th><td>(\d+)</td>", table)
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        export = f"/recognition/documents/{doc['document'].pk}/timeline.{fmt}"
        rows = read(client.get(export + query))
        assert [r["version"] for r in rows] == shown, fmt
        assert [str(r["references"]) for r in rows] == counts
        assert {r["lang"] for r in rows} == {lang or "en"}
        assert f'href="{export}?lang={lang or "en"}" download' in page
    (rev1,) = csv_rows(
        client.get(f"/recognition/documents/{doc['document'].pk}/timeline.csv?lang=fr")
    )
    assert rev1["date"] == "2025-02-01" and rev1["text_url"].endswith(doc["tf"].get_absolute_url())


def test_unknown_documents_and_formats_are_not_found(doc: dict[str, Any]) -> None:
    client = Client()
    pk = doc["document"].pk
    assert client.get("/recognition/export.pdf").status_code == 404
    assert client.get(f"/recognition/documents/{pk}/timeline.json").status_code == 404
    assert client.get("/recognition/documents/999999/timeline.csv").status_code == 404


def test_document_cells_that_start_like_formulas_are_neutralised(db: Any) -> None:
    titles = {}
    for i, text in enumerate(HOSTILE):
        document = services.document_for(f"EVIL/{i}", text)  # stored stripped of blanks
        services.version_for(document, HOSTILE[(i + 1) % len(HOSTILE)], dt.date(2025, 1, 1))
        titles[document.symbol] = document.title
    client = Client()
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(client.get(f"/recognition/export.{fmt}"))
        for i in range(len(HOSTILE)):
            row = next(r for r in rows if r["symbol"] == f"EVIL/{i}")
            assert_guarded(row["title"], titles[f"EVIL/{i}"])
            assert row["versions_and_languages"].startswith("'")
        assert_no_formula(rows)


def test_a_timeline_version_label_like_a_formula_is_neutralised(db: Any) -> None:
    document = services.document_for("A/TEST/9", "Synthetic")
    version = services.version_for(document, HOSTILE[3], dt.date(2025, 1, 1))
    services.import_text(version, ZERO, "zero.txt", lang="en")
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        (row,) = read(Client().get(f"/recognition/documents/{document.pk}/timeline.{fmt}"))
        assert_guarded(row["version"], HOSTILE[3])
        assert_no_formula([row])


def test_no_documents_no_download_line(db: Any) -> None:
    page = Client().get("/recognition/").content.decode()
    assert "/recognition/export.csv" not in page
    assert csv_rows(Client().get("/recognition/export.csv")) == []


# ------------------------------------------------------------------ comparison and languages
def _table_cells(page: str, table_start: str) -> list[list[str]]:
    """The cells of the body rows of the table that starts with ``table_start``, as text."""
    table = page[page.index(table_start) :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


@pytest.mark.parametrize("show_all", [False, True])
def test_the_comparison_export_equals_the_pages_table(doc: dict[str, Any], show_all: bool) -> None:
    client = Client()
    query = f"?old={doc['t0'].pk}&new={doc['t1'].pk}" + ("&all=1" if show_all else "")
    page = client.get("/recognition/compare/" + query).content.decode()
    cells = _table_cells(page, '<table class="changes">')
    assert cells
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(client.get(f"/recognition/compare/export.{fmt}{query}"))
        assert len(rows) == len(cells), fmt
        for row, shown in zip(rows, cells, strict=True):
            assert shown[0].startswith(row["change"])
            assert (row["old_paragraph"] or "–") == shown[1]
            assert (row["new_paragraph"] or "–") == shown[2]
            assert (row["differences"] or "") == shown[4], fmt  # [-removed-] and {+added+} as shown
        assert any(r["recognition"] == "strengthened" for r in rows)
        link = f'href="/recognition/compare/export.{fmt}{query.replace("&", "&amp;")}" download'
        assert link in page


def test_a_comparison_the_page_cannot_make_exports_nothing(doc: dict[str, Any]) -> None:
    client = Client()
    assert client.get("/recognition/compare/export.csv?old=x&new=1").status_code == 400
    mixed = client.get(f"/recognition/compare/export.csv?old={doc['t1'].pk}&new={doc['tf'].pk}")
    assert mixed.status_code == 400 and b"one language" in mixed.content
    assert (
        client.get(f"/recognition/compare/export.csv?old=2147483647&new={doc['t1'].pk}").status_code
        == 404
    )
    assert (
        client.get(
            f"/recognition/compare/export.pdf?old={doc['t0'].pk}&new={doc['t1'].pk}"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("show_all", [False, True])
def test_the_languages_export_equals_the_pages_table(doc: dict[str, Any], show_all: bool) -> None:
    client = Client()
    query = "?all=1" if show_all else ""
    version = doc["t1"].version
    page = client.get(f"/recognition/versions/{version.pk}/languages/{query}").content.decode()
    cells = [c for c in _table_cells(page, "<table>") if len(c) > 1]
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(client.get(f"/recognition/versions/{version.pk}/languages.{fmt}{query}"))
        assert list(rows[0]) == ["paragraph", "en", "fr", "flag"] if rows else True
        written = [
            [str(r["paragraph"]), r["en"] or "–", r["fr"] or "–", r["flag"] or ""] for r in rows
        ]
        assert written == cells, fmt
    assert cells  # the synthetic texts disagree in some paragraph
    assert client.get(f"/recognition/versions/{version.pk}/languages.json").status_code == 404
    assert client.get("/recognition/versions/999999/languages.csv").status_code == 404


def test_comparison_differences_that_start_like_formulas_are_neutralised(db: Any) -> None:
    document = services.document_for("A/TEST/8", "Synthetic")
    old = services.version_for(document, "zero draft", dt.date(2025, 1, 1))
    new = services.version_for(document, "rev.1", dt.date(2025, 2, 1))
    recalling = b"Recalling the New Urban Agenda,"
    before = ZERO.replace(recalling, b'=HYPERLINK("http://evil.example","x") recalls cities,')
    after = ZERO.replace(recalling, b'=HYPERLINK("http://evil.example","x") recalls mayors,')
    t_old = services.import_text(old, before, "zero.txt", lang="en")
    t_new = services.import_text(new, after, "rev1.txt", lang="en")
    query = f"?old={t_old.pk}&new={t_new.pk}&all=1"
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(Client().get(f"/recognition/compare/export.{fmt}{query}"))
        diffs = [r["differences"] for r in rows if r["differences"]]
        assert any(d.startswith("'=HYPERLINK") for d in diffs), diffs
        assert_no_formula(rows)


# ------------------------------------------------------------------ a text's summary table
@pytest.mark.parametrize("who", WHO)
def test_the_summary_export_equals_the_text_profiles_table(
    users: dict[str, Any], doc: dict[str, Any], who: str
) -> None:
    """The profile's summary table (public like the page), one row per figure it shows."""
    client = client_for(users, who)
    text = doc["t1"]
    page = client.get(text.get_absolute_url()).content.decode()
    cells = dict(c for c in _table_cells(page, "<table>") if len(c) == 2)
    profile = text.profile
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        export = f"/recognition/texts/{text.pk}/summary.{fmt}"
        assert f'href="{export}" download' in page
        rows = read(client.get(export))
        assert {(r["document"], r["version"], r["lang"]) for r in rows} == {
            ("A/TEST/1", "rev.1", "en")
        }
        figures = {(r["row"], r["figure"]): str(r["value"]) for r in rows}
        refs = f"{figures['references', 'references']} ({figures['references', 'per_10000_words']}"
        assert cells["References"].startswith(refs), (cells, figures)
        codes = " / ".join(figures["by_code", c] for c in ("actor", "place", "issue"))
        assert cells["Actor / place / issue"] == codes
        categories = [f"{f} {v}" for (row, f), v in figures.items() if row == "by_category"]
        assert cells["By category"] == (", ".join(categories) or "–")
        assert categories and len(categories) == len(profile["by_category"])
        positions = " / ".join(
            figures["paragraphs", p] for p in ("preamble", "operative", "follow-up")
        )
        assert cells["Paragraphs (preamble / operative / follow-up)"] == positions
        assert int(figures["references", "references"]) == text.references.count() > 0
    assert client.get(f"/recognition/texts/{text.pk}/summary.json").status_code == 404
    assert client.get("/recognition/texts/999999/summary.csv").status_code == 404


def test_a_summary_with_a_version_label_like_a_formula_is_neutralised(db: Any) -> None:
    document = services.document_for("A/TEST/8", HOSTILE[0])
    version = services.version_for(document, HOSTILE[1], dt.date(2025, 1, 1))
    text = services.import_text(version, ZERO, "zero.txt", lang="en")
    for fmt, read in (("csv", csv_rows), ("xlsx", xlsx_rows)):
        rows = read(Client().get(f"/recognition/texts/{text.pk}/summary.{fmt}"))
        assert rows
        for row in rows:
            assert_guarded(row["version"], HOSTILE[1])
            assert_guarded(row["title"], document.title)
        assert_no_formula(rows)
