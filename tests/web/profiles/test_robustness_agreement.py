"""One robustness computation: the dashboard (the score snapshot) and the report of the same
data (the command line's cohort, from which the PDF is printed) show the same rank intervals.

Before, the platform analysed each year among the cities with data that year, and the report
the whole file with every city, so the two could disagree; now both call
:func:`citydiplomacy.core.robustness.rank_intervals` with the same settings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from citydiplomacy.core.robustness import (
    ROBUSTNESS_FACTORS,
    ROBUSTNESS_METHOD,
    RankInterval,
    RobustnessSettings,
    trend_codes,
)
from citydiplomacy.core.spec import Spec
from citydiplomacy.io.readers import read_kpi_data
from citydiplomacy.reports import build_report
from citydiplomacy.reports.engine import cohort_from_long
from citydiplomacy.reports.reference import rules_for
from citydiplomacy.web.indicators import scoring, services
from citydiplomacy.web.indicators.models import CityYearScore
from tests.web.profiles.conftest import YEARS, Cohort, client_for

YEAR = 2023


def test_dashboard_and_report_of_the_same_data_give_the_same_intervals(
    cohort: Cohort, tmp_path: Path
) -> None:
    runs = scoring.robustness_settings().runs
    assert cohort.snapshot.sensitivity == RobustnessSettings(runs=runs).describe()
    # The DATA file a city officer would give the command line: the values the platform holds.
    data = tmp_path / "cohort.csv"
    cohort.long.to_csv(data, index=False)
    fw = services.framework()
    long = read_kpi_data(data, fw).long
    report_cohort = cohort_from_long(fw, long, Spec(method="u4ssc"), years=[YEAR], runs=runs)
    by_id = {int(gid): str(key) for key, gid in report_cohort.units["geonames_id"].items()}
    rows = CityYearScore.objects.filter(snapshot=cohort.snapshot, year=YEAR)
    assert rows.count() == len(cohort.cities)
    for row in rows:
        interval = report_cohort.robustness[(by_id[row.city_id], YEAR)]
        assert (interval.low, interval.median, interval.high) == pytest.approx(
            (row.rank_low, row.rank_median, row.rank_high)
        ), row.city_id
        assert interval.rank == pytest.approx(row.rank)
        assert interval.n == rows.count()
    # The dashboard shows the analyst the same interval as the report's robustness section.
    geneva = cohort.geneva
    page = client_for(cohort.users, "analyst").get(
        reverse("indicators:dashboard", args=[geneva.pk]) + f"?year={YEAR}"
    )
    assert page.status_code == 200
    headline = page.context["headline"]
    report = build_report(report_cohort, by_id[geneva.pk], YEAR, rules=rules_for(fw), lang="en")
    shown = report.robustness
    assert shown is not None
    assert (shown.low, shown.median, shown.high) == pytest.approx(
        (headline["rank_low"], headline["rank_median"], headline["rank_high"])
    )
    assert report.robustness_method["runs"] == runs
    assert report.robustness_method["factors"] == list(ROBUSTNESS_FACTORS)
    assert report.robustness_method["method"] == ROBUSTNESS_METHOD


def test_a_year_is_analysed_among_the_cities_with_data_that_year(
    cohort: Cohort, tmp_path: Path
) -> None:
    """A city without data in a year has no interval that year, and does not change the
    others' intervals (the rule both the platform and the report follow)."""
    fw = services.framework()
    data = tmp_path / "cohort.csv"
    cohort.long.to_csv(data, index=False)
    long = read_kpi_data(data, fw).long
    runs = int(getattr(settings, "CITYDIPLOMACY_SENSITIVITY_RUNS", 16))
    whole = cohort_from_long(fw, long, Spec(method="u4ssc"), years=[YEAR], runs=runs)
    # Drop Bonn's values of YEAR only: Bonn stays in the file (other years).
    bonn = str(cohort.cities["Bonn"].pk)
    keys = {str(gid): str(k) for k, gid in whole.units["geonames_id"].items()}
    fewer = long[~((long["unit"] == keys[bonn]) & (long["year"] == YEAR))]
    without = cohort_from_long(fw, fewer, Spec(method="u4ssc"), years=[YEAR], runs=runs)
    assert (keys[bonn], YEAR) not in without.robustness
    others = [k for k in keys.values() if k != keys[bonn]]
    assert {k: without.robustness[(k, YEAR)].n for k in others} == {k: len(others) for k in others}
    assert set(YEARS)  # the cohort spans several years, so Bonn is still a unit
    assert keys[bonn] in set(without.units.index)


def test_one_trend_rule() -> None:
    import numpy as np

    change = np.array([2.0, 1.0, 0.99, 0.0, -0.99, -1.0, np.nan])
    assert trend_codes(change).tolist() == ["up", "up", "flat", "flat", "flat", "down", ""]
    assert scoring.robustness.trend_codes is trend_codes
    from citydiplomacy.reports import model
    from citydiplomacy.web.reports import services as report_services

    # One rule and one interval type, whoever imports them.
    assert model.trend_codes is trend_codes
    assert report_services.trend_codes is trend_codes
    assert model.RankInterval is RankInterval
