"""Shared test helpers: small frameworks built in code, the packaged frameworks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.io.frameworks import load_framework

DATA = Path(__file__).parent / "data"


def make_framework(
    rows: list[tuple[object, ...]], name: str = "toy", **extra: list[object]
) -> Framework:
    """A framework from (code, name, level, parent, direction, weight) tuples plus columns."""
    table = pd.DataFrame(rows, columns=["code", "name", "level", "parent", "direction", "weight"])
    for col, values in extra.items():
        table[col] = values
    return Framework.from_table(table.astype(str), name)


@pytest.fixture(scope="session")
def u4ssc() -> Framework:
    return load_framework("u4ssc")


@pytest.fixture
def toy() -> Framework:
    """Index I <- dimensions A (a1, a2) and B (b1 lower-is-better, b2)."""
    return make_framework(
        [
            ("I", "Index", 3, "", 1, 1),
            ("A", "Dimension A", 2, "I", 1, 1),
            ("B", "Dimension B", 2, "I", 1, 1),
            ("a1", "Indicator a1", 1, "A", 1, 1),
            ("a2", "Indicator a2", 1, "A", 1, 1),
            ("b1", "Indicator b1", 1, "B", -1, 1),
            ("b2", "Indicator b2", 1, "B", 1, 1),
        ],
        target=["", "", "", "100", "50", "10", ""],
        target_source=["", "", "", "test", "test", "test", ""],
        unit=["", "", "", "%", "%", "per 100 000 inhabitants", "number"],
        unit_key=["", "", "", "percent", "percent", "per_100k", "count"],
        value_type=["", "", "", "percent", "percent", "rate", "count"],
    )
