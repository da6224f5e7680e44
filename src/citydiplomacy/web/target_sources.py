"""A KPI target's source in the page's language (issue 19, item 7).

The engine (:mod:`citydiplomacy.core.targets`, no Django) writes the source of each target in
English, and the scores keep it so (the CLI, the API and the reports' data read it). The
pages show it through :func:`source_text`, which recognises the engine's sentences and
writes them again with gettext, numbers in the page's language. A source it does not know
(a framework's own reference, a document title) is returned as it is: it is data.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext

from citydiplomacy.web.indicators.charts import fmt_value

_PEER = re.compile(
    r"(?P<prefix>peer: )?mean of the top (?P<top>\d+) of (?P<n>\d+) (?P<who>cities|published city"
    r" profiles) in (?P<year>\d{4}), values censored at the (?P<low>[\d.]+)th/(?P<high>[\d.]+)th"
    r" percentiles \(SDSN rule\)"
)
_NO_BENCHMARK = re.compile(
    r"no benchmark: (?P<n>\d+) reporting (?:cities|published city profiles) in (?P<year>\d{4}),"
    r" fewer than (?P<k>\d+) needed for a peer target"
)
#: Whole sentences of the engine and the framework files, in English.
_FIXED: dict[str, Callable[[], str]] = {
    "user override": lambda: gettext("user override"),
    "informational data point, not scored": lambda: gettext("informational data point, not scored"),
    "two-sided KPI without a target": lambda: gettext("two-sided KPI without a target"),
    "yes/no KPI: 'Yes' meets the target (U4SSC handling not published; project rule, "
    "see docs/scoring.md)": lambda: gettext(
        "yes/no KPI: 'Yes' meets the target (U4SSC handling not published; project rule, "
        "see docs/scoring.md)"
    ),
}


def source_text(source: str) -> str:
    """``source`` (a target's source as the engine wrote it) in the active language."""
    if not source:
        return source
    fixed = _FIXED.get(source)
    if fixed is not None:
        return fixed()
    peer = _PEER.fullmatch(source)
    if peer is not None:
        values = {
            "top": peer["top"],
            "n": peer["n"],
            "year": peer["year"],
            "low": fmt_value(float(peer["low"])),
            "high": fmt_value(float(peer["high"])),
        }
        if peer["who"] == "cities":
            text = gettext(
                "mean of the top %(top)s of %(n)s cities in %(year)s, values censored at the "
                "%(low)sth/%(high)sth percentiles (SDSN rule)"
            )
        else:
            text = gettext(
                "mean of the top %(top)s of %(n)s published city profiles in %(year)s, values "
                "censored at the %(low)sth/%(high)sth percentiles (SDSN rule)"
            )
        return (peer["prefix"] or "") + text % values
    none = _NO_BENCHMARK.fullmatch(source)
    if none is not None:
        return gettext(
            "no benchmark: %(n)s reporting cities in %(year)s, fewer than %(k)s needed for a "
            "peer target"
        ) % {"n": none["n"], "year": none["year"], "k": none["k"]}
    return source
