"""The SVG chart builders: well-formed, labelled, text escaped, missing values handled."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from citydiplomacy.core.bands import BAND_COLOURS, BAND_LABELS
from citydiplomacy.web.indicators import charts

SVG = "{http://www.w3.org/2000/svg}"


def _check(svg: str, title: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == title
    assert root.findtext(f"{SVG}desc")
    return root


def _texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_hbar_labels_every_bar_with_score_and_band() -> None:
    bars = [
        charts.Bar("Group <A & B>", header=True),
        charts.Bar("Water & Sanitation", 87.5, 3),
        charts.Bar("Drainage", None),
        charts.Bar("Waste", 120.0, 4),
    ]
    root = _check(
        charts.hbar_chart(bars, chart_id="c1", title="Scores <2023>", desc="d"), "Scores <2023>"
    )
    texts = _texts(root)
    assert "Group <A & B>" in texts and "Water & Sanitation" in texts
    assert f"87.5% · {BAND_LABELS[3]}" in texts
    assert "not scored" in texts
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")]
    assert fills == [BAND_COLOURS[3], BAND_COLOURS[4]]
    widths = [float(r.get("width", 0)) for r in root.iter(f"{SVG}rect")]
    assert widths[1] == pytest.approx(330)  # capped at 100 %


def test_line_chart_with_gaps_and_one_point() -> None:
    root = _check(
        charts.line_chart(
            [(2021, 50.0), (2022, None), (2023, 70.0)], chart_id="l", title="t", desc="d"
        ),
        "t",
    )
    assert {"2021", "2022", "2023", "50.0", "70.0"} <= set(_texts(root))
    assert len(list(root.iter(f"{SVG}circle"))) == 2
    for label in BAND_LABELS.values():
        assert label in _texts(root)
    single = _check(charts.line_chart([(2024, 12.5)], chart_id="s", title="t", desc="d"), "t")
    assert not list(single.iter(f"{SVG}polyline"))


def test_grouped_bars_number_each_bar_and_name_series_in_legend() -> None:
    series = [charts.Series("Geneva (CH)", [70.0, 60.0]), charts.Series("Lyon & co", [None, 40.0])]
    root = _check(
        charts.grouped_bar_chart(
            ["Economy", "Environment"], series, chart_id="g", title="t", desc="d"
        ),
        "t",
    )
    texts = _texts(root)
    assert "1  Geneva (CH)" in texts and "2  Lyon & co" in texts
    assert texts.count("1") == 2 and texts.count("2") == 2  # numbered under every bar
    assert "n/a" in texts


def test_interval_chart() -> None:
    root = _check(
        charts.interval_chart(
            chart_id="i", label="Geneva (CH)", rank=3, low=2, median=3.5, high=6, n=40
        ),
        "Rank interval of Geneva (CH)",
    )
    desc = root.findtext(f"{SVG}desc") or ""
    assert "rank 3 of 40" in desc and "between 2 and 6" in desc and "median 4" in desc
    none = _check(
        charts.interval_chart(
            chart_id="j", label="X", rank=None, low=None, median=None, high=None, n=1
        ),
        "Rank interval of X",
    )
    assert "no rank interval" in (none.findtext(f"{SVG}desc") or "")


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (None, "–"),
        (float("nan"), "–"),
        (84.9, "84.9"),
        (92.0, "92"),
        (0.05, "0.05"),
        (1234567.0, "1,234,567"),  # English grouping (Babel); French in test_profile_layout
        (404.25, "404.2"),
        (1.5, "1.5"),
        (2.0, "2"),
    ],
)
def test_fmt_value(x: float | None, text: str) -> None:
    assert charts.fmt_value(x) == text
