"""Pair models of the partner ranking as scoring needs them.

:class:`TreeEnsemble` holds a trained gradient-boosting model as plain arrays (no
scikit-learn needed to load or score it); :class:`Bagged` averages several models fitted on
independent draws of training examples (:func:`citydiplomacy.core.ranking.train`), so that
the suggestions do not hang on one random draw of hidden ties; :func:`probability` and
:func:`log_odds` evaluate any of them, scikit-learn's models on binned features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from citydiplomacy.core.tieworld import FloatArray, IntArray

__all__ = ["Bagged", "TreeEnsemble", "log_odds", "probability"]


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

    @classmethod
    def averaged(cls, parts: Sequence[TreeEnsemble]) -> TreeEnsemble:
        """One ensemble whose log-odds are the mean of ``parts``' log-odds: every part's
        trees, their leaf values divided by the number of parts (scoring costs the trees of
        all the parts, no more)."""
        if not parts:
            raise ValueError("no ensemble to average")
        size = max(p.feature.shape[1] for p in parts)

        def stacked(name: str, fill: Any) -> Any:
            arrays = [getattr(p, name) for p in parts]
            return np.concatenate(
                [np.pad(a, ((0, 0), (0, size - a.shape[1])), constant_values=fill) for a in arrays]
            )

        return cls(
            baseline=float(np.mean([p.baseline for p in parts])),
            feature=stacked("feature", 0),
            threshold=stacked("threshold", 0.0),
            missing_left=stacked("missing_left", False),
            left=stacked("left", 0),
            right=stacked("right", 0),
            leaf=stacked("leaf", True),
            value=stacked("value", 0.0) / len(parts),
            depth=max(p.depth for p in parts),
        )

    def log_odds(self, x: FloatArray) -> FloatArray:
        """The model's raw score (log-odds of a tie) per row of ``x``."""
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
        raw: FloatArray = self.baseline + self.value.ravel()[node].reshape(n_trees, n).sum(axis=0)
        return raw

    def predict_proba(self, x: FloatArray) -> FloatArray:
        """``[[1 - p, p]]`` per row of ``x``, as scikit-learn gives it."""
        return _as_proba(self.log_odds(x))


@dataclass(frozen=True)
class Bagged:
    """Several binary models whose log-odds are averaged (bagging).

    Each model was fitted on its own draw of hidden ties and negatives; the average is
    steadier than any one of them (the spread of recall between training seeds shrinks) and,
    with as many trees in all as one model had, costs no more to score."""

    models: tuple[Any, ...]

    def log_odds(self, x: FloatArray) -> FloatArray:
        """The mean of the models' log-odds per row of ``x``."""
        # column-major once for all the models: scikit-learn bins one feature at a time
        x = np.asfortranarray(x, dtype=np.float64)
        out: FloatArray = np.mean([log_odds(m, x) for m in self.models], axis=0)
        return out

    def predict_proba(self, x: FloatArray) -> FloatArray:
        """``[[1 - p, p]]`` per row of ``x``."""
        return _as_proba(self.log_odds(x))

    def light(self) -> TreeEnsemble:
        """The same model as one :class:`TreeEnsemble` (the same probabilities)."""
        return TreeEnsemble.averaged(
            [
                m if isinstance(m, TreeEnsemble) else TreeEnsemble.from_sklearn(m)
                for m in self.models
            ]
        )


def _as_proba(z: FloatArray) -> FloatArray:
    p = 1.0 / (1.0 + np.exp(-z))
    out: FloatArray = np.column_stack([1.0 - p, p])
    return out


def log_odds(model: Any, x: FloatArray) -> FloatArray:
    """The model's log-odds of a tie for feature rows ``x`` (see :func:`probability`)."""
    if isinstance(model, TreeEnsemble | Bagged):
        return model.log_odds(x)
    mapper = getattr(model, "_bin_mapper", None)
    predictors = getattr(model, "_predictors", None)
    if mapper is None or predictors is None or getattr(model, "n_trees_per_iteration_", 1) != 1:
        p = np.clip(np.asarray(model.predict_proba(x)[:, 1], dtype=np.float64), 1e-12, 1 - 1e-12)
        logit: FloatArray = np.log(p / (1.0 - p))
        return logit
    # column-major: scikit-learn bins one feature at a time (the same bins, about 15 % faster)
    binned = mapper.transform(np.asfortranarray(x, dtype=np.float64))
    raw: FloatArray = np.full(x.shape[0], float(np.ravel(model._baseline_prediction)[0]))
    threads = _openmp_threads()
    for (tree,) in predictors:
        raw += tree.predict_binned(binned, mapper.missing_values_bin_idx_, threads)
    return raw


def probability(model: Any, x: FloatArray) -> FloatArray:
    """The model's probability of a tie for feature rows ``x``.

    A scikit-learn gradient-boosting model is evaluated on the features binned as in its
    training (its own bin mapper and trees, one byte per value instead of eight: about a
    fifth faster on the hundreds of thousands of pairs of
    :meth:`~citydiplomacy.core.ranking.Ranker.top_many`, and the same probabilities, a
    tested invariant); a :class:`TreeEnsemble` or :class:`Bagged` by its log-odds; any
    other model by its ``predict_proba``."""
    if isinstance(model, TreeEnsemble | Bagged) or hasattr(model, "_bin_mapper"):
        out: FloatArray = _as_proba(log_odds(model, x))[:, 1]
        return out
    return np.asarray(model.predict_proba(x)[:, 1], dtype=np.float64)


def _openmp_threads() -> int:
    """OpenMP threads scikit-learn would use here (within any ``threadpool_limits``)."""
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    return int(_openmp_effective_n_threads())
