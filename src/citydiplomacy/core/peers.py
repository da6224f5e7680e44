"""Partner matchmaking: peers to learn from and reciprocal partners, each explained.

A recommendation's score is a weighted sum of signals in [0, 1] (:class:`MatchWeights`):

``context``
    context similarity (:mod:`citydiplomacy.core.context`: population, region, income
    group, latitude, language);
``performance``
    *peer* mode: how much stronger the candidate is on the theme than the city
    (score gap / 100), or how much it improved (score change / :data:`IMPROVEMENT_UNIT`),
    whichever is larger; *reciprocal* mode: ``sqrt(g_ab * g_ba)``, the geometric mean of what
    each side gains from the other (each strong where the other is weak);
``partners_of_partners``
    ``1 - exp(-AA)`` with AA the Adamic-Adar score over existing partnerships;
``shared_networks``
    ``1 - exp(-n / 2)`` with ``n`` the networks both belong to;
``country_ties``
    how often the city's country's partnerships go to the candidate's country, relative to
    its most frequent partner country (1 for that one);
``partner_activity``
    ``1 - exp(-d / 5)`` with ``d`` the candidate's number of partnerships: cities that already
    twin a lot are likelier to take another partner.

:class:`Recommendation` keeps each weighted component, and the components add up to the score
exactly, so an explanation can never disagree with the ranking. :class:`Matchmaker` is built
once (the registry's embedding, the tie index, the scores) and then answers one city in a few
milliseconds; :func:`nearest_contexts` gives the context top-k of every city at once.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from citydiplomacy.core.context import (
    FACTOR_LABELS,
    FACTORS,
    ContextWeights,
    context_embedding,
    context_factors,
    similarity,
)
from citydiplomacy.core.reasons import Reason
from citydiplomacy.core.ties import TieIndex

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Mode = Literal["peer", "reciprocal"]

#: A score gain of this many points counts as the full improvement signal.
IMPROVEMENT_UNIT = 10.0
#: Scores are on a 0-100 scale.
SCORE_SCALE = 100.0
#: The signals, in the order of :class:`MatchWeights`.
SIGNALS: tuple[str, ...] = (
    "context",
    "performance",
    "partners_of_partners",
    "shared_networks",
    "country_ties",
    "partner_activity",
)
SIGNAL_LABELS: dict[str, str] = {
    "context": "similar context",
    "performance": "strength on the theme",
    "partners_of_partners": "partners in common",
    "shared_networks": "networks in common",
    "country_ties": "ties between the two countries",
    "partner_activity": "an active partner city",
    "twinning": "likely to twin (learned from past ties)",
}


@dataclass(frozen=True)
class MatchWeights:
    """Weights of the signals (non-negative, not all zero).

    The tie weights were set on a random split of the 2017 Wikidata sister-city pairs, an
    evaluation since withdrawn (it measured memory of that file, not suggestions of unseen
    ties; docs/partners.md). The platform's partner suggestions now come from the learned
    ranking of :mod:`citydiplomacy.core.ranking`; this weighted score remains for
    :meth:`Matchmaker.suggest` itself. The performance weight matters only with profile
    scores: it is set so that strength on the theme counts as much as the strongest tie
    signal.
    """

    context: float = 0.25
    performance: float = 0.6
    partners_of_partners: float = 0.6
    shared_networks: float = 0.05
    country_ties: float = 0.15
    partner_activity: float = 0.15

    def __post_init__(self) -> None:
        values = self.as_dict().values()
        if any(not np.isfinite(v) or v < 0 for v in values) or sum(values) <= 0:
            raise ValueError("match weights must be finite, non-negative and not all zero")

    def as_dict(self) -> dict[str, float]:
        return {s: float(getattr(self, s)) for s in SIGNALS}


@dataclass(frozen=True)
class KpiEvidence:
    """One framework node behind a recommendation: both cities' scores on it."""

    code: str
    name: str
    own: float | None
    theirs: float | None
    change: float | None = None

    @property
    def gap(self) -> float | None:
        """Their score minus the city's own (``None`` when either is missing)."""
        if self.own is None or self.theirs is None:
            return None
        return self.theirs - self.own


@dataclass(frozen=True)
class Recommendation:
    """One suggested partner with everything that explains it.

    Attributes
    ----------
    city_id
        The candidate.
    score
        ``sum(components.values())``.
    components
        Weighted contribution of each signal of :data:`SIGNALS`.
    signals
        The unweighted signals, each in [0, 1].
    factors
        Context similarity per factor of :data:`citydiplomacy.core.context.FACTORS`, in [0, 1].
    kpis
        The scores behind the performance signal (the candidate's strengths first).
    reasons
        Sentences for people, strongest first.
    """

    city_id: int
    score: float
    components: dict[str, float]
    signals: dict[str, float]
    factors: dict[str, float]
    kpis: tuple[KpiEvidence, ...] = ()
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Performance:
    """Scores of the cities that have a profile, for one year each (the latest visible).

    Attributes
    ----------
    scores
        Index city id, columns framework node codes, values 0-100 (NaN where unscored).
    change
        Same shape: score change since the previous year.
    themes
        Theme code (a framework category) -> the codes of the KPIs beneath it.
    names
        Node code -> readable name.
    """

    scores: pd.DataFrame
    change: pd.DataFrame
    themes: Mapping[str, Sequence[str]]
    names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Performance:
        frame = pd.DataFrame(dtype=np.float64)
        return cls(scores=frame, change=frame, themes={}, names={})


class Matchmaker:
    """Suggests partners for one city at a time over a fixed set of candidates.

    Parameters
    ----------
    contexts
        One row per city (index = city id): the context columns of
        :mod:`citydiplomacy.core.context` plus ``country``.
    ties
        The existing ties, indexed over the same ids in the same order.
    performance
        Scores of the cities with a profile.
    context_weights
        Weights of the context factors.
    """

    def __init__(
        self,
        contexts: pd.DataFrame,
        ties: TieIndex,
        performance: Performance | None = None,
        context_weights: ContextWeights | None = None,
    ) -> None:
        ids = contexts.index.to_numpy(np.int64)
        if not np.array_equal(ids, ties.ids):
            raise ValueError("the tie index must cover the contexts' ids in the same order")
        self.contexts = contexts
        self.ids = ids
        self._position = pd.Index(ids)
        self.ties = ties
        self.performance = performance or Performance.empty()
        self.context_weights = context_weights or ContextWeights()
        embedding = context_embedding(contexts, self.context_weights)
        self._sq = (embedding**2).sum(axis=1)
        # A column with one non-zero entry (the own column of a city whose region is unknown)
        # adds nothing to the dot product of two different cities: drop it from the matrix the
        # queries multiply, keep it in the squared norms. Exact, and far fewer columns.
        shared = np.count_nonzero(embedding, axis=0) > 1
        self.embedding = np.ascontiguousarray(embedding[:, shared])
        # Most columns are one-hot blocks (region, language): a sparse product is ~10x faster.
        self._sparse = sparse.csr_array(self.embedding)
        self._set_performance(self.performance)
        countries = pd.Index(sorted(set(ties.countries.tolist())))
        self._country_code = countries.get_indexer(ties.countries)
        affinity = ties.country_affinity().reindex(index=countries, columns=countries)
        shares = affinity.fillna(0.0).to_numpy(np.float64)
        top = shares.max(axis=1, keepdims=True) if shares.size else shares
        self._affinity = np.divide(shares, top, out=np.zeros_like(shares), where=top > 0)
        self._activity = 1.0 - np.exp(-ties.degrees() / 5.0)

    def _set_performance(self, perf: Performance) -> None:
        self.performance = perf
        self._perf_cols = perf.scores.columns
        self._perf_col = {str(c): i for i, c in enumerate(self._perf_cols)}
        self._perf_scores = perf.scores.to_numpy(np.float64)
        self._perf_change = perf.change.reindex_like(perf.scores).to_numpy(np.float64)
        self._perf_row = {int(c): i for i, c in enumerate(perf.scores.index)}
        self._perf_at = (
            self._position.get_indexer(perf.scores.index)
            if len(perf.scores)
            else np.zeros(0, dtype=np.int64)
        )

    def with_performance(self, performance: Performance) -> Matchmaker:
        """The same matchmaker (sharing the context embedding and the ties, the costly
        parts) over other scores: one per audience (the public, an editor, analysts)."""
        other = copy.copy(self)
        other._set_performance(performance)
        return other

    def row(self, city_id: int) -> int:
        """Row of a city id (``KeyError`` when it is not a candidate)."""
        at = self._position.get_indexer(pd.Index([city_id]))[0]
        if at < 0:
            raise KeyError(f"city {city_id} is not among the candidates")
        return int(at)

    def context_similarity(self, row: int) -> FloatArray:
        """``1 - min(D, 1)`` of every candidate with the city at ``row``."""
        dot = np.asarray(self._sparse @ self.embedding[row], dtype=np.float64)
        d2 = self._sq + self._sq[row] - 2.0 * dot
        d2[row] = 0.0  # its own dropped columns are not in the product
        out: FloatArray = similarity(np.sqrt(np.maximum(d2, 0.0)))
        return out

    def tie_signals(self, row: int) -> dict[str, FloatArray]:
        """The four signals from existing ties, for every candidate."""
        aa = self.ties.adamic_adar(row)
        shared = self.ties.shared_networks(row)
        affinity = self._affinity[self._country_code[row]][self._country_code]
        return {
            "partners_of_partners": 1.0 - np.exp(-aa),
            "shared_networks": 1.0 - np.exp(-shared / 2.0),
            "country_ties": affinity,
            "partner_activity": self._activity,
        }

    def suggest(
        self,
        city_id: int,
        *,
        theme: str | None = None,
        mode: Mode = "peer",
        k: int = 10,
        weights: MatchWeights | None = None,
        exclude_partners: bool = True,
        exclude: Sequence[int] = (),
        candidates: Sequence[int] | None = None,
    ) -> list[Recommendation]:
        """The ``k`` best partners for ``city_id``, best first.

        Parameters
        ----------
        city_id
            The city looking for partners (never recommended to itself).
        theme
            A framework category code; with profile scores, *peer* mode then keeps the
            candidates stronger on it or improving on it, and *reciprocal* mode those stronger
            on it where the city is stronger elsewhere.
        mode
            ``"peer"`` (peers to learn from) or ``"reciprocal"`` (each strong where the other
            is weak; candidates need a profile).
        k
            How many.
        weights
            Signal weights.
        exclude_partners
            Leave out the city's existing partners.
        exclude
            Further ids to leave out.
        candidates
            Restrict to these ids (all indexed cities when ``None``).
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        w = (weights or MatchWeights()).as_dict()
        row = self.row(city_id)
        total, signals = self.score_all(
            city_id,
            theme=theme,
            mode=mode,
            weights=weights,
            exclude_partners=exclude_partners,
            exclude=exclude,
            candidates=candidates,
        )
        allowed = np.isfinite(total)
        count = min(k, int(allowed.sum()))
        if count <= 0:
            return []
        top = np.argpartition(-total, count - 1)[:count]
        top = top[np.lexsort((self.ids[top], -total[top]))]
        factors = context_factors(
            self.contexts.iloc[np.concatenate([[row], top])], city_id, pd.Index(self.ids[top])
        )
        factor_values = {
            int(i): [float(x) for x in r]
            for i, r in zip(factors.index, factors[list(FACTORS)].to_numpy(np.float64), strict=True)
        }
        out = []
        for j in top:
            cid = int(self.ids[j])
            sig = {s: float(signals[s][j]) for s in SIGNALS}
            comp = {s: w[s] * sig[s] for s in SIGNALS}
            fac = dict(zip(FACTORS, factor_values[cid], strict=True))
            kpis = self.evidence(city_id, cid, theme, mode)
            out.append(
                Recommendation(
                    city_id=cid,
                    score=float(sum(comp.values())),
                    components=comp,
                    signals=sig,
                    factors=fac,
                    kpis=kpis,
                    reasons=reasons_for(comp, sig, fac, kpis, mode),
                )
            )
        return out

    def score_all(
        self,
        city_id: int,
        *,
        theme: str | None = None,
        mode: Mode = "peer",
        weights: MatchWeights | None = None,
        exclude_partners: bool = True,
        exclude: Sequence[int] = (),
        candidates: Sequence[int] | None = None,
    ) -> tuple[FloatArray, dict[str, FloatArray]]:
        """The score of every indexed city (``-inf`` where not allowed) and the signals.

        The arguments are those of :meth:`suggest`; this is its ranking before the top ``k``
        is taken, for evaluations that need the rank of every candidate.
        """
        if mode not in ("peer", "reciprocal"):
            raise ValueError(f"mode must be 'peer' or 'reciprocal', got {mode!r}")
        if theme is not None and theme not in self.performance.themes:
            raise KeyError(f"unknown theme {theme!r}")
        w = (weights or MatchWeights()).as_dict()
        row = self.row(city_id)
        n = self.ids.size
        signals: dict[str, FloatArray] = {"context": self.context_similarity(row)}
        signals.update(self.tie_signals(row))
        allowed = np.ones(n, dtype=bool)
        if candidates is not None:
            allowed[:] = False
            at = self._position.get_indexer(pd.Index(list(candidates)))
            allowed[at[at >= 0]] = True
        allowed[row] = False
        if exclude_partners:
            allowed[self.ties.partners(row)] = False
        if exclude:
            at = self._position.get_indexer(pd.Index(list(exclude)))
            allowed[at[at >= 0]] = False
        performance, required = self.performance_signal(city_id, theme, mode)
        signals["performance"] = performance
        if required is not None:
            allowed &= required
        total = np.zeros(n, dtype=np.float64)
        for s in SIGNALS:
            total += w[s] * signals[s]
        total[~allowed] = -np.inf
        return total, signals

    # ------------------------------------------------------------------ performance
    def _own_scores(self, city_id: int) -> FloatArray:
        """The city's scores in column order (NaN where it has none)."""
        at = self._perf_row.get(int(city_id))
        if at is None:
            return np.full(len(self._perf_cols), np.nan)
        row: FloatArray = self._perf_scores[at]
        return row

    def performance_signal(
        self, city_id: int, theme: str | None, mode: Mode
    ) -> tuple[FloatArray, npt.NDArray[np.bool_] | None]:
        """The performance signal for every candidate (in the order of :attr:`ids`) and,
        where the mode needs one, the mask of the candidates it allows."""
        n = self.ids.size
        out = np.zeros(n, dtype=np.float64)
        perf = self.performance
        if perf.scores.empty:
            if mode == "reciprocal":
                return out, np.zeros(n, dtype=bool)
            return out, None
        present = self._perf_at >= 0
        rows = self._perf_at[present]
        scores = self._perf_scores[present]
        change = self._perf_change[present]
        has_own = int(city_id) in self._perf_row
        own_vec = self._own_scores(city_id)
        themes = list(perf.themes)
        theme_at = np.array([self._perf_col.get(t, -1) for t in themes], dtype=np.int64)
        if mode == "peer":
            if theme is None:
                return out, None
            c = self._perf_col[theme]
            theirs = scores[:, c]
            gap = np.nan_to_num((theirs - own_vec[c]) / SCORE_SCALE, nan=0.0)
            if np.isnan(own_vec[c]):
                gap = np.nan_to_num(theirs / SCORE_SCALE, nan=0.0)
            gain = np.nan_to_num(change[:, c] / IMPROVEMENT_UNIT, nan=0.0)
            signal = np.clip(np.maximum(gap, gain), 0.0, 1.0)
            out[rows] = signal
            required = np.zeros(n, dtype=bool)
            required[rows] = signal > 0
            return out, required
        # reciprocal: over the themes both have
        valid = theme_at >= 0
        t_cols = theme_at[valid]
        theirs = scores[:, t_cols]
        mine = own_vec[t_cols]
        if not has_own:
            return out, np.zeros(n, dtype=bool)
        they_teach = np.clip((theirs - mine) / SCORE_SCALE, 0.0, None)
        i_teach = np.clip((mine - theirs) / SCORE_SCALE, 0.0, None)
        if theme is not None:
            tpos = [t for t, ok in zip(themes, valid, strict=True) if ok].index(theme)
            g_ab = np.nan_to_num(they_teach[:, tpos], nan=0.0)
            others = np.delete(i_teach, tpos, axis=1)
            g_ba = _nanmean_rows(others)
        else:
            g_ab = _nanmean_rows(they_teach)
            g_ba = _nanmean_rows(i_teach)
        signal = np.clip(np.sqrt(g_ab * g_ba), 0.0, 1.0)
        out[rows] = signal
        required = np.zeros(n, dtype=bool)
        required[rows] = signal > 0
        return out, required

    def evidence(
        self, city_id: int, other: int, theme: str | None, mode: Mode
    ) -> tuple[KpiEvidence, ...]:
        """The category and KPI scores of both cities behind the performance signal."""
        perf = self.performance
        at = self._perf_row.get(int(other))
        if at is None:
            return ()
        own = self._own_scores(city_id)
        theirs = self._perf_scores[at]
        change = self._perf_change[at]
        if mode == "peer" and theme is not None:
            codes = [theme, *perf.themes.get(theme, ())]
        else:
            codes = list(perf.themes)
        items = []
        for code in codes:
            c = self._perf_col.get(code)
            if c is None or np.isnan(theirs[c]):
                continue
            items.append(
                KpiEvidence(
                    code,
                    str(perf.names.get(code, code)),
                    _num(own[c]),
                    float(theirs[c]),
                    _num(change[c]),
                )
            )
        head, rest = items[:1], items[1:]
        if mode == "peer" and theme is not None:
            rest.sort(key=lambda e: -(e.gap if e.gap is not None else (e.theirs or 0.0)))
            return tuple(head + [e for e in rest if (e.gap or 0.0) > 0 or e.own is None][:4])
        items.sort(key=lambda e: -abs(e.gap or 0.0))
        return tuple(e for e in items if e.gap)[:6]


def _num(value: float) -> float | None:
    x = float(value)
    return None if np.isnan(x) else x


def _nanmean_rows(a: FloatArray) -> FloatArray:
    if a.shape[1] == 0:
        return np.zeros(a.shape[0], dtype=np.float64)
    counts = np.sum(~np.isnan(a), axis=1)
    sums = np.nansum(a, axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)


def reasons_for(
    components: Mapping[str, float],
    signals: Mapping[str, float],
    factors: Mapping[str, float],
    kpis: Sequence[KpiEvidence],
    mode: Mode,
) -> tuple[Reason, ...]:
    """Sentences for one recommendation, strongest signal first (each a
    :class:`~citydiplomacy.core.reasons.Reason`: English, with its key and values)."""
    out: list[Reason] = []
    for s in sorted(components, key=lambda s: -components[s]):
        if components[s] <= 0:
            continue
        if s == "context":
            close = [f for f in FACTORS if factors.get(f, 0.0) >= 0.75]
            labels = [FACTOR_LABELS[f] for f in close]
            detail = f" ({', '.join(labels)})" if labels else ""
            out.append(
                Reason(
                    "similar_context",
                    f"similar context: {signals[s]:.0%}{detail}",
                    share=signals[s],
                    factors=tuple(close),
                )
            )
        elif s == "performance":
            if mode == "reciprocal":
                strong = [e.name for e in kpis if (e.gap or 0) > 0][:3]
                weak = [e.name for e in kpis if (e.gap or 0) < 0][:3]
                out.append(
                    Reason(
                        "reciprocal",
                        "each can teach the other: they are stronger on "
                        f"{', '.join(strong) or '—'}; you are stronger on "
                        f"{', '.join(weak) or '—'}",
                        theirs=tuple(strong),
                        own=tuple(weak),
                    )
                )
            elif kpis:
                head = kpis[0]
                if head.gap is not None and head.gap > 0:
                    out.append(
                        Reason(
                            "stronger_on",
                            f"stronger on {head.name}: {head.theirs:.0f} against {head.own:.0f}",
                            name=head.name,
                            theirs=head.theirs,
                            own=head.own,
                        )
                    )
                elif head.change is not None and head.change > 0:
                    out.append(
                        Reason(
                            "improving_on",
                            f"improving on {head.name}: +{head.change:.1f} points",
                            name=head.name,
                            change=head.change,
                        )
                    )
                else:
                    out.append(
                        Reason(
                            "scored_on",
                            f"scored {head.theirs:.0f} on {head.name}",
                            name=head.name,
                            theirs=head.theirs,
                        )
                    )
        else:
            out.append(
                Reason(
                    "signal", f"{SIGNAL_LABELS[s]}: {signals[s]:.0%}", signal=s, share=signals[s]
                )
            )
    return tuple(out)


def nearest_contexts(
    contexts: pd.DataFrame, k: int = 10, weights: ContextWeights | None = None
) -> tuple[IntArray, FloatArray]:
    """The ``k`` cities of most similar context for every city (never itself), exactly.

    The categorical factors (region, income group, language) take few distinct combinations
    (one per country for the registry), and population and latitude are two numbers: so the
    squared distance is ``C[g(i), g(j)] + |x_i - x_j|^2`` with ``C`` between groups and ``x``
    two-dimensional. For each source group, target groups are visited in ascending ``C`` with
    a 2-d k-d tree each, stopping once ``C`` exceeds every member's current k-th distance.

    Returns
    -------
    ids, distances
        ``(n, k)`` arrays in the order of ``contexts`` (nearest first; -1 / inf where fewer
        than ``k`` other cities exist).
    """
    emb = context_embedding(contexts, weights)
    n = emb.shape[0]
    ids = contexts.index.to_numpy(np.int64)
    out_ids = np.full((n, k), -1, dtype=np.int64)
    out_d = np.full((n, k), np.inf)
    if n == 0:
        return out_ids, out_d
    languages = contexts["languages"].map(lambda v: tuple(v) if v is not None else ())
    regions = contexts["region"].fillna("").astype(str)
    incomes = contexts["income_group"].fillna("").astype(str)
    keys = pd.Series(list(zip(regions, incomes, languages, strict=True)), dtype=object)
    group = pd.factorize(keys)[0].astype(np.int64)
    # Unknown regions are unlike each other: such a city is a group of its own.
    unknown = contexts["region"].fillna("").astype(str).to_numpy() == ""
    group[unknown] = group.max() + 1 + np.arange(int(unknown.sum()))
    n_groups = int(group.max()) + 1
    first = np.zeros(n_groups, dtype=np.int64)
    first[group[::-1]] = np.arange(n)[::-1]
    varying = (emb != emb[first[group]]).any(axis=0)
    cat = emb[first][:, ~varying]
    cont = emb[:, varying]
    if cont.shape[1] == 0:  # every group a single city: nothing varies within a group
        cont = np.zeros((n, 1))
    sq = (cat**2).sum(axis=1)
    between = np.maximum(sq[:, None] + sq[None, :] - 2.0 * cat @ cat.T, 0.0)
    members = [np.flatnonzero(group == g) for g in range(n_groups)]
    trees = [cKDTree(cont[m]) if m.size else None for m in members]
    for s in range(n_groups):
        src = members[s]
        if not src.size:
            continue
        best_d = np.full((src.size, k), np.inf)
        best_i = np.full((src.size, k), -1, dtype=np.int64)
        for t in np.argsort(between[s], kind="stable"):
            if between[s, t] >= best_d[:, -1].max():
                break
            tgt, tree = members[t], trees[t]
            if tree is None:
                continue
            q = min(k + 1, tgt.size)
            d, j = tree.query(cont[src], k=q)
            d = np.asarray(d).reshape(src.size, q)
            j = tgt[np.asarray(j).reshape(src.size, q)]
            d2 = d**2 + between[s, t]
            d2[j == src[:, None]] = np.inf  # never the city itself
            all_d = np.hstack([best_d, d2])
            all_i = np.hstack([best_i, j])
            order = np.argsort(all_d, axis=1, kind="stable")[:, :k]
            best_d = np.take_along_axis(all_d, order, axis=1)
            best_i = np.take_along_axis(all_i, order, axis=1)
        out_d[src] = np.sqrt(best_d)
        out_ids[src] = np.where(best_i >= 0, ids[np.maximum(best_i, 0)], -1)
    return out_ids, out_d
