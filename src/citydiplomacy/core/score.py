"""Score a panel of cities on a framework: U4SSC bands, SDSN bounded scores, or the composite
pipeline (impute, treat, normalise, weight, aggregate).

:func:`score` returns a :class:`ScoreResult`: dense arrays (years x units x nodes) for fast
use in process, the spec and targets that made them, and a fingerprint of the data, so that
:func:`regenerate` can rebuild the same result from the spec. :meth:`ScoreResult.table` gives
the long table of the command line's contract: ``city, country, year, level, code, value,
score, points, band, rank`` and a few more columns.
"""

from __future__ import annotations

from typing import Any

from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.methods.composite import (
    child_weights,
    composite_leaf_scores,
    prepare_raw,
    score_composite,
)
from citydiplomacy.core.methods.sdsn import score_sdsn
from citydiplomacy.core.methods.u4ssc import score_u4ssc
from citydiplomacy.core.result import (
    RESULT_COLUMNS,
    ScoreResult,
    Tree,
    _int_type,
    compact_types,
    data_fingerprint,
    rank_desc,
)
from citydiplomacy.core.spec import Spec
from citydiplomacy.core.targets import resolve_targets
from citydiplomacy.errors import DataError

#: The scoring method of each ``Spec.method`` (a new method is a module of
#: :mod:`citydiplomacy.core.methods` and a line here).
METHODS = {"u4ssc": score_u4ssc, "sdsn": score_sdsn, "composite": score_composite}


def score(panel: Panel, framework: Framework, spec: Spec | None = None) -> ScoreResult:
    """Score every city and year of a panel.

    Parameters
    ----------
    panel
        Observed values (measures in the framework's order).
    framework
        Indicator tree with metadata.
    spec
        The recipe; defaults to ``Spec()`` (composite min-max / arithmetic).

    Returns
    -------
    ScoreResult
    """
    spec = spec or Spec()
    if tuple(panel.measures) != tuple(framework.measures):
        raise DataError("the panel was built for another framework; rebuild it from the data")
    fw = (
        framework.with_targets(spec.targets.overrides, "user override")
        if spec.targets.overrides
        else framework
    )
    targets = resolve_targets(fw, panel, spec.targets)
    tree = Tree.from_framework(fw)
    method = METHODS.get(spec.method, score_composite)
    return method(panel, fw, spec, tree, targets)


def regenerate(provenance: dict[str, Any], panel: Panel, framework: Framework) -> ScoreResult:
    """Rebuild a result from its provenance (spec) and the same data.

    Raises
    ------
    DataError
        When the data differ from those the result was made from.
    """
    if provenance.get("framework") != framework.name:
        raise DataError(
            f"the result was made with framework {provenance.get('framework')!r}, "
            f"not {framework.name!r}"
        )
    if provenance.get("data_fingerprint") != data_fingerprint(panel):
        raise DataError(
            "the data differ from those the result was made from (fingerprint mismatch)"
        )
    return score(panel, framework, Spec.from_data(provenance["spec"]))


# What callers have always imported from here.
__all__ = [
    "METHODS",
    "RESULT_COLUMNS",
    "ScoreResult",
    "Tree",
    "_int_type",
    "child_weights",
    "compact_types",
    "composite_leaf_scores",
    "data_fingerprint",
    "prepare_raw",
    "rank_desc",
    "regenerate",
    "score",
]
