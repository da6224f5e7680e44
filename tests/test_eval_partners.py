"""The partner evaluation's statistics (benchmarks/eval_partners.py): the paired bootstrap of
the ranker's recall over nearest's, and the model seeds option."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ev() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "eval_partners", ROOT / "benchmarks" / "eval_partners.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_ratio_is_paired_same_cities_for_both_methods(ev: ModuleType) -> None:
    # the ranker finds exactly twice nearest's share on every city: whichever cities a
    # resample draws, the ratio is 2; unpaired resamples would scatter it widely
    rng = np.random.default_rng(0)
    near = rng.choice([0.0, 0.1, 0.25, 0.5], size=40)
    near[0] = 0.5  # never all zero
    ranker = 2 * near
    idx = ev.resamples(near.size, np.random.default_rng(1))
    assert idx.shape == (ev.BOOTSTRAP, near.size)
    point, lo, hi = ev.paired_ratio(ranker, near, idx)
    assert point == pytest.approx(2.0)
    assert lo == pytest.approx(2.0) and hi == pytest.approx(2.0)
    other = ev.resamples(near.size, np.random.default_rng(2))
    unpaired = ranker[idx].mean(axis=1) / np.maximum(near[other].mean(axis=1), 1e-12)
    assert np.percentile(unpaired, 97.5) - np.percentile(unpaired, 2.5) > 0.5


def test_the_ratio_interval_is_the_percentiles_of_the_resampled_ratios(ev: ModuleType) -> None:
    a = np.array([0.0, 1.0, 0.5, 0.0, 0.2])
    b = np.array([0.1, 0.0, 0.5, 0.3, 0.1])
    idx = np.array([[0, 1, 2, 3, 4], [0, 0, 3, 3, 4], [1, 1, 1, 2, 2], [0, 3, 3, 3, 3]])
    point, lo, hi = ev.paired_ratio(a, b, idx)
    assert point == pytest.approx(a.mean() / b.mean())
    by_hand = sorted(float(a[r].mean() / b[r].mean()) for r in idx)
    # 4 resamples: the 2.5th percentile is the smallest ratio, the 97.5th the largest
    assert lo == pytest.approx(by_hand[0]) and hi == pytest.approx(by_hand[-1])


def test_a_resample_where_nearest_finds_nothing_counts_as_an_infinite_ratio(
    ev: ModuleType,
) -> None:
    a = np.array([0.5, 0.0])
    b = np.array([0.0, 0.5])
    idx = np.array([[0, 0]] * 10 + [[1, 1]] * 10)  # half the resamples: b's mean is 0
    point, lo, hi = ev.paired_ratio(a, b, idx)
    assert point == pytest.approx(1.0)
    assert lo == 0.0 and hi == np.inf
    both_zero = ev.paired_ratio(np.zeros(3), np.zeros(3), np.zeros((5, 3), dtype=int))
    assert both_zero == (1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="same query cities"):
        ev.paired_ratio(np.zeros(3), np.zeros(4), idx)


def test_seeds_are_read_as_lists_and_ranges_and_summarised(ev: ModuleType) -> None:
    assert ev.seed_list("0-4") == [0, 1, 2, 3, 4]
    assert ev.seed_list("7,0-2,1") == [7, 0, 1, 2]
    with pytest.raises(argparse.ArgumentTypeError):
        ev.seed_list("a")
    with pytest.raises(argparse.ArgumentTypeError):
        ev.seed_list(",")
    assert ev.seed_spread([2.1, 1.8, 2.0, 1.9, 2.4]) == (1.8, 2.0, 2.4)
    assert set(ev.SPLITS) == {"eu-crawl", "crawl-eu", "held-out"}


def test_the_seeds_models_are_pooled_per_query_city(ev: ModuleType) -> None:
    a = np.array([0.0, 0.5, 1.0])
    b = np.array([0.5, 0.5, 0.0])
    assert np.allclose(ev.pooled([a, b]), [0.25, 0.5, 0.5])
    with pytest.raises(ValueError, match="every seed"):
        ev.pooled([a, np.zeros(2)])
    with pytest.raises(ValueError):
        ev.pooled([])
