"""Guidance rules: parsing, validation against the framework, triggers, peers."""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.guidance import (
    GuidanceError,
    NodeStatus,
    Trigger,
    evaluate,
    parse_rules,
    recommend,
    select_peers,
    validate_rules,
)


def packaged() -> dict[str, Any]:
    text = (resources.files("citydiplomacy.data") / "guidance" / "u4ssc.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def levels(fw: Framework) -> dict[str, int]:
    return {str(c): int(v) for c, v in fw.nodes["level"].items()}


def minimal() -> dict[str, Any]:
    return {
        "framework": "toy",
        "sources": {"s": {"title": "A source", "url": "https://example.org/a"}},
        "rules": [
            {
                "id": "r1",
                "node": "A",
                "when": {"band_at_most": 2},
                "recommendations": [{"key": "k1", "text": {"en": "Do it."}, "sources": ["s"]}],
            }
        ],
    }


# ------------------------------------------------------------------ the packaged rules
def test_packaged_rules_fit_the_u4ssc_framework(u4ssc: Framework) -> None:
    rules = parse_rules(packaged())
    assert validate_rules(rules, levels(u4ssc), framework=u4ssc.name) == []


def test_every_category_has_a_rule(u4ssc: Framework) -> None:
    rules = parse_rules(packaged())
    categories = [c for c, lv in levels(u4ssc).items() if lv == 2]
    watched = {r.node for r in rules.rules}
    assert len(categories) == 27
    assert set(categories) <= watched
    # The 27 category nodes carry 22 distinct names (U4SSC's 22 categories): all covered.
    names = {str(u4ssc.nodes.at[c, "name"]) for c in categories}
    assert len(names) == 22


def test_every_recommendation_cites_a_source_with_a_url_and_speaks_french() -> None:
    rules = parse_rules(packaged())
    used = set()
    for rule in rules.rules:
        for rec in rule.recommendations:
            assert rec.sources, rec.key
            for s in rec.sources:
                assert s.url.startswith("https://") and s.title
                used.add(s.key)
            assert rec.text_in("en") != rec.text_in("fr"), rec.key
            assert rec.text_in("fr_CH") == rec.text_in("fr")
            assert rec.text_in("es") == rec.text_in("en")  # fallback
    assert used == set(rules.sources), "every source is cited"
    kinds = {s.kind for s in rules.sources.values()}
    assert {"sdg", "unece", "u4ssc"} <= kinds


def test_rules_for_another_framework_are_refused(u4ssc: Framework) -> None:
    rules = parse_rules(packaged())
    problems = validate_rules(rules, levels(u4ssc), framework="sdg11")
    assert problems and "not 'sdg11'" in problems[0]


def test_validation_finds_unknown_nodes_and_uncovered_categories() -> None:
    data = minimal()
    data["rules"][0]["node"] = "Z"
    data["rules"].append(
        {
            "id": "r2",
            "node": "A",
            "when": {"off_track": True},
            "recommendations": [{"key": "k2", "text": "Do more.", "sources": "s"}],
        }
    )
    rules = parse_rules(data)
    problems = validate_rules(rules, {"I": 3, "A": 2, "B": 2, "a1": 1})
    assert any("node 'Z' is not in the framework" in p for p in problems)
    assert any("off_track applies to KPIs" in p for p in problems)
    assert any("no rule for B" in p for p in problems)


def test_parse_collects_every_problem() -> None:
    data = minimal()
    data["sources"]["bad"] = {"title": "", "url": "ftp://x"}
    rule = data["rules"][0]
    rule["when"] = {"band_at_most": 7, "sometimes": True}
    rule["priority"] = 9
    rule["recommendations"].append({"key": "k1", "text": {"fr": "Seulement."}, "sources": []})
    data["rules"].append(copy.deepcopy(data["rules"][0]))
    data["rules"].append({"id": "r3", "node": "B", "when": {}, "recommendations": []})
    with pytest.raises(GuidanceError) as info:
        parse_rules(data)
    text = "\n".join(info.value.problems)
    for needle in (
        "source bad: no title",
        "url must start with https://",
        "band_at_most must be 1, 2 or 3",
        "unknown condition(s) ['sometimes']",
        "priority must be 1, 2 or 3",
        "no text in 'en'",
        "cites no source",
        "duplicate id",
        "duplicate key k1",
        "'when' must set",
        "rule 3 (r3): no recommendations",
    ):
        assert needle in text, needle


def test_parse_refuses_non_mappings() -> None:
    with pytest.raises(GuidanceError):
        parse_rules([])  # type: ignore[arg-type]
    with pytest.raises(GuidanceError) as info:
        parse_rules({"framework": "x", "sources": {"s": "nope"}, "rules": ["x"]})
    assert any("expected a mapping" in p for p in info.value.problems)


# ------------------------------------------------------------------ triggers
@pytest.mark.parametrize(
    ("band", "trend", "progress", "expected"),
    [
        (1, "", None, ["band"]),
        (2, "flat", None, ["band"]),
        (3, "flat", None, []),
        (0, "down", None, ["worsening"]),  # not scored: no band reason
        (4, "down", -0.2, ["worsening", "off_track"]),
        (4, "up", 0.0, []),
    ],
)
def test_trigger_reasons(
    band: int, trend: str, progress: float | None, expected: list[str]
) -> None:
    trigger = Trigger(band_at_most=2, worsening=True, off_track=True)
    assert trigger.reasons(NodeStatus("X", band, trend, progress)) == expected


def test_evaluate_orders_by_priority_then_band() -> None:
    data = minimal()
    data["rules"] = [
        {"id": f"r{i}", "node": n, "when": {"band_at_most": 3, "worsening": True},
         "priority": p, "recommendations": [{"key": f"k{i}", "text": "x", "sources": ["s"]}]}
        for i, (n, p) in enumerate([("A", 2), ("B", 2), ("C", 1), ("D", 2)])
    ]  # fmt: skip
    rules = parse_rules(data)
    statuses = {
        "A": NodeStatus("A", 3),
        "B": NodeStatus("B", 1),
        "C": NodeStatus("C", 3),
        "D": NodeStatus("D", 4, "up"),  # does not fire
    }
    assert [g.rule.node for g in evaluate(rules, statuses)] == ["C", "B", "A"]
    assert evaluate(rules, {}) == []  # nothing reported: nothing fires


# ------------------------------------------------------------------ peers
def perf_frame() -> tuple[pd.Series, pd.DataFrame]:
    ids = ["me", "a", "b", "c", "d", "e"]
    similarity = pd.Series([1.0, 0.9, 0.8, 0.7, 0.6, 0.1], index=ids)
    performance = pd.DataFrame(
        {
            "score": [30.0, 80.0, 95.0, 50.0, 40.0, 100.0],
            "band": [1, 3, 4, 2, 2, 4],
            "change": [0.0, -1.0, 2.0, 20.0, 5.0, 0.0],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        },
        index=ids,
    )
    return similarity, performance


def test_select_peers_picks_strong_similar_cities_and_the_biggest_improver() -> None:
    similarity, performance = perf_frame()
    peers = select_peers(similarity, performance, "me", pool=4)
    assert [(p.city_id, p.reason) for p in peers] == [
        ("b", "strong"),
        ("a", "strong"),
        ("c", "improved"),
    ]
    assert peers[0].score == 95.0 and peers[0].value == 3.0 and peers[0].similarity == 0.8
    # "e" is the best anywhere but the least alike: outside the pool of similar cities.
    assert "e" not in {p.city_id for p in peers}
    assert "e" in {p.city_id for p in select_peers(similarity, performance, "me", pool=10)}


def test_select_peers_without_candidates() -> None:
    similarity, performance = perf_frame()
    performance["score"] = np.nan
    assert select_peers(similarity, performance, "me") == []
    assert select_peers(similarity, perf_frame()[1], "me", min_similarity=0.95) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1),
            st.one_of(st.none(), st.floats(0, 100)),
            st.integers(0, 4),
            st.one_of(st.none(), st.floats(-50, 50)),
        ),
        min_size=1,
        max_size=25,
    ),
    st.integers(0, 3),
    st.integers(0, 3),
)
def test_select_peers_properties(
    rows: list[tuple[float, float | None, int, float | None]], n_strong: int, n_improved: int
) -> None:
    ids = [f"c{i}" for i in range(len(rows))]
    similarity = pd.Series([r[0] for r in rows], index=ids)
    performance = pd.DataFrame(
        {
            "score": [np.nan if r[1] is None else r[1] for r in rows],
            "band": [r[2] for r in rows],
            "change": [np.nan if r[3] is None else r[3] for r in rows],
        },
        index=ids,
    )
    peers = select_peers(similarity, performance, "c0", n_strong=n_strong, n_improved=n_improved)
    chosen = [p.city_id for p in peers]
    assert "c0" not in chosen
    assert len(chosen) == len(set(chosen)) <= n_strong + n_improved
    for p in peers:
        assert p.score is not None
        if p.reason == "strong":
            assert p.band >= 3
        else:
            assert p.change is not None and p.change > 0
    strong = [p for p in peers if p.reason == "strong"]
    assert [p.score for p in strong] == sorted((p.score for p in strong), reverse=True)


def test_recommend_attaches_peers_and_limits() -> None:
    data = minimal()
    data["rules"].append(
        {"id": "r2", "node": "B", "when": {"worsening": True},
         "recommendations": [{"key": "k2", "text": "x", "sources": ["s"]}]}
    )  # fmt: skip
    rules = parse_rules(data)
    similarity, performance = perf_frame()
    statuses = {"A": NodeStatus("A", 1, "", None, 30.0), "B": NodeStatus("B", 3, "down")}
    out = recommend(rules, statuses, "me", similarity, {"A": performance})
    assert [g.rule.id for g in out] == ["r1", "r2"]
    assert out[0].peers and out[1].peers == ()
    assert len(recommend(rules, statuses, "me", similarity, {}, limit=1)) == 1


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "node",
                    "when",
                    "text",
                    "en",
                    "sources",
                    "band_at_most",
                    "worsening",
                    "recommendations",
                    "key",
                    "title",
                    "url",
                    "framework",
                    "rules",
                    "priority",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(_json)
def test_parse_rules_never_crashes_on_odd_input(data: Any) -> None:
    """Whatever the YAML holds, parsing either succeeds or lists problems (no other error)."""
    try:
        rules = parse_rules(data)
    except GuidanceError as exc:
        assert exc.problems
    else:
        assert rules.rules and all(r.recommendations for r in rules.rules)
