"""Evaluate partner suggestions on the Wikidata sister-city pairs (link prediction).

Hide 20 % of the sister-city pairs that matched the registry, build the matchmaker from the
rest (plus the network memberships), and for every city with a hidden pair rank every other
registry city. Report recall@10 (the share of hidden pairs found in the city's top 10) and the
mean reciprocal rank of the hidden partner, against three baselines: the nearest cities, the
largest cities of the same country, and a random order. Cities already partners in the
training pairs are excluded from every ranking, the city itself too.

The signal weights are chosen on a *validation* split of the training pairs (10 % of them,
hidden the same way), never on the test pairs; the script prints that choice too.

Run on a database with the registry and the imports (``citydiplomacy demo`` does both)::

    CITYDIPLOMACY_DATA_DIR=/tmp/cd .venv/bin/python benchmarks/eval_partners.py [--seed 7]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

K = 10


@dataclass
class Scores:
    recall: float
    mrr: float
    queries: int
    hidden: int


def split(
    pairs: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(pairs))
    cut = round(share * len(pairs))
    return pairs[order[cut:]], pairs[order[:cut]]


def evaluate(
    ranker: Callable[[int, np.ndarray], np.ndarray],
    ids: np.ndarray,
    train: np.ndarray,
    hidden: np.ndarray,
) -> Scores:
    """``ranker(row, excluded_rows)`` gives a score per row (higher = better)."""
    pos = pd.Index(ids)
    by_city: dict[int, set[int]] = {}
    for a, b in hidden:
        by_city.setdefault(int(a), set()).add(int(b))
        by_city.setdefault(int(b), set()).add(int(a))
    known: dict[int, set[int]] = {}
    for a, b in train:
        known.setdefault(int(a), set()).add(int(b))
        known.setdefault(int(b), set()).add(int(a))
    found = 0
    reciprocal = 0.0
    total = 0
    for city, targets in by_city.items():
        row = int(pos.get_loc(city))
        excluded = pos.get_indexer(sorted(known.get(city, set()) | {city}))
        score = ranker(row, excluded).astype(float)
        score[excluded] = -np.inf
        target_rows = pos.get_indexer(sorted(targets))
        # rank = 1 + number of candidates scored strictly higher (ties broken in the target's
        # favour would flatter a constant ranker; count half of the ties instead)
        for t in target_rows:
            higher = int((score > score[t]).sum())
            ties = int((score == score[t]).sum()) - 1
            rank = 1 + higher + ties / 2
            total += 1
            reciprocal += 1.0 / rank
            found += rank <= K
    return Scores(found / max(total, 1), reciprocal / max(total, 1), len(by_city), total)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--test-share", type=float, default=0.2)
    parser.add_argument(
        "--no-tuning", action="store_true", help="skip the weight search on the validation split"
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydiplomacy.web.settings")
    import django

    django.setup()
    from citydiplomacy.core.peers import Matchmaker, MatchWeights
    from citydiplomacy.core.ties import TieIndex
    from citydiplomacy.web.cities.services import context_frame
    from citydiplomacy.web.partners import importers, services
    from citydiplomacy.web.partners.models import PartnershipCity

    started = time.perf_counter()
    contexts = context_frame()
    rows = (
        PartnershipCity.objects.filter(partnership__source=importers.SISTER_SOURCE)
        .order_by("partnership_id", "city_id")
        .values_list("partnership_id", "city_id")
    )
    grouped: dict[int, list[int]] = {}
    for pid, cid in rows:
        grouped.setdefault(pid, []).append(cid)
    pairs = np.array(sorted(tuple(v) for v in grouped.values() if len(v) == 2), dtype=np.int64)
    if not len(pairs):
        print("no imported sister-city pairs: run citydiplomacy demo (or import_sister_cities)")
        return 1
    memberships = services.memberships()
    ids = contexts.index.to_numpy(np.int64)
    countries = contexts["country"].fillna("").astype(str).to_numpy(dtype=str)
    population = contexts["population"].to_numpy(float)
    lat = np.radians(contexts["latitude"].to_numpy(float))
    lon = np.radians(contexts["longitude"].to_numpy(float))
    xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    rng = np.random.default_rng(args.seed)
    train, test = split(pairs, args.test_share, rng)
    print(
        f"{len(pairs)} sister-city pairs in the registry ({len(ids)} cities); "
        f"{len(train)} to learn from, {len(test)} hidden (seed {args.seed})"
    )

    def model(
        train_pairs: np.ndarray, weights: MatchWeights
    ) -> Callable[[int, np.ndarray], np.ndarray]:
        ties = TieIndex.build(ids, countries, [tuple(p) for p in train_pairs], memberships)
        mm = Matchmaker(contexts, ties)

        def rank(row: int, excluded: np.ndarray) -> np.ndarray:
            total, _ = mm.score_all(int(ids[row]), weights=weights, exclude_partners=False)
            return total

        return rank

    def nearest(row: int, excluded: np.ndarray) -> np.ndarray:
        return xyz @ xyz[row]  # cosine of the angle: nearer is larger

    order_pop = population / (population.max() + 1.0)

    def largest_same_country(row: int, excluded: np.ndarray) -> np.ndarray:
        same = countries == countries[row]
        return same * 2.0 + order_pop  # same country first, then by population

    def random_order(row: int, excluded: np.ndarray) -> np.ndarray:
        return np.random.default_rng(args.seed + row).random(len(ids))

    # --- choose the weights on a validation split of the training pairs
    fit, valid = split(train, 0.1, np.random.default_rng(args.seed + 1))
    grid = [
        MatchWeights(
            context=c,
            performance=0.0,
            partners_of_partners=pp,
            shared_networks=0.05,
            country_ties=ct,
            partner_activity=act,
        )
        for c, pp, ct, act in itertools.product((0.15, 0.25, 0.4), (0.6, 1.2), (0.15,), (0.15, 0.3))
    ]
    best_w, best = None, -1.0
    for w in [] if args.no_tuning else grid:
        s = evaluate(model(fit, w), ids, fit, valid)
        if s.mrr > best:
            best_w, best = w, s.mrr
    if best_w is None:
        best_w = MatchWeights()
    print(f"weights chosen on the validation split (MRR {best:.4f}): {best_w.as_dict()}")
    default = MatchWeights()
    results = {
        "recommender (chosen weights)": evaluate(model(train, best_w), ids, train, test),
        "recommender (default weights)": evaluate(model(train, default), ids, train, test),
        "ablation: context similarity only": evaluate(
            model(
                train,
                MatchWeights(
                    context=1.0,
                    performance=0.0,
                    partners_of_partners=0.0,
                    shared_networks=0.0,
                    country_ties=0.0,
                    partner_activity=0.0,
                ),
            ),
            ids,
            train,
            test,
        ),
        "ablation: tie signals only": evaluate(
            model(train, MatchWeights(context=0.0, performance=0.0)), ids, train, test
        ),
        "baseline: nearest cities": evaluate(nearest, ids, train, test),
        "baseline: largest cities of the same country": evaluate(
            largest_same_country, ids, train, test
        ),
        "baseline: random": evaluate(random_order, ids, train, test),
    }
    print(f"\n| method | recall@{K} | MRR | queries | hidden pairs |")
    print("|---|---:|---:|---:|---:|")
    for name, s in results.items():
        print(f"| {name} | {s.recall:.4f} | {s.mrr:.4f} | {s.queries} | {s.hidden} |")
    ours = results["recommender (default weights)"]
    beaten = all(
        ours.recall > s.recall and ours.mrr > s.mrr
        for name, s in results.items()
        if name.startswith("baseline")
    )
    print(f"\nthe recommender (default weights) beats every baseline: {beaten}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0 if beaten else 1


if __name__ == "__main__":
    sys.exit(main())
