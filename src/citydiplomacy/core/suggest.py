"""Partner suggestions: the learned twinning ranking, with themes and reciprocal mode on top.

:func:`recommend` asks the :class:`~citydiplomacy.core.ranking.Ranker` for the cities most
likely to twin with a city and, when a theme or the reciprocal mode is asked for, keeps the
cities the profile scores allow (stronger on the theme or improving; each strong where the
other is weak) and adds the performance signal of :class:`~citydiplomacy.core.peers.Matchmaker`:

``score = twinning + performance`` (each in [0, 1]; ``performance`` only with a theme or in
reciprocal mode). The components add up to the score exactly, like the matchmaker's.

:func:`limits` says in words when a mode cannot apply (a city without published scores, a
theme no city has scores on), so that pages and the command line can tell the user instead of
showing an empty list without a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from citydiplomacy.core.context import FACTORS, context_factors
from citydiplomacy.core.peers import KpiEvidence, Matchmaker, Mode, Recommendation, reasons_for
from citydiplomacy.core.ranking import Ranker

#: Labels of the score components.
COMPONENT_LABELS: dict[str, str] = {
    "twinning": "likely to twin (learned from past ties)",
    "performance": "strength on the theme",
}


@dataclass(frozen=True)
class Limits:
    """What a request can and cannot do, in words (empty when nothing limits it)."""

    notes: tuple[str, ...] = ()
    possible: bool = True


def limits(
    matchmaker: Matchmaker | None,
    city_id: int,
    city_name: str,
    *,
    theme: str | None,
    mode: Mode,
) -> Limits:
    """Why a theme or the reciprocal mode gives fewer (or no) suggestions for this city."""
    notes = []
    possible = True
    scores = matchmaker.performance.scores if matchmaker is not None else pd.DataFrame()
    has_own = (not scores.empty) and int(city_id) in set(scores.index.astype(int))
    if mode == "reciprocal" and not has_own:
        notes.append(
            f"{city_name} has no published profile scores: reciprocal partners (each strong "
            "where the other is weak) need both cities' scores, so none can be suggested."
        )
        possible = False
    if theme is not None and (scores.empty or theme not in scores.columns):
        notes.append(
            f"No city has published scores on the theme {theme}: no partner can be shown to "
            "be stronger on it. Suggestions without a theme rank by the likelihood of twinning."
        )
        possible = False
    elif theme is not None and mode == "peer" and not has_own:
        notes.append(
            f"{city_name} has no published profile scores: the theme keeps the cities that "
            "score well on it, not those stronger than you."
        )
    return Limits(tuple(notes), possible)


def recommend(
    ranker: Ranker,
    city_id: int,
    *,
    contexts: pd.DataFrame,
    matchmaker: Matchmaker | None = None,
    theme: str | None = None,
    mode: Mode = "peer",
    k: int = 10,
    exclude_partners: bool = True,
) -> list[Recommendation]:
    """The ``k`` best partners for ``city_id``, best first, each explained.

    Parameters
    ----------
    ranker
        The trained twinning ranker (its world's ids must be those of ``contexts``).
    contexts
        The registry's context frame (for the context factors shown with each suggestion).
    matchmaker
        Needed for a theme or the reciprocal mode (its profile scores and performance
        signal); ``None`` otherwise.
    theme, mode, k, exclude_partners
        As in :meth:`citydiplomacy.core.peers.Matchmaker.suggest`.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if mode not in ("peer", "reciprocal"):
        raise ValueError(f"mode must be 'peer' or 'reciprocal', got {mode!r}")
    world = ranker.world
    row = world.row(city_id)
    uses_scores = theme is not None or mode == "reciprocal"
    performance = np.zeros(world.ids.size)
    candidates = None
    if uses_scores:
        if matchmaker is None:
            raise ValueError("a theme or the reciprocal mode needs the matchmaker's scores")
        if theme is not None and theme not in matchmaker.performance.themes:
            raise KeyError(f"unknown theme {theme!r}")
        signal, required = matchmaker.performance_signal(city_id, theme, mode)
        at = world.rows([int(i) for i in matchmaker.ids])
        performance[at[at >= 0]] = signal[at >= 0]
        if required is not None:
            allowed = np.zeros(world.ids.size, dtype=bool)
            allowed[at[at >= 0]] = required[at >= 0]
            candidates = np.flatnonzero(allowed).astype(np.int64)
    rows, twin = ranker.top(
        row,
        world.ids.size if uses_scores else k,
        exclude_partners=exclude_partners,
        candidates=candidates,
    )
    total = twin + (performance[rows] if uses_scores else 0.0)
    order = np.lexsort((world.ids[rows], -total))[:k]
    rows, twin, total = rows[order], twin[order], total[order]
    if rows.size == 0:
        return []
    pair_features = world.features(np.full(rows.size, row, dtype=np.int64), rows)
    carried = ranker.contributions(row, rows, pair_features)
    ids = world.ids[rows]
    factors = context_factors(
        contexts.iloc[np.concatenate([[row], rows])], int(city_id), pd.Index(ids)
    )
    factor_values = factors[list(FACTORS)].to_numpy(np.float64)
    out = []
    for n, j in enumerate(rows):
        cid = int(world.ids[j])
        perf = float(performance[j]) if uses_scores else 0.0
        components = {"twinning": float(twin[n])}
        signals = {"twinning": float(twin[n])}
        kpis: tuple[KpiEvidence, ...] = ()
        reasons = list(ranker.explain(row, int(j), carried[n], pair_features[n]))
        if uses_scores and matchmaker is not None:
            components["performance"] = perf
            signals["performance"] = perf
            kpis = matchmaker.evidence(city_id, cid, theme, mode)
            said = reasons_for({"performance": perf}, {"performance": perf}, {}, kpis, mode)
            reasons = list(said) + reasons
        out.append(
            Recommendation(
                city_id=cid,
                score=float(sum(components.values())),
                components=components,
                signals=signals,
                factors=dict(zip(FACTORS, map(float, factor_values[n]), strict=True)),
                kpis=kpis,
                reasons=tuple(reasons),
            )
        )
    return out
