"""The graph of city ties: partnerships and shared network memberships.

Two views of the same facts:

* :class:`TieIndex`, sparse matrices over an index of city ids, for the fast signals that
  matchmaking needs for one city against every other (existing partners, partners of partners
  weighted as Adamic-Adar, shared networks, and which countries a country's cities twin with);
* :func:`tie_graph` and :func:`graph_metrics`, a ``networkx`` graph for the analysis: degree,
  centrality, communities (Louvain) and bridging cities (participation across communities).

Networks with thousands of members (the Covenant of Mayors) would turn co-membership into a
clique of millions of edges that says little; :func:`tie_graph` links co-members only in
networks up to ``max_network_size`` and otherwise keeps membership as a node attribute.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

if TYPE_CHECKING:  # networkx is imported by the functions that draw or analyse the graph:
    import networkx as nx  # the suggestions and the command line's start do not need it

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Networks larger than this add no co-membership edges to the graph (see module docstring).
MAX_NETWORK_SIZE = 300


@dataclass(frozen=True)
class TieIndex:
    """Ties as sparse matrices over ``ids`` (one row per city).

    Attributes
    ----------
    ids
        City ids, in row order.
    adjacency
        Symmetric 0/1 ``n x n``: 1 where two cities are partners.
    membership
        ``n x m`` 0/1: city by network.
    networks
        Network names, in column order of ``membership``.
    countries
        Each city's country code (row order), for the country-pair affinity.
    """

    ids: IntArray
    adjacency: sparse.csr_array
    membership: sparse.csr_array
    networks: tuple[str, ...]
    countries: npt.NDArray[np.str_]

    @classmethod
    def build(
        cls,
        ids: Sequence[int] | IntArray,
        countries: Sequence[str] | npt.NDArray[np.str_],
        pairs: Iterable[tuple[int, int]],
        memberships: Iterable[tuple[int, str]] = (),
    ) -> TieIndex:
        """Index ``pairs`` (partner ids) and ``memberships`` (city id, network); ties of
        cities not in ``ids`` are left out."""
        id_array = np.asarray(ids, dtype=np.int64)
        position = pd.Index(id_array)
        if not position.is_unique:
            raise ValueError("city ids must be unique")
        n = id_array.size
        pair_list = [(int(a), int(b)) for a, b in pairs if a != b]
        if pair_list:
            ab = np.array(pair_list, dtype=np.int64)
            ia = position.get_indexer(pd.Index(ab[:, 0]))
            ib = position.get_indexer(pd.Index(ab[:, 1]))
            keep = (ia >= 0) & (ib >= 0)
            rows = np.concatenate([ia[keep], ib[keep]])
            cols = np.concatenate([ib[keep], ia[keep]])
        else:
            rows = cols = np.zeros(0, dtype=np.int64)
        adj = sparse.csr_array((np.ones(rows.size), (rows, cols)), shape=(n, n))
        adj.data[:] = 1.0  # duplicates summed by the constructor count once
        members = [(int(c), str(net)) for c, net in memberships]
        names = tuple(sorted({net for _, net in members}))
        net_pos = {net: j for j, net in enumerate(names)}
        if members:
            mi = position.get_indexer(pd.Index([c for c, _ in members], dtype=np.int64))
            mj = np.array([net_pos[net] for _, net in members], dtype=np.int64)
            keep = mi >= 0
            mem = sparse.csr_array(
                (np.ones(int(keep.sum())), (mi[keep], mj[keep])), shape=(n, len(names))
            )
            mem.data[:] = 1.0
        else:
            mem = sparse.csr_array((n, len(names)))
        return cls(
            ids=id_array,
            adjacency=adj,
            membership=mem,
            networks=names,
            countries=np.asarray(countries, dtype=str),
        )

    def row(self, city_id: int) -> int:
        """Row of ``city_id`` (``KeyError`` when it is not indexed)."""
        hits = np.flatnonzero(self.ids == city_id)
        if not hits.size:
            raise KeyError(f"city {city_id} is not in the tie index")
        return int(hits[0])

    def partners(self, row: int) -> IntArray:
        """Rows of the partners of the city at ``row``."""
        start, end = self.adjacency.indptr[row], self.adjacency.indptr[row + 1]
        return np.asarray(self.adjacency.indices[start:end], dtype=np.int64)

    def degrees(self) -> FloatArray:
        """Number of partners of every city."""
        return np.asarray(self.adjacency.sum(axis=1), dtype=np.float64).ravel()

    def adamic_adar(self, row: int) -> FloatArray:
        """Adamic-Adar score of every city with the one at ``row``: the sum over shared
        partners ``z`` of ``1 / log(degree(z))`` (a shared partner with few ties says more).
        Partners with a single tie cannot be shared and add nothing."""
        deg = self.degrees()
        inv = np.zeros_like(deg)
        many = deg > 1
        inv[many] = 1.0 / np.log(deg[many])
        mine = self.partners(row)
        out = np.zeros(self.ids.size, dtype=np.float64)
        if mine.size:
            sub = self.adjacency[mine]
            out = np.asarray(sub.T @ inv[mine], dtype=np.float64).ravel()
        out[row] = 0.0
        return out

    def shared_networks(self, row: int) -> FloatArray:
        """How many networks every city shares with the one at ``row``."""
        if not self.networks:
            return np.zeros(self.ids.size, dtype=np.float64)
        mine = self.membership[[row]]
        shared = np.asarray((self.membership @ mine.T).toarray(), dtype=np.float64).ravel()
        shared[row] = 0.0
        return shared

    def country_affinity(self) -> pd.DataFrame:
        """Share of each country's ties that go to each country (rows sum to 1): the
        partner countries a country's cities choose, learnt from the existing ties."""
        coo = sparse.triu(self.adjacency, k=1).tocoo()
        a = self.countries[coo.row]
        b = self.countries[coo.col]
        pairs = pd.DataFrame({"a": np.concatenate([a, b]), "b": np.concatenate([b, a])})
        if pairs.empty:
            return pd.DataFrame(dtype=np.float64)
        counts = pd.crosstab(pairs["a"], pairs["b"]).astype(np.float64)
        return counts.div(counts.sum(axis=1), axis=0)


def tie_graph(
    pairs: Iterable[tuple[int, int]],
    memberships: Iterable[tuple[int, str]] = (),
    *,
    max_network_size: int = MAX_NETWORK_SIZE,
    names: Mapping[int, str] | None = None,
) -> nx.Graph[int]:
    """The undirected graph of cities: an edge for each partnership (``partnership=True``) and
    for each pair of co-members of a network of at most ``max_network_size`` members
    (``networks``: the shared ones). Edge ``weight`` = 1 per partnership + 1 per shared
    network. Each node carries ``networks`` (all its networks) and ``name`` if given."""
    import networkx as nx

    g: nx.Graph[int] = nx.Graph()
    for a, b in pairs:
        if a == b:
            continue
        g.add_edge(int(a), int(b), partnership=True, networks=(), weight=1.0)
    by_network: dict[str, list[int]] = {}
    for city, net in memberships:
        by_network.setdefault(str(net), []).append(int(city))
        g.add_node(int(city))
        g.nodes[int(city)].setdefault("networks", set()).add(str(net))
    for net, members in sorted(by_network.items()):
        unique = sorted(set(members))
        if len(unique) > max_network_size:
            continue
        for i, a in enumerate(unique):
            for b in unique[i + 1 :]:
                if g.has_edge(a, b):
                    edge = g.edges[a, b]
                    edge["networks"] = (*edge["networks"], net)
                    edge["weight"] += 1.0
                else:
                    g.add_edge(a, b, partnership=False, networks=(net,), weight=1.0)
    for node in g.nodes:
        g.nodes[node].setdefault("networks", set())
        if names is not None and node in names:
            g.nodes[node]["name"] = names[node]
    return g


def graph_metrics(
    g: nx.Graph[int], *, seed: int = 0, betweenness_sample: int | None = 500
) -> pd.DataFrame:
    """Per city: ``partners`` (partnership ties), ``degree`` (all ties), ``betweenness``
    (sampled from ``betweenness_sample`` sources on larger graphs), ``pagerank``,
    ``community`` (Louvain, by size: 0 is the largest) and ``bridging`` (participation
    coefficient: 0 when all ties stay in the own community, towards 1 when spread over many).

    Returns
    -------
    pandas.DataFrame
        Indexed by city id, sorted by betweenness then degree, descending.
    """
    import networkx as nx

    columns = ["partners", "degree", "betweenness", "pagerank", "community", "bridging"]
    if g.number_of_nodes() == 0:
        return pd.DataFrame(columns=columns)
    k = None
    if betweenness_sample is not None and g.number_of_nodes() > betweenness_sample:
        k = betweenness_sample
    betweenness = nx.betweenness_centrality(g, k=k, seed=seed, weight=None)
    pagerank = nx.pagerank(g, weight="weight")
    comms = community_of(g, seed=seed)
    rows = []
    for node in g.nodes:
        neighbours = list(g.neighbors(node))
        partners = sum(1 for v in neighbours if g.edges[node, v]["partnership"])
        rows.append(
            {
                "city_id": node,
                "partners": partners,
                "degree": len(neighbours),
                "betweenness": float(betweenness[node]),
                "pagerank": float(pagerank[node]),
                "community": comms[node],
                "bridging": _participation(node, neighbours, comms),
            }
        )
    frame = pd.DataFrame(rows).set_index("city_id")
    return frame.sort_values(["betweenness", "degree"], ascending=False)[columns]


def community_of(g: nx.Graph[int], *, seed: int = 0) -> dict[int, int]:
    """Louvain communities (``networkx``), numbered by size (0 = the largest)."""
    import networkx as nx

    found = nx.community.louvain_communities(g, weight="weight", seed=seed)
    ordered = sorted(found, key=lambda c: (-len(c), min(c)))
    return {node: i for i, members in enumerate(ordered) for node in members}


def _participation(node: int, neighbours: Sequence[int], comms: Mapping[int, int]) -> float:
    """Participation coefficient ``1 - sum_c (k_c / k)^2`` over the neighbours' communities."""
    if not neighbours:
        return 0.0
    counts = pd.Series([comms[v] for v in neighbours]).value_counts().to_numpy(np.float64)
    share = counts / counts.sum()
    return float(1.0 - (share**2).sum())


def ego_layout(
    g: nx.Graph[int], center: int, *, radius: int = 1, limit: int = 60, seed: int = 0
) -> tuple[nx.Graph[int], dict[int, tuple[float, float]]]:
    """The neighbourhood of ``center`` (at most ``limit`` nodes, strongest ties first) and a
    force-directed layout of it in [-1, 1]^2, for a network drawing."""
    import networkx as nx

    if center not in g:
        sub: nx.Graph[int] = nx.Graph()
        sub.add_node(center)
        return sub, {center: (0.0, 0.0)}
    ego = nx.ego_graph(g, center, radius=radius)
    if ego.number_of_nodes() > limit:

        def strength(v: int) -> tuple[float, int]:
            # partnerships before co-memberships, then the strongest ties
            tie = g.get_edge_data(center, v)
            if not tie:
                return (0.0, v)
            return (-(float(tie["weight"]) + (10.0 if tie.get("partnership") else 0.0)), v)

        ranked = sorted((v for v in ego.nodes if v != center), key=strength)
        ego = ego.subgraph([center, *ranked[: limit - 1]]).copy()
    if ego.number_of_nodes() == 1:
        return ego, {center: (0.0, 0.0)}
    raw = nx.spring_layout(ego, seed=seed, weight="weight")
    middle = np.asarray(raw[center], dtype=float)
    shifted = {v: np.asarray(p, dtype=float) - middle for v, p in raw.items()}
    scale = max(float(np.abs(np.asarray(list(shifted.values()))).max()), 1e-9)
    return ego, {int(v): (float(p[0]) / scale, float(p[1]) / scale) for v, p in shifted.items()}
