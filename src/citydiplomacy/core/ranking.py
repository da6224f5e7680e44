"""Learned partner ranking: candidate generators, pair features, a model trained on past ties.

Twinnings follow geography, language, size and the habits of countries more than any
measure of similarity. For one city the ranking

1. gathers **candidates** from several generators
   (:meth:`~citydiplomacy.core.tieworld.TieWorld.candidates`): the nearest cities, large
   cities near enough to matter, cities of similar size that share a language, partners of
   partners, the partners of the city's compatriots, co-members of its networks, and the
   most twinned cities of the countries its country twins with;
2. describes each (city, candidate) pair by **features** (:data:`FEATURES`): distance, same
   or neighbouring country, shared language, population ratio, common partners, the country
   pair's tie rate, compatriots' ties to the candidate, shared networks, activity, and both
   cities' administrative standing (capital, seat of a division, section of a city);
3. scores the pairs with a **model** trained on past ties (:func:`train`): scikit-learn
   ``HistGradientBoostingClassifier`` models (:data:`BAGS`, averaged) fitted on ties hidden
   from a copy of the tie graph (positives) against candidates of the same generators that
   are not partners (negatives), with whole cities' ties hidden too so that the model learns
   to suggest for a city that has none;
4. **explains** each suggestion by the feature groups that carried it: the drop in the model's
   score when that group is set to the value typical of non-partners, put in words
   ("12 km away across the border; same language; 3 of your partners are its partners").

Everything here is pure computation on arrays: the callers (the web services, the CLI, the
evaluation) read the registry and the ties and pass them in.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt
from scipy import sparse

from citydiplomacy.core.exposure import grouped_exposure_factors
from citydiplomacy.core.pairmodels import Bagged, TreeEnsemble
from citydiplomacy.core.pairmodels import probability as _probability
from citydiplomacy.core.priorfit import fit_prior_weight
from citydiplomacy.core.reasons import Reason
from citydiplomacy.core.tieworld import (
    COMPATRIOT_PARTNERS,
    FEATURES,
    GRAVITY,
    GRAVITY_EXPONENT,
    GRAVITY_POOL,
    GROUPS,
    NEAREST,
    NETWORK_PEERS,
    PARTNER_COUNTRIES,
    PER_PARTNER_COUNTRY,
    SIMILAR_SIZE,
    FloatArray,
    IntArray,
    TieWorld,
)

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingClassifier

__all__ = [
    "BAGS",
    "COMPATRIOT_PARTNERS",
    "FEATURES",
    "GRAVITY",
    "GRAVITY_EXPONENT",
    "GRAVITY_POOL",
    "GROUPS",
    "MODEL_FEATURES",
    "NEAREST",
    "NETWORK_PEERS",
    "PARTNER_COUNTRIES",
    "PER_PARTNER_COUNTRY",
    "SIMILAR_SIZE",
    "Bagged",
    "PriorModel",
    "Ranker",
    "TieWorld",
    "TreeEnsemble",
    "exposure_sample",
    "train",
    "training_pairs",
]


#: The features the model is trained on. (Leaving out the candidate's number of partners,
#: and taking a partner country's cities closest in size instead of its most twinned, was
#: tried: recall@10 fell from 0.020 to 0.015 out of source and one city was still in 16.5 %
#: of 200 cities' lists instead of 27 %; docs/partners.md.)
MODEL_FEATURES: tuple[str, ...] = FEATURES

#: Share of countries whose ties are all hidden when training examples are made: the model
#: then also learns to rank where a country's twinning habits are unknown (the evaluation's
#: out-of-source split EU 2017 -> crawl 2016 went from 0.0145 to 0.0198 recall@10 with it,
#: same seed and query sample; docs/partners.md).
COLD_COUNTRY_SHARE = 0.3
#: Weight of the gravity prior (``log10(population) - 2 log10(km + 50)`` of the candidate,
#: :data:`~citydiplomacy.core.tieworld.GRAVITY_EXPONENT`) added to the model's log-odds: the
#: score is ``odds x (population / (km + 50)^2)^weight`` up to a constant. The model learns
#: the habits of the ties it is trained on; the prior carries what holds for ties elsewhere
#: (large cities twin far away, small ones near). ``None``: the weight is learned from the
#: training ties (:func:`citydiplomacy.core.priorfit.fit_prior_weight`: the weight that best
#: ranks the ties of countries hidden from a model trained on the rest). It was fixed at 0.5
#: before, chosen by hand on two of the evaluation's splits.
PRIOR_WEIGHT: float | None = None
#: Exposure control (:mod:`citydiplomacy.core.exposure`), calibrated when the ranker is
#: trained on the top-10 lists of a sample of cities drawn evenly from the world regions
#: (:func:`exposure_sample`), each list ``EXPOSURE_DEPTH`` candidates deep: no city in more
#: than ``EXPOSURE_CAP`` of one region's lists, nor in more than ``EXPOSURE_OVERALL_CAP`` of
#: all of them (regions weighing the same). Per region alone, a global cap of 0.8 % left
#: Buenos Aires in 35 % of 34 South American lists; a cap of 2-3 % per region alone left
#: cities just under it in every region (Santiago, Mexico City) in 3.5-4.5 % of 200 cities'
#: lists from six continents; lists 60 deep let cities beyond the 60th place through
#: (Seattle in half of the Australian cities' lists). Measured: docs/partners.md.
EXPOSURE_CAP = 0.04
EXPOSURE_OVERALL_CAP = 0.02
EXPOSURE_SAMPLE = 4000
EXPOSURE_DEPTH = 200
#: Models averaged in the pair model (:class:`~citydiplomacy.core.pairmodels.Bagged`), each
#: with a third of the trees and its own draw of hidden ties and negatives. One model's
#: recall depended on that draw (out of source, 1.74-2.14 times nearest's recall@10 over
#: five seeds; averaged, 1.96-2.09, the same 2.0 on average). Chosen on the evaluation's
#: two other splits (crawl 2016 -> EU 2017 and held-out cities, four seeds each): three
#: models of 50 trees gave the same recall on the first (0.0167 against 0.0168) and 8 %
#: more on the second (0.0411 against 0.0381), with the seed spread halved; scoring costs
#: the same 150 trees (docs/partners.md).
BAGS = 3
#: Layout of a pickled :class:`Ranker` (raise it when its parts change).
LAYOUT = 8
LN10 = math.log(10.0)
#: Below this many ties the model is not trained: a fixed rule ranks (see :class:`PriorModel`).
MIN_TRAINING_TIES = 200


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
    model: HistGradientBoostingClassifier | Bagged | TreeEnsemble | PriorModel
    neutral: FloatArray
    learned: bool
    training: dict[str, int] = field(default_factory=dict)
    columns: tuple[int, ...] = tuple(range(len(FEATURES)))
    prior_weight: float = 0.0
    exposure: FloatArray = field(default_factory=lambda: np.ones(0))
    #: Recall@10 of each prior weight tried when the weight was learned
    #: (:func:`citydiplomacy.core.priorfit.fit_prior_weight`; empty when it was given).
    prior_recall: dict[float, float] = field(default_factory=dict)
    #: Layout of a pickled ranker: one without it, or with another, is refused when read
    #: (its cache file is then rebuilt, never used with missing parts).
    layout: int = LAYOUT

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.get("layout") != LAYOUT:
            raise pickle.UnpicklingError("a partner ranker of another layout: rebuild it")
        self.__dict__.update(state)

    def discount(self, rows: IntArray, cands: IntArray) -> FloatArray:
        """The exposure factor of each candidate ``cands[k]`` for the city ``rows[k]``
        (:mod:`citydiplomacy.core.exposure`; 1 without exposure control): per world region
        of the city, so that a city suggested to most cities of a region is shown less
        often there (``exposure`` is ``(regions, cities)``)."""
        if self.exposure.size == 0:
            return np.ones(cands.size)
        out: FloatArray = self.exposure[self.world.region[rows], cands]
        return out

    def light(self) -> Ranker:
        """The same ranker with its model as a :class:`TreeEnsemble` (no scikit-learn needed
        to load or use it; the same scores)."""
        if isinstance(self.model, TreeEnsemble | PriorModel):
            return self
        if isinstance(self.model, Bagged):
            return replace(self, model=self.model.light())
        return replace(self, model=TreeEnsemble.from_sklearn(self.model))

    def predict(self, x: FloatArray) -> FloatArray:
        """The probability of a tie for feature rows ``x`` (all of :data:`FEATURES`): the
        model's, with the gravity prior's weight added in log-odds (see :data:`PRIOR_WEIGHT`)."""
        if x.shape[0] == 0:
            return np.zeros(0)
        p = _probability(self.model, x[:, list(self.columns)])
        if self.prior_weight == 0:
            return p
        p = np.clip(p, 1e-9, 1.0 - 1e-9)
        g = FEATURES.index("gravity")
        z = np.log(p / (1.0 - p)) + self.prior_weight * LN10 * (x[:, g] - self.neutral[g])
        out: FloatArray = 1.0 / (1.0 + np.exp(-z))
        return out

    def score(self, row: int, cands: IntArray) -> FloatArray:
        """The model's probability that the city at ``row`` twins with each candidate."""
        if cands.size == 0:
            return np.zeros(0)
        x = self.world.features(np.full(cands.size, row, dtype=np.int64), cands)
        return self.predict(x) * self.discount(np.full(cands.size, row, dtype=np.int64), cands)

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
            owner, cand, s = self._scored(
                chunk, None if excluded is None else excluded[start : start + batch]
            )
            bounds = np.searchsorted(owner, np.arange(chunk.size + 1))
            for n_, r in enumerate(chunk):
                a, b = bounds[n_], bounds[n_ + 1]
                yield int(r), cand[a:b], s[a:b]

    def _scored(
        self, chunk: IntArray, excluded: Sequence[IntArray] | None = None
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Every candidate of the cities ``chunk`` that is not a partner (nor in
        ``excluded[n]`` for the ``n``-th city), scored in one model call: ``(owner, cand,
        score)`` sorted by owner (position in ``chunk``), then best first, then GeoNames id."""
        w = self.world
        n = w.ids.size
        owner, cand = w.candidates_many(chunk)
        drop = [sparse.coo_array(w.adjacency[chunk])]
        if excluded is not None:
            sizes = [e.size for e in excluded]
            if sum(sizes):
                rows_ex = np.repeat(np.arange(chunk.size), sizes)
                cols_ex = np.concatenate([np.asarray(e, dtype=np.int64) for e in excluded])
                drop.append(sparse.coo_array((np.ones(rows_ex.size), (rows_ex, cols_ex))))
        gone = np.concatenate(
            [
                np.asarray(d.row, dtype=np.int64) * n + np.asarray(d.col, dtype=np.int64)
                for d in drop
            ]
        )
        if gone.size:
            keep = ~np.isin(owner * n + cand, gone)
            owner, cand = owner[keep], cand[keep]
        i = chunk[owner]
        p = self.predict(w.features(i, cand)) * self.discount(i, cand) if cand.size else np.zeros(0)
        order = np.lexsort((w.ids[cand], -p, owner))
        return owner[order], cand[order], p[order]

    def top_many(
        self, rows: IntArray, k: int, *, batch: int = 512, threads: int | None = 1
    ) -> tuple[IntArray, FloatArray]:
        """:meth:`top` (existing partners excluded) for many cities at once:
        ``(len(rows), k)`` arrays (-1 / NaN where fewer than ``k`` candidates).

        Each batch of ``batch`` cities is one candidate generation, one feature matrix and
        one model call (about 160,000 pairs for 512 cities). The model call is most of the
        time; ``threads`` is the number of OpenMP threads it may use (``None``: every core,
        faster on an idle machine, much slower on a busy one, where the threads wait on each
        other's cores; the lists do not depend on it)."""
        from threadpoolctl import threadpool_limits

        out_r = np.full((rows.size, k), -1, dtype=np.int64)
        out_s = np.full((rows.size, k), np.nan)
        with threadpool_limits(limits=threads, user_api="openmp"):
            for start in range(0, rows.size, batch):
                owner, cand, s = self._scored(rows[start : start + batch])
                first = np.searchsorted(owner, owner, side="left")
                rank = np.arange(owner.size) - first
                keep = rank < k
                out_r[start + owner[keep], rank[keep]] = cand[keep]
                out_s[start + owner[keep], rank[keep]] = s[keep]
        return out_r, out_s

    def with_exposure(
        self,
        rows: IntArray,
        cap: float,
        *,
        overall_cap: float = 1.0,
        k: int = 10,
        depth: int = EXPOSURE_DEPTH,
    ) -> Ranker:
        """The same ranker with exposure control calibrated on the top-``k`` lists of the
        cities at ``rows`` (:func:`citydiplomacy.core.exposure.exposure_factors`), region
        by region: no candidate in more than ``cap`` of the lists of one world region's
        cities, hence of any mix of regions. The factors apply to every city's list."""
        plain = replace(self, exposure=np.ones(0))
        cands, scores = plain.top_many(rows, depth, threads=1)
        n_regions = int(self.world.region.max()) + 1 if self.world.region.size else 1
        factors = grouped_exposure_factors(
            cands,
            scores,
            self.world.region[rows],
            self.world.ids.size,
            cap=cap,
            overall_cap=overall_cap,
            k=k,
        )
        if factors.shape[0] < n_regions:
            factors = np.vstack(
                [factors, np.ones((n_regions - factors.shape[0], factors.shape[1]))]
            )
        return replace(self, exposure=factors)

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
    ) -> tuple[Reason, ...]:
        """Sentences for one suggestion, from the feature groups that carried it (largest
        first; those that added less than a tenth of the largest are left out). ``x``: the
        pair's features when already computed."""
        w = self.world
        if x is None:
            x = w.features(np.array([row]), np.array([cand]))[0]
        value = dict(zip(FEATURES, x, strict=True))
        top = max([v for v in carried.values() if v > 0], default=0.0)
        out: list[Reason] = []
        for g in sorted(carried, key=lambda g: -carried[g]):
            if carried[g] <= 0 or carried[g] < 0.1 * top:
                continue
            text = _sentence(g, value, w, row, cand)
            if text:
                out.append(text)
        if not out:
            out.append(
                _sentence("distance", value, w, row, cand)
                or Reason("model_candidate", "a candidate of the model")
            )
        return tuple(out)


def _sentence(
    group: str, v: Mapping[str, float], w: TieWorld, row: int, cand: int
) -> Reason | None:
    """The sentence of one feature group for one pair (``None``: nothing to say). Each is a
    :class:`~citydiplomacy.core.reasons.Reason`: English, with its key and values."""
    if group == "distance":
        km = round(math.expm1(v["log_km"]))
        if v["same_country"]:
            return Reason("distance_same_country", f"{km:,} km away, in the same country", km=km)
        if v["neighbour_country"]:
            return Reason("distance_border", f"{km:,} km away, across the border", km=km)
        country = w.country_codes[int(w.country[cand])]
        return Reason("distance_abroad", f"{km:,} km away, in {country}", km=km, country=country)
    if group == "language":
        if v["shared_language"] >= 0.99:
            return Reason("same_language", "same language")
        if v["shared_language"] > 0:
            return Reason("language_in_common", "a language in common")
        return Reason("same_region", "same world region") if v["same_region"] else None
    if group == "size":
        a, b = round(w.population[row]), round(w.population[cand])
        if v["log_population_ratio"] <= 0.3:
            return Reason(
                "similar_size", f"similar size ({a:,} and {b:,} inhabitants)", own=a, theirs=b
            )
        return Reason("size", f"{b:,} inhabitants (you: {a:,})", own=a, theirs=b)
    if group == "common_partners":
        n = round(v["common_partners"])
        if n <= 0:
            return None
        verb = "is its partner" if n == 1 else "are its partners"
        return Reason("common_partners", f"{n} of your partners {verb}", n=n)
    if group == "country_ties":
        share = v["country_pair_rate"]
        if share <= 0:
            return None
        a = w.country_codes[int(w.country[row])]
        b = w.country_codes[int(w.country[cand])]
        return Reason(
            "country_ties",
            f"{share:.0%} of the twinnings of {a} cities are with {b} cities",
            share=share,
            own_country=a,
            country=b,
        )
    if group == "compatriots":
        n = round(math.expm1(v["compatriot_partners"]))
        if n <= 0:
            return None
        cities = "city" if n == 1 else "cities"
        return Reason(
            "compatriots", f"already twinned with {n} other {cities} of your country", n=n
        )
    if group == "networks":
        return Reason("shared_network", "in a network with you") if v["shared_networks"] else None
    if group == "activity":
        d = round(math.expm1(v["log_degree"]))
        if d <= 0:
            return None
        partnerships = "partnership" if d == 1 else "partnerships"
        return Reason("active_twinner", f"an active twinner ({d} {partnerships})", n=d)
    if group == "standing":
        return _standing_sentence(v["standing"], v["own_standing"])
    return None


#: The order of an administrative division, in words.
ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def _standing_sentence(level: float, own: float) -> Reason | None:
    """'a national capital, like you'; ``None`` for a city that is no seat (or not known)."""
    if math.isnan(level) or level > 5:
        return None
    like_you = bool(level == own)
    params: dict[str, int] = {}
    if level == 0:
        key, text = "capital", "a national capital"
    elif level == 1:
        key, text = "regional_capital", "a regional capital (seat of a first-order division)"
    else:
        order = round(level)
        key = "division_seat"
        text = f"seat of a {ORDINALS[order]}-order administrative division"
        params["order"] = order
    return Reason(key, f"{text}, like you" if like_you else text, like_you=like_you, **params)


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
    neutral = _medians(x[y == 0])
    return x, y, neutral


def _medians(x: FloatArray) -> FloatArray:
    """Each feature's median over the rows of ``x``, unknown values (NaN) left out; 0 for a
    feature with no known value (or no rows)."""
    if not x.size:
        return np.zeros(len(FEATURES))
    known = ~np.isnan(x)
    out = np.zeros(x.shape[1])
    for f in np.flatnonzero(known.any(axis=0)):
        out[f] = float(np.median(x[known[:, f], f]))
    return out


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
    prior_weight: float | None = PRIOR_WEIGHT,
    exposure_cap: float | None = EXPOSURE_CAP,
    exposure_sample: int = EXPOSURE_SAMPLE,
) -> Ranker:
    """Train the pair model on the ties of ``world`` and return the ranker that serves from
    all of them. With fewer than ``min_ties`` ties, the fixed :class:`PriorModel` ranks.

    ``prior_weight``: the gravity prior's weight (:data:`PRIOR_WEIGHT`); ``exposure_cap``:
    exposure control's cap (:data:`EXPOSURE_CAP`; ``None``: none), calibrated on the lists
    of ``exposure_sample`` cities drawn at random (:meth:`Ranker.with_exposure`)."""
    upper = sparse.triu(world.adjacency, k=1).tocoo()
    pairs = np.column_stack([upper.row, upper.col]).astype(np.int64)
    if pairs.shape[0] < min_ties:
        neutral = np.zeros(len(FEATURES))
        neutral[FEATURES.index("log_km")] = math.log1p(2000.0)
        prior = Ranker(world, PriorModel(), neutral, learned=False, training={"ties": len(pairs)})
        return _controlled(prior, exposure_cap, exposure_sample, seed)
    columns = tuple(FEATURES.index(f) for f in features)
    fit_model = partial(
        _fit,
        seed=seed,
        max_iter=max_iter,
        columns=columns,
        cold_country_share=cold_country_share,
        max_queries=max_queries,
    )
    model, y, neutral = fit_model(world, pairs)
    recall: dict[float, float] = {}
    if prior_weight is None:

        def fit(w: TieWorld, p: IntArray) -> tuple[Any, FloatArray]:
            m, _, n = fit_model(w, p)
            return (lambda x: m.predict_proba(x[:, list(columns)])[:, 1]), n

        prior_weight, recall = fit_prior_weight(
            world, pairs, np.random.default_rng(seed + 2), fit, _memberships_of(world)
        )
    ranker = Ranker(
        world,
        model,
        neutral,
        learned=True,
        training={"ties": len(pairs), "examples": int(y.size), "positives": int(y.sum())},
        columns=columns,
        prior_weight=prior_weight,
        prior_recall=recall,
    )
    return _controlled(ranker, exposure_cap, exposure_sample, seed)


def _fit(
    world: TieWorld,
    pairs: IntArray,
    *,
    seed: int,
    max_iter: int,
    columns: tuple[int, ...],
    cold_country_share: float,
    max_queries: int,
) -> tuple[Any, npt.NDArray[np.int8], FloatArray]:
    """The pair model fitted on examples made from ``pairs`` (:func:`training_pairs`), the
    examples' labels, and the features' neutral values (medians over the negatives).

    :data:`BAGS` models of ``max_iter // BAGS`` trees each, every one on its own draw of
    hidden ties and negatives, averaged in log-odds (:class:`Bagged`)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    models: list[Any] = []
    negatives: list[FloatArray] = []
    ys: list[npt.NDArray[np.int8]] = []
    for bag in range(BAGS):
        rng = np.random.default_rng([seed, bag])
        x, y, _ = training_pairs(
            world, pairs, rng, cold_country_share=cold_country_share, max_queries=max_queries
        )
        model = HistGradientBoostingClassifier(
            max_iter=max(1, max_iter // BAGS),
            learning_rate=0.1,
            max_leaf_nodes=31,
            random_state=int(rng.integers(2**31)),
        )
        xc = x[:, list(columns)]
        # a feature no example knows (a registry without feature codes): nothing to learn
        # from, and the binning cannot take a column of missing values only
        xc[:, np.isnan(xc).all(axis=0)] = 0.0
        # One OpenMP thread: on a shared, busy machine gradient boosting's threads wait on
        # each other's cores; one thread keeps the training time predictable.
        with threadpool_limits(limits=1, user_api="openmp"):
            model.fit(xc, y)
        models.append(model)
        negatives.append(x[y == 0])
        ys.append(y)
    negative = np.concatenate(negatives)
    neutral = _medians(negative)
    return Bagged(tuple(models)), np.concatenate(ys), neutral


def _controlled(ranker: Ranker, cap: float | None, sample: int, seed: int) -> Ranker:
    if cap is None:
        return ranker
    return ranker.with_exposure(
        exposure_sample(ranker.world, sample, seed), cap, overall_cap=EXPOSURE_OVERALL_CAP
    )


def exposure_sample(world: TieWorld, size: int, seed: int = 0) -> IntArray:
    """Rows of about ``size`` cities drawn evenly from the world regions (UN sub-regions):
    the lists exposure control is calibrated on. A uniform draw would be mostly Indian,
    Chinese, European and American cities, and a city suggested across a smaller region
    would escape the cap there."""
    rng = np.random.default_rng(seed + 1)
    regions = np.unique(world.region)
    per = max(1, size // max(regions.size, 1))
    picked = []
    for r in regions:
        members = np.flatnonzero(world.region == r)
        picked.append(rng.choice(members, size=min(per, members.size), replace=False))
    out: IntArray = np.sort(np.concatenate(picked)).astype(np.int64)
    return out
