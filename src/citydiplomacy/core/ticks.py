"""Round axis ticks for charts ("nice numbers": 1, 2, 2.5 or 5 times a power of ten), and
one number of decimals for all the numbers of a KPI (:func:`kpi_digits`).

A chart's axis labelled 16.22, 17.64, 19.06 ... makes the reader do arithmetic; an axis
labelled 16, 17, 18, 19, 20 does not. :func:`nice_ticks` picks the roundest step that gives
three to seven ticks covering the data range (after Heckbert, "Nice numbers for graph
labels", Graphics Gems, 1990, with the step chosen by count rather than by a fixed factor).
"""

from __future__ import annotations

import math

#: The round mantissas a step may have, roundest first.
STEP_MANTISSAS = (1.0, 2.0, 5.0, 2.5)
MIN_TICKS = 3
MAX_TICKS = 7
#: Largest magnitude accepted (far beyond any KPI; keeps the arithmetic exact enough).
LIMIT = 1e15


def nice_ticks(low: float, high: float) -> list[float]:
    """Round ticks covering ``[low, high]``: ``t[0] <= low``, ``t[-1] >= high``, 3 to 7 of
    them, equally spaced by 1, 2, 2.5 or 5 times a power of ten, each a multiple of the step.

    Parameters
    ----------
    low, high
        The data range (in either order; equal values get a range around them).

    Returns
    -------
    list of float
        The ticks, ascending, with float noise rounded away.

    Raises
    ------
    ValueError
        If a bound is not finite or beyond ``LIMIT``.
    """
    if not (math.isfinite(low) and math.isfinite(high)) or max(abs(low), abs(high)) > LIMIT:
        raise ValueError(f"axis range must be finite and within ±{LIMIT:g}, got {low!r}..{high!r}")
    low, high = min(low, high), max(low, high)
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    span = high - low
    # Every round step from a decade below span/6 to a decade above span/2; keep those whose
    # covering ticks number 3..7 and take the one nearest five ticks, rounder mantissa first.
    exponent = math.floor(math.log10(span / (MAX_TICKS - 1)))
    candidates: list[tuple[float, float, int, int]] = []
    for exp in range(exponent - 1, exponent + 3):
        for rank, mantissa in enumerate(STEP_MANTISSAS):
            step = mantissa * 10.0**exp
            first = math.floor(low / step + 1e-9)
            last = math.ceil(high / step - 1e-9)
            count = last - first + 1
            if MIN_TICKS <= count <= MAX_TICKS:
                candidates.append((abs(count - 5) + 0.3 * rank, step, first, count))
    if not candidates:  # unreachable for finite input; kept as a clear failure
        raise ValueError(f"no round ticks for {low!r}..{high!r}")
    _, best_step, best_first, best_count = min(candidates)
    # Enough decimals for the step (2.5e-3 needs 4), so 0.30000000000000004 prints as 0.3.
    digits = max(0, 1 - math.floor(math.log10(best_step)))
    return [round((best_first + i) * best_step, digits) + 0.0 for i in range(best_count)]


def value_digits(x: float | None) -> int:
    """The decimals a KPI value needs: up to four significant digits below 1000 (0 for whole
    numbers and from 1000 on, 1 from 100, 2 from 1, 3 below), trailing zeros dropped."""
    if x is None or not math.isfinite(x):
        return 0
    ax = abs(x)
    if float(x).is_integer() or ax >= 1000:
        return 0
    cap = 1 if ax >= 100 else 2 if ax >= 1 else 3
    text = f"{ax:.{cap}f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def kpi_digits(*values: float | None) -> int:
    """One number of decimals for every number of a KPI (its value, target, peers), so a
    table never shows "90.1" beside "81": the most any of them needs."""
    return max((value_digits(v) for v in values), default=0)
