"""The integer-key helpers of validation: pairs of codes and the distinct keys met."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from citydiplomacy.core.validation import keys as validation_keys
from citydiplomacy.core.validation.keys import Distinct as _Distinct
from citydiplomacy.core.validation.keys import Pairs as _Pairs


@st.composite
def code_pairs(draw: st.DrawFn) -> tuple[int, int, np.ndarray, np.ndarray]:
    rows = draw(st.integers(1, 300))
    cols = draw(st.integers(1, 300))
    n = draw(st.integers(0, 60))
    kind = draw(st.sampled_from([np.int8, np.int16, np.int32, np.int64]))
    a = draw(st.lists(st.integers(-1, min(rows - 1, np.iinfo(kind).max)), min_size=n, max_size=n))
    b = draw(st.lists(st.integers(-1, min(cols - 1, np.iinfo(kind).max)), min_size=n, max_size=n))
    return rows, cols, np.asarray(a, dtype=kind), np.asarray(b, dtype=kind)


@settings(max_examples=300, deadline=None)
@given(case=code_pairs())
def test_pair_keys_read_minus_one_as_the_last_row_and_column(
    case: tuple[int, int, np.ndarray, np.ndarray],
) -> None:
    rows, cols, a, b = case
    pairs = _Pairs(rows, cols)
    # numpy's negative indexing is the definition of -1
    expected = np.arange(rows)[a] * cols + np.arange(cols)[b]
    np.testing.assert_array_equal(pairs.keys(a, b), expected)
    pairs.add(a, b)
    first, second = pairs.finish()
    met = sorted(set(zip(np.arange(rows)[a].tolist(), np.arange(cols)[b].tolist(), strict=True)))
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == met
    codes = pairs.codes(a, b)
    assert [(first[c], second[c]) for c in codes.tolist()] == [
        (r, c)
        for r, c in zip(np.arange(rows)[a].tolist(), np.arange(cols)[b].tolist(), strict=True)
    ]


@settings(max_examples=200, deadline=None)
@given(
    space=st.integers(1, 5000),
    slices=st.lists(st.lists(st.integers(0, 4999), max_size=30), max_size=4),
)
def test_distinct_keys_by_counting_match_by_marking(space: int, slices: list[list[int]]) -> None:
    parts = [np.asarray([k % space for k in keys], dtype=np.int64) for keys in slices]
    counted, marked = _Distinct(space), _Distinct(space)
    original = validation_keys.SMALL_KEYS
    try:
        validation_keys.SMALL_KEYS = space  # counting
        for keys in parts:
            counted.add(keys)
        validation_keys.SMALL_KEYS = 0  # marking
        for keys in parts:
            marked.add(keys)
    finally:
        validation_keys.SMALL_KEYS = original
    expected = sorted({k for keys in parts for k in keys.tolist()})
    assert counted.finish().tolist() == expected == marked.finish().tolist()
