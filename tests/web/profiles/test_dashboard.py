"""The city dashboard: results with bands in colour and text, the KPI table, coverage, charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from citydiplomacy.core.bands import BAND_LABELS
from citydiplomacy.web.indicators import scoring, services, views_profiles
from citydiplomacy.web.indicators.charts import fmt
from citydiplomacy.web.indicators.models import CityScore, KpiValue
from tests.web.profiles.conftest import VERIFIED, Cohort, client_for
from tests.web.profiles.html import Node, parse

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def page(cohort: Cohort) -> Node:
    """Geneva's published 2023 profile as the public sees it."""
    url = reverse("indicators:dashboard", args=[cohort.geneva.pk]) + "?year=2023"
    response = client_for(cohort.users, "anonymous").get(url)
    assert response.status_code == 200
    return parse(response.content)


def _row(page: Node, code: str) -> Node:
    for tr in page.iter("tr"):
        codes = [s.text() for s in tr.find_all("span", cls="code")]
        if code in codes:
            return tr
    raise AssertionError(f"no row for {code}")


def test_results_match_scoring_city_profile(cohort: Cohort) -> None:
    """The dashboard builds its nodes from the row it read; they equal city_profile's."""
    nodes = CityScore.objects.get(snapshot=cohort.snapshot, city=cohort.geneva).nodes
    ours = views_profiles._results(
        cohort.snapshot,
        views_profiles.framework_meta(),
        scoring.visible_records(nodes["2023"], False),
    )
    theirs = scoring.city_profile(cohort.snapshot, cohort.geneva.pk, 2023)
    assert theirs is not None
    assert {n.code: n for n in theirs} == ours


def test_index_dimensions_and_categories_with_band_text(cohort: Cohort, page: Node) -> None:
    results = page.find("table", cls="results")
    text = results.text()
    profile = scoring.city_profile(cohort.snapshot, cohort.geneva.pk, 2023)
    assert profile is not None
    aggregates = [n for n in profile if n.level >= 2]
    assert {n.level for n in aggregates} == {2, 3, 4, 5}
    rows = results.find("tbody").find_all("tr")
    # one row per index, dimension, sub-dimension and category of the framework
    fw = services.framework()
    assert len(rows) == int((fw.nodes["level"] >= 2).sum())
    for n in aggregates:
        assert n.name in text
        assert n.band in BAND_LABELS.values()
    by_name = {r.find("th").text(): r for r in rows}
    index = by_name["U4SSC Smart Sustainable City Index (index)"]
    root = next(n for n in profile if n.level == 5)
    assert fmt(root.score) in index.text()
    assert root.band in index.find("span", cls="band-label").text()


def test_every_swatch_has_a_text_label(page: Node) -> None:
    swatches = page.find_all("span", cls="swatch")
    assert len(swatches) > 50
    for sw in swatches:
        assert sw.attrs.get("aria-hidden") == "true"
        assert sw.parent is not None and "band" in sw.parent.classes
        labels = sw.parent.find_all("span", cls="band-label")
        assert len(labels) == 1 and labels[0].text(), sw.parent.text()
        assert labels[0].text() in (*BAND_LABELS.values(), "not scored")


def test_synthetic_banner(page: Node) -> None:
    banner = page.find("p", cls="synthetic-banner")
    assert banner.text() == (
        "Synthetic demo data: these values are invented for demonstration and are not real "
        "observations of Geneva."
    )


def test_no_banner_for_real_values(cohort: Cohort) -> None:
    KpiValue.objects.update(synthetic=False)
    url = reverse("indicators:dashboard", args=[cohort.geneva.pk]) + "?year=2023"
    response = client_for(cohort.users, "anonymous").get(url)
    assert b"synthetic-banner" not in response.content


def test_kpi_table_target_source_trend_and_status(cohort: Cohort, page: Node) -> None:
    nodes = CityScore.objects.get(snapshot=cohort.snapshot, city=cohort.geneva).nodes["2023"]
    peer = [
        c
        for c, (_, src) in cohort.snapshot.targets.items()
        if src.startswith("peer") and c in nodes
    ]
    assert peer
    row = _row(page, peer[0])
    source = row.find("td", cls="source")
    assert "peer target" in source.find("span", cls="peer").text()
    assert "mean of the top 5" in source.text()
    # a published target: its source, no 'peer target' label
    water = _row(page, "EC-I-WS-1C")
    assert "SDG target 6.1" in water.find("td", cls="source").text()
    assert "peer target" not in water.text()
    words = {"up": "improving", "down": "worsening", "flat": "stable"}
    checked = 0
    for code, rec in nodes.items():
        if rec[6] and ":" not in code and code.count("-") == 3:  # KPIs with a trend
            trend = _row(page, code).find("td", cls="trend").text()
            assert words[rec[6]] in trend
            checked += 1
    assert checked > 30
    for code in VERIFIED:
        assert "Verified" in _row(page, code).text()
    assert "Self-reported" in _row(page, "EC-ICT-ICT-2C").text()


def test_data_points_indented_under_their_kpi(page: Node) -> None:
    rows = list(page.iter("tr"))
    codes = [[s.text() for s in r.find_all("span", cls="code")] for r in rows]
    i = codes.index(["EC-ICT-ICT-4C"])
    after = rows[i + 1]
    assert "dp" in after.classes and codes[i + 1][0].startswith("EC-ICT-ICT-4C:")
    assert "data point:" in after.find("th").text()


def test_kpi_definition_in_details(page: Node) -> None:
    row = _row(page, "EC-ICT-ICT-1C")
    details = row.find("details")
    assert details.find("summary").text() == "Household Internet Access"
    assert "Internet access" in details.find("p", cls="definition").text()


def test_coverage_matches_a_hand_count(cohort: Cohort, page: Node) -> None:
    """Count reported KPIs per dimension from the table that was written, by the
    framework's own dimension column; compare with the coverage table."""
    fw = services.framework().nodes
    kpis = fw[fw["level"] == 1]
    long = cohort.long
    written = long[(long["geonames_id"] == cohort.geneva.pk) & (long["year"] == 2023)]
    reported = set(written["kpi"].astype(str))
    expected = {
        dim: (sum(code in reported for code in group.index), len(group))
        for dim, group in kpis.groupby("dimension")
    }
    table = page.find("table", cls="coverage")
    shown = {}
    for tr in table.find("tbody").find_all("tr"):
        cells = [td.text() for td in tr.find_all("td")]
        shown[tr.find("th").text()] = (int(cells[0]), int(cells[1]))
    assert shown == expected
    total = [td.text() for td in table.find("tfoot").find_all("td")]
    assert (int(total[0]), int(total[1])) == (len(reported), len(kpis)) == (len(reported), 91)
    core = set(kpis.index[kpis["core_or_advanced"] == "core"])
    missing = {s.text() for s in page.find("ul", cls="missing-core").find_all("span", cls="code")}
    assert missing == core - reported
    assert missing  # the synthetic data leave some core KPIs out


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


@pytest.mark.parametrize(
    "url_name", ["indicators:dashboard", "indicators:compare", "indicators:ranking"]
)
def test_charts_are_valid_svg_with_title_and_desc(cohort: Cohort, url_name: str) -> None:
    if url_name == "indicators:dashboard":
        url = reverse(url_name, args=[cohort.geneva.pk])
    elif url_name == "indicators:compare":
        url = reverse(url_name) + f"?city={cohort.geneva.pk}&city={cohort.lyon.pk}"
    else:
        url = reverse(url_name)
    html = client_for(cohort.users, "analyst").get(url).content.decode()
    svgs = _svgs(html)
    assert svgs
    for svg in svgs:
        assert svg.tag == f"{SVG}svg"
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and (title.text or "").strip()
        assert desc is not None and (desc.text or "").strip()
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    ids = [svg.get("id") for svg in svgs]
    assert len(ids) == len(set(ids))


def test_chart_has_text_equivalent(page: Node) -> None:
    svg = page.find("svg", id="chart-categories")
    results = page.find("table", cls="results").text()
    bars = [t.text() for t in svg.find_all("text") if t.attrs.get("text-anchor") == "end"]
    assert len(bars) == 27
    for label in bars:
        assert label in results
    # each bar carries its band as text, not only as a colour
    labelled = [t.text() for t in svg.find_all("text") if "% ·" in t.text()]
    assert labelled and all(any(b in t for b in BAND_LABELS.values()) for t in labelled)
    years = page.find("table", cls="years")
    assert years.find("caption").text().startswith("U4SSC index of Geneva per year")


def test_links_to_compare_and_ranking(cohort: Cohort, page: Node) -> None:
    hrefs = {a.attrs.get("href", "") for a in page.iter("a")}
    assert f"/compare/?city={cohort.geneva.pk}&year=2023" in hrefs
    assert "/ranking/?year=2023" in hrefs
