"""Units (safe conversions only) and scoring specs (every key checked, round trip)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.core.spec import STEP_PARAMS, Spec
from citydiplomacy.core.units import check_unit, parse_unit
from citydiplomacy.errors import SpecError


@pytest.mark.parametrize(
    ("text", "key", "factor"),
    [
        ("per 1,000 inhabitants", "per_100k", 100.0),
        ("per 1 000", "per_100k", 100.0),
        ("per 10k", "per_100k", 10.0),
        ("per 100 000 inhabitants (per year)", "per_100k", 1.0),
        ("per capita", "per_100k", 100_000.0),
        ("per million", "per_100k", 0.1),
        ("%", "percent", 1.0),
        ("fraction", "percent", 100.0),
        ("hours", "minutes", 60.0),
        ("MWh/year/capita", "kwh_per_capita_year", 1000.0),
        ("kg CO2e per capita", "tco2e_per_capita", 0.001),
        ("mg/m3", "ug_per_m3", 1000.0),
        ("km2 per 100 000 inhabitants", "ha_per_100k", 100.0),
    ],
)
def test_recognised_units(text: str, key: str, factor: float) -> None:
    parsed = parse_unit(text)
    assert parsed is not None
    assert parsed[0] == key
    assert parsed[1] == pytest.approx(factor)


def test_conversions_are_said_and_mismatches_refused() -> None:
    ok = check_unit("per 1000 inhabitants", "per 100 000 inhabitants", "per_100k")
    assert ok.ok and ok.factor == 100.0 and "converted" in ok.message
    assert check_unit("", "%", "percent") == check_unit("% ", "%", "percent")
    same = check_unit("Per 100 000 Inhabitants", "per 100 000 inhabitants", "per_100k")
    assert same.ok and same.factor == 1.0 and not same.message
    energy = check_unit("GJ/year/capita", "kWh/year/capita", "kwh_per_capita_year")
    assert energy.factor == pytest.approx(277.7777777)
    assert not check_unit("minutes", "%", "percent").ok
    assert not check_unit("bananas", "%", "percent").ok


@given(st.integers(min_value=1, max_value=10**7))
def test_rates_per_any_base_convert_to_per_100k(base: int) -> None:
    parsed = parse_unit(f"per {base:,} inhabitants")
    assert parsed is not None
    assert parsed[1] == pytest.approx(100_000 / base)


def test_documented_example_spec_round_trips() -> None:
    data = {
        "impute": "none",
        "treat": "none",
        "normalise": {"method": "minmax", "range": [0, 100]},
        "weights": "equal",
        "aggregate": {"method": "arithmetic"},
    }
    spec = Spec.from_data(data)
    assert spec.method == "composite"
    assert spec.normalise.params["range"] == [0.0, 100.0]
    assert Spec.from_data(spec.to_data()) == spec


def test_every_problem_of_a_spec_is_listed() -> None:
    with pytest.raises(SpecError) as info:
        Spec.from_data(
            {
                "colour": "red",
                "method": "magic",
                "impute": {"method": "mean", "by": "country"},
                "normalise": {"method": "minmax", "range": [100, 0]},
                "aggregate": {"method": "arithmetic", "coverage": 1.5},
                "targets": {"top_n": 0},
            }
        )
    text = str(info.value)
    for expected in (
        "unknown key 'colour'",
        "method 'magic' is not one of u4ssc, sdsn, composite",
        "impute: mean takes no parameter 'by'",
        "normalise: range must be two increasing numbers",
        "aggregate: coverage must be a share between 0 and 1",
        "targets: top_n must be a whole number >= 1",
    ):
        assert expected in text


@pytest.mark.parametrize("step", list(STEP_PARAMS))
def test_every_method_of_every_step_is_accepted(step: str) -> None:
    for method in STEP_PARAMS[step]:
        assert getattr(Spec.from_data({step: method}), step).method == method
