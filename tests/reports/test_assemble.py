"""The content of a profile: coverage, summary, gaps, peers and guidance are consistent."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import DataError
from citydiplomacy.reports import Report, build_report, render_json
from citydiplomacy.reports.content import KpiRow
from citydiplomacy.reports.model import Cohort
from citydiplomacy.reports.reference import rules_for


def kpi_rows(report: Report) -> list[KpiRow]:
    return [row for row in report.kpi_rows() if not row.is_data_point]


def test_cover_facts_and_coverage(report_en: Report, cohort: Cohort, fw: Framework) -> None:
    r = report_en
    assert r.year == 2023 and r.years == [2021, 2022, 2023] and r.previous_year == 2022
    assert r.framework.name == "u4ssc"
    assert r.synthetic is True  # demo-data rows say "synthetic demo data" in their source
    rows = kpi_rows(r)
    assert len(rows) == len(fw.kpis) == r.coverage.kpis_total
    assert r.coverage.kpis_reported == sum(row.reported for row in rows)
    missing = [m.code for m in r.gaps.missing]
    assert sorted(missing) == sorted(row.code for row in rows if not row.reported)
    cores = [m.core for m in r.gaps.missing]
    assert cores == sorted(cores, reverse=True), "core KPIs are listed first"
    assert all(row.synthetic for row in rows if row.reported)
    assert r.common_data_source.startswith("synthetic demo data")


def test_summary_is_ordered(report_en: Report) -> None:
    s = report_en.summary
    strong = [c.score for c in s.strongest]
    weak = [c.score for c in s.weakest]
    assert strong == sorted(strong, reverse=True) and weak == sorted(weak)
    assert all(c.change is not None and c.change > 0 for c in s.improved)
    assert all(c.change is not None and c.change < 0 for c in s.declined)
    scores = [c.score for c in report_en.categories if c.score is not None]
    assert strong[0] == max(scores) and weak[0] == min(scores)


def test_target_references_point_at_the_listed_sources(report_en: Report) -> None:
    for row in kpi_rows(report_en):
        if row.target_ref is not None:
            assert report_en.target_sources[row.target_ref - 1] == row.target_source
        else:
            assert row.target is None or not row.target_source


def test_guidance_fires_on_weak_or_worsening_nodes_with_sources_and_peers(
    cohort: Cohort, fw: Framework
) -> None:
    rules = rules_for(fw)
    seen = 0
    for key in cohort.units.index:
        r = build_report(cohort, str(key), 2023, rules=rules)
        for g in r.guidance:
            seen += 1
            assert (
                (0 < g.band <= 2 and "band" in g.reasons)
                or (g.trend == "down" and "worsening" in g.reasons)
                or (g.progress is not None and g.progress < 0)
            )
            for rec in g.recommendations:
                assert rec.text and rec.sources
                assert all(s.url.startswith("https://") for s in rec.sources)
            for p in g.peers:
                assert p.key != str(key)
                assert p.score is not None and p.name
                assert (p.reason == "strong" and p.band >= 3) or (
                    p.reason == "improved" and p.change is not None and p.change > 0
                )
    assert seen > 0, "some rule fires somewhere in a synthetic cohort"


def test_peer_group_and_standing(report_en: Report, cohort: Cohort) -> None:
    peers = report_en.peers
    assert 0 < peers.size <= 10
    sims = [m.similarity for m in peers.members]
    assert sims == sorted(sims, reverse=True)
    assert report_en.city.key not in {m.key for m in peers.members}
    own = report_en.index.score
    assert own is not None
    better = sum(m.score is not None and m.score > own for m in peers.members)
    assert peers.rank == better + 1


def test_robustness_interval_brackets_the_rank(report_en: Report) -> None:
    rob = report_en.robustness
    assert rob is not None and rob.n == 12
    assert rob.low is not None and rob.median is not None and rob.high is not None
    assert rob.low <= rob.median <= rob.high
    assert report_en.robustness_method["runs"] == 32
    assert {i["factor"] for i in report_en.robustness_method["indices"]} == {
        "weights", "normalise", "aggregate",
    }  # fmt: skip


def test_french_recommendations(report_en: Report, report_fr: Report) -> None:
    assert [g.rule for g in report_en.guidance] == [g.rule for g in report_fr.guidance]
    for en, fr in zip(report_en.guidance, report_fr.guidance, strict=True):
        assert en.recommendations[0].text != fr.recommendations[0].text


def test_absent_year_is_a_clear_error(cohort: Cohort, city_key: str) -> None:
    with pytest.raises(DataError, match="no profile for 2019; years with a profile: 2021"):
        build_report(cohort, city_key, 2019, rules=None)


def test_hidden_city_years_are_not_reported_nor_peers(cohort: Cohort, fw: Framework) -> None:
    """A city-year outside ``visible`` is neither reportable nor a peer (web visibility)."""
    first, second = (str(k) for k in cohort.units.index[:2])
    visible = cohort.visible.copy()
    visible[cohort.year_index(2023), cohort.unit(second)] = False
    hidden = Cohort(**{**{f: getattr(cohort, f) for f in (
        "framework", "units", "years", "codes", "values", "scores", "bands", "change",
        "progress", "trends", "targets", "observations", "contexts", "method", "robustness",
        "robustness_method", "source_label")}, "visible": visible})  # fmt: skip
    assert hidden.years_of(second) == [2021, 2022]
    r = build_report(hidden, first, 2023, rules=rules_for(fw))
    assert second not in {m.key for m in r.peers.members}
    assert all(p.key != second for g in r.guidance for p in g.peers)
    with pytest.raises(DataError):
        build_report(hidden, second, 2023, rules=None)


def test_json_is_plain_data(report_en: Report) -> None:
    data = json.loads(render_json(report_en))
    assert data["city"]["name"] == report_en.city.name
    assert data == report_en.to_data()
    assert not any(isinstance(v, float) and np.isnan(v) for v in _leaves(data))


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _leaves(v)]
    if isinstance(value, list):
        return [x for v in value for x in _leaves(v)]
    return [value]
