"""Scoring end to end in process: U4SSC bands, SDSN scores, the composite pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from citydiplomacy.core import dataset
from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.panel import change_since_previous
from citydiplomacy.core.score import _int_type, compact_types, rank_desc, regenerate, score
from citydiplomacy.core.spec import Spec
from citydiplomacy.core.targets import peer_targets
from citydiplomacy.core.validate import validate_long
from citydiplomacy.errors import DataError, SpecError
from citydiplomacy.io.readers import located_long
from citydiplomacy.synthetic import synthetic_long
from tests.conftest import make_framework


def panel_of(fw: Framework, rows: dict[tuple[str, int], dict[str, float]]) -> Panel:
    records = [
        {"unit": city, "city": city, "country": "FR", "year": year, "measure": m, "value": v}
        for (city, year), values in rows.items()
        for m, v in values.items()
    ]
    return Panel.from_long(pd.DataFrame(records), fw)


TOY_DATA = {
    ("X", 2022): {"a1": 10, "a2": 20, "b1": 5, "b2": 1},
    ("Y", 2022): {"a1": 20, "a2": 40, "b1": 10, "b2": 3},
    ("Z", 2022): {"a1": 30, "a2": 30, "b1": 15, "b2": 2},
}


def by_code(result_table: pd.DataFrame, city: str, column: str) -> dict[str, float]:
    rows = result_table[result_table["city"] == city]
    return dict(zip(rows["code"], rows[column], strict=True))


def test_composite_minmax_arithmetic_by_hand(toy: Framework) -> None:
    spec = Spec.from_data(
        {
            "impute": "none",
            "treat": "none",
            "normalise": {"method": "minmax", "range": [0, 100]},
            "weights": "equal",
            "aggregate": {"method": "arithmetic"},
        }
    )
    table = score(panel_of(toy, TOY_DATA), toy, spec).table()
    # a1: 0/50/100; a2: 0/100/50; b1 (lower is better): 100/50/0; b2: 0/100/50
    expected = {
        "X": {"a1": 0, "a2": 0, "b1": 100, "b2": 0, "A": 0, "B": 50, "I": 25},
        "Y": {"a1": 50, "a2": 100, "b1": 50, "b2": 100, "A": 75, "B": 75, "I": 75},
        "Z": {"a1": 100, "a2": 50, "b1": 0, "b2": 50, "A": 75, "B": 25, "I": 50},
    }
    for city, codes in expected.items():
        got = by_code(table, city, "score")
        for code, value in codes.items():
            assert got[code] == pytest.approx(value, abs=1e-9), (city, code)
    assert by_code(table, "Y", "rank")["I"] == 1
    assert by_code(table, "Z", "rank")["I"] == 2
    assert by_code(table, "X", "rank")["I"] == 3
    # ties share the best rank
    assert by_code(table, "Y", "rank")["A"] == by_code(table, "Z", "rank")["A"] == 1
    assert by_code(table, "X", "value")["b1"] == 5
    assert list(table.columns[:10]) == [
        "city", "country", "year", "level", "code", "value", "score", "points", "band", "rank",
    ]  # fmt: skip


def test_composite_geometric_needs_positive_values(toy: Framework) -> None:
    spec = Spec.from_data({"aggregate": "geometric"})
    with pytest.raises(SpecError, match="positive"):
        score(panel_of(toy, TOY_DATA), toy, spec)
    spec = Spec.from_data(
        {"normalise": {"method": "minmax", "range": [1, 100]}, "aggregate": "geometric"}
    )
    table = score(panel_of(toy, TOY_DATA), toy, spec).table()
    # Y: A = sqrt(50.5 * 100), a1 -> 1 + 99 * 0.5
    assert by_code(table, "Y", "score")["A"] == pytest.approx(np.sqrt(50.5 * 100.0), rel=1e-12)


def test_u4ssc_bands_by_hand(toy: Framework) -> None:
    result = score(panel_of(toy, TOY_DATA), toy, Spec.from_data(None, method="u4ssc"))
    table = result.table()
    # targets: a1 100, a2 50, b1 10 (lower is better); b2 none and too few cities for a peer
    assert by_code(table, "X", "points") == pytest.approx(
        {"a1": 1, "a2": 2, "b1": 4, "b2": np.nan, "A": 3, "B": 4, "I": 7}, nan_ok=True
    )
    x = by_code(table, "X", "score")
    assert x["A"] == pytest.approx(37.5)
    assert x["I"] == pytest.approx(700 / 12)
    assert by_code(table, "X", "band")["I"] == "33-66% of target"
    assert by_code(table, "Y", "band")["I"] == "66-95% of target"  # 8/12
    assert by_code(table, "Z", "band")["B"] == "66-95% of target"  # b1 = 10/15 -> 3 of 4
    assert by_code(table, "X", "max_points")["I"] == 12
    assert result.targets.loc["b2", "target_kind"] == "none"
    assert "fewer than 5" in result.targets.loc["b2", "target_source"]


def test_u4ssc_worked_example_through_the_pipeline() -> None:
    fw = make_framework(
        [("ED", "Education", 2, "", 1, 1)]
        + [(f"k{i}", f"KPI {i}", 1, "ED", 1, 1) for i in range(4)],
        target=["", "100", "100", "100", "100"],
        target_source=["", "t", "t", "t", "t"],
    )
    p = panel_of(fw, {("C", 2020): {"k0": 10, "k1": 70, "k2": 99, "k3": 20},
                      ("D", 2020): {"k0": 70, "k1": 99, "k2": 50}})  # fmt: skip
    table = score(p, fw, Spec.from_data(None, method="u4ssc")).table()
    c = table[(table["city"] == "C") & (table["code"] == "ED")].iloc[0]
    assert (c["points"], c["max_points"], c["score"], c["band"]) == (
        9,
        16,
        56.25,
        "33-66% of target",
    )
    d = table[(table["city"] == "D") & (table["code"] == "ED")].iloc[0]
    assert (d["points"], d["max_points"], d["score"], d["band"]) == (
        9,
        12,
        75.0,
        "66-95% of target",
    )


def test_u4ssc_data_points_are_scored_one_by_one(u4ssc: Framework) -> None:
    p = panel_of(u4ssc, {("C", 2022): {"EN-EN-AQ-1C:PM2.5": 10.0, "EN-EN-AQ-1C:PM10": 15.0}})
    table = score(p, u4ssc, Spec.from_data(None, method="u4ssc")).table()
    got = by_code(table, "C", "points")
    assert got["EN-EN-AQ-1C:PM2.5"] == 2  # WHO 5 / 10 = 50 %
    assert got["EN-EN-AQ-1C:PM10"] == 4
    assert got["EN-EN-AQ-1C"] == 6
    assert by_code(table, "C", "max_points")["EN-EN-AQ-1C"] == 8


def test_peer_targets_follow_the_sdsn_rule(toy: Framework) -> None:
    rows = {(f"C{i}", 2022): {"b2": float(v)} for i, v in enumerate([1, 2, 3, 4, 5, 6, 7, 1000])}
    result = score(
        panel_of(toy, rows), toy, Spec.from_data({"targets": {"censor": [0, 87.5]}}, method="u4ssc")
    )
    # 1000 is censored at the 87.5th percentile: 7 + 0.125 * (1000 - 7) = 131.125
    assert result.targets.loc["b2", "target"] == pytest.approx((131.125 + 7 + 6 + 5 + 4) / 5)
    assert result.targets.loc["b2", "target_kind"] == "peer"
    assert "top 5 of 8 cities in 2022" in result.targets.loc["b2", "target_source"]


def test_user_target_overrides_reference(toy: Framework) -> None:
    spec = Spec.from_data({"targets": {"overrides": {"a1": 20}}}, method="u4ssc")
    result = score(panel_of(toy, TOY_DATA), toy, spec)
    assert result.targets.loc["a1", "target_source"] == "user override"
    assert by_code(result.table(), "X", "points")["a1"] == 2  # 10 / 20 = 50 %


def sdsn_framework() -> Framework:
    return make_framework(
        [("G", "Goal", 2, "", 1, 1), ("a", "a", 1, "G", 1, 1), ("b", "b", 1, "G", -1, 1)],
        lower_bound=["", "0", "100"],
        optimum=["", "100", "0"],
        red_threshold=["", "30", "60"],
        green_threshold=["", "80", "20"],
    )


def test_sdsn_scores_and_traffic_lights_by_hand() -> None:
    fw = sdsn_framework()
    p = panel_of(fw, {("P", 2022): {"a": 10, "b": 10}, ("Q", 2022): {"a": 50, "b": 50},
                      ("R", 2022): {"a": 90, "b": 120}})  # fmt: skip
    result = score(p, fw, Spec.from_data(None, method="sdsn"))
    table = result.table()
    assert by_code(table, "P", "score") == pytest.approx({"a": 10, "b": 90, "G": 50})
    assert by_code(table, "R", "score")["b"] == 0  # censored at the lower bound
    assert by_code(table, "P", "band") == {"a": "red", "b": "green", "G": "orange"}
    # Q: a = 1 + (50-30)/(80-30) = 1.4 (orange); b: 1 + (50-40)/(80-40) = 1.25 (orange)
    assert by_code(table, "Q", "band")["a"] == "orange"
    assert result.details["rating"][0, 1, 1] == pytest.approx(1.25)
    assert by_code(table, "Q", "band")["G"] == "orange"


def test_sdsn_trend_arrows() -> None:
    fw = sdsn_framework()
    rows = {}
    for i, year in enumerate(range(2018, 2023)):
        rows[("Up", year)] = {"a": 40 + 10 * i}  # +10 a year: on track for 80 by 2030
        rows[("Slow", year)] = {"a": 40 + 1 * i}  # needs (80-44)/8 = 4.5 a year
        rows[("Down", year)] = {"a": 60 - 5 * i}
    rows[("Flat", 2022)] = {"a": 50}
    table = score(panel_of(fw, rows), fw, Spec.from_data(None, method="sdsn")).table()
    last = table[(table["year"] == 2022) & (table["code"] == "a")].set_index("city")["trend"]
    assert last["Up"] == "↑ on track"
    assert last["Slow"] == "→ stagnating"
    assert last["Down"] == "↓ decreasing"
    assert last["Flat"] == ""  # one year of data: no trend


def test_change_and_progress_over_years(toy: Framework) -> None:
    rows = {("X", 2020): {"a1": 40, "b1": 20}, ("X", 2021): {"a1": 70, "b1": 15}}
    table = score(panel_of(toy, rows), toy, Spec.from_data(None, method="u4ssc")).table()
    x21 = table[table["year"] == 2021].set_index("code")
    assert x21.loc["a1", "progress"] == pytest.approx((70 - 40) / (100 - 40))
    assert x21.loc["b1", "progress"] == pytest.approx((15 - 20) / (10 - 20))
    assert x21.loc["a1", "change"] == pytest.approx(30.0)  # 40 % -> 70 % of target


def test_result_regenerates_from_its_spec(toy: Framework) -> None:
    p = panel_of(toy, TOY_DATA)
    spec = Spec.from_data(
        {"normalise": {"method": "zscore"}, "aggregate": {"method": "arithmetic", "coverage": 0.5}}
    )
    first = score(p, toy, spec)
    again = regenerate(first.provenance(), p, toy)
    np.testing.assert_array_equal(first.scores, again.scores)
    other = panel_of(toy, {**TOY_DATA, ("W", 2022): {"a1": 1.0}})
    with pytest.raises(DataError, match="fingerprint"):
        regenerate(first.provenance(), other, toy)


def test_rank_desc_matches_pandas_min_method() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, size=(4, 30, 3)).astype(float)
    x[rng.random(x.shape) < 0.2] = np.nan
    r = rank_desc(x)
    for i in range(4):
        expected = pd.DataFrame(x[i]).rank(ascending=False, method="min").to_numpy()
        np.testing.assert_array_equal(r[i], expected)


def test_sdsn_goal_with_too_few_rated_indicators_is_grey() -> None:
    fw = make_framework(
        [("G", "Goal", 2, "", 1, 1)] + [(k, k, 1, "G", 1, 1) for k in ("a", "b", "c")],
        lower_bound=["", "0", "0", "0"],
        optimum=["", "100", "100", "100"],
        red_threshold=["", "30", "30", "30"],
        green_threshold=["", "80", "80", "80"],
    )
    p = panel_of(fw, {("Few", 2022): {"a": 90}, ("All", 2022): {"a": 90, "b": 85, "c": 95}})
    table = score(p, fw, Spec.from_data(None, method="sdsn")).table()
    assert by_code(table, "Few", "band")["G"] == "grey"  # 1 of 3 rated: below half
    assert by_code(table, "Few", "score")["G"] == 90  # the score still averages what exists
    assert by_code(table, "All", "band")["G"] == "green"


def test_sdsn_when_every_city_beats_the_target(u4ssc: Framework) -> None:
    p = panel_of(
        u4ssc, {(f"C{i}", 2022): {"EC-P-IN-1C": v} for i, v in enumerate([3.5, 4, 4.5, 5])}
    )
    result = score(p, u4ssc, Spec.from_data(None, method="sdsn"))
    table = result.table()
    rd = table[table["code"] == "EC-P-IN-1C"]
    assert (rd["score"] == 100).all()  # target 3 (Europe 2020): everyone is past it
    assert "all score 100" in result.details["bounds"].loc["EC-P-IN-1C", "bounds_source"]
    p = panel_of(
        u4ssc, {(f"C{i}", 2022): {"EC-P-IN-1C": v} for i, v in enumerate([1, 2.8, 3.5, 4, 4.5, 5])}
    )
    rd = score(p, u4ssc, Spec.from_data(None, method="sdsn")).table()
    rd = rd[rd["code"] == "EC-P-IN-1C"].set_index("city")["score"]
    assert rd["C0"] == 0 and rd["C1"] > 0 and rd["C2"] == 100  # better never scores lower


@given(
    data=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=30),
        elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)),
    ),
    top_n=st.integers(1, 6),
    low=st.floats(0, 10),
    high=st.floats(90, 100),
)
@settings(max_examples=150, deadline=None)
def test_peer_targets_equal_their_definition(
    data: np.ndarray, top_n: int, low: float, high: float
) -> None:
    directions = np.resize(np.array([1, -1, 0]), data.shape[1])
    got, sizes = peer_targets(data, directions, top_n=top_n, censor=(low, high), min_cohort=1)
    for j in range(data.shape[1]):
        present = np.sort(data[~np.isnan(data[:, j]), j])
        assert sizes[j] == len(present)
        if len(present) == 0 or directions[j] == 0:
            assert np.isnan(got[j])
            continue
        clipped = np.clip(present, np.percentile(present, low), np.percentile(present, high))
        k = min(top_n, len(present))
        expected = clipped[-k:].mean() if directions[j] > 0 else clipped[:k].mean()
        assert got[j] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_columns_are_the_table_and_filter_levels(toy: Framework) -> None:
    rows = {**TOY_DATA, ("X", 2023): {"a1": 20, "b1": 8}, ("Y", 2023): {"a2": 30}}
    result = score(panel_of(toy, rows), toy, Spec.from_data(None, method="u4ssc"))
    for keep_empty in (False, True):
        whole = result.table(keep_empty=keep_empty)
        for year in (2022, 2023):
            part = pd.DataFrame(result.columns(keep_empty=keep_empty, years=[year]))
            expected = whole[whole["year"] == year].reset_index(drop=True)
            pd.testing.assert_frame_equal(part, expected)
            levels = pd.DataFrame(
                result.columns(keep_empty=keep_empty, years=[year], levels=[1, 3])
            )
            wanted = expected[expected["level"].isin([1, 3])].reset_index(drop=True)
            pd.testing.assert_frame_equal(levels, wanted)


@pytest.mark.parametrize("method", ["u4ssc", "sdsn", "composite"])
def test_compact_columns_hold_the_same_numbers_in_narrow_types(toy: Framework, method: str) -> None:
    rows = {**TOY_DATA, ("X", 2023): {"a1": 20, "b1": 8}, ("Y", 2023): {"a2": 30}}
    result = score(panel_of(toy, rows), toy, Spec.from_data(None, method=method))
    for keep_empty in (False, True):
        for years in ([2022], [2022, 2023]):
            wide = pd.DataFrame(result.columns(keep_empty=keep_empty, years=years))
            narrow = pd.DataFrame(result.columns(keep_empty=keep_empty, years=years, compact=True))
            assert narrow["year"].dtype == np.int16
            assert narrow["level"].dtype == np.int8
            assert narrow["points"].dtype == narrow["max_points"].dtype == "Int16"
            assert narrow["rank"].dtype == "Int32"
            # Same numbers, missing where they were missing (NaN became a null).
            pd.testing.assert_frame_equal(
                narrow.astype(wide.dtypes.to_dict()), wide, check_exact=True
            )
            assert narrow["rank"].isna().equals(wide["rank"].isna())
    if method == "u4ssc":
        assert narrow["points"].notna().any()


def test_compact_types_widen_where_the_numbers_need_it(toy: Framework) -> None:
    result = score(panel_of(toy, TOY_DATA), toy, Spec.from_data(None, method="u4ssc"))
    assert compact_types(result) == {
        "year": "int16",
        "level": "int8",
        "points": "int16",
        "rank": "int32",
        "geonames_id": "int32",
    }
    assert _int_type(0, 4 * 9000, smallest=np.int16) == "int32"  # 9,000 measures' points
    assert _int_type(-1, 40000) == "int32"
    assert _int_type(0, 2**40) == "int64"


def test_columns_of_a_full_year_are_views_and_ranks_are_not_kept(toy: Framework) -> None:
    result = score(panel_of(toy, TOY_DATA), toy, Spec.from_data(None, method="composite"))
    columns = result.columns(keep_empty=True, years=[2022])
    # Every row kept: the numbers are the result's own arrays, not copies.
    assert np.shares_memory(columns["score"], result.scores)
    assert result._ranks is None  # ranked for the year asked, not cached for all years
    np.testing.assert_array_equal(columns["rank"], result.ranks[0].ravel())


@pytest.mark.parametrize("method", ["u4ssc", "sdsn", "composite"])
def test_columns_year_by_year_in_any_order_match_the_whole_table(
    u4ssc: Framework, method: str
) -> None:
    fw = u4ssc
    long = synthetic_long(fw, n_cities=12, years=[2016, 2017, 2019, 2020, 2022], coverage=0.6)
    panel = Panel.from_long(validate_long(located_long(long, "x")[0], fw).long, fw)
    whole = pd.DataFrame(score(panel, fw, Spec.from_data(None, method=method)).columns())
    result = score(panel, fw, Spec.from_data(None, method=method))
    # In order (the command line's way), backwards, repeated, and two years at once.
    for order in ([2016, 2017, 2019, 2020, 2022], [2022, 2019, 2017], [2020, 2020], [2017, 2022]):
        parts = [pd.DataFrame(result.columns(years=[y])) for y in order]
        expected = pd.concat([whole[whole["year"] == y] for y in order], ignore_index=True)
        pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), expected)
    pair = pd.DataFrame(result.columns(years=[2019, 2022]))
    expected = whole[whole["year"].isin([2019, 2022])].reset_index(drop=True)
    pd.testing.assert_frame_equal(pair, expected)
    # Year by year, no whole-panel array of values, changes or progress was built.
    assert result._values is None and result._change is None and result._progress is None
    np.testing.assert_array_equal(result.change, change_since_previous(result.scores))
    assert result.values.shape == result.scores.shape


@pytest.mark.parametrize("year_type", ["int16", "int64", "float64"])
def test_the_cube_built_slice_by_slice_is_the_cube(
    toy: Framework, monkeypatch: pytest.MonkeyPatch, year_type: str
) -> None:
    rng = np.random.default_rng(5)
    n = 40
    long = pd.DataFrame(
        {
            "unit": [f"u{i}" for i in rng.integers(0, 7, n)],
            "city": "C",
            "country": "FR",
            "year": rng.choice([2019, 2021, 2024], n).astype(year_type),
            "measure": rng.choice(list(toy.measures), n),
            "value": rng.normal(size=n),
        }
    ).drop_duplicates(["unit", "year", "measure"], keep="last")
    whole = Panel.from_long(long, toy)
    monkeypatch.setattr(dataset, "_SLICE_ROWS", 3)  # many slices, the last one short
    sliced = Panel.from_long(long, toy)
    assert sliced.years == whole.years == (2019, 2021, 2024)
    np.testing.assert_array_equal(sliced.values, whole.values)
    units = list(whole.units["unit"])
    for row in long.itertuples():
        cell = whole.values[
            whole.years.index(int(row.year)),
            units.index(row.unit),
            list(toy.measures).index(row.measure),
        ]
        assert cell == row.value
    assert np.count_nonzero(~np.isnan(whole.values)) == len(long)


def test_unit_order_and_attributes_come_from_the_categories(toy: Framework) -> None:
    records = [
        {"unit": u, "city": u.upper(), "country": c, "year": y, "measure": "a1", "value": v}
        for u, c, y, v in [("y", "DE", 2022, 1.0), ("x", "FR", 2021, 2.0), ("y", "DE", 2021, 3.0)]
    ]
    long = pd.DataFrame(records)
    # A categorical unit column keeps its category order; unused categories are no units.
    long["unit"] = pd.Categorical(long["unit"], categories=["y", "unused", "x"])
    panel = Panel.from_long(long, toy)
    assert list(panel.units["unit"]) == ["y", "x"]
    assert list(panel.units["country"]) == ["DE", "FR"]
    assert panel.years == (2021, 2022)
    assert panel.values.shape == (2, 2, len(toy.measures))
    np.testing.assert_array_equal(panel.values[:, :, 0], [[3.0, 2.0], [1.0, np.nan]])
    # Plain text units are sorted, as before.
    text = Panel.from_long(long.astype({"unit": str}), toy)
    assert list(text.units["unit"]) == ["x", "y"]


def test_composite_points_take_no_memory_and_leaves_go_in_place(toy: Framework) -> None:
    from citydiplomacy.core.score import composite_leaf_scores

    panel = panel_of(toy, TOY_DATA)
    spec = Spec.from_data(None, method="composite")
    result = score(panel, toy, spec)
    for arr in (result.points, result.max_points):
        assert arr.shape == result.scores.shape and np.isnan(arr).all()
        # one NaN repeated (a read-only view), not arrays of the scores' size
        assert arr.strides == (0, 0, 0) and not arr.flags.writeable
    assert result.table()["points"].isna().all()
    assert pd.isna(result.columns(compact=True)["max_points"]).all()
    n = result.tree.n_measures
    default, _ = composite_leaf_scores(panel, toy, spec, result.targets)
    np.testing.assert_array_equal(result.scores[..., :n], default)
    # the leaves are written into the array given, a view of a larger one here
    big = np.full((*panel.values.shape[:2], n + 2), 5.0)
    leaves, _ = composite_leaf_scores(panel, toy, spec, result.targets, out=big[..., 1 : n + 1])
    assert np.shares_memory(leaves, big)
    np.testing.assert_array_equal(big[..., 1 : n + 1], result.scores[..., :n])
    assert (big[..., 0] == 5.0).all() and (big[..., n + 1] == 5.0).all()
