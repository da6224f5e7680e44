"""Framework table messages: every problem of a broken table, word for word and in order.

The expected texts were taken from ``Framework.from_table`` before its checks became a list of
column checks (issue 15), so the split is held to the same messages in the same order.
"""

from __future__ import annotations

import pandas as pd
import pytest

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.errors import FrameworkError

COLS = ["code", "name", "level", "parent", "direction", "weight"]
#: Broken tables: row-level problems, tree problems, a long list cut at 50, missing columns.
CASES: dict[str, pd.DataFrame] = {
    "rows": pd.DataFrame(
        [
            ("I", "Index", "2", "", "1", "1"),
            ("", "Nameless", "1", "I", "1", "1"),
            ("a", "A", "1.5", "I", "2", "-1"),
            ("a", "A again", "x", "I", "up", "heavy"),
            ("b", "B", "-1", "I", "0", ""),
        ],
        columns=COLS,
    ).assign(
        target=["", "t", "", "1", ""],
        plausible_max=["", "", "high", "", ""],
        value_type=["", "number", "fraction", " percent ", "yes"],
    ),
    "tree": pd.DataFrame(
        [
            ("I", "Index", 3, "", 1, 1),
            ("J", "Other root", 2, "", 1, 1),
            ("A", "Dim A", 2, "I", 1, 1),
            ("E", "Empty dim", 2, "I", 1, 1),
            ("a1", "a1", 1, "A", 0, 1),
            ("a2", "a2", 1, "Aa", 1, 1),
            ("a3", "a3", 2, "A", 1, 1),
            ("a1:x", "x", 0, "A", 1, 1),
            ("a4", "a4", 1, "A", 0, 1),
            ("a4:y", "y", 0, "a4", 1, 1),
        ],
        columns=COLS,
    ).astype(str),
    "root_level": pd.DataFrame(
        [("I", "Index", 1, "", 1, 1), ("A", "A", 2, "I", 1, 1), ("a", "a", 1, "A", 1, 1)],
        columns=COLS,
    ).astype(str),
    "no_root": pd.DataFrame(
        [("I", "Index", 2, "I", 1, 1), ("a", "a", 1, "I", 1, 1)], columns=COLS
    ).astype(str),
    "many": pd.DataFrame([(f"c{i}", "n", "x", "", "9", "-2") for i in range(30)], columns=COLS),
    "missing": pd.DataFrame({" Code ": ["a"], "NAME": ["b"], "level": [1]}),
}


#: The message of each case, as the code before the split wrote it.
EXPECTED = {
    "rows": (
        "framework 'rows' has 15 problem(s):\n"
        "  row 3: code is empty\n"
        "  row 3: target must be a number, got 't'\n"
        "  row 4: level must be a whole number >= 0, got '1.5'\n"
        "  row 4: direction must be 1, -1 or 0, got '2'\n"
        "  row 4: weight must be >= 0, got -1.0\n"
        "  row 4: plausible_max must be a number, got 'high'\n"
        "  row 4: value_type 'fraction' is not one of number, percent, rate, count, quantity, ratio, coefficient, yesno\n"
        "  row 5: code 'a' repeats row 4\n"
        "  row 5: level must be a number, got 'x'\n"
        "  row 5: level must be a whole number >= 0, got 'x'\n"
        "  row 5: direction must be a number, got 'up'\n"
        "  row 5: direction must be 1, -1 or 0, got 'up'\n"
        "  row 5: weight must be a number, got 'heavy'\n"
        "  row 6: level must be a whole number >= 0, got '-1'\n"
        "  row 6: value_type 'yes' is not one of number, percent, rate, count, quantity, ratio, coefficient, yesno"
    ),
    "tree": (
        "framework 'tree' has 8 problem(s):\n"
        "  row 7: parent 'Aa' of 'a2' is not a code; did you mean 'A'?\n"
        "  row 8: parent 'A' (level 2) must sit above 'a3' (level 2)\n"
        "  row 9: data point 'a1:x' must have a level-1 parent\n"
        "  the tree needs exactly one root (a node with no parent), found 2: I, J\n"
        "  aggregate 'J' (level 2) has no children\n"
        "  aggregate 'E' (level 2) has no children\n"
        "  two-sided indicator 'a1' (direction 0) needs a target\n"
        "  aggregate 'a3' (level 2) has no children"
    ),
    "root_level": (
        "framework 'root_level' has 2 problem(s):\n"
        "  row 3: parent 'I' (level 1) must sit above 'A' (level 2)\n"
        "  root 'I' must have the highest level"
    ),
    "no_root": (
        "framework 'no_root' has 2 problem(s):\n"
        "  row 2: parent 'I' (level 2) must sit above 'I' (level 2)\n"
        "  the tree needs exactly one root (a node with no parent), found 0: "
    ),
    "many": (
        "framework 'many' has 120 problem(s):\n"
        "  row 2: level must be a number, got 'x'\n"
        "  row 2: level must be a whole number >= 0, got 'x'\n"
        "  row 2: direction must be 1, -1 or 0, got '9'\n"
        "  row 2: weight must be >= 0, got -2.0\n"
        "  row 3: level must be a number, got 'x'\n"
        "  row 3: level must be a whole number >= 0, got 'x'\n"
        "  row 3: direction must be 1, -1 or 0, got '9'\n"
        "  row 3: weight must be >= 0, got -2.0\n"
        "  row 4: level must be a number, got 'x'\n"
        "  row 4: level must be a whole number >= 0, got 'x'\n"
        "  row 4: direction must be 1, -1 or 0, got '9'\n"
        "  row 4: weight must be >= 0, got -2.0\n"
        "  row 5: level must be a number, got 'x'\n"
        "  row 5: level must be a whole number >= 0, got 'x'\n"
        "  row 5: direction must be 1, -1 or 0, got '9'\n"
        "  row 5: weight must be >= 0, got -2.0\n"
        "  row 6: level must be a number, got 'x'\n"
        "  row 6: level must be a whole number >= 0, got 'x'\n"
        "  row 6: direction must be 1, -1 or 0, got '9'\n"
        "  row 6: weight must be >= 0, got -2.0\n"
        "  row 7: level must be a number, got 'x'\n"
        "  row 7: level must be a whole number >= 0, got 'x'\n"
        "  row 7: direction must be 1, -1 or 0, got '9'\n"
        "  row 7: weight must be >= 0, got -2.0\n"
        "  row 8: level must be a number, got 'x'\n"
        "  row 8: level must be a whole number >= 0, got 'x'\n"
        "  row 8: direction must be 1, -1 or 0, got '9'\n"
        "  row 8: weight must be >= 0, got -2.0\n"
        "  row 9: level must be a number, got 'x'\n"
        "  row 9: level must be a whole number >= 0, got 'x'\n"
        "  row 9: direction must be 1, -1 or 0, got '9'\n"
        "  row 9: weight must be >= 0, got -2.0\n"
        "  row 10: level must be a number, got 'x'\n"
        "  row 10: level must be a whole number >= 0, got 'x'\n"
        "  row 10: direction must be 1, -1 or 0, got '9'\n"
        "  row 10: weight must be >= 0, got -2.0\n"
        "  row 11: level must be a number, got 'x'\n"
        "  row 11: level must be a whole number >= 0, got 'x'\n"
        "  row 11: direction must be 1, -1 or 0, got '9'\n"
        "  row 11: weight must be >= 0, got -2.0\n"
        "  row 12: level must be a number, got 'x'\n"
        "  row 12: level must be a whole number >= 0, got 'x'\n"
        "  row 12: direction must be 1, -1 or 0, got '9'\n"
        "  row 12: weight must be >= 0, got -2.0\n"
        "  row 13: level must be a number, got 'x'\n"
        "  row 13: level must be a whole number >= 0, got 'x'\n"
        "  row 13: direction must be 1, -1 or 0, got '9'\n"
        "  row 13: weight must be >= 0, got -2.0\n"
        "  row 14: level must be a number, got 'x'\n"
        "  row 14: level must be a whole number >= 0, got 'x'\n"
        "  ... and 70 more"
    ),
    "missing": (
        "framework 'missing' lacks column(s) parent, direction, weight; a framework table needs code, name, level, parent, direction, weight"
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_table_lists_the_same_problems_in_the_same_order(case: str) -> None:
    table = CASES[case]
    with pytest.raises(FrameworkError) as info:
        Framework.from_table(table, case)
    assert str(info.value) == EXPECTED[case]
