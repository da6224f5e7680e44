"""The registry and a set of ties, indexed for partner ranking: candidate generators and pair
features (:class:`TieWorld`).

For one city, :meth:`TieWorld.candidates` gathers the cities worth scoring from several
generators (the nearest cities, large cities near enough to matter, cities of similar size
that share a language, partners of partners, the partners of the city's compatriots,
co-members of its networks, the most twinned cities of the countries its country twins
with), and :meth:`TieWorld.features` describes each (city, candidate) pair by
:data:`FEATURES`. :mod:`citydiplomacy.core.ranking` trains and applies the model on them.

Pure computation on arrays: no Django, no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from citydiplomacy.core.context import _languages
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
    "gravity",
)
#: Feature groups an explanation speaks of; each group is neutralised as a whole.
GROUPS: dict[str, tuple[str, ...]] = {
    "distance": ("log_km", "same_country", "neighbour_country", "latitude_gap"),
    "language": ("shared_language", "same_region"),
    "size": ("log_population_ratio", "log_population", "gravity"),
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
#: Large cities near enough to matter: of the ``GRAVITY_POOL`` most populous cities, the
#: ``GRAVITY`` with the highest ``log10(population) - GRAVITY_EXPONENT * log10(km + 50)``
#: (a gravity model). Ties between distant countries mostly join large cities: on the
#: evaluation's out-of-source split half of the hidden partners are among the 1,200 most
#: populous registry cities, and this generator alone ranks them better than distance does
#: (docs/partners.md).
GRAVITY = 100
GRAVITY_POOL = 4000
GRAVITY_EXPONENT = 2.0


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
    #: Rows of the :data:`GRAVITY_POOL` most populous cities (the gravity generator's pool).
    big: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
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
            big=np.argsort(-population, kind="stable")[:GRAVITY_POOL].astype(np.int64),
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
        generator: nearest, large cities by gravity, similar size with a shared language,
        partners of partners, compatriots' partners, network co-members, top cities of the
        partner countries."""
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
        if self.big.size:
            found.append(self.gravity(row))
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

    def gravity(self, row: int, k: int = GRAVITY) -> IntArray:
        """Rows of the ``k`` cities of the large-city pool with the highest
        ``log10(population) - GRAVITY_EXPONENT * log10(km + 50)`` from the city at ``row``."""
        big = self.big
        km = km_between(self.xyz[big], self.xyz[row])
        pull = self.log_population[big] - GRAVITY_EXPONENT * np.log10(km + 50.0)
        take = min(k, big.size)
        out: IntArray = big[np.argpartition(-pull, take - 1)[:take]]
        return out

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
                self.log_population[j] - GRAVITY_EXPONENT * np.log10(km + 50.0),
            ]
        )
