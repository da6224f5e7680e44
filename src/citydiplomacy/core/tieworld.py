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

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from citydiplomacy.core.context import _languages
from citydiplomacy.core.geo import EARTH_KM, unit_vectors

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
    "log_own_population",
    "standing",
    "own_standing",
)
#: Feature groups an explanation speaks of; each group is neutralised as a whole.
GROUPS: dict[str, tuple[str, ...]] = {
    "distance": ("log_km", "same_country", "neighbour_country", "latitude_gap"),
    "language": ("shared_language", "same_region"),
    "size": ("log_population_ratio", "log_population", "gravity", "log_own_population"),
    "common_partners": ("common_partners", "adamic_adar"),
    "country_ties": ("country_pair_rate",),
    "compatriots": ("compatriot_partners",),
    "networks": ("shared_networks",),
    "activity": ("log_degree", "log_own_degree"),
    "standing": ("standing", "own_standing"),
}

#: A city's administrative standing from its GeoNames feature code
#: (https://www.geonames.org/export/codes.html): 0 the seat of a country's government
#: (``PPLC``, ``PPLG``), 1 to 5 the seat of a first- to fifth-order division (``PPLA`` ...
#: ``PPLA5``), 7 a section of a populated place (``PPLX``: Kreuzberg, Hollywood); 6 any other
#: populated place. Twinning is done by municipalities, and the tie data bear it out: seats
#: of government and of divisions are a third of the registry's cities and four-fifths of
#: the tie ends, sections 3.5 % of the cities and 0.4 % of the tie ends (docs/partners.md).
STANDING: dict[str, float] = {
    "PPLC": 0.0,
    "PPLG": 0.0,
    "PPLA": 1.0,
    "PPLA2": 2.0,
    "PPLA3": 3.0,
    "PPLA4": 4.0,
    "PPLA5": 5.0,
    "PPLX": 7.0,
}
#: The standing of a populated place that is neither a seat nor a section.
PLAIN_PLACE = 6.0


def standing(code: object) -> float:
    """The administrative standing of a GeoNames feature code (:data:`STANDING`), NaN when
    the code is unknown (empty, missing, or not a populated place's)."""
    text = "" if code is None or (isinstance(code, float) and math.isnan(code)) else str(code)
    text = text.strip().upper()
    if text in STANDING:
        return STANDING[text]
    if text.startswith("PPL") or text == "STLMT":
        return PLAIN_PLACE
    return math.nan


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


def _unique(values: IntArray) -> IntArray:
    """Sorted distinct values (a sort: much faster than ``np.unique``'s hashing here)."""
    out = np.sort(np.asarray(values, dtype=np.int64))
    if out.size:
        out = out[np.concatenate([[True], out[1:] != out[:-1]])]
    return out


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
    #: Administrative standing of each city (:func:`standing`; NaN when unknown).
    standing: FloatArray = field(default_factory=lambda: np.zeros(0))
    _position: pd.Index = field(default_factory=lambda: pd.Index([], dtype=np.int64))
    #: Per country, the candidates of its cities that depend only on the country
    #: (:meth:`country_pools`); computed when first asked for, per set of ties.
    _pools: list[IntArray] | None = None
    _members_csc: sparse.csc_array | None = None
    _language_bits: npt.NDArray[np.uint64] | None = None

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
        ``languages``, and optionally ``feature_code``: GeoNames' code, see :func:`standing`),
        the partner ``pairs``, the network ``memberships`` (city id,
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
            standing=(
                np.array([standing(c) for c in contexts["feature_code"]], dtype=np.float64)
                if "feature_code" in contexts
                else np.full(n, np.nan)
            ),
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
        other._pools = None
        other._members_csc = None
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
        partner countries (:meth:`candidates_many` for one city)."""
        _, cands = self.candidates_many(np.array([row], dtype=np.int64))
        return cands

    def candidates_many(self, rows: IntArray) -> tuple[IntArray, IntArray]:
        """The candidates of many cities at once: ``(owner, cand)``, where ``owner[k]`` is
        the position in ``rows`` of the city whose candidate is ``cand[k]``; sorted by owner,
        then candidate row; no city is its own candidate. Each generator runs once for the
        whole batch (one k-d tree query, one matrix product for gravity, one slice per
        language)."""
        rows = np.asarray(rows, dtype=np.int64)
        b = rows.size
        n = self.ids.size
        own: list[IntArray] = []
        found: list[IntArray] = []

        def add(owner: IntArray, cand: IntArray) -> None:
            own.append(np.asarray(owner, dtype=np.int64).ravel())
            found.append(np.asarray(cand, dtype=np.int64).ravel())

        if b == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        at = np.arange(b, dtype=np.int64)
        q = min(NEAREST + 1, n)
        _, near = self.tree.query(self.xyz[rows], k=q)
        near = np.asarray(near, dtype=np.int64).reshape(b, -1)
        add(np.repeat(at, near.shape[1]), near)
        self._similar_size(rows, add)
        a = self.adjacency
        pp = sparse.csr_array(a[rows] @ a)
        if pp.nnz:
            add(np.repeat(at, np.diff(pp.indptr)), pp.indices)
        pools = self.country_pools()
        sizes = np.array([pools[c].size for c in self.country[rows]], dtype=np.int64)
        if sizes.sum():
            add(np.repeat(at, sizes), np.concatenate([pools[c] for c in self.country[rows]]))
        self._network_peers(rows, add)
        if self.big.size:
            g = self.gravity_many(rows)
            add(np.repeat(at, g.shape[1]), g)
        key = _unique(np.concatenate(own) * n + np.concatenate(found))
        owner, cand = np.divmod(key, n)
        keep = cand != rows[owner]
        return owner[keep].astype(np.int64), cand[keep].astype(np.int64)

    def _similar_size(self, rows: IntArray, add: Any) -> None:
        """Cities of similar size that share a language, ``SIMILAR_SIZE`` per language."""
        sub = self.languages[rows].tocoo()
        owner = np.asarray(sub.row, dtype=np.int64)
        lang = np.asarray(sub.col, dtype=np.int64)
        half = SIMILAR_SIZE // 2
        offsets = np.arange(-half, half, dtype=np.int64)
        for j in np.unique(lang):
            who = owner[lang == j]
            pops, members = self.by_language[int(j)]
            at = np.searchsorted(pops, self.log_population[rows[who]])
            idx = at[:, None] + offsets[None, :]
            ok = (idx >= 0) & (idx < members.size)
            add(np.broadcast_to(who[:, None], idx.shape)[ok], members[idx[ok]])

    def _network_peers(self, rows: IntArray, add: Any) -> None:
        """Co-members of the cities' networks, the ``NETWORK_PEERS`` nearest of them."""
        mem = self.membership
        if not mem.nnz:
            return
        counts = np.diff(mem.indptr)[rows]
        for k in np.flatnonzero(counts):
            row = int(rows[k])
            nets = mem.indices[mem.indptr[row] : mem.indptr[row + 1]]
            peers = self.network_members(nets)
            if peers.size > NETWORK_PEERS:
                d = self.xyz[peers] @ self.xyz[row]
                peers = peers[np.argpartition(-d, NETWORK_PEERS - 1)[:NETWORK_PEERS]]
            add(np.full(peers.size, k, dtype=np.int64), peers)

    def network_members(self, nets: IntArray) -> IntArray:
        """Rows of the members of any of the networks ``nets`` (columns of ``membership``)."""
        csc = self._members_csc
        if csc is None:
            csc = self._members_csc = sparse.csc_array(self.membership)
        parts = [csc.indices[csc.indptr[j] : csc.indptr[j + 1]] for j in nets]
        return _unique(np.concatenate(parts).astype(np.int64))

    def country_pools(self) -> list[IntArray]:
        """Per country, the candidates every city of it gets: the ``COMPATRIOT_PARTNERS``
        cities its cities twin with most, and the ``PER_PARTNER_COUNTRY`` most twinned
        cities of each of the ``PARTNER_COUNTRIES`` countries its cities twin with most
        (computed once per set of ties)."""
        if self._pools is not None:
            return self._pools
        comp = self.compatriot
        by_country = [np.flatnonzero(self.country == c) for c in range(self.neighbours.shape[0])]
        pools: list[IntArray] = []
        for c in range(self.neighbours.shape[0]):
            parts: list[IntArray] = []
            cols = np.asarray(comp.indices[comp.indptr[c] : comp.indptr[c + 1]], dtype=np.int64)
            if cols.size:
                vals = np.asarray(comp.data[comp.indptr[c] : comp.indptr[c + 1]])
                take = min(COMPATRIOT_PARTNERS, cols.size)
                parts.append(cols[np.argpartition(-vals, take - 1)[:take]])
            rates = self.pair_rate[c]
            if rates.any():
                for pc in np.argsort(-rates)[:PARTNER_COUNTRIES]:
                    if rates[pc] <= 0:
                        break
                    inside = by_country[int(pc)]
                    if inside.size:
                        key = self.degree[inside] + self.log_population[inside] / 100.0
                        take = min(PER_PARTNER_COUNTRY, inside.size)
                        parts.append(inside[np.argpartition(-key, take - 1)[:take]])
            pools.append(
                _unique(np.concatenate(parts).astype(np.int64))
                if parts
                else np.zeros(0, dtype=np.int64)
            )
        self._pools = pools
        return pools

    def gravity(self, row: int, k: int = GRAVITY) -> IntArray:
        """Rows of the ``k`` cities of the large-city pool with the highest
        ``log10(population) - GRAVITY_EXPONENT * log10(km + 50)`` from the city at ``row``."""
        out: IntArray = self.gravity_many(np.array([row], dtype=np.int64), k)[0]
        return out

    def gravity_many(
        self, rows: IntArray, k: int = GRAVITY, exponent: float = GRAVITY_EXPONENT
    ) -> IntArray:
        """:meth:`gravity` of many cities: ``(len(rows), min(k, pool))`` rows (``exponent``:
        of the distance)."""
        big = self.big
        # single precision: five times faster over the pool, and the order of the pulls
        # only changes between cities within metres or a few inhabitants of each other
        xyz = self.xyz.astype(np.float32)
        cos = np.clip(xyz[rows] @ xyz[big].T, -1.0, 1.0)
        km = np.float32(EARTH_KM) * np.arccos(cos)
        pull = self.log_population[big].astype(np.float32)[None, :] - np.float32(
            exponent
        ) * np.log10(km + np.float32(50.0))
        take = min(k, big.size)
        out: IntArray = big[np.argpartition(-pull, take - 1, axis=1)[:, :take]]
        return out

    # ------------------------------------------------------------------ features
    def features(self, i: IntArray, j: IntArray) -> FloatArray:
        """The :data:`FEATURES` of the pairs ``(i[k], j[k])`` (rows), one row per pair.

        The tie features (partners in common, compatriots' ties, shared networks) are only
        computed for the pairs where they can be non-zero (both cities with partners, or
        with networks): most registry cities have none, and sparse row look-ups are the
        costly part."""
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        out = np.zeros((i.size, len(FEATURES)))
        col = _COLUMN
        ci, cj = self.country[i], self.country[j]
        cos = np.clip(np.einsum("ij,ij->i", self.xyz[i], self.xyz[j]), -1.0, 1.0)
        km = EARTH_KM * np.arccos(cos)
        out[:, col["log_km"]] = np.log1p(km)
        out[:, col["same_country"]] = ci == cj
        out[:, col["neighbour_country"]] = self.neighbours[ci, cj]
        out[:, col["shared_language"]] = self.shared_languages(i, j)
        out[:, col["same_region"]] = self.region[i] == self.region[j]
        out[:, col["log_population_ratio"]] = np.abs(
            self.log_population[i] - self.log_population[j]
        )
        out[:, col["log_population"]] = self.log_population[j]
        out[:, col["country_pair_rate"]] = self.pair_rate[ci, cj]
        out[:, col["log_degree"]] = np.log1p(self.degree[j])
        out[:, col["log_own_degree"]] = np.log1p(self.degree[i])
        out[:, col["latitude_gap"]] = np.abs(self.latitude[i] - self.latitude[j])
        out[:, col["gravity"]] = self.log_population[j] - GRAVITY_EXPONENT * np.log10(km + 50.0)
        out[:, col["log_own_population"]] = self.log_population[i]
        out[:, col["standing"]] = self.standing[j]
        out[:, col["own_standing"]] = self.standing[i]
        tied_j = self.degree[j] > 0
        both = np.flatnonzero(tied_j & (self.degree[i] > 0))
        if both.size:
            ib, jb = i[both], j[both]
            common = self.adjacency[ib].multiply(self.adjacency[jb])
            out[both, col["common_partners"]] = np.asarray(common.sum(axis=1)).ravel()
            out[both, col["adamic_adar"]] = np.asarray(common @ self.inv_log_degree).ravel()
        some = np.flatnonzero(tied_j)
        if some.size:
            compat = np.asarray(self.compatriot[ci[some], j[some]], dtype=np.float64).ravel()
            # a city's own ties to j are not its compatriots' ties
            own = np.zeros(some.size)
            tied_i = self.degree[i[some]] > 0
            if tied_i.any():
                own[tied_i] = np.asarray(
                    self.adjacency[i[some][tied_i], j[some][tied_i]], dtype=np.float64
                ).ravel()
            out[some, col["compatriot_partners"]] = np.log1p(np.maximum(compat - own, 0.0))
        if self.membership.shape[1]:
            nets_of = np.diff(self.membership.indptr)
            in_nets = np.flatnonzero((nets_of[i] > 0) & (nets_of[j] > 0))
            if in_nets.size:
                mi = self.membership[i[in_nets]]
                mj = self.membership[j[in_nets]]
                # a network's co-membership says more when the network is small
                weight = 1.0 / np.log2(2.0 + self.network_size)
                out[in_nets, col["shared_networks"]] = np.asarray(
                    mi.multiply(mj) @ weight, dtype=np.float64
                ).ravel()
        return out

    def shared_languages(self, i: IntArray, j: IntArray) -> FloatArray:
        """Languages the cities share over the geometric mean of their numbers of languages
        (a cosine; 1 when both speak the same ones, 0 when none in common)."""
        bits = self._language_bits
        if bits is None:
            bits = self._language_bits = _bitsets(self.languages)
        shared = np.zeros(i.size)
        for w in range(bits.shape[1]):
            shared += np.bitwise_count(bits[i, w] & bits[j, w])
        n_lang = np.diff(self.languages.indptr).astype(np.float64)
        out: FloatArray = shared / np.sqrt(np.maximum(n_lang[i] * n_lang[j], 1.0))
        return out


#: Column of each feature.
_COLUMN = {f: k for k, f in enumerate(FEATURES)}


def _bitsets(matrix: sparse.csr_array) -> npt.NDArray[np.uint64]:
    """Each row of a 0/1 sparse matrix as a bitset: ``(rows, ceil(columns / 64))`` words."""
    coo = matrix.tocoo()
    words = max(1, -(-matrix.shape[1] // 64))
    out = np.zeros((matrix.shape[0], words), dtype=np.uint64)
    cols = np.asarray(coo.col, dtype=np.int64)
    np.bitwise_or.at(
        out,
        (np.asarray(coo.row, dtype=np.int64), cols // 64),
        np.left_shift(np.uint64(1), (cols % 64).astype(np.uint64)),
    )
    return out
