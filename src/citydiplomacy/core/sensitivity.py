"""Uncertainty and sensitivity analysis of a composite index, vectorised across replications.

The uncertain assumptions (factors) are:

``weights``
    every weight multiplied by ``1 + U(-noise, noise)`` (COINr's noisy weights), renormalised;
``normalise``
    min-max [1, 100], z-score (mean 50, sd 10) or percentile rank [1, 100] (plus the spec's own);
``aggregate``
    arithmetic or geometric mean (values below 1 raised to 1 for the geometric mean);
``impute``
    none, mean or median (plus the spec's own);
``exclude``
    leave one indicator out, or none.

A Saltelli design (SALib, Sobol' sequence) of ``N (D + 2)`` runs draws the factors; each run
rebuilds the index for one year, and the output of a run is the mean absolute rank shift
against the nominal ranking (Saisana, Saltelli & Tarantola 2005, as COINr's
``get_sensitivity``). First-order and total variance-based indices come from SALib's Sobol'
estimators; each city's median rank and 5-95 % rank interval come from all runs.

Instead of re-running the pipeline per replication, every combination of the discrete
normalisation and imputation choices is computed once; replications sharing one combination
are aggregated together, with their weights stacked on a leading replication axis.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.aggregate import aggregate
from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.score import Tree, child_weights, composite_leaf_scores, rank_desc, score
from citydiplomacy.core.spec import Spec, Step
from citydiplomacy.core.targets import resolve_targets
from citydiplomacy.core.weights import noisy_weights
from citydiplomacy.errors import DataError, SpecError

FACTORS = ("weights", "normalise", "aggregate", "impute", "exclude")
NORMALISE_ALTERNATIVES = (
    Step("minmax", {"range": [1.0, 100.0]}),
    Step("zscore", {"mean_sd": [50.0, 10.0]}),
    Step("prank", {"range": [1.0, 100.0]}),
)
IMPUTE_ALTERNATIVES = (Step("none"), Step("mean"), Step("median"))
AGGREGATE_ALTERNATIVES = ("arithmetic", "geometric")
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class SensitivityResult:
    """Outcome of :func:`sensitivity`.

    Attributes
    ----------
    ranks
        Per city: ``unit, city, country, nominal_rank, median_rank, p05_rank, p95_rank,
        mean_rank, interval_width``; sorted by nominal rank.
    indices
        Per factor: ``factor, S1, S1_conf, ST, ST_conf`` (variance-based indices of the mean
        absolute rank shift).
    leave_one_out
        Per measure: ``code, mean_abs_rank_shift, max_abs_rank_shift`` when that measure alone
        is left out under the nominal spec.
    runs
        Number of replications made.
    node, year
        The node ranked (the index by default) and the year analysed.
    factors
        The factors varied, with their alternatives, as plain data.
    """

    ranks: pd.DataFrame
    indices: pd.DataFrame
    leave_one_out: pd.DataFrame
    runs: int
    node: str
    year: int
    factors: dict[str, Any]

    def to_data(self) -> dict[str, Any]:
        """JSON-ready plain data (NaN as None)."""

        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {
                    str(k): (None if isinstance(v, float) and math.isnan(v) else v)
                    for k, v in r.items()
                }
                for r in df.to_dict("records")
            ]

        return {
            "node": self.node,
            "year": self.year,
            "runs": self.runs,
            "factors": self.factors,
            "ranks": records(self.ranks),
            "indices": records(self.indices),
            "leave_one_out": records(self.leave_one_out),
        }


def _dedupe(steps: Sequence[Step]) -> list[Step]:
    seen: list[Step] = []
    for s in steps:
        if all((s.method, dict(s.params)) != (t.method, dict(t.params)) for t in seen):
            seen.append(s)
    return seen


def sensitivity(
    panel: Panel,
    framework: Framework,
    spec: Spec | None = None,
    *,
    runs: int = 1000,
    factors: Sequence[str] = FACTORS,
    weight_noise: float = 0.25,
    year: int | None = None,
    node: str | None = None,
    seed: int = 0,
    chunk: int = 256,
    progress: ProgressCallback | None = None,
) -> SensitivityResult:
    """Monte Carlo uncertainty analysis and Sobol' sensitivity indices of a composite index.

    Parameters
    ----------
    panel, framework
        Data and indicator tree.
    spec
        The nominal composite spec (its method is forced to ``composite``).
    runs
        Least number of replications; the Saltelli design uses ``N (D + 2)`` runs with ``N``
        the smallest power of two (at least 8) giving ``runs`` or more.
    factors
        Which of :data:`FACTORS` to vary.
    weight_noise
        Half-width of the multiplicative uniform noise on weights.
    year
        Year to analyse (default: the latest).
    node
        Node whose ranking is analysed (default: the index).
    seed
        Seed (0 or more) of the noisy weights, of the scrambled Sobol' sequence and of the
        bootstrap of the confidence intervals: the same seed gives the same result.
    chunk
        Replications aggregated at once (bounds memory to about ``chunk x units x 8`` bytes
        per live node).
    progress
        Called with (runs done, runs in all).
    """
    factors = _checked_factors(seed, factors)
    nominal = _nominal(panel, framework, spec, factors, year, node)
    design = _design(nominal, factors, runs, seed)
    rng = np.random.default_rng(seed)
    pool = (
        [noisy_weights(w, weight_noise, design.choices["weights"], rng) for w in nominal.base_w]
        if "weights" in factors
        else None
    )
    ranks = _replicate(nominal, design, pool, chunk, progress)
    return _summarise(panel, nominal, design, ranks, weight_noise, seed, chunk)


def _checked_factors(seed: int, factors: Sequence[str]) -> list[str]:
    """The factors to vary, each once; a negative seed or an unknown factor is refused."""
    if seed < 0:
        raise SpecError(f"the seed must be 0 or more, got {seed}")
    factors = list(dict.fromkeys(factors))
    unknown = [f for f in factors if f not in FACTORS]
    if unknown or not factors:
        raise SpecError(f"unknown factor(s) {unknown}; choose from {', '.join(FACTORS)}")
    return factors


@dataclass(frozen=True)
class _Nominal:
    """What every replication starts from: the nominal spec and its ranking, the alternatives
    of the discrete factors, and the leaf scores of each (imputation, normalisation) pair."""

    spec: Spec
    tree: Tree
    node: str
    year: int
    nominal_rank: NDArray[np.float64]
    normalise: list[Step]
    impute: list[Step]
    aggregate: list[str]
    #: (imputation, normalisation) alternative -> leaf scores of the year, (units, measures)
    leaf: dict[tuple[int, int], NDArray[np.float64]]
    #: per aggregate, the nominal weights of its children
    base_w: list[NDArray[np.float64]]


def _nominal(
    panel: Panel,
    framework: Framework,
    spec: Spec | None,
    factors: list[str],
    year: int | None,
    node: str | None,
) -> _Nominal:
    """Check the spec, node and year, score the nominal index and every leaf alternative."""
    spec = replace(spec or Spec(), method="composite")
    by_level = spec.aggregate.get("by_level", {}) or {}
    if spec.aggregate.method == "copeland" or "copeland" in by_level.values():
        raise SpecError(
            "sensitivity analysis does not support copeland aggregation (its runs would cost "
            "units squared each); use arithmetic, geometric or harmonic"
        )
    if by_level:
        raise SpecError("sensitivity analysis needs one aggregation method for every level")
    tree = Tree.from_framework(framework)
    node = node or framework.root
    if node not in tree.codes[tree.n_measures :]:
        raise SpecError(f"node {node!r} is not an aggregate of framework {framework.name!r}")
    year = panel.years[-1] if year is None else year
    t_index = panel.year_index(year)
    if len(panel.units) < 3:
        raise DataError("a sensitivity analysis needs at least three cities")
    targets = resolve_targets(framework, panel, spec.targets)

    nominal_result = score(panel, framework, spec)
    norm_alts = (
        _dedupe([spec.normalise, *NORMALISE_ALTERNATIVES])
        if "normalise" in factors
        else [spec.normalise]
    )
    imp_alts = (
        _dedupe([spec.impute, *IMPUTE_ALTERNATIVES]) if "impute" in factors else [spec.impute]
    )
    agg_alts = (
        list(dict.fromkeys([spec.aggregate.method, *AGGREGATE_ALTERNATIVES]))
        if "aggregate" in factors
        else [spec.aggregate.method]
    )
    leaf: dict[tuple[int, int], NDArray[np.float64]] = {}
    for i, imp in enumerate(imp_alts):
        for j, norm in enumerate(norm_alts):
            s = replace(spec, impute=imp, normalise=norm)
            leaf[(i, j)] = composite_leaf_scores(panel, framework, s, targets)[0][t_index]
    base_w = [
        child_weights(tree, framework, spec, nominal_result.scores, j, kids)
        for j, kids in zip(tree.aggregate_positions, tree.children, strict=True)
    ]
    return _Nominal(
        spec=spec,
        tree=tree,
        node=node,
        year=int(year),
        nominal_rank=nominal_result.ranks[t_index, :, tree.codes.index(node)],
        normalise=norm_alts,
        impute=imp_alts,
        aggregate=agg_alts,
        leaf=leaf,
        base_w=base_w,
    )


@dataclass(frozen=True)
class _Design:
    """The Saltelli design: per run, the alternative each factor takes."""

    factors: list[str]
    #: SALib's problem (one factor per variable on [0, 1])
    problem: dict[str, Any]
    #: number of alternatives of each factor (64 noisy weight sets)
    choices: dict[str, int]
    n_runs: int
    impute: NDArray[np.int64]
    normalise: NDArray[np.int64]
    aggregate: NDArray[np.int64]
    #: the measure left out (-1: none)
    exclude: NDArray[np.int64]
    #: which of the noisy weight sets
    weights: NDArray[np.int64]


def _design(nominal: _Nominal, factors: list[str], runs: int, seed: int) -> _Design:
    """Draw ``N (D + 2)`` runs of a scrambled Sobol' sequence, ``N`` a power of two (at least
    8) giving ``runs`` or more, and map each variable to one alternative of its factor."""
    choices = {
        "weights": 64,
        "normalise": len(nominal.normalise),
        "aggregate": len(nominal.aggregate),
        "impute": len(nominal.impute),
        "exclude": nominal.tree.n_measures + 1,
    }
    D = len(factors)
    n_base = max(8, 2 ** math.ceil(math.log2(max(runs / (D + 2), 1))))
    problem = {"num_vars": D, "names": factors, "bounds": [[0.0, 1.0]] * D}
    from SALib.sample import sobol as sobol_sample  # lazy: see _summarise

    design = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    n_runs = design.shape[0]
    idx = {
        f: np.minimum((design[:, k] * choices[f]).astype(np.int64), choices[f] - 1)
        for k, f in enumerate(factors)
    }
    zeros = np.zeros(n_runs, dtype=np.int64)
    return _Design(
        factors=factors,
        problem=problem,
        choices=choices,
        n_runs=n_runs,
        impute=idx.get("impute", zeros),
        normalise=idx.get("normalise", zeros),
        aggregate=idx.get("aggregate", zeros),
        exclude=idx.get("exclude", zeros) - 1,  # -1 = exclude nothing
        weights=idx.get("weights", zeros),
    )


def _replicate(
    nominal: _Nominal,
    design: _Design,
    pool: list[NDArray[np.float64]] | None,
    chunk: int,
    progress: ProgressCallback | None,
) -> NDArray[np.float64]:
    """The ranks of every run, (runs, units): runs sharing one combination of the discrete
    choices are aggregated together, ``chunk`` at a time."""
    n_units = next(iter(nominal.leaf.values())).shape[0]
    ranks = np.full((design.n_runs, n_units), np.nan)
    imp_i, norm_i, agg_i = design.impute, design.normalise, design.aggregate
    done = 0
    combos = np.unique(np.stack([imp_i, norm_i, agg_i], axis=1), axis=0)
    for ci, cn, ca in combos.tolist():
        members = np.flatnonzero((imp_i == ci) & (norm_i == cn) & (agg_i == ca))
        for start in range(0, len(members), chunk):
            sel = members[start : start + chunk]
            root = _index_for_runs(
                nominal.tree, nominal.leaf[(ci, cn)], nominal.node, nominal.base_w, pool,
                design.weights[sel], design.exclude[sel], nominal.aggregate[ca], nominal.spec,
            )  # fmt: skip
            ranks[sel] = rank_desc(root[..., None])[..., 0]
            done += len(sel)
            if progress:
                progress(done, design.n_runs)
    return ranks


def _summarise(
    panel: Panel,
    nominal: _Nominal,
    design: _Design,
    ranks: NDArray[np.float64],
    weight_noise: float,
    seed: int,
    chunk: int,
) -> SensitivityResult:
    """Sobol' indices of the mean absolute rank shift, each city's rank interval, and the
    rank shifts of leaving each measure out."""
    factors, choices, D = design.factors, design.choices, len(design.factors)
    nominal_rank = nominal.nominal_rank
    shift = np.nanmean(np.abs(ranks - nominal_rank[None, :]), axis=1)
    y = np.nan_to_num(shift, nan=float(np.nanmean(shift)) if np.isfinite(shift).any() else 0.0)
    if np.allclose(y, y[0]):
        si = {"S1": np.zeros(D), "S1_conf": np.zeros(D), "ST": np.zeros(D), "ST_conf": np.zeros(D)}
    else:
        # SALib seeds its bootstrap only for a seed that is true (`if seed:`); seed 0 would
        # leave the confidence intervals to the global random state, different every run.
        # imported here, not at the top: SALib's analysis imports scipy.stats (about a second
        # of every Django start, through the reports app's dashboard panel)
        from SALib.analyze import sobol as sobol_analyze

        si = sobol_analyze.analyze(design.problem, y, calc_second_order=False, seed=seed + 1)
    indices = pd.DataFrame(
        {
            "factor": factors,
            "alternatives": [
                choices[f] if f != "weights" else f"noise +/-{weight_noise:g}" for f in factors
            ],
            "S1": np.asarray(si["S1"], dtype=np.float64),
            "S1_conf": np.asarray(si["S1_conf"], dtype=np.float64),
            "ST": np.asarray(si["ST"], dtype=np.float64),
            "ST_conf": np.asarray(si["ST_conf"], dtype=np.float64),
        }
    )
    units = panel.units
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        table = pd.DataFrame(
            {
                "unit": units["unit"].to_numpy(),
                "city": units["city"].to_numpy(),
                "country": units["country"].to_numpy(),
                "nominal_rank": nominal_rank,
                "median_rank": np.nanmedian(ranks, axis=0),
                "p05_rank": np.nanpercentile(ranks, 5, axis=0),
                "p95_rank": np.nanpercentile(ranks, 95, axis=0),
                "mean_rank": np.nanmean(ranks, axis=0),
            }
        )
    table["interval_width"] = table["p95_rank"] - table["p05_rank"]
    table = table.sort_values(["nominal_rank", "city"], na_position="last").reset_index(drop=True)
    loo = _leave_one_out(
        nominal.tree, nominal.leaf[(0, 0)], nominal.node, nominal.base_w, nominal.spec,
        nominal_rank, chunk,
    )  # fmt: skip
    return SensitivityResult(
        ranks=table,
        indices=indices,
        leave_one_out=loo,
        runs=design.n_runs,
        node=nominal.node,
        year=nominal.year,
        factors={
            "weights": {"noise": weight_noise} if "weights" in factors else None,
            "normalise": [s.to_data() for s in nominal.normalise],
            "impute": [s.to_data() for s in nominal.impute],
            "aggregate": nominal.aggregate,
            "exclude": "exclude" in factors,
            "varied": factors,
        },
    )


def _index_for_runs(
    tree: Tree,
    leaf: NDArray[np.float64],
    node: str,
    base_w: list[NDArray[np.float64]],
    pool: list[NDArray[np.float64]] | None,
    w_idx: NDArray[np.int64],
    excluded: NDArray[np.int64],
    method: str,
    spec: Spec,
) -> NDArray[np.float64]:
    """Scores of ``node`` for a batch of replications sharing one leaf matrix: (runs, units)."""
    n_runs = len(w_idx)
    coverage = float(spec.aggregate.get("coverage", 0.0))
    floor = spec.aggregate.get("floor")
    if method in ("geometric", "harmonic") and (method != spec.aggregate.method or floor is None):
        floor = 1.0  # an alternative method, or the spec's own without a floor of its own
    live: dict[int, NDArray[np.float64]] = {}
    target = tree.codes.index(node)

    def values_of(k: int) -> NDArray[np.float64]:
        if k < tree.n_measures:
            return np.broadcast_to(leaf[:, k], (n_runs, leaf.shape[0]))
        return live.pop(k)

    for j, kids in zip(tree.aggregate_positions, tree.children, strict=True):
        a = j - tree.n_measures
        w = pool[a][w_idx] if pool is not None else np.broadcast_to(base_w[a], (n_runs, len(kids)))
        w = np.array(w, dtype=np.float64)
        for c, k in enumerate(kids):
            if k < tree.n_measures:
                w[excluded == k, c] = 0.0
        if kids.max() < tree.n_measures:
            x = np.broadcast_to(leaf[:, kids], (n_runs, leaf.shape[0], len(kids)))
        else:
            x = np.stack([values_of(k) for k in kids], axis=-1)
        # Leaving out an aggregate's only child leaves it missing for that run.
        emptied = ~(w > 0).any(axis=1)
        w[emptied] = 1.0
        out = aggregate(x, w[:, None, :], method, coverage=coverage, floor=floor)
        out[emptied] = np.nan
        live[j] = out
        if j == target:
            return live[j]
    raise AssertionError("node not reached")  # pragma: no cover


def _leave_one_out(
    tree: Tree,
    leaf: NDArray[np.float64],
    node: str,
    base_w: list[NDArray[np.float64]],
    spec: Spec,
    nominal_rank: NDArray[np.float64],
    chunk: int,
) -> pd.DataFrame:
    """Rank shifts when each measure alone is left out (COINr's remove_elements)."""
    m = tree.n_measures
    excluded = np.arange(m, dtype=np.int64)
    shifts = np.full((m, 2), np.nan)
    for start in range(0, m, chunk):
        sel = excluded[start : start + chunk]
        root = _index_for_runs(
            tree, leaf, node, base_w, None, np.zeros(len(sel), dtype=np.int64), sel,
            spec.aggregate.method, spec,
        )  # fmt: skip
        r = rank_desc(root[..., None])[..., 0]
        d = np.abs(r - nominal_rank[None, :])
        with np.errstate(all="ignore"):
            shifts[sel, 0] = np.nanmean(d, axis=1)
            shifts[sel, 1] = np.nanmax(d, axis=1)
    return pd.DataFrame(
        {
            "code": tree.codes[:m],
            "mean_abs_rank_shift": shifts[:, 0],
            "max_abs_rank_shift": shifts[:, 1],
        }
    ).sort_values("mean_abs_rank_shift", ascending=False, ignore_index=True)
