"""Forum pairing: the solver's answers are feasible and optimal."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.core.forum import ForumError, matching_benefit, pair_forum, pair_weights


def instance(seed: int, n: int, density: float = 0.7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    benefit = rng.random((n, n)).round(3)
    allowed = rng.random((n, n)) < density
    return benefit, allowed


def feasible(groups, allowed, k: int = 1) -> None:  # type: ignore[no-untyped-def]
    both = allowed & allowed.T
    count: dict[int, int] = {}
    for g in groups:
        for a, b in itertools.combinations(g.members, 2):
            assert both[a, b], f"{a}-{b} is not allowed"
        for m in g.members:
            count[m] = count.get(m, 0) + 1
    assert all(c <= k for c in count.values())


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 14))
def test_pairs_are_a_maximum_weight_matching(seed: int, n: int) -> None:
    benefit, allowed = instance(seed, n)
    result = pair_forum(benefit, allowed)
    feasible(result.groups, allowed)
    assert result.optimal
    assert result.total_benefit == pytest.approx(matching_benefit(benefit, allowed), abs=1e-6)
    w = pair_weights(benefit)
    for g in result.groups:
        assert g.benefit == pytest.approx(w[g.members[0], g.members[1]])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 10), k=st.integers(2, 3))
def test_k_partners_is_the_best_b_matching(seed: int, n: int, k: int) -> None:
    benefit, allowed = instance(seed, n)
    result = pair_forum(benefit, allowed, k=k)
    feasible(result.groups, allowed, k)
    # Brute force over edge subsets is too big; check against the LP bound instead: no single
    # added allowed edge between two cities with spare capacity would improve the total.
    w = pair_weights(benefit)
    degree = {i: 0 for i in range(n)}
    chosen = set()
    for g in result.groups:
        chosen.add(g.members)
        for m in g.members:
            degree[m] += 1
    both = allowed & allowed.T
    for i, j in itertools.combinations(range(n), 2):
        if both[i, j] and (i, j) not in chosen and degree[i] < k and degree[j] < k:
            assert w[i, j] <= 1e-9


def best_packing(w: np.ndarray, allowed: np.ndarray) -> float:
    """Brute force: the best set of disjoint pairs and triads (all pairs allowed)."""
    n = w.shape[0]
    both = allowed & allowed.T
    groups = []
    for size in (2, 3):
        for g in itertools.combinations(range(n), size):
            if all(both[a, b] for a, b in itertools.combinations(g, 2)):
                groups.append((g, sum(w[a, b] for a, b in itertools.combinations(g, 2))))
    best = 0.0

    def search(start: int, used: frozenset[int], total: float) -> None:
        nonlocal best
        best = max(best, total)
        for idx in range(start, len(groups)):
            g, value = groups[idx]
            if used.isdisjoint(g):
                search(idx + 1, used | frozenset(g), total + value)

    search(0, frozenset(), 0.0)
    return best


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 7))
def test_triads_are_optimal_on_small_forums(seed: int, n: int) -> None:
    benefit, allowed = instance(seed, n, density=0.9)
    result = pair_forum(benefit, allowed, group_size=3, triad_neighbours=n)
    feasible(result.groups, allowed)
    assert all(len(g.members) in (2, 3) for g in result.groups)
    assert result.optimal
    assert result.total_benefit == pytest.approx(
        best_packing(pair_weights(benefit), allowed), abs=1e-6
    )


def test_forbidden_pairs_never_meet() -> None:
    benefit = np.ones((4, 4))
    allowed = np.ones((4, 4), dtype=bool)
    allowed[0, 1] = allowed[1, 0] = False  # existing partners
    allowed[2, 3] = False  # one way is enough to forbid
    result = pair_forum(benefit, allowed)
    pairs = {g.members for g in result.groups}
    assert (0, 1) not in pairs and (2, 3) not in pairs
    assert pairs == {(0, 2), (1, 3)} or pairs == {(0, 3), (1, 2)}


def test_nobody_to_learn_from_leaves_everyone_unassigned() -> None:
    result = pair_forum(np.zeros((3, 3)), np.ones((3, 3), dtype=bool))
    assert result.groups == ()
    assert result.unassigned == (0, 1, 2)


def test_a_city_never_pairs_with_itself() -> None:
    benefit = np.eye(3) * 100
    result = pair_forum(benefit, np.ones((3, 3), dtype=bool))
    assert result.groups == ()


@pytest.mark.parametrize(
    ("benefit", "allowed", "kwargs", "message"),
    [
        (np.ones((2, 3)), np.ones((2, 3), bool), {}, "square"),
        (np.ones((3, 3)), np.ones((2, 2), bool), {}, "allowed mask"),
        (np.full((2, 2), np.nan), np.ones((2, 2), bool), {}, "missing"),
        (-np.ones((2, 2)), np.ones((2, 2), bool), {}, "negative"),
        (np.ones((2, 2)), np.ones((2, 2), bool), {"group_size": 4}, "group_size"),
        (np.ones((2, 2)), np.ones((2, 2), bool), {"k": 0}, "at least 1"),
        (np.ones((3, 3)), np.ones((3, 3), bool), {"group_size": 3, "k": 2}, "triads"),
    ],
)
def test_bad_input_is_refused(benefit, allowed, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ForumError, match=message):
        pair_forum(benefit, allowed, **kwargs)


def test_matching_helper_agrees_with_networkx() -> None:
    benefit, allowed = instance(3, 9)
    w = pair_weights(benefit)
    g = nx.Graph()
    both = allowed & allowed.T
    for i, j in itertools.combinations(range(9), 2):
        if both[i, j]:
            g.add_edge(i, j, weight=w[i, j])
    expected = sum(w[a, b] for a, b in nx.max_weight_matching(g))
    assert matching_benefit(benefit, allowed) == pytest.approx(expected)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 8), themes=st.integers(1, 4))
def test_learning_benefit_is_the_sum_over_wanted_themes(seed: int, n: int, themes: int) -> None:
    from citydiplomacy.core.forum import learning_benefit

    rng = np.random.default_rng(seed)
    scores = rng.uniform(0, 100, (n, themes))
    scores[rng.random((n, themes)) < 0.2] = np.nan
    wants = rng.random((n, themes)) < 0.6
    sim = rng.random((n, n))
    got = learning_benefit(scores, wants, sim)
    for i in range(n):
        for j in range(n):
            expected = 0.0
            if i != j:
                for t in range(themes):
                    gap = scores[j, t] - scores[i, t]
                    if wants[i, t] and not np.isnan(gap) and gap > 0:
                        expected += gap / 100
                expected *= 0.5 + 0.5 * sim[i, j]
            assert got[i, j] == pytest.approx(expected)
    assert (got >= 0).all()


def test_learning_benefit_checks_shapes() -> None:
    from citydiplomacy.core.forum import learning_benefit

    with pytest.raises(ForumError):
        learning_benefit(np.zeros((2, 3)), np.zeros((2, 2), bool), np.zeros((2, 2)))


def test_an_infeasible_solver_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The solver's 0/1 answer is checked, not trusted: a solution that pairs a city twice
    (as a tolerance or time-limit artefact could) is an error, never a wrong assignment."""
    import scipy.optimize

    from citydiplomacy.core import forum

    benefit = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float)
    allowed = np.ones((3, 3), dtype=bool)

    class Answer:
        x = np.ones(3)  # every pair chosen: each city in two pairs, with k = 1
        status = 0
        message = "ok"
        mip_dual_bound = -6.0

    def fake_milp(*args: object, **kwargs: object) -> Answer:
        return Answer()

    monkeypatch.setattr(forum, "milp", fake_milp)
    with pytest.raises(ForumError, match="at most 1"):
        pair_forum(benefit, allowed)
    assert scipy.optimize.milp is not fake_milp


def test_verify_names_each_broken_constraint() -> None:
    from citydiplomacy.core.forum import Group, verify

    allowed = np.ones((4, 4), dtype=bool)
    allowed[0, 3] = False
    verify([Group((0, 1), 1.0), Group((2, 3), 1.0)], allowed)  # fine
    with pytest.raises(ForumError, match="not allowed"):
        verify([Group((0, 3), 1.0)], allowed)
    with pytest.raises(ForumError, match="does not exist"):
        verify([Group((0, 7), 1.0)], allowed)
    with pytest.raises(ForumError, match="different cities"):
        verify([Group((1, 1), 1.0)], allowed)
    with pytest.raises(ForumError, match="twice"):
        verify([Group((0, 1), 1.0), Group((0, 1), 1.0)], allowed, k=2)
    with pytest.raises(ForumError, match="at most 2"):
        verify([Group((0, 1), 1.0), Group((0, 2), 1.0), Group((0, 1, 2), 1.0)], allowed, k=2)
