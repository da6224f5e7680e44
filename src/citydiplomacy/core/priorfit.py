"""The gravity prior's weight, learned from the training ties alone (no other source).

A model trained on one source's ties learns that source's habits: learning from the 2017 EU
file, EU twinnings (near, same language, between countries that twin a lot). A tie of a
country whose habits it has not seen follows what holds everywhere: large cities twin far
away, small ones near (the gravity value ``log10(population) - 2 log10(km + 50)``). How much
of that to add to the model's log-odds (:data:`citydiplomacy.core.ranking.PRIOR_WEIGHT`
before this module) is therefore a question of how different the ties to come are from the
ties learned from, and it is answered on the training ties themselves:

1. hide every tie of a share of the countries (:data:`VALIDATION_COUNTRY_SHARE`): ties whose
   country habits the model will not see;
2. train the same model on the rest (the same examples and settings as the real one);
3. rank the candidates of the hidden ties' cities with each weight of :data:`WEIGHTS`, and
   keep the weight with the highest recall@10 of the hidden ties (the smaller on a tie).

Nothing outside ``world``'s ties is used: in the evaluation, the split's test ties never
reach this choice. Pure computation; no Django, no files.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from citydiplomacy.core.tieworld import FEATURES, FloatArray, IntArray, TieWorld

#: Weights tried, in log-odds per unit of the gravity value (times ln 10).
WEIGHTS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
#: Share of the countries with ties whose ties are hidden for the choice.
VALIDATION_COUNTRY_SHARE = 0.3
#: Query cities the weights are compared on (a sample of the hidden ties' cities).
VALIDATION_QUERIES = 1500
K = 10


def fit_prior_weight(
    world: TieWorld,
    pairs: IntArray,
    rng: np.random.Generator,
    fit: Callable[[TieWorld, IntArray], tuple[Callable[[FloatArray], FloatArray], FloatArray]],
    memberships: list[tuple[int, str]],
) -> tuple[float, dict[float, float]]:
    """The prior weight of :data:`WEIGHTS` that ranks ties of unseen countries best.

    Parameters
    ----------
    world, pairs
        The registry with the training ties, and those ties as rows ``(m, 2)``.
    rng
        Random generator (the hidden countries, the query sample).
    fit
        Trains the model on a world and its tie rows as the real training does; returns
        the model's probability function (on all :data:`FEATURES` columns) and the
        features' neutral values.
    memberships
        The network memberships (kept in the validation world).

    Returns
    -------
    weight, recall
        The chosen weight, and the recall@10 of every weight tried.
    """
    present = np.unique(world.country[np.unique(pairs)])
    n_cold = max(1, round(VALIDATION_COUNTRY_SHARE * present.size))
    cold = np.zeros(world.neighbours.shape[0], dtype=bool)
    cold[rng.choice(present, size=min(n_cold, present.size), replace=False)] = True
    hidden = cold[world.country[pairs[:, 0]]] | cold[world.country[pairs[:, 1]]]
    seen, test = pairs[~hidden], pairs[hidden]
    if seen.shape[0] == 0 or test.shape[0] == 0:
        return WEIGHTS[0], {}
    observed = world.with_ties(
        [(int(world.ids[a]), int(world.ids[b])) for a, b in seen], memberships
    )
    proba, neutral = fit(observed, seen)
    targets: dict[int, set[int]] = {}
    for a, b in test:
        targets.setdefault(int(a), set()).add(int(b))
        targets.setdefault(int(b), set()).add(int(a))
    queries = np.array(sorted(targets), dtype=np.int64)
    if queries.size > VALIDATION_QUERIES:
        queries = np.sort(rng.choice(queries, size=VALIDATION_QUERIES, replace=False))
    owner, cand = observed.candidates_many(queries)
    known = np.isin(owner * world.ids.size + cand, _keys(observed, queries))
    owner, cand = owner[~known], cand[~known]
    x = observed.features(queries[owner], cand)
    p = np.clip(proba(x), 1e-9, 1.0 - 1e-9)
    logit = np.log(p / (1.0 - p))
    g = FEATURES.index("gravity")
    lift = np.log(10.0) * (x[:, g] - neutral[g])
    hit = np.array(
        [int(c) in targets[int(queries[o])] for o, c in zip(owner, cand, strict=True)],
        dtype=bool,
    )
    wanted = np.array([len(targets[int(q)]) for q in queries], dtype=np.float64)
    recall = {}
    for w in WEIGHTS:
        score = logit + w * lift
        order = np.lexsort((-score, owner))
        first = np.searchsorted(owner[order], owner[order], side="left")
        top = order[(np.arange(order.size) - first) < K]
        found = np.bincount(owner[top], weights=hit[top], minlength=queries.size)
        recall[w] = float(np.mean(found / wanted))
    best = max(WEIGHTS, key=lambda w: (recall[w], -w))
    return best, recall


def _keys(world: TieWorld, queries: IntArray) -> IntArray:
    """``position * n + partner`` of the queries' known partners (to leave them out)."""
    sub = world.adjacency[queries].tocoo()
    out: IntArray = np.asarray(sub.row, dtype=np.int64) * world.ids.size + np.asarray(
        sub.col, dtype=np.int64
    )
    return out
