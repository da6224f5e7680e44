"""Synthetic demo data and the packaged SDG 11 framework."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from citydiplomacy.core.frameworks import VALUE_TYPES, Framework
from citydiplomacy.errors import DataError
from citydiplomacy.synthetic import (
    CITY_COLUMNS,
    LONG_COLUMNS,
    synthetic_cities,
    synthetic_long,
    synthetic_wide,
)

YEARS = range(2018, 2024)


def _load(name: str) -> Framework:
    path = resources.files("citydiplomacy") / "data" / "frameworks" / f"{name}.csv"
    with path.open(encoding="utf-8") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    return Framework.from_table(table, name)


@pytest.fixture(scope="module")
def u4ssc() -> Framework:
    return _load("u4ssc")


@pytest.fixture(scope="module")
def sdg11() -> Framework:
    return _load("sdg11")


@pytest.fixture(scope="module")
def u4ssc_long(u4ssc: Framework) -> pd.DataFrame:
    return synthetic_long(u4ssc, n_cities=40, years=YEARS, seed=7)


def _numeric(long: pd.DataFrame) -> pd.DataFrame:
    """Rows whose value is a number, with a float column ``v`` and the measure's metadata."""
    out = long[~long["value"].isin(["yes", "no"])].copy()
    out["v"] = out["value"].astype(float)
    return out


def _measure_codes(long: pd.DataFrame) -> pd.Series:
    kpi = long["kpi"].astype(str)
    dp = long["data_point"].astype(str)
    return kpi.where(dp == "", kpi + ":" + dp)


# ---------------------------------------------------------------------- SDG 11 framework
def test_sdg11_loads_with_expected_codes(sdg11: Framework) -> None:
    assert sdg11.root == "SDG11"
    assert sdg11.max_level == 3
    assert set(sdg11.kpis) == {
        "11.1.1",
        "11.2.1",
        "11.3.2",
        "11.5.1",
        "11.6.1",
        "11.6.2",
        "11.7.1",
        "11.7.2",
        "11.b.2",
    }
    targets = [c for c in sdg11.nodes.index if sdg11.level(c) == 2]
    assert targets == ["11.1", "11.2", "11.3", "11.5", "11.6", "11.7", "11.b"]
    assert all(sdg11.children[t] for t in targets)
    assert set(sdg11.nodes.loc[list(sdg11.kpis), "value_type"]) <= set(VALUE_TYPES)
    # 11.3.1 is left out on purpose (no defensible target for a two-sided score).
    assert "11.3.1" not in sdg11.nodes.index


def test_sdg11_targets_are_cited(sdg11: Framework) -> None:
    nodes = sdg11.nodes
    with_target = nodes[np.isfinite(nodes["target"].astype(float))]
    assert len(with_target) >= 1
    assert (with_target["target_source"].str.strip() != "").all()
    assert nodes.at["11.6.2", "target"] == 5.0
    assert nodes.at["11.6.2", "optimum"] == 5.0
    assert "WHO" in nodes.at["11.6.2", "target_source"]
    assert nodes.at["11.6.2", "direction"] == -1
    assert nodes.at["11.6.2", "unit_key"] == "ug_per_m3"
    # Everything inferred says so.
    unverified = nodes[~nodes["verified"]]
    assert (unverified["unverified"].str.strip() != "").all()
    assert not bool(nodes.at["11.7.1", "verified"])


# ---------------------------------------------------------------------- cities
def test_synthetic_cities_are_real_unique_and_largest_first() -> None:
    cities = synthetic_cities(60, seed=3)
    assert list(cities.columns) == list(CITY_COLUMNS)
    assert len(cities) == 60
    assert not cities.duplicated(["city", "country"]).any()
    assert cities["country"].str.fullmatch(r"[A-Z]{2}").all()
    assert cities["geonames_id"].notna().all()
    assert cities["population"].is_monotonic_decreasing
    assert cities["latitude"].between(-90, 90).all()
    # The head is fixed, the rest depends on the seed.
    other = synthetic_cities(60, seed=4)
    pd.testing.assert_frame_equal(cities.head(20), other.head(20))
    assert set(cities["city"]) != set(other["city"])
    pd.testing.assert_frame_equal(cities, synthetic_cities(60, seed=3))


def test_synthetic_cities_hold_the_documented_cities() -> None:
    # The README's `citydiplomacy profile demo.csv --city Geneva --country CH` needs Geneva.
    for seed in (0, 1, 7):
        cities = synthetic_cities(22, seed=seed)
        assert {2660646, 2996944} <= set(cities["geonames_id"].dropna().astype(int))
        assert cities["population"].is_monotonic_decreasing
    assert 2660646 not in set(synthetic_cities(20)["geonames_id"].astype(int))  # the head only


def test_synthetic_cities_beyond_geonames_reuse_names() -> None:
    cities = synthetic_cities(40_000)  # GeoNames cities15000 holds about 33 000
    assert len(cities) == 40_000
    copies = cities["geonames_id"].isna()
    assert copies.any()
    assert cities.loc[copies, "city"].str.contains(r" \(\d+\)$").all()
    assert not cities.duplicated(["city", "country"]).any()


# ---------------------------------------------------------------------- long format
def test_long_columns_and_metadata(u4ssc: Framework, u4ssc_long: pd.DataFrame) -> None:
    long = u4ssc_long
    assert tuple(long.columns) == LONG_COLUMNS
    assert (long["source"] == "synthetic demo data (citydiplomacy, seed 7)").all()
    assert not long["verified"].any()
    assert set(long["year"].unique()) == set(YEARS)
    assert set(long["kpi"].astype(str)) <= set(u4ssc.kpis)
    codes = _measure_codes(long)
    assert set(codes) <= set(u4ssc.measures)
    units = u4ssc.nodes["unit"].to_dict()
    assert (long["unit"].astype(str) == codes.map(units)).all()
    level1 = codes.map(u4ssc.nodes["level"].to_dict()) == 1
    assert (long.loc[level1, "data_point"].astype(str) == "").all()
    assert (long.loc[~level1, "data_point"].astype(str) != "").all()
    # One row per city, year and measure.
    assert not pd.concat([long[["city", "country", "year"]], codes], axis=1).duplicated().any()


def test_deterministic(u4ssc: Framework, u4ssc_long: pd.DataFrame) -> None:
    again = synthetic_long(u4ssc, n_cities=40, years=YEARS, seed=7)
    assert list(again.dtypes) == list(u4ssc_long.dtypes)
    pd.testing.assert_frame_equal(u4ssc_long.astype(str), again.astype(str))
    other = synthetic_long(u4ssc, n_cities=40, years=YEARS, seed=8)
    assert not u4ssc_long["value"].head(200).equals(other["value"].head(200))


@pytest.mark.parametrize("name", ["u4ssc", "sdg11"])
def test_values_respect_value_types(name: str, request: pytest.FixtureRequest) -> None:
    fw: Framework = request.getfixturevalue(name)
    long = synthetic_long(fw, n_cities=40, years=YEARS, seed=11)
    codes = _measure_codes(long)
    vtype = codes.map(fw.nodes["value_type"].to_dict())
    yesno = vtype == "yesno"
    assert set(long.loc[yesno, "value"]) <= {"yes", "no"}
    num = long.loc[~yesno, "value"].astype(float)
    assert np.isfinite(num).all()
    kinds = vtype[~yesno]
    assert num[kinds == "percent"].between(0, 100).all()
    assert num[kinds == "coefficient"].between(0, 1).all()
    assert (num[kinds.isin(["rate", "count", "quantity"])] >= 0).all()
    counts = num[kinds == "count"]
    assert (counts == counts.round()).all()
    lo = codes.map(fw.nodes["plausible_min"].to_dict())[~yesno]
    hi = codes.map(fw.nodes["plausible_max"].to_dict())[~yesno]
    assert (num[lo.notna()] >= lo[lo.notna()]).all()
    assert (num[hi.notna()] <= hi[hi.notna()]).all()


def test_realistic_levels(u4ssc: Framework, u4ssc_long: pd.DataFrame) -> None:
    num = _numeric(u4ssc_long)
    by = num.groupby(_measure_codes(num))["v"].median()
    assert 0.8 < by["SC-SH-SI-1C"] < 1.0  # gender earnings ratio near (below) parity
    assert 60 < by["SC-EH-H-1C"] < 90  # life expectancy, years
    assert 2 < by["EN-EN-AQ-1C:PM2.5"] < 40  # µg/m³
    assert 1_000 < by["EN-E-E-2C"] < 15_000  # kWh/year/capita
    assert 1 < by["EC-P-EM-1C"] < 20  # unemployment, %
    assert by["SC-SH-SA-9C"] < 30  # traffic deaths per 100 000
    # Shares of one whole add up to 100 (up to rounding).
    waste = num[num["kpi"].astype(str) == "EN-EN-WA-1C"]
    full = waste.groupby(["city", "year"], observed=True)["v"].agg(["sum", "size"])
    full = full[full["size"] == 6]
    assert len(full) > 0
    assert np.allclose(full["sum"], 100, atol=0.5)


def test_development_factor_and_trends(u4ssc: Framework) -> None:
    wide = synthetic_wide(u4ssc, n_cities=150, years=YEARS, seed=2, coverage=1.0)
    last = wide[wide["year"] == max(YEARS)]
    measures = [m for m in wide.columns[4:] if last[m].dtype == float and last[m].std() > 0]
    x = last[measures].astype(float)
    direction = np.array([u4ssc.nodes.at[m, "direction"] for m in measures], dtype=float)
    z = (x - x.mean()) / x.std() * np.where(direction == 0, 1.0, direction)
    corr = np.corrcoef(z.to_numpy().T)
    upper = corr[np.triu_indices_from(corr, 1)]
    assert upper.mean() > 0.15  # measures agree once aligned on "better"
    share = np.linalg.eigvalsh(corr)[::-1][0] / len(measures)
    assert 0.2 < share < 0.7  # one dominant component, but not a single number
    # Gentle trends: most cities improve on PM2.5, some do not.
    pm = wide.pivot_table(index="city", columns="year", values="EN-EN-AQ-1C:PM2.5")
    change = pm[max(YEARS)] - pm[min(YEARS)]
    assert 0.5 < (change < 0).mean() < 0.95
    # Yes/no answers rarely flip from one year to the next.
    yn = wide.pivot_table(index="city", columns="year", values="SC-SH-SA-3A", aggfunc="first")
    flips = (yn.ne(yn.shift(axis=1)) & yn.shift(axis=1).notna()).to_numpy().mean()
    assert flips < 0.05


@pytest.mark.parametrize("coverage", [0.85, 0.5])
def test_coverage(u4ssc: Framework, coverage: float) -> None:
    n_cities = 40
    long = synthetic_long(u4ssc, n_cities=n_cities, years=YEARS, seed=5, coverage=coverage)
    cells = n_cities * len(YEARS) * len(u4ssc.measures)
    assert abs(len(long) / cells - coverage) < 0.02
    # Never a whole city missing in a year.
    per_city_year = long.groupby(["city", "country", "year"], observed=True).size()
    assert len(per_city_year) == n_cities * len(YEARS)


def test_full_coverage(sdg11: Framework) -> None:
    long = synthetic_long(sdg11, n_cities=5, years=YEARS, coverage=1.0)
    assert len(long) == 5 * len(YEARS) * len(sdg11.measures)


def test_wide_and_long_agree(u4ssc: Framework, u4ssc_long: pd.DataFrame) -> None:
    wide = synthetic_wide(u4ssc, n_cities=40, years=YEARS, seed=7)
    assert list(wide.columns[:4]) == ["city", "country", "geonames_id", "year"]
    assert len(wide) == 40 * len(YEARS)
    labels = list(wide.columns[4:])
    assert labels == [
        u4ssc.kpi_of(m) + (f":{u4ssc.nodes.at[m, 'data_point']}" if u4ssc.level(m) == 0 else "")
        for m in u4ssc.measures
    ]
    melted = wide.melt(
        id_vars=["city", "country", "year"], value_vars=labels, var_name="m", value_name="value"
    ).dropna(subset=["value"])
    long = u4ssc_long.assign(m=_measure_codes(u4ssc_long))
    key = ["city", "country", "year", "m"]
    a = melted.astype({"city": str, "country": str}).sort_values(key).reset_index(drop=True)
    b = long.astype({"city": str, "country": str}).sort_values(key).reset_index(drop=True)
    assert len(a) == len(b)
    pd.testing.assert_frame_equal(a[key], b[key])
    assert (a["value"].astype(str) == b["value"].astype(str)).all()


def test_numeric_yesno_and_own_cities(sdg11: Framework) -> None:
    own = pd.DataFrame(
        {"city": ["Oslo", "Bergen", "Nairobi"], "country": ["NO", "NO", "KE"]},
    )
    long = synthetic_long(sdg11, cities=own, years=[2020, 2021], yesno_text=False, seed=1)
    assert set(long["city"].astype(str)) == {"Oslo", "Bergen", "Nairobi"}
    assert long["value"].dtype == np.float64
    yesno = long["kpi"].astype(str).isin(["11.3.2", "11.b.2"])
    assert set(long.loc[yesno, "value"]) <= {0.0, 1.0}
    assert long["geonames_id"].isna().all()


def test_bad_arguments(sdg11: Framework) -> None:
    with pytest.raises(ValueError, match="coverage"):
        synthetic_long(sdg11, n_cities=3, coverage=0.0)
    with pytest.raises(ValueError, match="years"):
        synthetic_long(sdg11, n_cities=3, years=[])
    with pytest.raises(DataError, match="country"):
        synthetic_long(sdg11, cities=pd.DataFrame({"city": ["Oslo"]}))
    with pytest.raises(ValueError):
        synthetic_cities(0)
