"""core/robustness.py: the one rank-interval computation of the dashboard and the report."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.robustness import (
    ROBUSTNESS_FACTORS,
    RobustnessSettings,
    rank_intervals,
    trend_codes,
    year_rank_intervals,
)
from citydiplomacy.core.validate import validate_long
from citydiplomacy.io.frameworks import load_framework
from citydiplomacy.io.readers import located_long
from citydiplomacy.synthetic import synthetic_long

SETTINGS = RobustnessSettings(runs=16)


@pytest.fixture(scope="module")
def fw() -> Framework:
    return load_framework("u4ssc")


@pytest.fixture(scope="module")
def panel(fw: Framework) -> Panel:
    long = synthetic_long(fw, n_cities=6, years=[2022, 2023], seed=5, coverage=1.0)
    table, _ = located_long(long, "synthetic")
    return Panel.from_long(validate_long(table, fw).long, fw)


def _without(panel: Panel, unit: int, year: int) -> Panel:
    values = panel.values.copy()
    values[panel.year_index(year), unit] = np.nan
    return Panel(panel.units, panel.years, panel.measures, values)


def test_intervals_bracket_the_rank_and_count_the_cities(panel: Panel, fw: Framework) -> None:
    found = year_rank_intervals(panel, fw, 2023, SETTINGS)
    assert found is not None and found.year == 2023
    assert len(found.intervals) == 6
    for iv in found.intervals.values():
        assert iv.n == 6
        assert iv.low is not None and iv.high is not None and iv.rank is not None
        assert 1 <= iv.low <= iv.high <= 6
    assert {i["factor"] for i in found.indices} == set(ROBUSTNESS_FACTORS)


def test_a_city_without_data_that_year_is_left_out(panel: Panel, fw: Framework) -> None:
    """Its interval is absent, the others are ranked among the five left, and its data of
    another year change nothing (a year is analysed on that year's data alone)."""
    fewer = _without(panel, 0, 2023)
    found = year_rank_intervals(fewer, fw, 2023, SETTINGS)
    assert found is not None
    absent = str(panel.units["unit"].iloc[0])
    assert absent not in found.intervals
    assert {iv.n for iv in found.intervals.values()} == {5}
    # Removing 2022 entirely leaves the 2023 intervals as they are.
    only_2023 = fewer.select_years([2023])
    again = year_rank_intervals(only_2023, fw, 2023, SETTINGS)
    assert again is not None and again.intervals == found.intervals


def test_too_few_cities_give_no_intervals(panel: Panel, fw: Framework) -> None:
    sparse = panel
    for u in range(4):
        sparse = _without(sparse, u, 2023)
    assert year_rank_intervals(sparse, fw, 2023, SETTINGS) is None
    assert set(rank_intervals(sparse, fw, [2022, 2023], SETTINGS)) == {2022}


def test_the_same_settings_give_the_same_intervals(panel: Panel, fw: Framework) -> None:
    a = rank_intervals(panel, fw, [2023], SETTINGS)
    b = rank_intervals(panel, fw, [2023], RobustnessSettings(runs=16))
    assert a[2023].intervals == b[2023].intervals
    assert SETTINGS.describe()["runs"] == 16


@given(st.lists(st.floats(-50, 50) | st.just(float("nan")), max_size=30))
def test_trend_rule(changes: list[float]) -> None:
    codes = trend_codes(np.asarray(changes, dtype=np.float64)).tolist()
    for change, code in zip(changes, codes, strict=True):
        if np.isnan(change):
            assert code == ""
        elif change >= 1.0:
            assert code == "up"
        elif change <= -1.0:
            assert code == "down"
        else:
            assert code == "flat"
