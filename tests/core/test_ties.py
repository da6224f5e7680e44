"""The tie index and the graph analysis."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from citydiplomacy.core.ties import TieIndex, ego_layout, graph_metrics, tie_graph

IDS = [10, 20, 30, 40, 50, 60]
COUNTRIES = ["FR", "FR", "DE", "DE", "IT", "IT"]
PAIRS = [(10, 20), (10, 30), (20, 30), (30, 40), (40, 50), (50, 60), (10, 20)]


def index() -> TieIndex:
    return TieIndex.build(IDS, COUNTRIES, PAIRS, [(10, "a"), (30, "a"), (30, "b"), (60, "b")])


def test_adjacency_is_symmetric_and_counts_a_pair_once() -> None:
    ti = index()
    a = ti.adjacency.toarray()
    assert (a == a.T).all()
    assert set(np.unique(a)) <= {0.0, 1.0}
    assert ti.degrees().tolist() == [2, 2, 3, 2, 2, 1]
    assert sorted(ti.ids[ti.partners(ti.row(30))].tolist()) == [10, 20, 40]


def test_adamic_adar_matches_networkx() -> None:
    ti = index()
    g = nx.Graph([p for p in PAIRS])
    for city in IDS:
        mine = ti.adamic_adar(ti.row(city))
        for other in IDS:
            if other == city:
                assert mine[ti.row(other)] == 0
                continue
            ((_, _, expected),) = nx.adamic_adar_index(g, [(city, other)])
            assert mine[ti.row(other)] == pytest.approx(expected)


def test_shared_networks_and_country_affinity() -> None:
    ti = index()
    shared = ti.shared_networks(ti.row(30))
    assert shared[ti.row(10)] == 1 and shared[ti.row(60)] == 1 and shared[ti.row(30)] == 0
    aff = ti.country_affinity()
    assert np.allclose(aff.sum(axis=1), 1.0)
    # France's 3 ties: FR-FR once (counted from both ends), FR-DE twice
    assert aff.loc["FR", "FR"] == pytest.approx(2 / 4)
    assert aff.loc["FR", "DE"] == pytest.approx(2 / 4)


def test_ties_to_unknown_cities_are_left_out() -> None:
    ti = TieIndex.build([1, 2], ["A", "B"], [(1, 2), (1, 99)], [(99, "x")])
    assert ti.degrees().tolist() == [1, 1]
    with pytest.raises(KeyError):
        ti.row(99)


def test_large_networks_add_no_co_membership_edges() -> None:
    members = [(i, "big") for i in range(10)] + [(0, "small"), (1, "small")]
    g = tie_graph([], members, max_network_size=5)
    assert g.number_of_edges() == 1
    assert g.edges[0, 1]["networks"] == ("small",)
    assert g.nodes[5]["networks"] == {"big"}


def test_a_bridge_between_two_communities_is_the_bridging_city() -> None:
    left = [(a, b) for a in range(5) for b in range(a + 1, 5)]
    right = [(a, b) for a in range(6, 11) for b in range(a + 1, 11)]
    bridge = [(4, 5), (5, 6)]
    m = graph_metrics(tie_graph(left + right + bridge))
    assert m.index[0] == 5  # highest betweenness
    assert m.loc[5, "partners"] == 2
    assert m["community"].nunique() >= 2
    assert m.loc[0, "bridging"] == 0.0
    assert m.loc[[4, 5, 6], "bridging"].max() > 0


def test_ego_layout_fits_the_square_and_keeps_the_centre() -> None:
    g = tie_graph([(1, i) for i in range(2, 80)] + [(2, 3)])
    ego, pos = ego_layout(g, 1, limit=20)
    assert ego.number_of_nodes() == 20
    assert pos[1] == (0.0, 0.0)
    assert all(-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0 for x, y in pos.values())


def test_metrics_of_an_empty_graph() -> None:
    assert graph_metrics(nx.Graph()).empty
