"""The profile page's top (downloads, table of contents), its numbers in the page's language
with one number of decimals per KPI, and yes/no KPIs as yes/no (issue 19, item 6)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from citydiplomacy.web.indicators import charts, scoring, services
from tests.web.profiles.conftest import Cohort, client_for
from tests.web.profiles.html import Node, parse


def _get(cohort: Cohort, lang: str = "en") -> tuple[str, Node]:
    url = reverse("indicators:dashboard", args=[cohort.geneva.pk]) + "?year=2023"
    response = client_for(cohort.users, "anonymous").get(url, HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    html = response.content.decode()
    return html, parse(response.content)


def _kpi_row(page: Node, code: str) -> Node:
    for tr in page.iter("tr"):
        if code in [s.text() for s in tr.find_all("span", cls="code")]:
            return tr
    raise AssertionError(f"no row for {code}")


def test_downloads_and_contents_come_before_the_summary(cohort: Cohort) -> None:
    html, _ = _get(cohort)
    top = html.index('class="downloads-top"')
    assert top < html.index('id="h-toc"') < html.index('id="h-summary"')
    assert html.index('id="h-summary"') < html.index('id="panel-report"')
    # The PDF links carry the progress hook; the status region is there for it to fill.
    pdf_links = re.findall(r'<a [^>]*href="[^"]*report\.pdf[^"]*"[^>]*>', html[top:])
    assert pdf_links and all('data-pdf-progress="pdf-progress"' in a for a in pdf_links[:2])
    assert re.search(r'id="pdf-progress"[^>]*role="status"[^>]*aria-live="polite"', html)
    assert "js/profile-downloads.js" in html and "<script>" not in html  # no inline script
    # Every link of the table of contents leads to an element of the page.
    toc = html[html.index('id="h-toc"') : html.index("</nav>", html.index('id="h-toc"'))]
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert len(targets) >= 8
    for target in targets:
        assert f'id="{target}"' in html, target


def test_every_table_scrolls_in_its_own_container_and_has_a_caption(cohort: Cohort) -> None:
    html, page = _get(cohort)
    tables = list(page.iter("table"))
    assert len(tables) > 5
    for table in tables:
        assert table.find("caption") is not None
    main = html[html.index('id="h-summary"') : html.index('id="h-more"')]
    wrapped = re.findall(r'class="table-scroll"[^>]*>\s*<table', main)
    assert len(wrapped) == main.count("<table") > 5


def test_yes_no_kpis_read_yes_or_no(cohort: Cohort) -> None:
    _, page = _get(cohort)
    meta = services.framework().tree()
    profile = scoring.city_profile(cohort.snapshot, cohort.geneva.pk, 2023)
    assert profile is not None
    reported = [n for n in profile if n.code in meta.yesno and n.value is not None]
    assert reported, "the synthetic data report some yes/no KPI"
    for node in reported:
        cells = [td.text() for td in _kpi_row(page, node.code).find_all("td")]
        assert cells[0] == ("yes" if node.value >= 0.5 else "no"), (node.code, cells)


def test_value_and_target_of_a_kpi_have_the_same_decimals(cohort: Cohort) -> None:
    _, page = _get(cohort)
    meta = services.framework().tree()
    profile = scoring.city_profile(cohort.snapshot, cohort.geneva.pk, 2023)
    assert profile is not None
    checked = 0
    for node in profile:
        if node.level > 1 or node.value is None or node.target is None or node.code in meta.yesno:
            continue
        cells = [td.text() for td in _kpi_row(page, node.code).find_all("td")]
        value, target = cells[0], cells[2]
        decimals = {len(t.split(".")[1]) if "." in t else 0 for t in (value, target)}
        assert len(decimals) == 1, (node.code, value, target)
        checked += 1
    assert checked > 10


def test_numbers_follow_the_page_language(cohort: Cohort, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = scoring.city_profile(cohort.snapshot, cohort.geneva.pk, 2023)
    assert profile is not None
    root = next(n for n in profile if n.level == 5)
    assert root.score is not None and not float(root.score).is_integer()
    english, french = charts.fmt(root.score, lang="en"), charts.fmt(root.score, lang="fr")
    assert english != french and "," in french
    # The pages have a French catalogue (web/locale/fr): a French browser reads a French page,
    # and its numbers follow.
    html_fr, _ = _get(cohort, "fr")
    assert '<html lang="fr">' in html_fr and f">{french}<" in html_fr
    html_en, _ = _get(cohort, "en")
    assert f">{english}<" in html_en and f">{french}<" not in html_en
    # A language the pages are not translated into keeps English numbers (not "69,0" in an
    # English sentence).
    monkeypatch.setattr(charts, "translated_languages", lambda: frozenset({"en"}))
    with translation.override("fr"):
        assert charts.page_language() == "en" and charts.fmt(root.score) == english


@pytest.mark.parametrize(
    ("x", "lang", "text"),
    [
        (1234567.0, "fr", "1\u202f234\u202f567"),
        (1234.4, "fr", "1\u202f234"),  # from 1000 on, no decimals
        (123.46, "fr", "123,5"),
        (123.46, "en", "123.5"),
        (0.05, "fr", "0,05"),
        (90.1, "en", "90.1"),
    ],
)
def test_fmt_value_by_language(x: float, lang: str, text: str) -> None:
    assert charts.fmt_value(x, lang=lang) == text


def test_outside_a_translated_page_numbers_are_english(monkeypatch: pytest.MonkeyPatch) -> None:
    with translation.override("fr"):
        assert charts.fmt(1234.56) == "1\u202f234,6"  # the pages have a French catalogue
        monkeypatch.setattr(charts, "translated_languages", lambda: frozenset({"en"}))
        assert charts.fmt(1234.56) == "1,234.6"
    with translation.override("en"):
        assert charts.fmt(1234.56) == "1,234.6"


def test_kpi_digits_align_value_and_target() -> None:
    digits = charts.kpi_digits(90.1, 81.0)
    pair = (charts.fmt_value(90.1, digits, "en"), charts.fmt_value(81.0, digits, "en"))
    assert pair == ("90.1", "81.0")
    assert charts.kpi_digits(None, 3.0) == 0
    assert charts.kpi_digits(0.125, 12.5, 1250.0) == 3


def test_commitment_chart_axis_has_round_ticks() -> None:
    """The axis of the issue's example read 16.22 ... 19.88; now whole numbers that cover it."""
    import xml.etree.ElementTree as ET

    from citydiplomacy.core.commitments import Path
    from citydiplomacy.web.engagement.charts import commitment_chart

    path = Path(baseline_year=2020, baseline_value=16.22, target_year=2030, target_value=19.88)
    svg = commitment_chart(path, {2022: 17.1, 2024: 18.0}, chart_id="c", title="t", unit="u")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    axis = [
        t.text or ""
        for t in root.iter(f"{ns}text")
        if t.get("text-anchor") == "end" and t.get("fill") == charts.MUTED
    ]
    with translation.override("en"):
        assert axis == ["16", "17", "18", "19", "20"]
