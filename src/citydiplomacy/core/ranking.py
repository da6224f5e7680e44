"""Learned partner ranking: candidate generators, pair features, a model trained on past ties.

Twinnings follow geography, language, size and the habits of countries more than any
measure of similarity. For one city the ranking

1. gathers **candidates** from several generators (:meth:`TieWorld.candidates`): the nearest
   cities, cities of similar size that share a language, partners of partners, the partners
   of the city's compatriots, co-members of its networks, and the most twinned cities of the
   countries its country twins with;
2. describes each (city, candidate) pair by **features** (:data:`FEATURES`): distance, same
   or neighbouring country, shared language, population ratio, common partners, the country
   pair's tie rate, compatriots' ties to the candidate, shared networks, activity;
3. scores the pairs with a **model** trained on past ties (:func:`train`): a scikit-learn
   ``HistGradientBoostingClassifier`` fitted on ties hidden from a copy of the tie graph
   (positives) against candidates of the same generators that are not partners (negatives),
   with whole cities' ties hidden too so that the model learns to suggest for a city that has
   none;
4. **explains** each suggestion by the feature groups that carried it: the drop in the model's
   score when that group is set to the value typical of non-partners, put in words
   ("12 km away across the border; same language; 3 of your partners are its partners").

Everything here is pure computation on arrays: the callers (the web services, the CLI, the
evaluation) read the registry and the ties and pass them in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from citydiplomacy.core.context import _languages

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingClassifier
from citydiplomacy.core.geo import km_between, unit_vectors

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: The pair features, in column order.
FEATURES: tuple[str, ...] = (
    "log_km",
    "same_country",
    "neighbour_country",
    "shared_language",
    "same_region",
    "log_population_ratio",
    "log_population",
    "common_partners",
    "adamic_adar",
    "country_pair_rate",
    "compatriot_partners",
    "shared_networks",
    "log_degree",
    "log_own_degree",
    "latitude_gap",
)

#: The features the model is trained on. (Leaving out the candidate's number of partners,
#: and taking a partner country's cities closest in size instead of its most twinned, was
#: tried: recall@10 fell from 0.020 to 0.015 out of source and one city was still in 16.5 %
#: of 200 cities' lists instead of 27 %; docs/partners.md.)
MODEL_FEATURES: tuple[str, ...] = FEATURES

#: Feature groups an explanation speaks of; each group is neutralised as a whole.
GROUPS: dict[str, tuple[str, ...]] = {
    "distance": ("log_km", "same_country", "neighbour_country", "latitude_gap"),
    "language": ("shared_language", "same_region"),
    "size": ("log_population_ratio", "log_population"),
    "common_partners": ("common_partners", "adamic_adar"),
    "country_ties": ("country_pair_rate",),
    "compatriots": ("compatriot_partners",),
    "networks": ("shared_networks",),
    "activity": ("log_degree", "log_own_degree"),
}

#: Candidates from each generator (per city).
NEAREST = 60
SIMILAR_SIZE = 40
COMPATRIOT_PARTNERS = 60
PARTNER_COUNTRIES = 4
PER_PARTNER_COUNTRY = 15
NETWORK_PEERS = 40
#: Share of countries whose ties are all hidden when training examples are made: the model
#: then also learns to rank where a country's twinning habits are unknown (the evaluation's
#: out-of-source split EU 2017 -> crawl 2016 went from 0.0145 to 0.0198 recall@10 with it,
#: same seed and query sample; docs/partners.md).
COLD_COUNTRY_SHARE = 0.3
#: Below this many ties the model is not trained: a fixed rule ranks (see :class:`PriorModel`).
MIN_TRAINING_TIES = 200


# ---------------------------------------------------------------------------- the world
@dataclass
class TieWorld:
    """The registry and one set of ties, indexed for candidate generation and features.

    Build with :meth:`build`. Rows follow ``ids``.
    """

    ids: IntArray
    country: IntArray
    country_codes: tuple[str, ...]
    xyz: FloatArray
    log_population: FloatArray
    latitude: FloatArray
    region: IntArray
    languages: sparse.csr_array
    neighbours: npt.NDArray[np.bool_]
    adjacency: sparse.csr_array
    membership: sparse.csr_array
    network_size: FloatArray
    degree: FloatArray
    inv_log_degree: FloatArray
    compatriot: sparse.csr_array
    pair_rate: FloatArray
    tree: cKDTree
    by_language: dict[int, tuple[FloatArray, IntArray]]
    names: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    population: FloatArray = field(default_factory=lambda: np.zeros(0))
    _position: pd.Index = field(default_factory=lambda: pd.Index([], dtype=np.int64))

    @classmethod
    def build(
        cls,
        contexts: pd.DataFrame,
        pairs: Iterable[tuple[int, int]],
        memberships: Iterable[tuple[int, str]] = (),
        neighbours: Mapping[str, Iterable[str]] | None = None,
    ) -> TieWorld:
        """Index the registry (``contexts``: one row per city, index GeoNames id, columns
        ``name``, ``country``, ``region``, ``population``, ``latitude``, ``longitude``,
        ``languages``), the partner ``pairs``, the network ``memberships`` (city id,
        network) and the land ``neighbours`` of each country (ISO codes)."""
        ids = contexts.index.to_numpy(np.int64)
        position = pd.Index(ids)
        if not position.is_unique:
            raise ValueError("city ids must be unique")
        n = ids.size
        codes, uniques = pd.factorize(contexts["country"].fillna("").astype(str), sort=True)
        country_codes = tuple(str(u) for u in uniques)
        n_c = max(len(country_codes), 1)
        lat = pd.to_numeric(contexts["latitude"], errors="coerce").fillna(0.0).to_numpy(float)
        lon = pd.to_numeric(contexts["longitude"], errors="coerce").fillna(0.0).to_numpy(float)
        xyz = unit_vectors(lat, lon)
        pop = pd.to_numeric(contexts["population"], errors="coerce").fillna(1000.0)
        population = np.maximum(pop.to_numpy(float), 1000.0)
        region = pd.factorize(contexts["region"].fillna("").astype(str))[0].astype(np.int64)
        langs = [_languages(v) for v in contexts["languages"]]
        vocab = sorted({c for ls in langs for c in ls})
        lpos = {c: i for i, c in enumerate(vocab)}
        lr = [r for r, ls in enumerate(langs) for _ in ls]
        lc = [lpos[c] for ls in langs for c in ls]
        languages = sparse.csr_array(
            (np.ones(len(lr)), (np.array(lr, dtype=np.int64), np.array(lc, dtype=np.int64))),
            shape=(n, max(len(vocab), 1)),
        )
        neigh = np.zeros((n_c, n_c), dtype=bool)
        cpos = {c: i for i, c in enumerate(country_codes)}
        for a, others in (neighbours or {}).items():
            for b in others:
                if a in cpos and b in cpos:
                    neigh[cpos[a], cpos[b]] = neigh[cpos[b], cpos[a]] = True
        world = cls(
            ids=ids,
            country=codes.astype(np.int64),
            country_codes=country_codes,
            xyz=xyz,
            log_population=np.log10(population),
            latitude=np.abs(lat),
            region=region,
            languages=languages,
            neighbours=neigh,
            adjacency=sparse.csr_array((n, n)),
            membership=sparse.csr_array((n, 0)),
            network_size=np.zeros(0),
            degree=np.zeros(n),
            inv_log_degree=np.zeros(n),
            compatriot=sparse.csr_array((n_c, n)),
            pair_rate=np.zeros((n_c, n_c)),
            tree=cKDTree(xyz),
            by_language={},
            names=contexts["name"].astype(str) if "name" in contexts else pd.Series(dtype=object),
            population=population,
            _position=position,
        )
        by_language: dict[int, tuple[FloatArray, IntArray]] = {}
        lang_csc = languages.tocsc()
        for j in range(languages.shape[1]):
            rows = np.asarray(lang_csc.indices[lang_csc.indptr[j] : lang_csc.indptr[j + 1]])
            order = np.argsort(world.log_population[rows], kind="stable")
            by_language[j] = (world.log_population[rows][order], rows[order].astype(np.int64))
        world.by_language = by_language
        return world.with_ties(pairs, memberships)

    def with_ties(
        self, pairs: Iterable[tuple[int, int]], memberships: Iterable[tuple[int, str]] = ()
    ) -> TieWorld:
        """The same registry over other ties (the costly registry indexes are shared)."""
        n = self.ids.size
        pair_list = [(int(a), int(b)) for a, b in pairs if int(a) != int(b)]
        if pair_list:
            ab = np.array(pair_list, dtype=np.int64)
            ia = self._position.get_indexer(pd.Index(ab[:, 0]))
            ib = self._position.get_indexer(pd.Index(ab[:, 1]))
            keep = (ia >= 0) & (ib >= 0)
            rows = np.concatenate([ia[keep], ib[keep]])
            cols = np.concatenate([ib[keep], ia[keep]])
        else:
            rows = cols = np.zeros(0, dtype=np.int64)
        adj = sparse.csr_array((np.ones(rows.size), (rows, cols)), shape=(n, n))
        adj.data[:] = 1.0
        adj.sort_indices()
        members = [(int(c), str(net)) for c, net in memberships]
        nets = sorted({net for _, net in members})
        npos = {net: j for j, net in enumerate(nets)}
        mi = self._position.get_indexer(pd.Index([c for c, _ in members], dtype=np.int64))
        mj = np.array([npos[net] for _, net in members], dtype=np.int64)
        keep_m = mi >= 0
        mem = sparse.csr_array(
            (np.ones(int(keep_m.sum())), (mi[keep_m], mj[keep_m])), shape=(n, len(nets))
        )
        if mem.nnz:
            mem.data[:] = 1.0
        degree = np.asarray(adj.sum(axis=1), dtype=np.float64).ravel()
        inv = np.zeros(n)
        many = degree > 1
        inv[many] = 1.0 / np.log(degree[many])
        n_c = self.neighbours.shape[0]
        indicator = sparse.csr_array((np.ones(n), (self.country, np.arange(n))), shape=(n_c, n))
        compatriot = sparse.csr_array(indicator @ adj)
        counts = np.asarray((compatriot @ indicator.T).toarray(), dtype=np.float64)
        totals = counts.sum(axis=1, keepdims=True)
        rate = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
        other = TieWorld.__new__(TieWorld)
        other.__dict__.update(self.__dict__)
        other.adjacency = adj
        other.membership = mem
        other.network_size = np.asarray(mem.sum(axis=0), dtype=np.float64).ravel()
        other.degree = degree
        other.inv_log_degree = inv
        other.compatriot = compatriot
        other.pair_rate = rate
        return other

    # ------------------------------------------------------------------ look-ups
    def row(self, city_id: int) -> int:
        """Row of a city id (``KeyError`` when it is not in the registry)."""
        at = int(self._position.get_indexer(pd.Index([int(city_id)]))[0])
        if at < 0:
            raise KeyError(f"city {city_id} is not in the registry")
        return at

    def rows(self, city_ids: Sequence[int]) -> IntArray:
        """Rows of city ids (-1 where not in the registry)."""
        return np.asarray(
            self._position.get_indexer(pd.Index(list(city_ids), dtype=np.int64)), dtype=np.int64
        )

    def partners(self, row: int) -> IntArray:
        """Rows of the partners of the city at ``row``."""
        a = self.adjacency
        return np.asarray(a.indices[a.indptr[row] : a.indptr[row + 1]], dtype=np.int64)

    # ------------------------------------------------------------------ candidates
    def candidates(self, row: int) -> IntArray:
        """Rows of the candidates for the city at ``row`` (never itself), from every
        generator: nearest, similar size with a shared language, partners of partners,
        compatriots' partners, network co-members, top cities of the partner countries."""
        n = self.ids.size
        found: list[IntArray] = []
        q = min(NEAREST + 1, n)
        _, near = self.tree.query(self.xyz[row], k=q)
        found.append(np.atleast_1d(np.asarray(near, dtype=np.int64)))
        lang = self.languages
        for j in lang.indices[lang.indptr[row] : lang.indptr[row + 1]]:
            pops, members = self.by_language[int(j)]
            at = int(np.searchsorted(pops, self.log_population[row]))
            half = SIMILAR_SIZE // 2
            found.append(members[max(0, at - half) : at + half])
        mine = self.partners(row)
        if mine.size:
            a = self.adjacency
            found.append(np.asarray(a[mine].indices, dtype=np.int64))
        comp = self.compatriot
        c = int(self.country[row])
        cols = np.asarray(comp.indices[comp.indptr[c] : comp.indptr[c + 1]], dtype=np.int64)
        if cols.size:
            vals = np.asarray(comp.data[comp.indptr[c] : comp.indptr[c + 1]])
            take = min(COMPATRIOT_PARTNERS, cols.size)
            top = np.argpartition(-vals, take - 1)[:take]
            found.append(cols[top])
        mem = self.membership
        nets = mem.indices[mem.indptr[row] : mem.indptr[row + 1]]
        if nets.size:
            peers = np.asarray(mem[:, nets].tocsr().nonzero()[0], dtype=np.int64)
            if peers.size > NETWORK_PEERS:
                d = self.xyz[peers] @ self.xyz[row]
                peers = peers[np.argpartition(-d, NETWORK_PEERS - 1)[:NETWORK_PEERS]]
            found.append(peers)
        rates = self.pair_rate[c]
        if rates.any():
            for pc in np.argsort(-rates)[:PARTNER_COUNTRIES]:
                if rates[pc] <= 0:
                    break
                inside = np.flatnonzero(self.country == pc)
                if inside.size:
                    key = self.degree[inside] + self.log_population[inside] / 100.0
                    take = min(PER_PARTNER_COUNTRY, inside.size)
                    found.append(inside[np.argpartition(-key, take - 1)[:take]])
        out = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        result: IntArray = out[out != row].astype(np.int64)
        return result

    # ------------------------------------------------------------------ features
    def features(self, i: IntArray, j: IntArray) -> FloatArray:
        """The :data:`FEATURES` of the pairs ``(i[k], j[k])`` (rows), one row per pair."""
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        ci, cj = self.country[i], self.country[j]
        km = km_between(self.xyz[i], self.xyz[j])
        li = self.languages[i]
        lj = self.languages[j]
        shared_lang = np.asarray(li.multiply(lj).sum(axis=1), dtype=np.float64).ravel()
        n_li = np.asarray(li.sum(axis=1), dtype=np.float64).ravel()
        n_lj = np.asarray(lj.sum(axis=1), dtype=np.float64).ravel()
        denom = np.sqrt(np.maximum(n_li * n_lj, 1.0))
        ai = self.adjacency[i]
        aj = self.adjacency[j]
        common = ai.multiply(aj)
        cn = np.asarray(common.sum(axis=1), dtype=np.float64).ravel()
        aa = np.asarray(common @ self.inv_log_degree, dtype=np.float64).ravel()
        if self.membership.shape[1]:
            mi, mj = self.membership[i], self.membership[j]
            # a network's co-membership says more when the network is small
            weight = 1.0 / np.log2(2.0 + self.network_size)
            nets = np.asarray(mi.multiply(mj) @ weight, dtype=np.float64).ravel()
        else:
            nets = np.zeros(i.size)
        compat = np.asarray(self.compatriot[ci, j], dtype=np.float64).ravel()
        # a city's own ties to j are not its compatriots' ties
        own = np.asarray(self.adjacency[i, j], dtype=np.float64).ravel()
        return np.column_stack(
            [
                np.log1p(km),
                (ci == cj).astype(float),
                self.neighbours[ci, cj].astype(float),
                shared_lang / denom,
                (self.region[i] == self.region[j]).astype(float),
                np.abs(self.log_population[i] - self.log_population[j]),
                self.log_population[j],
                cn,
                aa,
                self.pair_rate[ci, cj],
                np.log1p(np.maximum(compat - own, 0.0)),
                nets,
                np.log1p(self.degree[j]),
                np.log1p(self.degree[i]),
                np.abs(self.latitude[i] - self.latitude[j]),
            ]
        )


# ---------------------------------------------------------------------------- models
class PriorModel:
    """The fixed rule used when there are too few ties to learn from: a logistic score of
    nearness, same language, partners in common, the country pair's tie rate and shared
    networks (coefficients set by hand, stated here: they are not learned)."""

    coefficients: ClassVar[dict[str, float]] = {
        "log_km": -1.0,
        "shared_language": 1.0,
        "common_partners": 0.8,
        "country_pair_rate": 3.0,
        "shared_networks": 0.5,
        "log_population_ratio": -0.5,
    }

    def predict_proba(self, x: FloatArray) -> FloatArray:
        z = np.full(x.shape[0], 4.0)
        for name, coef in self.coefficients.items():
            z += coef * x[:, FEATURES.index(name)]
        p = 1.0 / (1.0 + np.exp(-z))
        out: FloatArray = np.column_stack([1.0 - p, p])
        return out


@dataclass(frozen=True)
class TreeEnsemble:
    """A trained binary gradient-boosting model as plain arrays, evaluated with numpy.

    Scoring one city's few hundred candidates this way needs no scikit-learn import (about a
    second of the command line's start) and gives the same probabilities as the model it was
    taken from (:meth:`from_sklearn`; a tested invariant). Arrays are ``(trees, nodes)``,
    padded with leaves.
    """

    baseline: float
    feature: IntArray
    threshold: FloatArray
    missing_left: npt.NDArray[np.bool_]
    left: IntArray
    right: IntArray
    leaf: npt.NDArray[np.bool_]
    value: FloatArray
    depth: int

    @classmethod
    def from_sklearn(cls, model: Any) -> TreeEnsemble:
        """The trees of a fitted binary ``HistGradientBoostingClassifier`` (numeric
        features only)."""
        trees = [p[0].nodes for p in model._predictors]
        size = max(len(t) for t in trees)

        def pad(name: str, fill: Any, dtype: Any) -> Any:
            out = np.full((len(trees), size), fill, dtype=dtype)
            for k, t in enumerate(trees):
                out[k, : len(t)] = t[name]
            return out

        if any(t["is_categorical"].any() for t in trees):
            raise ValueError("categorical splits are not supported")
        return cls(
            baseline=float(np.ravel(model._baseline_prediction)[0]),
            feature=pad("feature_idx", 0, np.int64),
            threshold=pad("num_threshold", 0.0, np.float64),
            missing_left=pad("missing_go_to_left", 0, np.int64).astype(bool),
            left=pad("left", 0, np.int64),
            right=pad("right", 0, np.int64),
            leaf=pad("is_leaf", 1, np.int64).astype(bool),
            value=pad("value", 0.0, np.float64),
            depth=int(max(int(t["depth"].max()) for t in trees)),
        )

    def predict_proba(self, x: FloatArray) -> FloatArray:
        """``[[1 - p, p]]`` per row of ``x``, as scikit-learn gives it."""
        n_trees, size = self.feature.shape
        n = x.shape[0]
        # one entry per (tree, row), as flat node positions; only those not yet at a leaf
        # move on at each level
        node = np.repeat(np.arange(n_trees, dtype=np.int64) * size, n)
        row = np.tile(np.arange(n, dtype=np.int64), n_trees)
        feature = self.feature.ravel()
        threshold = self.threshold.ravel()
        missing_left = self.missing_left.ravel()
        offset = (np.arange(n_trees, dtype=np.int64) * size)[:, None]
        left = (self.left + offset).ravel()
        right = (self.right + offset).ravel()
        leaf = self.leaf.ravel()
        active = np.flatnonzero(~leaf[node])
        for _ in range(self.depth):
            if active.size == 0:
                break
            at = node[active]
            v = x[row[active], feature[at]]
            go_left = np.where(np.isnan(v), missing_left[at], v <= threshold[at])
            nxt = np.where(go_left, left[at], right[at])
            node[active] = nxt
            active = active[~leaf[nxt]]
        raw = self.baseline + self.value.ravel()[node].reshape(n_trees, n).sum(axis=0)
        p = 1.0 / (1.0 + np.exp(-raw))
        out: FloatArray = np.column_stack([1.0 - p, p])
        return out


@dataclass
class Ranker:
    """A trained pair model over a :class:`TieWorld` (the ties it serves from).

    Attributes
    ----------
    world
        The registry and every tie known (features are computed on it).
    model
        A fitted classifier with ``predict_proba`` (or :class:`PriorModel`).
    neutral
        Per feature, the median over the training negatives: an explanation's reference.
    learned
        Whether ``model`` was trained (``False``: the fixed prior rule).
    training
        What the model was trained on (counts), for reports.
    """

    world: TieWorld
    model: HistGradientBoostingClassifier | TreeEnsemble | PriorModel
    neutral: FloatArray
    learned: bool
    training: dict[str, int] = field(default_factory=dict)
    columns: tuple[int, ...] = tuple(range(len(FEATURES)))
    spread: float = 0.0

    def discount(self, cands: IntArray) -> FloatArray:
        """``(1 + partners)^-spread`` of each candidate: with ``spread > 0`` the most
        twinned cities are shown less often (exposure spread over more cities)."""
        if self.spread <= 0:
            return np.ones(cands.size)
        out: FloatArray = (1.0 + self.world.degree[cands]) ** -self.spread
        return out

    def light(self) -> Ranker:
        """The same ranker with its model as a :class:`TreeEnsemble` (no scikit-learn needed
        to load or use it; the same scores)."""
        if isinstance(self.model, TreeEnsemble | PriorModel):
            return self
        return Ranker(
            self.world,
            TreeEnsemble.from_sklearn(self.model),
            self.neutral,
            self.learned,
            dict(self.training),
            self.columns,
            self.spread,
        )

    def predict(self, x: FloatArray) -> FloatArray:
        """The model's probability of a tie for feature rows ``x`` (all of :data:`FEATURES`)."""
        if x.shape[0] == 0:
            return np.zeros(0)
        out: FloatArray = np.asarray(
            self.model.predict_proba(x[:, list(self.columns)])[:, 1], dtype=np.float64
        )
        return out

    def score(self, row: int, cands: IntArray) -> FloatArray:
        """The model's probability that the city at ``row`` twins with each candidate."""
        if cands.size == 0:
            return np.zeros(0)
        x = self.world.features(np.full(cands.size, row, dtype=np.int64), cands)
        return self.predict(x) * self.discount(cands)

    def top(
        self,
        row: int,
        k: int,
        *,
        exclude_partners: bool = True,
        excluded_rows: IntArray | None = None,
        candidates: IntArray | None = None,
    ) -> tuple[IntArray, FloatArray]:
        """The ``k`` best candidate rows for the city at ``row`` and their scores, best
        first (ties broken by GeoNames id)."""
        cands = self.world.candidates(row) if candidates is None else candidates
        cands = cands[cands != row]
        if exclude_partners:
            cands = np.setdiff1d(cands, self.world.partners(row), assume_unique=False)
        if excluded_rows is not None and excluded_rows.size:
            cands = np.setdiff1d(cands, excluded_rows)
        s = self.score(row, cands)
        order = np.lexsort((self.world.ids[cands], -s))[:k]
        return cands[order], s[order]

    def ranked(
        self, rows: IntArray, *, batch: int = 512, excluded: Sequence[IntArray] | None = None
    ) -> Iterator[tuple[int, IntArray, FloatArray]]:
        """For each city row: ``(row, candidate rows best first, their scores)``, existing
        partners (and ``excluded[n]`` for the ``n``-th row) left out; scored in batches of
        ``batch`` cities (one model call each)."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="openmp"):  # see train()
            yield from self._ranked(rows, batch, excluded)

    def _ranked(
        self, rows: IntArray, batch: int, excluded: Sequence[IntArray] | None
    ) -> Iterator[tuple[int, IntArray, FloatArray]]:
        for start in range(0, rows.size, batch):
            chunk = rows[start : start + batch]
            lists = []
            for n_, r in enumerate(chunk):
                c = self.world.candidates(int(r))
                c = np.setdiff1d(c, self.world.partners(int(r)))
                if excluded is not None and excluded[start + n_].size:
                    c = np.setdiff1d(c, excluded[start + n_])
                lists.append(c)
            sizes = [c.size for c in lists]
            i = np.repeat(chunk, sizes)
            j = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
            p = (
                self.predict(self.world.features(i, j)) * self.discount(j)
                if j.size
                else np.zeros(0)
            )
            at = 0
            for r, c in zip(chunk, lists, strict=True):
                s = p[at : at + c.size]
                at += c.size
                order = np.lexsort((self.world.ids[c], -s))
                yield int(r), c[order], s[order]

    def top_many(self, rows: IntArray, k: int, *, batch: int = 512) -> tuple[IntArray, FloatArray]:
        """:meth:`top` (existing partners excluded) for many cities at once:
        ``(len(rows), k)`` arrays (-1 / NaN where fewer than ``k`` candidates)."""
        out_r = np.full((rows.size, k), -1, dtype=np.int64)
        out_s = np.full((rows.size, k), np.nan)
        for n_, (_, c, s) in enumerate(self.ranked(rows, batch=batch)):
            out_r[n_, : min(k, c.size)] = c[:k]
            out_s[n_, : min(k, c.size)] = s[:k]
        return out_r, out_s

    def contributions(
        self, row: int, cands: IntArray, x: FloatArray | None = None
    ) -> list[dict[str, float]]:
        """Per candidate, how much each feature group of :data:`GROUPS` carried its score:
        the score minus the score with the group set to the value typical of non-partners.
        ``x``: the pairs' features when already computed."""
        if cands.size == 0:
            return []
        if x is None:
            x = self.world.features(np.full(cands.size, row, dtype=np.int64), cands)
        variants = [x]
        for names in GROUPS.values():
            xv = x.copy()
            for name in names:
                f = FEATURES.index(name)
                xv[:, f] = self.neutral[f]
            variants.append(xv)
        p = self.predict(np.vstack(variants)).reshape(len(variants), cands.size)
        return [
            {g: float(p[0, c] - p[1 + gi, c]) for gi, g in enumerate(GROUPS)}
            for c in range(cands.size)
        ]

    def explain(
        self,
        row: int,
        cand: int,
        carried: Mapping[str, float],
        x: FloatArray | None = None,
    ) -> tuple[str, ...]:
        """Sentences for one suggestion, from the feature groups that carried it (largest
        first; those that added less than a tenth of the largest are left out). ``x``: the
        pair's features when already computed."""
        w = self.world
        if x is None:
            x = w.features(np.array([row]), np.array([cand]))[0]
        value = dict(zip(FEATURES, x, strict=True))
        top = max([v for v in carried.values() if v > 0], default=0.0)
        out = []
        for g in sorted(carried, key=lambda g: -carried[g]):
            if carried[g] <= 0 or carried[g] < 0.1 * top:
                continue
            text = _sentence(g, value, w, row, cand)
            if text:
                out.append(text)
        if not out:
            out.append(_sentence("distance", value, w, row, cand) or "a candidate of the model")
        return tuple(out)


def _sentence(group: str, v: Mapping[str, float], w: TieWorld, row: int, cand: int) -> str:
    km = math.expm1(v["log_km"])
    if group == "distance":
        where = (
            "in the same country"
            if v["same_country"]
            else "across the border"
            if v["neighbour_country"]
            else f"in {w.country_codes[int(w.country[cand])]}"
        )
        return f"{km:,.0f} km away, {where}"
    if group == "language":
        if v["shared_language"] >= 0.99:
            return "same language"
        if v["shared_language"] > 0:
            return "a language in common"
        return "same world region" if v["same_region"] else ""
    if group == "size":
        a, b = w.population[row], w.population[cand]
        if v["log_population_ratio"] <= 0.3:
            return f"similar size ({a:,.0f} and {b:,.0f} inhabitants)"
        return f"{b:,.0f} inhabitants (you: {a:,.0f})"
    if group == "common_partners":
        n = round(v["common_partners"])
        if n <= 0:
            return ""
        return f"{n} of your partners {'is its partner' if n == 1 else 'are its partners'}"
    if group == "country_ties":
        if v["country_pair_rate"] <= 0:
            return ""
        a = w.country_codes[int(w.country[row])]
        b = w.country_codes[int(w.country[cand])]
        return f"{v['country_pair_rate']:.0%} of the twinnings of {a} cities are with {b} cities"
    if group == "compatriots":
        n = round(math.expm1(v["compatriot_partners"]))
        if n <= 0:
            return ""
        return f"already twinned with {n} other {'city' if n == 1 else 'cities'} of your country"
    if group == "networks":
        return "in a network with you" if v["shared_networks"] > 0 else ""
    if group == "activity":
        d = round(math.expm1(v["log_degree"]))
        return f"an active twinner ({d} partnerships)" if d > 0 else ""
    return ""


# ---------------------------------------------------------------------------- training
def training_pairs(
    world: TieWorld,
    pairs: IntArray,
    rng: np.random.Generator,
    *,
    hide_share: float = 0.2,
    cold_share: float = 0.15,
    cold_country_share: float = 0.0,
    negatives_per_city: int = 30,
    max_queries: int = 4000,
) -> tuple[FloatArray, npt.NDArray[np.int8], FloatArray]:
    """Examples to learn from: hide ties from ``pairs`` (rows, ``(m, 2)``), index the rest,
    and describe the hidden ties (positives) and candidates that are not partners
    (negatives) on what remains. A share of the cities (``cold_share``) loses every tie, so
    that the examples include cities with no known partner.

    Returns
    -------
    x, y, neutral
        Features, labels (1 = a hidden tie), and each feature's median over the negatives.
    """
    m = pairs.shape[0]
    cities = np.unique(pairs)
    cold = rng.choice(cities, size=round(cold_share * cities.size), replace=False)
    cold_mask = np.zeros(world.ids.size, dtype=bool)
    cold_mask[cold] = True
    hidden = np.asarray(rng.random(m) < hide_share, dtype=bool)
    hidden |= cold_mask[pairs[:, 0]] | cold_mask[pairs[:, 1]]
    if cold_country_share > 0:
        # whole countries lose their ties: examples where the country's habits are unknown
        present = np.unique(world.country[cities])
        n_cold = round(cold_country_share * present.size)
        cold_c = np.zeros(world.neighbours.shape[0], dtype=bool)
        cold_c[rng.choice(present, size=n_cold, replace=False)] = True
        hidden |= cold_c[world.country[pairs[:, 0]]] | cold_c[world.country[pairs[:, 1]]]
    seen = pairs[~hidden]
    observed = world.with_ties(
        [(int(world.ids[a]), int(world.ids[b])) for a, b in seen], _memberships_of(world)
    )
    targets: dict[int, set[int]] = {}
    for a, b in pairs[hidden]:
        targets.setdefault(int(a), set()).add(int(b))
        targets.setdefault(int(b), set()).add(int(a))
    queries = np.array(sorted(targets), dtype=np.int64)
    if queries.size > max_queries:
        queries = np.sort(rng.choice(queries, size=max_queries, replace=False))
    known = {(int(a), int(b)) for a, b in pairs} | {(int(b), int(a)) for a, b in pairs}
    ii: list[IntArray] = []
    jj: list[IntArray] = []
    yy: list[npt.NDArray[np.int8]] = []
    for q in queries:
        pos = np.array(sorted(targets[int(q)]), dtype=np.int64)
        cands = observed.candidates(int(q))
        cands = np.array([c for c in cands if (int(q), int(c)) not in known], dtype=np.int64)
        if cands.size > negatives_per_city:
            cands = rng.choice(cands, size=negatives_per_city, replace=False)
        ii.append(np.full(pos.size + cands.size, q, dtype=np.int64))
        jj.append(np.concatenate([pos, cands]))
        yy.append(np.concatenate([np.ones(pos.size), np.zeros(cands.size)]).astype(np.int8))
    if not ii:
        return np.zeros((0, len(FEATURES))), np.zeros(0, dtype=np.int8), np.zeros(len(FEATURES))
    i_all, j_all, y = np.concatenate(ii), np.concatenate(jj), np.concatenate(yy)
    x = observed.features(i_all, j_all)
    neutral = np.median(x[y == 0], axis=0) if (y == 0).any() else np.zeros(len(FEATURES))
    return x, y, neutral


def _memberships_of(world: TieWorld) -> list[tuple[int, str]]:
    rows, cols = world.membership.nonzero()
    return [(int(world.ids[r]), f"n{int(c)}") for r, c in zip(rows, cols, strict=True)]


def train(
    world: TieWorld,
    *,
    seed: int = 0,
    max_iter: int = 150,
    min_ties: int = MIN_TRAINING_TIES,
    features: Sequence[str] = MODEL_FEATURES,
    cold_country_share: float = COLD_COUNTRY_SHARE,
    max_queries: int = 4000,
) -> Ranker:
    """Train the pair model on the ties of ``world`` and return the ranker that serves from
    all of them. With fewer than ``min_ties`` ties, the fixed :class:`PriorModel` ranks."""
    upper = sparse.triu(world.adjacency, k=1).tocoo()
    pairs = np.column_stack([upper.row, upper.col]).astype(np.int64)
    if pairs.shape[0] < min_ties:
        neutral = np.zeros(len(FEATURES))
        neutral[FEATURES.index("log_km")] = math.log1p(2000.0)
        return Ranker(world, PriorModel(), neutral, learned=False, training={"ties": len(pairs)})
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    x, y, neutral = training_pairs(
        world, pairs, rng, cold_country_share=cold_country_share, max_queries=max_queries
    )
    columns = tuple(FEATURES.index(f) for f in features)
    model = HistGradientBoostingClassifier(
        max_iter=max_iter, learning_rate=0.1, max_leaf_nodes=31, random_state=seed
    )
    # One OpenMP thread: on a shared, busy machine gradient boosting's threads wait on each
    # other's cores; one thread keeps the training time predictable.
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(x[:, list(columns)], y)
    return Ranker(
        world,
        model,
        neutral,
        learned=True,
        training={"ties": len(pairs), "examples": int(y.size), "positives": int(y.sum())},
        columns=columns,
    )
