"""The commitment progress rule on hand-computed cases, and its invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from citydiplomacy.core.commitments import Path, Status, assess, path_direction_conflicts

# GHG per inhabitant from 10 t (2018) to 4 t (2030): lower is better.
GHG = Path(2018, 10.0, 2030, 4.0, -1)
# Green area from 100 (2020) to 200 (2030): higher is better.
GREEN = Path(2020, 100.0, 2030, 200.0, 1)


def test_expected_value_by_hand() -> None:
    # 10 + (4 - 10) * (2024 - 2018) / (2030 - 2018) = 10 - 6 * 0.5 = 7
    assert GHG.expected_value(2024) == pytest.approx(7.0)
    # 100 + 100 * 5 / 10 = 150
    assert GREEN.expected_value(2025) == pytest.approx(150.0)
    # clipped: before the baseline it is the baseline, after the target the target
    assert GREEN.expected_value(2015) == 100.0
    assert GREEN.expected_value(2035) == 200.0


@pytest.mark.parametrize(
    ("path", "observations", "status", "year"),
    [
        (GHG, {2024: 7.0}, Status.ON_TRACK, 2024),  # exactly on the path
        (GHG, {2024: 6.0}, Status.ON_TRACK, 2024),  # ahead: lower than expected
        (GHG, {2024: 7.5}, Status.OFF_TRACK, 2024),  # covered 2.5/6 = 42% < 50%
        (GREEN, {2025: 151.0}, Status.ON_TRACK, 2025),
        (GREEN, {2025: 149.0}, Status.OFF_TRACK, 2025),  # 49% < 50%
        # the latest value decides, not the best one
        (GREEN, {2021: 200.0, 2024: 110.0}, Status.OFF_TRACK, 2024),
        (GREEN, {2021: 90.0, 2024: 145.0}, Status.ON_TRACK, 2024),  # 45% >= 40%
        # after the target year, the whole way is expected
        (GREEN, {2032: 199.0}, Status.OFF_TRACK, 2032),
        (GREEN, {2032: 200.0}, Status.ON_TRACK, 2032),
        # moving backwards is off track from the first year
        (GREEN, {2021: 99.0}, Status.OFF_TRACK, 2021),
    ],
)
def test_status_by_hand(
    path: Path, observations: dict[int, float], status: Status, year: int
) -> None:
    p = assess(path, observations)
    assert p.status == status
    assert p.year == year


def test_progress_numbers() -> None:
    p = assess(GHG, {2019: 9.9, 2024: 7.5})
    assert p.value == 7.5
    assert p.expected == pytest.approx(7.0)
    assert p.expected_fraction == pytest.approx(0.5)
    assert p.covered_fraction == pytest.approx(2.5 / 6)
    assert "42%" in p.reason and "50%" in p.reason


def test_insufficient_data() -> None:
    # values of the baseline year and before say nothing about progress since the pledge
    p = assess(GREEN, {2018: 120.0, 2020: 130.0})
    assert p.status == Status.INSUFFICIENT_DATA
    assert p.year is None and p.value is None
    assert assess(GREEN, {}).status == Status.INSUFFICIENT_DATA
    # non-finite values are not data
    assert assess(GREEN, {2024: math.nan}).status == Status.INSUFFICIENT_DATA


def test_pairs_are_accepted_as_well_as_mappings() -> None:
    assert assess(GREEN, [(2025, 151.0)]).status == Status.ON_TRACK


@pytest.mark.parametrize(
    ("direction", "value", "status"),
    [
        (1, 50.0, Status.ON_TRACK),
        (1, 51.0, Status.ON_TRACK),
        (1, 49.0, Status.OFF_TRACK),
        (-1, 49.0, Status.ON_TRACK),
        (-1, 51.0, Status.OFF_TRACK),
        (0, 50.0, Status.ON_TRACK),
        (0, 50.1, Status.OFF_TRACK),
    ],
)
def test_hold_commitment_uses_the_kpi_direction(
    direction: int, value: float, status: Status
) -> None:
    hold = Path(2020, 50.0, 2030, 50.0, direction)
    p = assess(hold, {2025: value})
    assert p.status == status
    assert p.covered_fraction is None


def test_invalid_paths_are_refused() -> None:
    with pytest.raises(ValueError, match="after baseline"):
        Path(2030, 1.0, 2030, 2.0)
    with pytest.raises(ValueError, match="finite"):
        Path(2020, math.inf, 2030, 2.0)
    with pytest.raises(ValueError, match="direction"):
        Path(2020, 1.0, 2030, 2.0, 2)


def test_direction_conflicts() -> None:
    assert path_direction_conflicts(Path(2020, 10.0, 2030, 12.0, -1))
    assert path_direction_conflicts(Path(2020, 10.0, 2030, 8.0, 1))
    assert not path_direction_conflicts(GHG)
    assert not path_direction_conflicts(Path(2020, 10.0, 2030, 12.0, 0))


years = st.integers(min_value=1990, max_value=2060)
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@st.composite
def paths(draw: st.DrawFn) -> Path:
    y0 = draw(years)
    y1 = draw(st.integers(min_value=y0 + 1, max_value=y0 + 40))
    v0, v1 = draw(values), draw(values)
    assume(abs(v1 - v0) > 1e-3)
    return Path(y0, v0, y1, v1, draw(st.sampled_from([-1, 0, 1])))


@given(paths(), st.integers(min_value=1, max_value=60))
def test_a_value_on_the_path_is_on_track(path: Path, offset: int) -> None:
    year = path.baseline_year + offset
    assert assess(path, {year: path.expected_value(year)}).status == Status.ON_TRACK


@given(paths(), st.integers(min_value=1, max_value=60), values, st.floats(0, 1e5))
def test_further_along_is_never_worse(path: Path, offset: int, value: float, gain: float) -> None:
    """Moving a value further in the target's direction never turns on track into off."""
    year = path.baseline_year + offset
    further = value + math.copysign(gain, path.target_value - path.baseline_value)
    if assess(path, {year: value}).status == Status.ON_TRACK:
        assert assess(path, {year: further}).status == Status.ON_TRACK


@given(paths())
def test_path_ends(path: Path) -> None:
    assert path.expected_value(path.baseline_year) == path.baseline_value
    assert path.expected_value(path.target_year) == pytest.approx(path.target_value)
    lo, hi = sorted((path.baseline_value, path.target_value))
    mid = (path.baseline_year + path.target_year) // 2
    assert lo - 1e-6 <= path.expected_value(mid) <= hi + 1e-6
