"""The word-level difference between versions: exact, readable, reversible."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from citydiplomacy.core import textdiff


def test_replacement_of_one_word() -> None:
    pieces = textdiff.word_diff("We commit to act.", "We pledge to act.")
    assert [(p.op, p.text) for p in pieces] == [
        ("equal", "We "),
        ("delete", "commit"),
        ("insert", "pledge"),
        ("equal", " to act."),
    ]
    assert textdiff.marked_text(pieces) == "We [-commit-]{+pledge+} to act."
    assert textdiff.counts(pieces) == (1, 1)


def test_insertion_and_deletion_of_lines() -> None:
    old = "1. Strengthen resilience;\n2. Act on climate.\n"
    new = "1. Strengthen resilience;\n2. Act on climate;\n3. Make cities greener.\n"
    pieces = textdiff.word_diff(old, new)
    assert textdiff.marked_text(pieces) == (
        "1. Strengthen resilience;\n2. Act on climate{+;\n3. Make cities greener+}.\n"
    )
    assert textdiff.counts(pieces) == (4, 0)


def test_identical_texts_are_one_equal_piece() -> None:
    assert textdiff.word_diff("same text", "same text") == [textdiff.Piece("equal", "same text")]
    assert textdiff.word_diff("", "") == []


def test_accents_and_apostrophes_stay_in_words() -> None:
    pieces = textdiff.word_diff("la ville d'Genève", "la ville d'Évian")
    assert textdiff.marked_text(pieces) == "la ville [-d'Genève-]{+d'Évian+}"


text = st.text(alphabet=st.sampled_from(list("ab cé.\n\r,'-\t")), max_size=60)


@given(text)
def test_tokens_rebuild_the_text(s: str) -> None:
    assert "".join(textdiff.tokens(s)) == s


@given(text, text)
def test_diff_rebuilds_both_versions(a: str, b: str) -> None:
    pieces = textdiff.word_diff(a, b)
    assert textdiff.old_text(pieces) == a
    assert textdiff.new_text(pieces) == b
    # adjacent pieces are merged: no two neighbours of the same kind
    assert all(x.op != y.op for x, y in itertools.pairwise(pieces))
