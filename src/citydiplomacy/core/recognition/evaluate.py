"""How well the coding rules agree with a hand-coded gold set: agreement and Cohen's kappa."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Agreement:
    """Agreement between two codings of the same items.

    Attributes
    ----------
    n
        Items compared.
    observed
        Share of items coded the same (p_o).
    expected
        Share expected by chance from each coder's own label frequencies (p_e).
    kappa
        Cohen's kappa, (p_o - p_e) / (1 - p_e); 1.0 when both codings are identical and
        constant (no chance to correct for).
    confusion
        ``{(gold, rules): count}``.
    """

    n: int
    observed: float
    expected: float
    kappa: float
    confusion: dict[tuple[str, str], int]


def agreement(gold: Sequence[str], rules: Sequence[str]) -> Agreement:
    """Observed agreement and Cohen's kappa of two equally long label sequences."""
    if len(gold) != len(rules):
        raise ValueError("both codings must label the same items")
    n = len(gold)
    if n == 0:
        raise ValueError("no items to compare")
    observed = sum(a == b for a, b in zip(gold, rules, strict=True)) / n
    fg, fr = Counter(gold), Counter(rules)
    expected = sum(fg[label] * fr[label] for label in fg) / (n * n)
    kappa = 1.0 if expected == 1.0 else (observed - expected) / (1.0 - expected)
    confusion = Counter(zip(gold, rules, strict=True))
    return Agreement(n, observed, expected, kappa, dict(confusion))
