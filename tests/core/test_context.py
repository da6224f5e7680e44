"""Context similarity: the embedding reproduces the distance, factors explain the score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.core.context import (
    FACTORS,
    ContextWeights,
    context_embedding,
    context_factors,
    context_similarity,
)

REGIONS = ["Western Europe", "Southern Europe", "Northern America", ""]
GROUPS = ["L", "LM", "UM", "H", None]
LANGS = [("fr",), ("de", "fr", "it"), ("en",), ("es",), ()]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "population": [200_000, 500_000, 2_000_000, 200_000, 20_000_000],
            "region": [
                "Western Europe",
                "Western Europe",
                "Northern America",
                "",
                "Western Europe",
            ],
            "income_group": ["H", "H", "H", None, "LM"],
            "latitude": [46.2, 45.75, 40.7, -33.9, 46.0],
            "languages": [("de", "fr", "it"), ("fr",), ("en",), (), ("fr",)],
        },
        index=[1, 2, 3, 4, 5],
    )


def test_hand_computed_factors() -> None:
    f = context_factors(frame(), 1, candidates=[2])
    assert f.loc[2, "population_distance"] == pytest.approx(np.log10(2.5) / 2)
    assert f.loc[2, "region"] == 1.0
    assert f.loc[2, "income_group"] == 1.0
    assert f.loc[2, "climate_distance"] == pytest.approx(0.45 / 30)
    # {de, fr, it} against {fr}: cosine 1/sqrt(3)
    assert f.loc[2, "language_distance"] == pytest.approx(np.sqrt(1 - 1 / np.sqrt(3)))


def test_unknown_region_is_a_group_of_its_own() -> None:
    f = context_factors(frame(), 4)
    assert f.loc[4, "region"] == 1.0
    assert (f.drop(index=4)["region"] == 0.0).all()


def test_similarity_orders_the_obvious() -> None:
    s = context_similarity(frame(), 2)
    assert s[2] == pytest.approx(1.0)
    assert s[1] > s[3] > 0  # a Western European city of similar size beats New York
    assert s[1] > s[5]  # and a 20-million city of a lower income group


def test_weights_must_be_sensible() -> None:
    with pytest.raises(ValueError):
        ContextWeights(population=-1)
    with pytest.raises(ValueError):
        ContextWeights(0, 0, 0, 0, 0)


def test_unknown_city_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        context_similarity(frame(), 99)
    with pytest.raises(KeyError):
        context_factors(frame(), 1, candidates=[99])


cities = st.lists(
    st.tuples(
        st.floats(0, 4e7),
        st.sampled_from(REGIONS),
        st.sampled_from(GROUPS),
        st.floats(-80, 80),
        st.sampled_from(LANGS),
    ),
    min_size=2,
    max_size=12,
)
weights = st.tuples(*(st.floats(0.01, 5) for _ in FACTORS)).map(lambda w: ContextWeights(*w))


@settings(max_examples=60, deadline=None)
@given(cities, weights)
def test_embedding_distance_is_the_context_distance(rows: list[tuple], w: ContextWeights) -> None:
    contexts = pd.DataFrame(
        rows, columns=["population", "region", "income_group", "latitude", "languages"]
    )
    emb = context_embedding(contexts, w)
    factors = context_factors(contexts, 0)
    wd = w.as_dict()
    total = sum(wd.values())
    expected = np.sqrt(sum(wd[f] * factors[f"{f}_distance"] ** 2 for f in FACTORS) / total)
    actual = np.sqrt(((emb - emb[0]) ** 2).sum(axis=1))
    np.testing.assert_allclose(actual, expected.to_numpy(), atol=1e-9)
    sim = context_similarity(contexts, 0, w)
    np.testing.assert_allclose(sim.to_numpy(), 1 - np.minimum(actual, 1), atol=1e-9)
    assert ((sim >= 0) & (sim <= 1)).all()
    assert ((factors[list(FACTORS)] >= 0) & (factors[list(FACTORS)] <= 1)).all().all()
    # symmetric
    back = context_similarity(contexts, len(rows) - 1, w)
    assert back[0] == pytest.approx(sim[len(rows) - 1])


def test_one_similarity_of_a_distance_for_the_whole_and_each_factor() -> None:
    from citydiplomacy.core.context import similarity

    assert similarity([0.0, 0.25, 1.0, 3.0]).tolist() == [1.0, 0.75, 0.0, 0.0]
