"""How alike two cities' contexts are: size, region, income, climate and language.

Peer selection (guidance in the reports, partner matchmaking) needs "cities like mine" before
it asks who performs well. The context of a city is a handful of facts the registry holds for
every city: population, UN M49 sub-region, the World Bank income group of its country,
latitude (a proxy for climate) and the languages of its country.

Each factor has a dissimilarity ``d_f >= 0`` in natural units:

``population``
    ``|log10(p_a) - log10(p_b)| / 2``: a hundredfold difference in population counts 1.
``region``
    0 in the same M49 sub-region, 1 otherwise (cities whose country has no M49 region, such
    as Kosovo's, form a group of their own).
``income_group``
    the distance on the ordered groups L < LM < UM < H divided by 3 (low against high counts 1);
    an unknown group sits in the middle (1.5 / 3 from the ends).
``climate``
    ``| |lat_a| - |lat_b| | / 30``: thirty degrees of latitude from the equator count 1.
``language``
    ``sqrt(1 - cos)``, with ``cos`` the cosine of the two language sets' indicator vectors
    (0 for the same languages, 1 for none in common).

The overall context distance is the weighted root mean square
``D = sqrt(sum_f w_f d_f^2 / sum_f w_f)`` and the context similarity is ``1 - min(D, 1)``;
the similarity of one factor, shown in explanations, is ``1 - min(d_f, 1)``.
:func:`context_embedding` maps each city to a vector such that the Euclidean distance between
two rows is exactly ``D``, so nearest-neighbour search over all cities is a matrix product.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

#: The context factors, in the order of :class:`ContextWeights`.
FACTORS: tuple[str, ...] = ("population", "region", "income_group", "climate", "language")

#: The columns :func:`context_embedding` and friends read from a contexts frame.
CONTEXT_COLUMNS: tuple[str, ...] = (
    "population",
    "region",
    "income_group",
    "latitude",
    "languages",
)

#: World Bank income groups in order, and their position on a 0-3 scale.
INCOME_ORDER: dict[str, float] = {"L": 0.0, "LM": 1.0, "UM": 2.0, "H": 3.0}

#: Readable names of the factors, for explanations.
FACTOR_LABELS: dict[str, str] = {
    "population": "population size",
    "region": "world region",
    "income_group": "country income group",
    "climate": "latitude (climate)",
    "language": "language",
}

_POPULATION_UNIT = 2.0  # log10 units: a factor of 100
_LATITUDE_UNIT = 30.0  # degrees
_MIN_POPULATION = 1_000.0  # below this, sizes are not told apart


@dataclass(frozen=True)
class ContextWeights:
    """Relative weights of the context factors (non-negative, not all zero)."""

    population: float = 1.0
    region: float = 1.0
    income_group: float = 1.0
    climate: float = 0.5
    language: float = 0.5

    def __post_init__(self) -> None:
        values = self.as_dict().values()
        if any(not np.isfinite(v) or v < 0 for v in values) or sum(values) <= 0:
            raise ValueError("context weights must be finite, non-negative and not all zero")

    def as_dict(self) -> dict[str, float]:
        """The weights by factor name."""
        return {k: float(v) for k, v in asdict(self).items()}


def _check(contexts: pd.DataFrame) -> None:
    missing = [c for c in CONTEXT_COLUMNS if c not in contexts.columns]
    if missing:
        raise ValueError(f"the contexts frame lacks the columns {missing}")


def _languages(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        parts: Iterable[object] = value.replace(";", ",").split(",")
    elif isinstance(value, Iterable):
        parts = value
    else:
        return ()
    seen: dict[str, None] = {}
    for part in parts:
        code = str(part).strip().lower().split("-")[0]
        if code:
            seen[code] = None
    return tuple(seen)


def _blocks(contexts: pd.DataFrame) -> dict[str, npt.NDArray[np.float64]]:
    """One unweighted block per factor: rows whose Euclidean distances are the ``d_f``."""
    _check(contexts)
    n = len(contexts)
    population = pd.to_numeric(contexts["population"], errors="coerce").to_numpy(float)
    population = np.where(np.isfinite(population), population, _MIN_POPULATION)
    pop_block = (np.log10(np.maximum(population, _MIN_POPULATION)) / _POPULATION_UNIT)[:, None]

    # A missing region counts as a region of its own ("unclassified", a few territories):
    # exact in a Euclidean embedding with one column per region.
    region_codes, known = pd.factorize(contexts["region"].fillna("").astype(str), sort=True)
    region_block = np.zeros((n, len(known)), dtype=float)
    region_block[np.arange(n), region_codes] = np.sqrt(0.5)

    income = contexts["income_group"].map(lambda g: INCOME_ORDER.get(str(g), 1.5))
    income_block = (income.to_numpy(float) / 3.0)[:, None]

    latitude = pd.to_numeric(contexts["latitude"], errors="coerce").to_numpy(float)
    latitude = np.where(np.isfinite(latitude), np.abs(latitude), 0.0)
    climate_block = (latitude / _LATITUDE_UNIT)[:, None]

    languages = [_languages(v) for v in contexts["languages"]]
    vocabulary = sorted({code for codes in languages for code in codes})
    position = {code: i for i, code in enumerate(vocabulary)}
    language_block = np.zeros((n, max(len(vocabulary), 1)), dtype=float)
    for row, codes in enumerate(languages):
        if codes:
            language_block[row, [position[c] for c in codes]] = np.sqrt(0.5 / len(codes))
    return {
        "population": pop_block,
        "region": region_block,
        "income_group": income_block,
        "climate": climate_block,
        "language": language_block,
    }


def context_embedding(
    contexts: pd.DataFrame, weights: ContextWeights | None = None
) -> npt.NDArray[np.float64]:
    """One row per city (in the order of ``contexts``) such that the Euclidean distance between
    two rows is their context distance ``D`` (see the module docstring).

    Parameters
    ----------
    contexts
        One row per city with the columns of :data:`CONTEXT_COLUMNS`.
    weights
        Factor weights; the defaults of :class:`ContextWeights` when omitted.

    Returns
    -------
    numpy.ndarray
        A ``(len(contexts), m)`` float array.
    """
    w = (weights or ContextWeights()).as_dict()
    total = sum(w.values())
    blocks = _blocks(contexts)
    return np.hstack([blocks[f] * np.sqrt(w[f] / total) for f in FACTORS])


def _factor_distances(
    contexts: pd.DataFrame, city_id: object, candidates: Sequence[object] | pd.Index | None
) -> tuple[pd.Index, npt.NDArray[np.float64]]:
    """The candidates' ids and their ``d_f`` (one column per factor of :data:`FACTORS`)."""
    if city_id not in contexts.index:
        raise KeyError(f"city {city_id!r} is not in the contexts frame")
    ids = contexts.index if candidates is None else pd.Index(candidates)
    positions = contexts.index.get_indexer(ids)
    if (positions < 0).any():
        unknown = list(ids[positions < 0][:5])
        raise KeyError(f"candidates not in the contexts frame: {unknown}")
    me = contexts.index.get_loc(city_id)
    if not isinstance(me, int):
        raise KeyError(f"city {city_id!r} appears more than once in the contexts frame")
    # Only the rows compared are embedded: distances do not depend on the other rows.
    blocks = _blocks(contexts.iloc[np.concatenate([[me], positions])])
    distances = np.column_stack(
        [np.sqrt(((blocks[f][1:] - blocks[f][0]) ** 2).sum(axis=1)) for f in FACTORS]
    )
    return ids, distances


def similarity(distance: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The one similarity of a context distance: ``1 - min(d, 1)``, in [0, 1].

    Used for the overall distance ``D`` and for each factor's ``d_f`` alike, by the context
    functions here, the matchmaker (:mod:`citydiplomacy.core.peers`) and the forum pairing.
    """
    out: npt.NDArray[np.float64] = 1.0 - np.minimum(np.asarray(distance, dtype=np.float64), 1.0)
    return out


def context_factors(
    contexts: pd.DataFrame,
    city_id: object,
    candidates: Sequence[object] | pd.Index | None = None,
) -> pd.DataFrame:
    """Each candidate's similarity to ``city_id`` factor by factor, for explanations.

    Returns
    -------
    pandas.DataFrame
        Indexed by candidate id; one column per factor of :data:`FACTORS` with the factor's
        similarity ``1 - min(d_f, 1)`` in [0, 1], and one ``<factor>_distance`` column per
        factor with ``d_f`` itself (so that :func:`context_similarity` can be recomputed).
    """
    ids, d = _factor_distances(contexts, city_id, candidates)
    columns: dict[str, npt.NDArray[np.float64]] = {
        f: similarity(d[:, i]) for i, f in enumerate(FACTORS)
    }
    columns.update({f"{f}_distance": d[:, i] for i, f in enumerate(FACTORS)})
    return pd.DataFrame(columns, index=ids)


def context_similarity(
    contexts: pd.DataFrame,
    city_id: object,
    weights: ContextWeights | None = None,
    candidates: Sequence[object] | pd.Index | None = None,
) -> pd.Series:
    """Each candidate's context similarity to ``city_id``: ``1 - min(D, 1)`` in [0, 1].

    Parameters
    ----------
    contexts
        One row per city (index = city id) with the columns of :data:`CONTEXT_COLUMNS`.
    city_id
        The city the others are compared with.
    weights
        Factor weights; the defaults of :class:`ContextWeights` when omitted.
    candidates
        Ids to score (all cities of ``contexts``, the city itself included, when omitted).
    """
    w = (weights or ContextWeights()).as_dict()
    total = sum(w.values())
    ids, d = _factor_distances(contexts, city_id, candidates)
    weights_row = np.array([w[f] for f in FACTORS]) / total
    distance = np.sqrt((d**2 * weights_row).sum(axis=1))
    return pd.Series(similarity(distance), index=ids, name="similarity")
