"""Round chart ticks (core.ticks.nice_ticks): round, covering, three to seven of them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.core.ticks import MAX_TICKS, MIN_TICKS, kpi_digits, nice_ticks, value_digits

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


def _is_round_step(step: float) -> bool:
    """1, 2, 2.5 or 5 times a power of ten (to float precision)."""
    exp = math.floor(math.log10(step))
    mantissa = step / 10.0**exp
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))


@given(finite, finite)
def test_ticks_are_round_cover_the_range_and_number_three_to_seven(a: float, b: float) -> None:
    low, high = min(a, b), max(a, b)
    # A range narrower than a millionth of its magnitude is not a chart axis.
    if high - low < 1e-6 * max(abs(low), abs(high), 1e-3) and high != low:
        return
    ticks = nice_ticks(a, b)
    assert MIN_TICKS <= len(ticks) <= MAX_TICKS
    assert ticks == sorted(ticks)
    step = ticks[1] - ticks[0]
    tol = 1e-9 * max(abs(low), abs(high), step)
    assert ticks[0] <= low + tol and ticks[-1] >= high - tol
    assert _is_round_step(step)
    for i, t in enumerate(ticks):
        assert math.isclose(t - ticks[0], i * step, rel_tol=1e-6, abs_tol=tol)
        # every tick is a whole multiple of the step (16, 17, 18, not 16.22)
        assert math.isclose(t / step, round(t / step), abs_tol=1e-6)


def test_the_issue_example_gets_whole_numbers() -> None:
    assert nice_ticks(16.22, 19.88) == [16, 17, 18, 19, 20]


def test_percent_axis_and_equal_bounds() -> None:
    assert nice_ticks(0, 100) == [0, 25, 50, 75, 100]
    ticks = nice_ticks(5, 5)
    assert ticks[0] < 5 < ticks[-1]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e300])
def test_non_finite_or_huge_bounds_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="axis range"):
        nice_ticks(0, bad)


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), max_size=4))
def test_kpi_digits_is_the_most_any_value_needs(values: list[float]) -> None:
    digits = kpi_digits(*values)
    assert 0 <= digits <= 3
    assert digits == max((value_digits(v) for v in values), default=0)
    for v in values:  # rounding to the shared decimals never loses what the value needed
        assert round(v, digits) == round(v, value_digits(v)) or value_digits(v) <= digits


def test_value_digits_examples() -> None:
    assert [value_digits(x) for x in (81.0, 90.1, 88.14, 0.05, 404.25, 1234.5, None)] == [
        0,
        1,
        2,
        2,
        1,
        0,
        0,
    ]
