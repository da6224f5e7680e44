"""Gap analysis, learning plans, change with its paired test, mentoring pairs, survey."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from citydiplomacy.core.capacity import change, gaps, mentoring, plan, survey
from citydiplomacy.core.capacity.responses import read_responses
from citydiplomacy.errors import ValidationError
from citydiplomacy.io.capacity import packaged_framework, published_figures

NAN = np.nan


# ----------------------------------------------------------------------------- gaps
def test_gap_is_target_minus_rating_largest_first() -> None:
    rows = gaps.person_gaps(
        ["a", "b", "c", "d"], np.array([4.0, 3, 2, 5]), np.array([1.0, 3, 4, NAN])
    )
    assert [(g.code, g.gap) for g in rows] == [("a", 3.0), ("b", 0.0), ("c", -2.0), ("d", None)]
    assert [g.shortfall for g in rows] == [3.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("self", [2, 2, NAN]), ("second", [4, 2, 3]), ("mean", [3, 2, 3]), ("lower", [2, 2, 3])],
)
def test_second_rating_rules(rule: str, expected: list[float]) -> None:
    own = np.array([2.0, 2, NAN])
    second = np.array([4.0, NAN, 3])
    np.testing.assert_array_equal(gaps.combine_ratings(own, second, rule), expected)


def test_disagreement_and_bad_levels() -> None:
    assert gaps.disagreements(np.array([1.0, 3]), np.array([3.0, 4])).tolist() == [True, False]
    with pytest.raises(gaps.CapacityError):
        gaps.combine_ratings(np.array([7.0]), None)
    with pytest.raises(gaps.CapacityError):
        gaps.combine_ratings(np.array([1.0]), None, "median")


def test_groups_under_five_are_suppressed() -> None:
    r = np.array([[1.0, 2], [2, NAN], [3, NAN], [4, NAN], [5, NAN]])
    s = gaps.summarise(np.array([4.0, 4.0]), r)
    assert s.n_rated.tolist() == [5, 1]
    assert s.suppressed.tolist() == [False, True]
    assert s.mean_gap[0] == pytest.approx(1.0) and np.isnan(s.mean_gap[1])
    assert s.share_below[0] == pytest.approx(3 / 5)
    four = gaps.summarise(np.array([4.0, 4.0]), r[:4])
    assert four.suppressed.all() and np.isnan(four.mean_rating).all()


def test_heat_map_cells_columns_and_suppression() -> None:
    rng = np.random.default_rng(1)
    r = rng.integers(1, 6, size=(12, 4)).astype(float)
    cities = ["A"] * 6 + ["B"] * 5 + ["C"]
    t = np.array([5.0, 1, 3, 4])
    hm = gaps.heat_map(t, r, cities)
    assert hm.groups == ("A", "B", "C")
    order = list(hm.columns)
    mean_gap = (t - r).mean(axis=0)
    assert order == list(np.argsort(-mean_gap, kind="stable"))
    np.testing.assert_allclose(hm.values[0], (t - r)[:6].mean(axis=0)[order])
    assert hm.suppressed[2].all() and np.isnan(hm.values[2]).all()  # C: one person
    assert not hm.suppressed[:2].any()


@settings(max_examples=80, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 15), st.integers(1, 5)),
        elements=st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, NAN]),
    ),
    st.integers(1, 4),
)
def test_heat_map_matches_a_plain_loop(r: np.ndarray, n_groups: int) -> None:
    groups = [f"g{i % n_groups}" for i in range(r.shape[0])]
    t = np.full(r.shape[1], 3.0)
    hm = gaps.heat_map(t, r, groups)
    for gi, label in enumerate(hm.groups):
        rows = [i for i, g in enumerate(groups) if g == label]
        for k, col in enumerate(hm.columns):
            vals = [3.0 - r[i, col] for i in rows if not np.isnan(r[i, col])]
            assert hm.counts[gi, k] == len(vals)
            if len(vals) < gaps.MIN_GROUP:
                assert hm.suppressed[gi, k] and np.isnan(hm.values[gi, k])
            else:
                assert hm.values[gi, k] == pytest.approx(np.mean(vals))


# ----------------------------------------------------------------------------- plans
def _brute_force_fewest(shortfall: np.ndarray, covers: np.ndarray, min_gap: float) -> int:
    need = (shortfall >= min_gap) & covers.any(axis=0)
    for k in range(covers.shape[0] + 1):
        for combo in itertools.combinations(range(covers.shape[0]), k):
            got = covers[list(combo)].any(axis=0) if combo else np.zeros_like(need)
            if (got | ~need).all():
                return k
    raise AssertionError


def test_plan_covers_the_gaps_with_fewest_modules() -> None:
    shortfall = np.array([3.0, 2, 0, 1, 0.5])
    covers = np.array(
        [
            [1, 0, 0, 0, 0],
            [0, 1, 0, 0, 0],
            [1, 1, 0, 1, 0],  # one module for the three gaps of one level or more
            [0, 0, 1, 0, 1],
        ],
        dtype=bool,
    )
    p = plan.learning_plan(shortfall, covers)
    assert p.modules == (2,) and p.optimal
    assert p.uncovered == ()  # competency 4 (0.5) is below min_gap: not a need
    assert p.covered_shortfall == pytest.approx(6.0)


def test_plan_reports_what_no_module_covers() -> None:
    p = plan.learning_plan(np.array([2.0, 2.0]), np.array([[1, 0]], dtype=bool))
    assert p.modules == (0,) and p.uncovered == (1,)


def test_hours_break_ties_and_budget_limits() -> None:
    covers = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=bool)
    p = plan.learning_plan(np.array([2.0, 2, 1]), covers, np.array([30.0, 6, 4]))
    assert set(p.modules) == {1, 2} and p.hours == 10
    one = plan.learning_plan(np.array([2.0, 2, 1]), covers, np.array([30.0, 6, 4]), max_modules=1)
    assert one.modules == (1,) and one.uncovered == (2,)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 7), elements=st.sampled_from([0.0, 1, 2, 3])), st.data()
)
def test_exact_plan_is_minimal_and_greedy_within_its_bound(
    s: np.ndarray, data: st.DataObject
) -> None:
    m = data.draw(st.integers(1, 6))
    covers = data.draw(hnp.arrays(np.bool_, (m, s.size)))
    exact = plan.learning_plan(s, covers, method="exact")
    auto = plan.learning_plan(s, covers)
    assert len(auto.modules) <= len(plan.learning_plan(s, covers, method="greedy").modules)
    greedy = plan.learning_plan(s, covers, method="greedy")
    best = _brute_force_fewest(s, covers, 1.0)
    assert len(exact.modules) == best
    for p in (exact, greedy):
        covered = covers[list(p.modules)].any(axis=0) if p.modules else np.zeros(s.size, bool)
        need = (s >= 1) & covers.any(axis=0)
        assert (covered | ~need).all()
    if best:
        largest = int(covers.sum(axis=1).max())
        assert len(greedy.modules) <= plan.harmonic(largest) * best + 1e-9


def test_dominated_modules_are_dropped_and_auto_proves_small_plans() -> None:
    covers = np.array([[1, 1, 0], [1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=bool)
    hours = np.array([5.0, 1, 3, 2])
    # 1 is inside 0 and 2; 0 and 2 cover alike and 2 is shorter: only 2 and 3 remain.
    assert plan.undominated(covers, hours).tolist() == [2, 3]
    p = plan.learning_plan(np.array([2.0, 1, 3]), covers, hours)
    assert set(p.modules) == {2, 3} and p.optimal and "fewest modules" in p.method


def test_large_catalogue_plan_is_fast_and_states_its_guarantee() -> None:
    rng = np.random.default_rng(2)
    covers = np.zeros((200, 50), dtype=bool)
    for m in range(200):
        covers[m, rng.choice(50, size=int(rng.integers(2, 7)), replace=False)] = True
    shortfall = np.clip(rng.integers(-2, 4, 50), 0, None).astype(float)
    p = plan.learning_plan(shortfall, covers, rng.uniform(2, 40, 200), time_limit=0.05)
    need = (shortfall >= 1) & covers.any(axis=0)
    assert not p.uncovered or not need[list(p.uncovered)].any()
    assert p.optimal or "not proved optimal" in p.method


# ----------------------------------------------------------------------------- change
def test_wilcoxon_matches_scipy_and_small_groups_are_not_shown() -> None:
    before = np.array([1.0, 2, 2, 3, 1, 2, 3, 2, NAN])
    after = np.array([3.0, 3, 2, 4, 3, 4, 3, 4, 5])
    c = change.paired_change(before, after)
    d = (after - before)[:8]
    # ties and zeros: the normal approximation with tie and continuity corrections (R's
    # wilcox.test), not SciPy's exact permutation test (0.5 s for 13 tied pairs)
    ref = stats.wilcoxon(d, zero_method="wilcox", method="approx", correction=True)
    assert c.n_pairs == 8 and c.improved == 6 and c.worsened == 0
    assert c.p_value == pytest.approx(ref.pvalue)
    # By hand, as R's wilcox.test computes it: zeros dropped, n = 6, midranks 1.5 (x2) and
    # 4.5 (x4), V = 21, z = (21 - 10.5 - 0.5) / sqrt(6*7*13/24 - (6 + 60)/48) = 2.16295,
    # p = 2 * (1 - Phi(2.16295)) = 0.030545
    assert c.p_value == pytest.approx(0.030545, abs=1e-6)
    # no ties, no zeros, under 50 pairs: the exact distribution
    untied = change.paired_change(np.full(6, 2.0), np.array([2.5, 1.0, 3.5, 4.0, 4.5, 5.0]))
    exact = stats.wilcoxon(np.array([0.5, -1.0, 1.5, 2.0, 2.5, 3.0]), method="exact")
    assert untied.p_value == pytest.approx(exact.pvalue)
    assert c.mean_change == pytest.approx(d.mean())
    small = change.paired_change(before[:4], after[:4])
    assert small.p_value is None and small.mean_change is None and "fewer than 5" in small.note
    same = change.paired_change(np.ones(6), np.ones(6))
    assert same.p_value is None and same.mean_change == 0


def test_change_by_competency_and_overall() -> None:
    rng = np.random.default_rng(3)
    before = rng.integers(1, 4, size=(20, 3)).astype(float)
    after = np.minimum(before + rng.integers(0, 3, size=(20, 3)), 5)
    per = change.change_by_competency(before, after)
    assert len(per) == 3 and all(c.worsened == 0 for c in per)
    total = change.overall_change(before, after)
    assert total.n_pairs == 20 and total.p_value is not None and total.p_value < 0.01


# ----------------------------------------------------------------------------- mentoring
def test_mentoring_pairs_strong_with_weak_across_cities() -> None:
    r = np.array([[1.0, 5], [5, 1], [1, 5], [5, 1]])
    t = np.array([4.0, 4.0])
    pairs, unpaired, method = mentoring.mentoring_pairs(t, r, ["A", "A", "B", "B"])
    assert "HiGHS" in method and unpaired == ()
    got = {frozenset((p.first, p.second)) for p in pairs}
    assert got == {frozenset((0, 3)), frozenset((1, 2))}  # complementary and across cities
    p = next(p for p in pairs if {p.first, p.second} == {0, 3})
    assert p.first_learns == (0,) and p.second_learns == (1,)


def test_mentoring_never_pairs_one_city() -> None:
    r = np.array([[1.0, 5], [5, 1]])
    pairs, unpaired, _ = mentoring.mentoring_pairs(np.array([4.0, 4]), r, ["A", "A"])
    assert pairs == [] and unpaired == (0, 1)


# ----------------------------------------------------------------------------- responses
def _responses(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows).astype(str)


def test_responses_build_arrays_and_collect_problems() -> None:
    f = packaged_framework()
    code = f.codes[0]
    ok = _responses(
        [
            {
                "person": "ana",
                "city": "Geneva",
                "role": "officer",
                "competency": code,
                "level": "2",
                "rater": "",
                "phase": "",
            },
            {
                "person": "ana",
                "city": "Geneva",
                "role": "officer",
                "competency": code,
                "level": "4",
                "rater": "manager",
                "phase": "",
            },
            {
                "person": "ana",
                "city": "Geneva",
                "role": "officer",
                "competency": code,
                "level": "3",
                "rater": "self",
                "phase": "after",
            },
        ]
    )
    r = read_responses(ok, "r.csv", f)
    assert r.people == ("ana",) and r.second_by == ("manager",)
    assert r.get("before", "self")[0, 0] == 2 and r.get("before", "second")[0, 0] == 4
    assert r.get("after", "self")[0, 0] == 3
    assert np.isnan(r.get("after", "second")).all()
    bad = _responses(
        [
            {
                "person": "ana",
                "city": "Geneva",
                "role": "officer",
                "competency": code,
                "level": "6",
            },
            {
                "person": "ana",
                "city": "Geneva",
                "role": "minister",
                "competency": "ZZZ",
                "level": "2",
            },
            {"person": "bo", "city": "Lyon", "role": "officer", "competency": code, "level": "2"},
            {"person": "bo", "city": "Lyon", "role": "officer", "competency": code, "level": "3"},
        ]
    )
    with pytest.raises(ValidationError) as exc:
        read_responses(bad, "r.csv", f)
    assert [(p.row, p.column) for p in exc.value.errors] == [(2, 5), (3, 3), (3, 4), (5, 4)]


# ----------------------------------------------------------------------------- survey
def test_survey_compares_with_published_figures() -> None:
    rows = survey.compare(
        {"international_office": [True, True, False, None], "staff_trained": [True] * 6},
        published_figures(),
    )
    office = next(c for c in rows if c.indicator == "international_office")
    assert office.answered == 3 and office.share_percent == pytest.approx(200 / 3)
    assert office.small_sample
    assert [f.year for f in office.published] == [2020, 2024]
    trained = next(c for c in rows if c.indicator == "staff_trained")
    assert [f.text for f in trained.published] == ["19 %", "about 50 %", "57 %"]
    assert not trained.small_sample


def test_bad_figures_table() -> None:
    t = pd.DataFrame([{c: "" for c in survey.FIGURE_COLUMNS}])
    with pytest.raises(ValidationError) as exc:
        survey.read_figures(t, "f.csv")
    assert len(exc.value.errors) >= 5 and all(p.row == 2 for p in exc.value.errors)
