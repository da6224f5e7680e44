"""Statistical audit of an indicator framework's data (JRC COIN / COINr style).

:func:`audit` runs the checks that a JRC statistical audit of a composite indicator rests on,
with the thresholds COINr uses as defaults:

* **coverage** of every unit (city) and every measure (COINr ``Screen(dat_thresh = 0.66)``,
  ``get_stats(t_avail = 0.65)``);
* **distribution** of every measure: mean, sd, min, max, median, bias-corrected skewness and
  excess kurtosis (COINr ``skew``/``kurt`` = ``e1071`` type 2 = ``scipy.stats`` with
  ``bias=False``), unique values, share of zeros, and the outlier flag
  ``abs(skew) > 2 and kurtosis > 3.5`` (COINr ``get_stats``);
* **correlations** between siblings of every aggregate: ``"redundant"`` above 0.9 (COINr
  ``get_corr_flags``), ``"negative"`` below 0 (a trade-off);
* **correlation with the parent** of every node: ``"weak"`` when ``p > 0.05`` or ``r < 0.3``,
  ``"negative"`` when ``r < 0`` (COINr ``get_corr(withparent = TRUE)``);
* **Cronbach's alpha** of every aggregate from the pairwise-complete covariance matrix of its
  children, ``alpha = k / (k - 1) * (1 - trace(C) / sum(C))`` (COINr ``get_cronbach``);
* **PCA** of every aggregate with two or more children: eigenvalues of the correlation matrix
  of the complete cases (COINr ``get_PCA``: ``prcomp(na.omit(x), scale = TRUE)``).

What is correlated
    Raw values are first made to *pull the same way*: each column is multiplied by its
    direction, and a two-sided measure (direction 0) becomes ``-abs(x - target)``. Siblings that
    are measures are correlated on these direction-adjusted values. Every other series comes
    from ``scores`` (normalised scores of the pipeline) when given; a node missing from
    ``scores`` gets a *proxy score*: a measure's direction-adjusted values, and an aggregate's
    weighted mean (framework weights, missing children skipped) of its children's column-wise
    z-scores, built bottom-up. Cronbach's alpha and the PCA use the children's scores, or
    z-scores of the proxies (raw values in different units have no meaningful common
    covariance; z-scoring changes neither the correlations nor the PCA).

Correlations use the pairwise-complete observations of each pair; a pair with fewer than 3
common observations gets ``r = NaN`` and the flag ``"insufficient data"``, and a pair where one
side does not vary gets ``"constant"``. Group tables follow :meth:`Framework.aggregates`
(deepest first); parent correlations are listed group by group in the same order.

Measures (or aggregates) with weight 0 are informational: they count for coverage and
distribution but take no part in correlations, alpha or PCA, nor in proxy scores.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special, stats

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import DataError, SpecError

#: Parent correlations with a p-value above this are ``"weak"`` (COINr ``get_corr(pval)``).
P_VALUE_THRESHOLD = 0.05
#: Parent correlations below this are ``"weak"`` (a common convention in JRC audits).
WEAK_R_THRESHOLD = 0.3
#: Fewest common observations a correlation is computed on.
MIN_PAIRS = 3
METHODS = ("pearson", "spearman", "kendall")

FloatArray = NDArray[np.float64]
_CorrFn = Callable[[FloatArray, FloatArray], tuple[float, float]]


@dataclass(frozen=True, eq=False)
class AuditReport:
    """Result of :func:`audit`: one table per check.

    Attributes
    ----------
    unit_coverage
        One row per unit: ``unit``, ``n_measures``, ``n_reported``, ``coverage`` (0-1) and
        ``flag`` (bool, ``coverage < unit_threshold``).
    measure_coverage
        One row per measure: ``code``, ``name``, ``n_units``, ``n_reported``, ``coverage`` and
        ``flag`` (bool, ``coverage < measure_threshold``).
    distribution
        One row per measure: ``code``, ``mean``, ``sd``, ``min``, ``max``, ``median``, ``skew``,
        ``kurtosis`` (excess, bias-corrected), ``n_unique``, ``share_zero`` (of reported values)
        and ``outlier_flag`` (bool).
    correlations
        One row per pair of siblings: ``group``, ``code_a``, ``code_b``, ``n`` (common
        observations), ``r``, ``p_value`` and ``flag`` (``"redundant"``, ``"negative"``,
        ``"insufficient data"``, ``"constant"`` or ``""``).
    parent_correlations
        One row per node but the root: ``code``, ``parent``, ``n``, ``r``, ``p_value`` and
        ``flag`` (``"negative"``, ``"weak"``, ``"insufficient data"``, ``"constant"`` or ``""``).
    cronbach
        One row per aggregate: ``group``, ``n_children``, ``n_units`` (units with at least two
        children reported), ``alpha`` (NaN for fewer than two children) and ``flag`` (bool,
        ``alpha < alpha_threshold``).
    pca
        One row per aggregate with at least two children: ``group``, ``n_units`` (complete
        cases), ``eigenvalues`` (list, descending), ``explained_first`` (share of variance of
        the first component), ``n_eigen_gt1`` and ``flag`` (``"multidimensional"``,
        ``"insufficient data"``, ``"constant"`` or ``""``).
    thresholds
        Every threshold the flags used, by name.

    Notes
    -----
    ``eq=False``: the tables are DataFrames, whose ``==`` is element-wise, so reports compare
    by identity.
    """

    unit_coverage: pd.DataFrame
    measure_coverage: pd.DataFrame
    distribution: pd.DataFrame
    correlations: pd.DataFrame
    parent_correlations: pd.DataFrame
    cronbach: pd.DataFrame
    pca: pd.DataFrame
    thresholds: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-serialisable data (tables as lists of records, NaN as None).

        Returns
        -------
        dict
            Keys ``thresholds`` and one per table, each a list of row dictionaries.
        """
        out: dict[str, Any] = {"thresholds": {k: _plain(v) for k, v in self.thresholds.items()}}
        for name in (
            "unit_coverage",
            "measure_coverage",
            "distribution",
            "correlations",
            "parent_correlations",
            "cronbach",
            "pca",
        ):
            table: pd.DataFrame = getattr(self, name)
            out[name] = [
                {str(k): _plain(v) for k, v in row.items()}
                for row in table.to_dict(orient="records")
            ]
        return out


def audit(
    values: pd.DataFrame,
    framework: Framework,
    *,
    scores: pd.DataFrame | None = None,
    unit_threshold: float = 0.66,
    measure_threshold: float = 0.65,
    skew_threshold: float = 2.0,
    kurtosis_threshold: float = 3.5,
    corr_threshold: float = 0.9,
    alpha_threshold: float = 0.7,
    method: str = "pearson",
) -> AuditReport:
    """Audit one year of indicator data against its framework.

    Parameters
    ----------
    values
        Raw values, units x measures: index = unit keys, columns = measure codes of
        ``framework`` (a measure without a column counts as never reported); NaN = missing.
    framework
        The indicator tree.
    scores
        Optional normalised scores of the pipeline, units x node codes (measures and/or
        aggregates), aligned on ``values.index``; columns that are not framework codes are
        ignored. When given, they replace the proxy scores (see the module docstring).
    unit_threshold
        Units reporting a smaller share of the measures are flagged.
    measure_threshold
        Measures reported by a smaller share of the units are flagged.
    skew_threshold, kurtosis_threshold
        A measure is an outlier suspect when ``abs(skew) > skew_threshold`` and
        ``kurtosis > kurtosis_threshold``.
    corr_threshold
        Sibling correlations above this are ``"redundant"``.
    alpha_threshold
        Groups with a lower Cronbach's alpha are flagged.
    method
        ``"pearson"``, ``"spearman"`` or ``"kendall"``, for sibling and parent correlations.
        The p-values are those of :func:`scipy.stats.pearsonr` and ``spearmanr`` (the
        two-sided t-test with ``n - 2`` degrees of freedom, computed here in bulk) and of
        ``kendalltau``.

    Returns
    -------
    AuditReport

    Raises
    ------
    SpecError
        For an unknown ``method`` or a threshold out of range.
    DataError
        When ``values`` has no units, a column that is not a measure of the framework, a
        non-numeric or infinite value, or ``scores`` share no unit with ``values``.
    """
    if method not in METHODS:
        raise SpecError(f"unknown correlation method {method!r}; use one of {', '.join(METHODS)}")
    for name, t in (("unit_threshold", unit_threshold), ("measure_threshold", measure_threshold)):
        if not 0.0 <= t <= 1.0:
            raise SpecError(f"{name} must be between 0 and 1, got {t}")
    if not -1.0 <= corr_threshold <= 1.0:
        raise SpecError(f"corr_threshold must be between -1 and 1, got {corr_threshold}")
    thresholds = {
        "unit_threshold": float(unit_threshold),
        "measure_threshold": float(measure_threshold),
        "skew_threshold": float(skew_threshold),
        "kurtosis_threshold": float(kurtosis_threshold),
        "corr_threshold": float(corr_threshold),
        "alpha_threshold": float(alpha_threshold),
        "p_value_threshold": P_VALUE_THRESHOLD,
        "weak_r_threshold": WEAK_R_THRESHOLD,
    }
    raw = _measure_matrix(values, framework)
    adjusted = _direction_adjust(raw, framework)
    score_cols = _score_columns(scores, values.index, framework)
    series = _Series(framework, adjusted, score_cols)
    corr_fn = _corr_function(method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        warnings.simplefilter("ignore", stats.NearConstantInputWarning)
        return AuditReport(
            unit_coverage=_unit_coverage(values.index, raw, unit_threshold),
            measure_coverage=_measure_coverage(raw, framework, measure_threshold),
            distribution=_distribution(raw, framework, skew_threshold, kurtosis_threshold),
            correlations=_sibling_correlations(series, method, corr_fn, corr_threshold),
            parent_correlations=_parent_correlations(series, method, corr_fn),
            cronbach=_cronbach(series, alpha_threshold),
            pca=_pca(series),
            thresholds=thresholds,
        )


# ---------------------------------------------------------------------- input
def _measure_matrix(values: pd.DataFrame, framework: Framework) -> FloatArray:
    """``values`` as a float array with one column per framework measure, in framework order."""
    if len(values.index) == 0:
        raise DataError("no units to audit: the values table has no rows")
    measures = set(framework.measures)
    unknown = [str(c) for c in values.columns if str(c) not in measures]
    if unknown:
        hints = ", ".join(f"{c!r}{framework.suggest(c)}" for c in unknown[:5])
        raise DataError(
            f"column(s) of the values table are not measures of framework "
            f"'{framework.name}': {hints}"
        )
    frame = values.copy()
    frame.columns = [str(c) for c in frame.columns]
    try:
        matrix = frame.reindex(columns=list(framework.measures)).to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    except (TypeError, ValueError) as exc:
        raise DataError(f"the values table must hold numbers only: {exc}") from None
    if np.isinf(matrix).any():
        bad = [framework.measures[j] for j in np.flatnonzero(np.isinf(matrix).any(axis=0))]
        raise DataError(f"infinite value(s) in measure(s) {', '.join(bad[:5])}")
    return matrix


def _direction_adjust(raw: FloatArray, framework: Framework) -> FloatArray:
    """Columns times direction; a two-sided column becomes ``-abs(x - target)``.

    A two-sided data point without a target of its own uses its KPI's target, and failing that
    the column median.
    """
    direction = framework.column("direction").astype(np.float64)
    out = raw * np.where(direction == 0, 1.0, direction)
    for j in np.flatnonzero(direction == 0):
        code = framework.measures[j]
        targets = framework.nodes["target"]
        target = float(targets[code])
        if not math.isfinite(target):
            target = float(targets[framework.kpi_of(code)])
        if not math.isfinite(target):
            col = raw[:, j]
            target = float(np.median(col[~np.isnan(col)])) if (~np.isnan(col)).any() else 0.0
        out[:, j] = -np.abs(raw[:, j] - target)
    return out


def _score_columns(
    scores: pd.DataFrame | None, index: pd.Index, framework: Framework
) -> dict[str, FloatArray]:
    """Score columns that are framework codes, aligned on ``index``."""
    if scores is None:
        return {}
    if len(scores.index) and not scores.index.isin(index).any():
        raise DataError("scores and values share no unit: their indexes must hold the same keys")
    frame = scores.copy()
    frame.columns = [str(c) for c in frame.columns]
    keep = [c for c in frame.columns if c in framework.nodes.index]
    frame = frame.loc[~frame.index.duplicated(), keep].reindex(index)
    try:
        arr = np.array(frame.to_numpy(dtype=np.float64, na_value=np.nan), copy=True)
    except (TypeError, ValueError) as exc:
        raise DataError(f"the scores table must hold numbers only: {exc}") from None
    arr[~np.isfinite(arr)] = np.nan
    return {c: arr[:, j] for j, c in enumerate(keep)}


# ---------------------------------------------------------------------- series
def _zscore(x: FloatArray) -> FloatArray:
    """Column-wise z-score ignoring NaN (sd with ``ddof=1``); a constant column becomes 0."""
    ok = ~np.isnan(x)
    n = int(ok.sum())
    if n == 0:
        return x.copy()
    mean = float(x[ok].mean())
    sd = float(x[ok].std(ddof=1)) if n > 1 else 0.0
    if sd == 0.0 or not math.isfinite(sd):
        return np.where(ok, 0.0, np.nan)
    return (x - mean) / sd


class _Series:
    """Per-node series: scores when given, else direction-adjusted values or proxy scores."""

    def __init__(
        self, framework: Framework, adjusted: FloatArray, scores: dict[str, FloatArray]
    ) -> None:
        self.fw = framework
        self.scores = scores
        self.n_units = adjusted.shape[0]
        self.measure_col = {m: adjusted[:, j] for j, m in enumerate(framework.measures)}
        self.weight = framework.nodes["weight"].astype(float).to_dict()
        self.aggregates = framework.aggregates()
        self.parent = {str(c): str(p) for c, p in framework.nodes["parent"].items()}
        self._cache: dict[str, FloatArray] = {}
        self._zcache: dict[str, FloatArray] = {}

    def active_children(self, code: str) -> list[str]:
        """Children with a positive weight."""
        return [c for c in self.fw.children[code] if self.weight[c] > 0]

    def is_measure(self, code: str) -> bool:
        return code in self.measure_col

    def node(self, code: str) -> FloatArray:
        """The score of ``code``: given, or its direction-adjusted values, or a proxy."""
        if code in self.scores:
            return self.scores[code]
        if code in self.measure_col:
            return self.measure_col[code]
        if code not in self._cache:
            self._cache[code] = self._proxy(code)
        return self._cache[code]

    def standard(self, code: str) -> FloatArray:
        """The series of ``code`` on a common scale: its score, else the z-scored proxy."""
        return self.scores[code] if code in self.scores else self.zscore(code)

    def zscore(self, code: str) -> FloatArray:
        """Column-wise z-score of :meth:`node`."""
        if code not in self._zcache:
            self._zcache[code] = _zscore(self.node(code))
        return self._zcache[code]

    def sibling(self, code: str) -> FloatArray:
        """The series a sibling correlation uses: raw adjusted values for a measure."""
        return self.measure_col[code] if code in self.measure_col else self.node(code)

    def _proxy(self, code: str) -> FloatArray:
        kids = self.active_children(code)
        if not kids:
            return np.full(self.n_units, np.nan)
        z = np.column_stack([self.zscore(c) for c in kids])
        w = np.array([self.weight[c] for c in kids], dtype=np.float64)
        ok = ~np.isnan(z)
        wsum = (ok * w).sum(axis=1)
        total = (np.where(ok, z, 0.0) * w).sum(axis=1)
        return np.where(wsum > 0, total / np.where(wsum > 0, wsum, 1.0), np.nan)


# ---------------------------------------------------------------------- coverage
def _unit_coverage(index: pd.Index, raw: FloatArray, threshold: float) -> pd.DataFrame:
    n_measures = raw.shape[1]
    reported = (~np.isnan(raw)).sum(axis=1)
    coverage = reported / n_measures if n_measures else np.zeros(len(reported))
    return pd.DataFrame(
        {
            "unit": index.to_numpy(dtype=object),
            "n_measures": np.full(len(reported), n_measures, dtype=np.int64),
            "n_reported": reported.astype(np.int64),
            "coverage": coverage.astype(np.float64),
            "flag": coverage < threshold,
        }
    )


def _measure_coverage(raw: FloatArray, framework: Framework, threshold: float) -> pd.DataFrame:
    n_units = raw.shape[0]
    reported = (~np.isnan(raw)).sum(axis=0)
    coverage = reported / n_units
    return pd.DataFrame(
        {
            "code": list(framework.measures),
            "name": [str(v) for v in framework.column("name")],
            "n_units": np.full(len(reported), n_units, dtype=np.int64),
            "n_reported": reported.astype(np.int64),
            "coverage": coverage.astype(np.float64),
            "flag": coverage < threshold,
        }
    )


# ---------------------------------------------------------------------- distribution
def _distribution(
    raw: FloatArray, framework: Framework, skew_t: float, kurt_t: float
) -> pd.DataFrame:
    """Column statistics of ``raw`` in one vectorised pass (NaN ignored).

    Skewness is ``G1 = g1 * sqrt(n (n - 1)) / (n - 2)`` (NaN for ``n < 3``) and kurtosis is
    ``G2 = ((n + 1) g2 + 6) (n - 1) / ((n - 2) (n - 3))`` with ``g2`` the excess moment
    kurtosis (NaN for ``n < 4``): COINr's ``skew``/``kurt`` and scipy's ``bias=False``.
    """
    ok = ~np.isnan(raw)
    n = ok.sum(axis=0)
    nf = n.astype(np.float64)
    safe_n = np.where(n > 0, nf, 1.0)
    mean = np.where(n > 0, np.where(ok, raw, 0.0).sum(axis=0) / safe_n, np.nan)
    dev = np.where(ok, raw - mean, 0.0)
    dev2 = dev * dev
    m2 = dev2.sum(axis=0) / safe_n
    m3 = (dev2 * dev).sum(axis=0) / safe_n
    m4 = (dev2 * dev2).sum(axis=0) / safe_n
    sd = np.where(n > 1, np.sqrt(m2 * nf / np.where(n > 1, nf - 1.0, 1.0)), np.nan)
    # like scipy: a variance lost in rounding counts as zero
    eps = np.finfo(np.float64).resolution * 10
    degenerate = (n == 0) | (m2 <= (eps * np.nan_to_num(mean)) ** 2)
    safe_m2 = np.where(degenerate, 1.0, m2)
    g1 = m3 / safe_m2**1.5
    g2 = m4 / safe_m2**2 - 3.0
    skew = np.where(
        degenerate | (n < 3), np.nan, g1 * np.sqrt(nf * (nf - 1.0)) / np.maximum(nf - 2.0, 1.0)
    )
    kurt = np.where(
        degenerate | (n < 4),
        np.nan,
        ((nf + 1.0) * g2 + 6.0) * (nf - 1.0) / np.maximum((nf - 2.0) * (nf - 3.0), 1.0),
    )
    srt = np.sort(raw, axis=0)  # NaN sort last
    cols = np.arange(raw.shape[1])
    rows = raw.shape[0]
    lo = srt[np.clip((n - 1) // 2, 0, rows - 1), cols]
    hi = srt[np.clip(n // 2, 0, rows - 1), cols]
    median = np.where(n > 0, (lo + hi) / 2.0, np.nan)
    vmin = np.where(n > 0, srt[0], np.nan)
    vmax = np.where(n > 0, srt[np.clip(n - 1, 0, rows - 1), cols], np.nan)
    in_range = np.arange(rows)[:, None] < n[None, :]
    steps = ((srt[1:] != srt[:-1]) & in_range[1:]).sum(axis=0) if rows > 1 else np.zeros_like(n)
    n_unique = steps + (n > 0)
    zeros = (raw == 0).sum(axis=0)
    return pd.DataFrame(
        {
            "code": list(framework.measures),
            "mean": mean,
            "sd": sd,
            "min": vmin,
            "max": vmax,
            "median": median,
            "skew": skew,
            "kurtosis": kurt,
            "n_unique": n_unique.astype(np.int64),
            "share_zero": np.where(n > 0, zeros / safe_n, np.nan),
            "outlier_flag": (np.abs(np.nan_to_num(skew)) > skew_t)
            & (np.nan_to_num(kurt, nan=-np.inf) > kurt_t),
        }
    )


# ---------------------------------------------------------------------- correlations
def _pearson(x: FloatArray, y: FloatArray) -> tuple[float, float]:
    """Pearson's r and its two-sided p-value (the t-test of :func:`scipy.stats.pearsonr`)."""
    xm = x - x.mean()
    ym = y - y.mean()
    sx = float(np.sqrt(xm @ xm))
    sy = float(np.sqrt(ym @ ym))
    r = min(1.0, max(-1.0, float((xm / sx) @ (ym / sy))))
    df = len(x) - 2
    if abs(r) == 1.0:
        return r, 0.0
    t = abs(r) * math.sqrt(df / ((1.0 - r) * (1.0 + r)))
    return r, float(2.0 * special.stdtr(df, -t))


def _corr_function(method: str) -> _CorrFn:
    def spearman(x: FloatArray, y: FloatArray) -> tuple[float, float]:
        # spearmanr = Pearson on average ranks, same t-test
        return _pearson(stats.rankdata(x), stats.rankdata(y))

    def kendall(x: FloatArray, y: FloatArray) -> tuple[float, float]:
        res = stats.kendalltau(x, y)
        return float(res.statistic), float(res.pvalue)

    return {"pearson": _pearson, "spearman": spearman, "kendall": kendall}[method]


def _pair(a: FloatArray, b: FloatArray, fn: _CorrFn) -> tuple[int, float, float, str]:
    """``(n, r, p, problem)`` on the pairwise-complete observations of ``a`` and ``b``."""
    ok = ~np.isnan(a) & ~np.isnan(b)
    n = int(ok.sum())
    if n < MIN_PAIRS:
        return n, math.nan, math.nan, "insufficient data"
    x, y = a[ok], b[ok]
    if x.min() == x.max() or y.min() == y.max():
        return n, math.nan, math.nan, "constant"
    r, p = fn(x, y)
    return n, r, p, ""


_CORR_COLUMNS = {"n": "int64", "r": "float64", "p_value": "float64", "flag": "object"}


def _correlate(
    cols: list[FloatArray], pairs: list[tuple[int, int]], method: str, fn: _CorrFn
) -> list[tuple[int, float, float, str]]:
    """``(n, r, p, problem)`` for each pair of ``cols`` (pairwise-complete observations).

    Pearson is computed for all pairs at once (:func:`_pearson_block`); the rank methods call
    ``fn`` pair by pair, since the ranks depend on each pair's common observations.
    """
    if not pairs:
        return []
    if method != "pearson":
        return [_pair(cols[i], cols[j], fn) for i, j in pairs]
    n, r, p, constant = _pearson_block(np.column_stack(cols))
    out: list[tuple[int, float, float, str]] = []
    for i, j in pairs:
        nij = int(n[i, j])
        if nij < MIN_PAIRS:
            out.append((nij, math.nan, math.nan, "insufficient data"))
        elif constant[i, j] or constant[j, i]:
            out.append((nij, math.nan, math.nan, "constant"))
        else:
            out.append((nij, float(r[i, j]), float(p[i, j]), ""))
    return out


def _pearson_block(
    m: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
    """Pairwise-complete Pearson correlations of all columns of ``m`` by matrix products.

    Returns ``(n, r, p, constant)``: common observations, r, the two-sided p-value of
    :func:`scipy.stats.pearsonr` (t-test with ``n - 2`` degrees of freedom), and whether
    column ``i`` is constant on the rows it shares with column ``j``.
    """
    ok = ~np.isnan(m)
    w = ok.astype(np.float64)
    count = w.sum(axis=0)
    centre = np.where(ok, m, 0.0).sum(axis=0) / np.maximum(count, 1.0)
    x = np.where(ok, m - centre, 0.0)  # centred for numerical stability
    n = w.T @ w
    safe_n = np.maximum(n, 1.0)
    s = x.T @ w  # s[i, j]: sum of column i over the rows shared with j
    ss = (x * x).T @ w
    var = ss - s * s / safe_n
    cov = x.T @ x - s * s.T / safe_n
    constant = var <= 1e-12 * ss
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.clip(cov / np.sqrt(var * var.T), -1.0, 1.0)
        df = n - 2.0
        t = np.abs(r) * np.sqrt(df / ((1.0 - r) * (1.0 + r)))
        p = np.where(np.abs(r) == 1.0, 0.0, 2.0 * special.stdtr(df, -t))
    return n, r, p, constant


def _sibling_correlations(
    series: _Series, method: str, fn: _CorrFn, threshold: float
) -> pd.DataFrame:
    rows: list[tuple[str, str, str, int, float, float, str]] = []
    for group in series.aggregates:
        kids = series.active_children(group)
        pairs = [(i, j) for i in range(len(kids)) for j in range(i + 1, len(kids))]
        results = _correlate([series.sibling(c) for c in kids], pairs, method, fn)
        for (i, j), (n, r, p, flag) in zip(pairs, results, strict=True):
            if not flag:
                flag = "redundant" if r > threshold else "negative" if r < 0 else ""
            rows.append((group, kids[i], kids[j], n, r, p, flag))
    columns = ["group", "code_a", "code_b", *_CORR_COLUMNS]
    return _frame(rows, columns, {"group": "object", "code_a": "object", "code_b": "object"})


def _parent_correlations(series: _Series, method: str, fn: _CorrFn) -> pd.DataFrame:
    rows: list[tuple[str, str, int, float, float, str]] = []
    for group in series.aggregates:
        kids = series.active_children(group)
        cols = [series.node(c) for c in kids] + [series.node(group)]
        pairs = [(i, len(kids)) for i in range(len(kids))]
        for code, (n, r, p, flag) in zip(kids, _correlate(cols, pairs, method, fn), strict=True):
            if not flag:
                if r < 0:
                    flag = "negative"
                elif p > P_VALUE_THRESHOLD or r < WEAK_R_THRESHOLD:
                    flag = "weak"
            rows.append((code, group, n, r, p, flag))
    return _frame(rows, ["code", "parent", *_CORR_COLUMNS], {"code": "object", "parent": "object"})


def _frame(rows: list[Any], columns: list[str], text: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({**text, **{c: t for c, t in _CORR_COLUMNS.items() if c in columns}})


# ---------------------------------------------------------------------- groups
def _group_matrix(series: _Series, group: str) -> FloatArray:
    kids = series.active_children(group)
    if not kids:
        return np.empty((series.n_units, 0))
    return np.column_stack([series.standard(c) for c in kids])


def cronbach_alpha(matrix: FloatArray) -> float:
    """Cronbach's alpha of the columns of ``matrix`` (NaN = missing), as COINr computes it.

    ``C`` is the covariance matrix on pairwise-complete observations (``ddof=1``);
    ``alpha = k / (k - 1) * (1 - trace(C) / sum(C))``, with covariances that cannot be
    computed left out of both sums (COINr's ``na.rm = TRUE``).

    Parameters
    ----------
    matrix
        Units x items.

    Returns
    -------
    float
        NaN for fewer than two items or when ``sum(C)`` is zero or undefined.
    """
    k = matrix.shape[1]
    if k < 2:
        return math.nan
    cov = pd.DataFrame(matrix).cov(min_periods=2).to_numpy(dtype=np.float64)
    if np.isnan(cov).all():
        return math.nan
    total = float(np.nansum(cov))
    trace = float(np.nansum(np.diag(cov)))
    if total == 0.0 or not math.isfinite(total):
        return math.nan
    return float(k / (k - 1) * (1.0 - trace / total))


def _cronbach(series: _Series, threshold: float) -> pd.DataFrame:
    rows: list[tuple[str, int, int, float, bool]] = []
    for group in series.aggregates:
        m = _group_matrix(series, group)
        k = m.shape[1]
        n_units = int(((~np.isnan(m)).sum(axis=1) >= 2).sum()) if k >= 2 else 0
        alpha = cronbach_alpha(m) if n_units >= 2 else math.nan
        rows.append((group, k, n_units, alpha, bool(alpha < threshold)))
    frame = pd.DataFrame(rows, columns=["group", "n_children", "n_units", "alpha", "flag"])
    return frame.astype(
        {"group": "object", "n_children": "int64", "n_units": "int64", "alpha": "float64"}
    ).astype({"flag": "bool"})


def pca_eigenvalues(matrix: FloatArray) -> tuple[int, list[float], str]:
    """Eigenvalues of the correlation matrix of the complete cases of ``matrix``.

    The same spectrum as ``prcomp(na.omit(x), scale = TRUE)$sdev ^ 2``.

    Parameters
    ----------
    matrix
        Units x variables (NaN = missing).

    Returns
    -------
    tuple
        ``(n_complete, eigenvalues descending, problem)`` where ``problem`` is ``""``,
        ``"insufficient data"`` (fewer than 3 complete cases) or ``"constant"`` (a variable
        without variance); the eigenvalues are empty when there is a problem.
    """
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    n = complete.shape[0]
    if n < MIN_PAIRS:
        return n, [], "insufficient data"
    sd = complete.std(axis=0, ddof=1)
    if (sd == 0).any():
        return n, [], "constant"
    z = (complete - complete.mean(axis=0)) / sd
    corr = (z.T @ z) / (n - 1)
    eig = np.linalg.eigh((corr + corr.T) / 2.0)[0][::-1]
    return n, [float(e) for e in eig], ""


def _pca(series: _Series) -> pd.DataFrame:
    rows: list[tuple[str, int, list[float], float, int, str]] = []
    for group in series.aggregates:
        m = _group_matrix(series, group)
        if m.shape[1] < 2:
            continue
        n, eig, flag = pca_eigenvalues(m)
        explained = eig[0] / sum(eig) if eig else math.nan
        n_gt1 = sum(e > 1.0 for e in eig)
        if not flag and n_gt1 > 1:
            flag = "multidimensional"
        rows.append((group, n, eig, explained, n_gt1, flag))
    frame = pd.DataFrame(
        rows,
        columns=["group", "n_units", "eigenvalues", "explained_first", "n_eigen_gt1", "flag"],
    )
    return frame.astype(
        {
            "group": "object",
            "n_units": "int64",
            "eigenvalues": "object",
            "explained_first": "float64",
            "n_eigen_gt1": "int64",
            "flag": "object",
        }
    )


# ---------------------------------------------------------------------- JSON
def _plain(value: Any) -> Any:
    """A JSON-ready Python value: NaN/NA to None, numpy scalars and arrays to Python."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    return str(value)
