"""Tests of the statistical audit (coverage, distribution, correlations, alpha, PCA)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import citydiplomacy
from citydiplomacy.core.audit import AuditReport, audit, cronbach_alpha
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import DataError, SpecError

NAN = float("nan")
UNITS = ["u1", "u2", "u3", "u4", "u5"]


def make_framework(
    rows: Sequence[tuple[str, int, str, int, float]], **extra: list[str]
) -> Framework:
    """A framework from ``(code, level, parent, direction, weight)`` rows."""
    table = pd.DataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [f"name of {r[0]}" for r in rows],
            "level": [str(r[1]) for r in rows],
            "parent": [r[2] for r in rows],
            "direction": [str(r[3]) for r in rows],
            "weight": [str(r[4]) for r in rows],
            **extra,
        }
    )
    return Framework.from_table(table, "test")


@pytest.fixture
def flat() -> Framework:
    # IDX <- A (+), B (+), C (lower is better), D (weight 0: informational)
    return make_framework(
        [
            ("IDX", 2, "", 1, 1),
            ("A", 1, "IDX", 1, 1),
            ("B", 1, "IDX", 1, 1),
            ("C", 1, "IDX", -1, 1),
            ("D", 1, "IDX", 1, 0),
        ]
    )


@pytest.fixture
def flat_values() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "A": [1, 2, 3, 4, 5],
            "B": [2, 1, 4, 3, 5],
            "C": [1, 2, NAN, 5, 3],
            "D": [NAN, NAN, NAN, 7, NAN],
        },
        index=UNITS,
        dtype=float,
    )


def pair_row(report: AuditReport, a: str, b: str) -> pd.Series:
    c = report.correlations
    hit = c[(c["code_a"] == a) & (c["code_b"] == b)]
    assert len(hit) == 1, f"no single row for pair {a}, {b}"
    return hit.iloc[0]


def parent_row(report: AuditReport, code: str) -> pd.Series:
    p = report.parent_correlations
    return p[p["code"] == code].iloc[0]


# ---------------------------------------------------------------------- hand-computed
def test_coverage_by_hand(flat: Framework, flat_values: pd.DataFrame) -> None:
    rep = audit(flat_values, flat)
    # 4 measures (D counts although its weight is 0):
    # u1 A,B,C -> 3/4; u2 3/4; u3 A,B -> 2/4 < 0.66 flagged; u4 all -> 1; u5 3/4
    uc = rep.unit_coverage.set_index("unit")
    assert uc["n_measures"].tolist() == [4] * 5
    assert uc["n_reported"].tolist() == [3, 3, 2, 4, 3]
    assert uc["coverage"].tolist() == pytest.approx([0.75, 0.75, 0.5, 1.0, 0.75])
    assert uc["flag"].tolist() == [False, False, True, False, False]
    # A 5/5, B 5/5, C 4/5 = 0.8, D 1/5 = 0.2 < 0.65 flagged
    mc = rep.measure_coverage.set_index("code")
    assert mc["coverage"].tolist() == pytest.approx([1.0, 1.0, 0.8, 0.2])
    assert mc["n_units"].tolist() == [5] * 4
    assert mc["flag"].tolist() == [False, False, False, True]
    assert mc.at["A", "name"] == "name of A"


def test_sibling_correlations_by_hand(flat: Framework, flat_values: pd.DataFrame) -> None:
    rep = audit(flat_values, flat)
    # D has weight 0: never correlated
    pairs = set(zip(rep.correlations["code_a"], rep.correlations["code_b"], strict=True))
    assert pairs == {("A", "B"), ("A", "C"), ("B", "C")}
    assert set(rep.correlations["group"]) == {"IDX"}

    # A dev (-2,-1,0,1,2), B = (2,1,4,3,5) dev (-1,-2,1,0,2): sum prod 2+2+0+0+4 = 8,
    # SS_A = SS_B = 10 -> r = 0.8
    ab = pair_row(rep, "A", "B")
    assert ab["r"] == pytest.approx(0.8)
    assert ab["n"] == 5
    assert ab["p_value"] == pytest.approx(stats.pearsonr([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])[1])
    assert ab["flag"] == ""

    # C is lower-is-better: correlate -C = (-1,-2,.,-5,-3) with A on u1,u2,u4,u5.
    # A = (1,2,4,5) dev (-2,-1,1,2), SS 10; -C mean -2.75, dev (1.75,0.75,-2.25,-0.25),
    # SS 8.75; sum prod -3.5-0.75-2.25-0.5 = -7 -> r = -7/sqrt(87.5) = -0.74833
    ac = pair_row(rep, "A", "C")
    assert ac["n"] == 4
    assert ac["r"] == pytest.approx(-7 / math.sqrt(87.5))
    assert ac["flag"] == "negative"

    # B = (2,1,3,5) dev (-0.75,-1.75,0.25,2.25), SS 8.75; sum prod with -C dev = -3.75
    # -> r = -3.75 / 8.75 = -0.428571
    bc = pair_row(rep, "B", "C")
    assert bc["r"] == pytest.approx(-3.75 / 8.75)
    assert bc["p_value"] == pytest.approx(stats.pearsonr([2, 1, 3, 5], [-1, -2, -5, -3])[1])
    assert bc["flag"] == "negative"


def test_cronbach_and_parent_with_scores_by_hand(
    flat: Framework, flat_values: pd.DataFrame
) -> None:
    # Scores A = (1..5), B = (2,1,4,3,5), C = (3,3,3,4,2), IDX = their mean.
    # var A = var B = 2.5, var C = 0.5; cov AB = 8/4 = 2, cov AC = (1-2)/4 = -0.25,
    # cov BC = (0-2)/4 = -0.5. sum(C) = 5.5 + 2 (2 - 0.25 - 0.5) = 8, trace = 5.5
    # alpha = 3/2 (1 - 5.5/8) = 0.46875 < 0.7 -> flagged
    s = pd.DataFrame(
        {"A": [1, 2, 3, 4, 5], "B": [2, 1, 4, 3, 5], "C": [3, 3, 3, 4, 2]},
        index=UNITS,
        dtype=float,
    )
    s["IDX"] = s[["A", "B", "C"]].mean(axis=1)
    rep = audit(flat_values, flat, scores=s)
    cr = rep.cronbach.set_index("group")
    assert cr.at["IDX", "n_children"] == 3  # D (weight 0) left out
    assert cr.at["IDX", "n_units"] == 5
    assert cr.at["IDX", "alpha"] == pytest.approx(0.46875)
    assert bool(cr.at["IDX", "flag"]) is True

    # r(X, IDX) = cov(X, A+B+C) / sqrt(var X * var(A+B+C)), var(A+B+C) = sum(C) = 8
    # A: (2.5 + 2 - 0.25) / sqrt(20) = 0.950329
    # B: (2 + 2.5 - 0.5) / sqrt(20) = 0.894427, p = 0.0405 < 0.05 -> not weak
    # C: (-0.25 - 0.5 + 0.5) / sqrt(4) = -0.125 -> negative
    assert parent_row(rep, "A")["r"] == pytest.approx(4.25 / math.sqrt(20))
    b = parent_row(rep, "B")
    assert b["r"] == pytest.approx(4 / math.sqrt(20))
    assert b["p_value"] == pytest.approx(stats.pearsonr(s["B"], s["IDX"])[1])
    assert b["p_value"] < 0.05
    assert b["flag"] == ""
    c = parent_row(rep, "C")
    assert c["r"] == pytest.approx(-0.125)
    assert c["flag"] == "negative"
    assert "D" not in set(rep.parent_correlations["code"])

    # PCA: eigenvalues of the correlation matrix of the scores, descending, summing to k
    pca = rep.pca.set_index("group")
    eig = np.asarray(pca.at["IDX", "eigenvalues"])
    expected = np.sort(np.linalg.eigvalsh(np.corrcoef(s[["A", "B", "C"]].to_numpy().T)))[::-1]
    assert eig == pytest.approx(expected)
    assert eig.sum() == pytest.approx(3.0)
    assert pca.at["IDX", "explained_first"] == pytest.approx(expected[0] / 3)

    # sibling correlations still come from the (direction-adjusted) raw values
    assert pair_row(rep, "A", "C")["r"] == pytest.approx(-7 / math.sqrt(87.5))


def test_two_item_group_alpha_and_pca_by_hand() -> None:
    # Complete data, no scores: z-scores have unit variance and covariance r = 0.8, so
    # alpha = 2 (1 - 2 / (2 + 2 * 0.8)) = 2r / (1 + r) = 0.8889; eigenvalues 1 +- r.
    fw = make_framework([("IDX", 2, "", 1, 1), ("A", 1, "IDX", 1, 1), ("B", 1, "IDX", 1, 1)])
    values = pd.DataFrame({"A": [1, 2, 3, 4, 5], "B": [2, 1, 4, 3, 5]}, index=UNITS, dtype=float)
    rep = audit(values, fw)
    cr = rep.cronbach.iloc[0]
    assert cr["alpha"] == pytest.approx(1.6 / 1.8)
    assert not cr["flag"]
    pca = rep.pca.iloc[0]
    assert pca["eigenvalues"] == pytest.approx([1.8, 0.2])
    assert pca["explained_first"] == pytest.approx(0.9)
    assert pca["n_eigen_gt1"] == 1
    assert pca["flag"] == ""
    assert pca["n_units"] == 5


def test_cronbach_alpha_pairwise_matches_coinr_formula() -> None:
    # COINr: alpha = k^2 * mean(off-diagonal cov) / sum(cov), pairwise-complete covariances
    rng = np.random.default_rng(3)
    m = rng.normal(size=(40, 4)) + rng.normal(size=(40, 1))
    m[rng.random(m.shape) < 0.2] = np.nan
    cov = pd.DataFrame(m).cov().to_numpy()
    k = 4
    sigav = (cov.sum() - np.trace(cov)) / (k * (k - 1))
    assert cronbach_alpha(m) == pytest.approx(k**2 * sigav / cov.sum())
    assert math.isnan(cronbach_alpha(m[:, :1]))


# ---------------------------------------------------------------------- distribution
def test_skew_and_kurtosis_match_scipy() -> None:
    rng = np.random.default_rng(7)
    codes = ["M1", "M2", "M3", "M4"]
    fw = make_framework(
        [("IDX", 2, "", 1, 1)] + [(c, 1, "IDX", 1, 1) for c in codes],
    )
    data = np.column_stack(
        [
            rng.normal(size=60),
            rng.lognormal(sigma=1.5, size=60),
            rng.exponential(size=60),
            rng.integers(0, 4, size=60).astype(float),
        ]
    )
    data[rng.random(data.shape) < 0.25] = np.nan
    values = pd.DataFrame(data, columns=codes)
    dist = audit(values, fw).distribution.set_index("code")
    for j, code in enumerate(codes):
        x = data[:, j][~np.isnan(data[:, j])]
        assert dist.at[code, "skew"] == pytest.approx(stats.skew(x, bias=False))
        assert dist.at[code, "kurtosis"] == pytest.approx(stats.kurtosis(x, bias=False))
        assert dist.at[code, "mean"] == pytest.approx(x.mean())
        assert dist.at[code, "sd"] == pytest.approx(x.std(ddof=1))
        assert dist.at[code, "median"] == pytest.approx(np.median(x))
        assert dist.at[code, "min"] == x.min()
        assert dist.at[code, "max"] == x.max()
        assert dist.at[code, "n_unique"] == len(np.unique(x))
        assert dist.at[code, "share_zero"] == pytest.approx((x == 0).mean())
    # the heavy-tailed lognormal is an outlier suspect, the normal is not
    assert bool(dist.at["M2", "outlier_flag"]) is True
    assert bool(dist.at["M1", "outlier_flag"]) is False


def test_distribution_edge_cases() -> None:
    fw = make_framework([("IDX", 2, "", 1, 1)] + [(c, 1, "IDX", 1, 1) for c in "PQRS"])
    values = pd.DataFrame(
        {
            "P": [1, 2, NAN, NAN, NAN],  # too few for skew and kurtosis
            "Q": [3, 3, 3, 3, 3],  # constant
            "R": [NAN] * 5,  # never reported
            "S": [1, 2, 3, NAN, NAN],  # skew but no kurtosis
        },
        index=UNITS,
        dtype=float,
    )
    dist = audit(values, fw).distribution.set_index("code")
    assert dist.loc["P", ["skew", "kurtosis"]].isna().all()
    assert dist.at["P", "median"] == 1.5
    assert dist.loc[["Q"], "skew"].isna().all()
    assert dist.at["Q", "n_unique"] == 1
    assert dist.at["Q", "sd"] == 0.0
    assert dist.loc["R", ["mean", "sd", "min", "max", "median", "share_zero"]].isna().all()
    assert dist.at["R", "n_unique"] == 0
    assert dist.at["S", "skew"] == pytest.approx(0.0)
    assert dist.loc[["S"], "kurtosis"].isna().all()
    assert not dist["outlier_flag"].any()


# ---------------------------------------------------------------------- flags
def test_redundant_and_negative_pairs_are_flagged() -> None:
    rng = np.random.default_rng(11)
    fw = make_framework(
        [("IDX", 2, "", 1, 1)]
        + [(c, 1, "IDX", d, 1) for c, d in zip("ABCE", (1, 1, 1, -1), strict=True)]
    )
    a = rng.normal(size=80)
    values = pd.DataFrame(
        {
            "A": a,
            "B": 3 * a + rng.normal(scale=0.05, size=80),  # near copy of A
            "C": -a + rng.normal(scale=0.5, size=80),  # trade-off with A
            "E": a + rng.normal(scale=0.05, size=80),  # lower is better: reversed copy
        }
    )
    rep = audit(values, fw)
    assert pair_row(rep, "A", "B")["flag"] == "redundant"
    assert pair_row(rep, "A", "C")["flag"] == "negative"
    # E pulls the other way once its direction is applied
    assert pair_row(rep, "A", "E")["flag"] == "negative"
    assert pair_row(rep, "A", "E")["r"] < -0.99
    # a stricter threshold is honoured
    rep = audit(values, fw, corr_threshold=1.0)
    assert pair_row(rep, "A", "B")["flag"] == ""
    assert rep.thresholds["corr_threshold"] == 1.0


def test_insufficient_and_constant_pairs() -> None:
    fw = make_framework([("IDX", 2, "", 1, 1)] + [(c, 1, "IDX", 1, 1) for c in "ABC"])
    values = pd.DataFrame(
        {"A": [1, 2, 3, 4, 5], "B": [1, 2, NAN, NAN, NAN], "C": [2, 2, 2, 2, 2]},
        index=UNITS,
        dtype=float,
    )
    rep = audit(values, fw)
    ab = pair_row(rep, "A", "B")
    assert ab["n"] == 2 and math.isnan(ab["r"]) and ab["flag"] == "insufficient data"
    ac = pair_row(rep, "A", "C")
    assert math.isnan(ac["r"]) and ac["flag"] == "constant"
    pca = rep.pca.iloc[0]
    assert pca["flag"] == "insufficient data"  # only 2 complete cases
    assert pca["eigenvalues"] == []


def test_weak_parent_flag_and_multidimensional_pca() -> None:
    rng = np.random.default_rng(5)
    fw = make_framework([("IDX", 2, "", 1, 1)] + [(c, 1, "IDX", 1, 1) for c in "ABCD"])
    f1, f2 = rng.normal(size=200), rng.normal(size=200)
    values = pd.DataFrame(
        {
            "A": f1 + rng.normal(scale=0.1, size=200),
            "B": f1 + rng.normal(scale=0.1, size=200),
            "C": f2 + rng.normal(scale=0.1, size=200),
            "D": f2 + rng.normal(scale=0.1, size=200),
        }
    )
    rep = audit(values, fw)
    pca = rep.pca.iloc[0]
    assert pca["n_eigen_gt1"] == 2
    assert pca["flag"] == "multidimensional"
    # an unrelated, near-constant-weight indicator correlates weakly with its parent
    values["D"] = rng.normal(size=200)
    fw2 = make_framework(
        [("IDX", 2, "", 1, 1)]
        + [(c, 1, "IDX", 1, w) for c, w in zip("ABCD", (1, 1, 1, 0.01), strict=True)]
    )
    scores = values.apply(lambda s: (s - s.mean()) / s.std())
    scores["IDX"] = scores[["A", "B", "C"]].mean(axis=1)
    rep = audit(values, fw2, scores=scores)
    assert parent_row(rep, "D")["flag"] in {"weak", "negative"}
    assert parent_row(rep, "A")["flag"] == ""


# ---------------------------------------------------------------------- structure
def test_two_sided_measure_and_data_point_target_fallback() -> None:
    # K (two-sided, target 50) has data points K:a (two-sided, no target of its own) and K:b
    fw = make_framework(
        [
            ("IDX", 2, "", 1, 1),
            ("K", 1, "IDX", 0, 1),
            ("K:a", 0, "K", 0, 1),
            ("K:b", 0, "K", 1, 1),
            ("T", 1, "IDX", 0, 1),
        ],
        target=["", "50", "", "", "10"],
    )
    values = pd.DataFrame(
        {
            "K:a": [40, 50, 60, 45, 55],
            "K:b": [1, 5, 2, 4, 3],
            "T": [9, 10, 13, 10.5, 8],
        },
        index=UNITS,
        dtype=float,
    )
    rep = audit(values, fw)
    # -|K:a - 50| = (-10, 0, -10, -5, -5)
    expected = np.corrcoef([-10, 0, -10, -5, -5], [1, 5, 2, 4, 3])[0, 1]
    assert pair_row(rep, "K:a", "K:b")["r"] == pytest.approx(expected)
    assert set(rep.correlations["group"]) == {"K", "IDX"}


def test_proxy_parent_scores_without_scores() -> None:
    # IDX <- D1 (A, B), D2 (C, E): without scores an aggregate's proxy is the weighted mean
    # of its children's column-wise z-scores
    fw = make_framework(
        [
            ("IDX", 3, "", 1, 1),
            ("D1", 2, "IDX", 1, 1),
            ("D2", 2, "IDX", 1, 1),
            ("A", 1, "D1", 1, 1),
            ("B", 1, "D1", -1, 3),
            ("C", 1, "D2", 1, 1),
            ("E", 1, "D2", 1, 1),
        ]
    )
    rng = np.random.default_rng(2)
    values = pd.DataFrame(rng.normal(size=(30, 4)), columns=list("ABCE"))
    values.iloc[[0, 5], 1] = np.nan

    def z(s: pd.Series) -> pd.Series:
        return (s - s.mean()) / s.std()

    parts = pd.concat([z(values["A"]), 3 * z(-values["B"])], axis=1)
    weights = pd.concat([values["A"].notna() * 1.0, values["B"].notna() * 3.0], axis=1)
    d1 = parts.sum(axis=1) / weights.sum(axis=1)
    d2 = (z(values["C"]) + z(values["E"])) / 2
    rep = audit(values, fw)
    a = parent_row(rep, "A")
    assert a["parent"] == "D1"
    assert a["r"] == pytest.approx(values["A"].corr(d1))
    assert pair_row(rep, "D1", "D2")["r"] == pytest.approx(d1.corr(d2))
    idx = (z(d1) + z(d2)) / 2
    assert parent_row(rep, "D2")["r"] == pytest.approx(d2.corr(idx))
    assert set(rep.cronbach["group"]) == {"D1", "D2", "IDX"}
    assert rep.pca["group"].tolist() == ["D1", "D2", "IDX"]  # deepest first
    # the same with Spearman: p-values from scipy.stats.spearmanr
    rep = audit(values, fw, method="spearman")
    assert pair_row(rep, "D1", "D2")["r"] == pytest.approx(stats.spearmanr(d1, d2)[0])
    assert parent_row(rep, "C")["p_value"] == pytest.approx(stats.spearmanr(values["C"], d2)[1])


@pytest.mark.parametrize(
    ("method", "scipy_fn"), [("pearson", stats.pearsonr), ("spearman", stats.spearmanr)]
)
def test_pairwise_complete_r_and_p_match_scipy(method: str, scipy_fn: object) -> None:
    rng = np.random.default_rng(9)
    codes = ["A", "B", "C", "E"]
    fw = make_framework([("IDX", 2, "", 1, 1)] + [(c, 1, "IDX", 1, 1) for c in codes])
    data = rng.normal(size=(40, 4)) * [1, 100, 1e-3, 1] + [0, 1e5, 0, 0]
    data[:, 1] += 80 * data[:, 0]
    data[rng.random(data.shape) < 0.3] = np.nan
    rep = audit(pd.DataFrame(data, columns=codes), fw, method=method)
    assert len(rep.correlations) == 6
    for row in rep.correlations.itertuples():
        i, j = codes.index(str(row.code_a)), codes.index(str(row.code_b))
        ok = ~np.isnan(data[:, i]) & ~np.isnan(data[:, j])
        r, p = scipy_fn(data[ok, i], data[ok, j])  # type: ignore[operator]
        assert row.n == ok.sum()
        assert row.r == pytest.approx(r, abs=1e-12)
        assert row.p_value == pytest.approx(p, rel=1e-9)


def test_kendall_matches_scipy(flat: Framework, flat_values: pd.DataFrame) -> None:
    rep = audit(flat_values, flat, method="kendall")
    r, p = stats.kendalltau([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    assert pair_row(rep, "A", "B")["r"] == pytest.approx(r)
    assert pair_row(rep, "A", "B")["p_value"] == pytest.approx(p)


# ---------------------------------------------------------------------- errors
def test_bad_input_is_refused(flat: Framework, flat_values: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match="method"):
        audit(flat_values, flat, method="pearsn")
    with pytest.raises(SpecError, match="unit_threshold"):
        audit(flat_values, flat, unit_threshold=66)
    with pytest.raises(DataError, match="not measures"):
        audit(flat_values.rename(columns={"A": "AA"}), flat)
    with pytest.raises(DataError, match="no units"):
        audit(flat_values.iloc[:0], flat)
    with pytest.raises(DataError, match="share no unit"):
        audit(flat_values, flat, scores=flat_values.set_axis(list("vwxyz")))
    with pytest.raises(DataError, match="infinite"):
        audit(flat_values.replace(5.0, np.inf), flat)


def test_missing_measure_column_counts_as_unreported(
    flat: Framework, flat_values: pd.DataFrame
) -> None:
    rep = audit(flat_values.drop(columns="D"), flat)
    mc = rep.measure_coverage.set_index("code")
    assert mc.at["D", "n_reported"] == 0 and bool(mc.at["D", "flag"])


# ---------------------------------------------------------------------- real framework
def test_u4ssc_random_data_shapes_and_json_round_trip() -> None:
    path = Path(citydiplomacy.__file__).parent / "data/frameworks/u4ssc.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    fw = Framework.from_table(table, "u4ssc")
    rng = np.random.default_rng(0)
    n = 150
    data = rng.normal(size=(n, 1)) + rng.normal(size=(n, len(fw.measures)))
    data[rng.random(data.shape) < 0.3] = np.nan
    values = pd.DataFrame(data, index=[f"city{i}" for i in range(n)], columns=fw.measures)
    rep = audit(values, fw)

    weight = fw.nodes["weight"]
    aggregates = fw.aggregates()
    active = {g: [c for c in fw.children[g] if weight[c] > 0] for g in aggregates}
    assert rep.unit_coverage.shape[0] == n
    assert rep.measure_coverage["code"].tolist() == list(fw.measures)
    assert rep.distribution["code"].tolist() == list(fw.measures)
    assert len(rep.correlations) == sum(len(k) * (len(k) - 1) // 2 for k in active.values())
    assert len(rep.parent_correlations) == int((weight[fw.nodes["parent"] != ""] > 0).sum())
    assert rep.cronbach["group"].tolist() == aggregates
    assert rep.pca["group"].tolist() == [g for g in aggregates if len(active[g]) >= 2]
    zero_weight = set(fw.nodes.index[weight == 0])
    assert zero_weight  # U4SSC has informational data points
    used = set(rep.correlations["code_a"]) | set(rep.correlations["code_b"])
    assert not used & zero_weight
    assert rep.unit_coverage["coverage"].between(0, 1).all()

    d = rep.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text) == d
    assert set(d) == {
        "thresholds",
        "unit_coverage",
        "measure_coverage",
        "distribution",
        "correlations",
        "parent_correlations",
        "cronbach",
        "pca",
    }
    single = next(r for r in d["cronbach"] if r["n_children"] < 2)
    assert single["alpha"] is None  # NaN -> None
    assert isinstance(d["pca"][0]["eigenvalues"], list)
    assert d["thresholds"]["unit_threshold"] == 0.66
