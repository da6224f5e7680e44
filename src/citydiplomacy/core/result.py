"""What scoring returns: :class:`ScoreResult`, the framework as index arrays (:class:`Tree`),
and the helpers every method shares (ranks, the data fingerprint, compact column types).

The methods themselves live in :mod:`citydiplomacy.core.methods`, one module each;
:func:`citydiplomacy.core.score.score` picks one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.normalise import rank_min
from citydiplomacy.core.panel import ProgressBasis, change_since_previous
from citydiplomacy.core.spec import Spec

RESULT_COLUMNS = (
    "city",
    "country",
    "year",
    "level",
    "code",
    "value",
    "score",
    "points",
    "band",
    "rank",
)


@dataclass(frozen=True, eq=False)
class Tree:
    """A framework as index arrays: measures first, then aggregates deepest first.

    Attributes
    ----------
    codes
        Node codes; positions ``[0, n_measures)`` are the measures.
    levels
        Level of each node.
    children
        For each aggregate (in order), positions of its children in ``codes``.
    weights
        Framework weight of each node.
    membership
        ``(n_measures, n_aggregates)``: True where a measure lies under an aggregate.
    """

    codes: tuple[str, ...]
    levels: NDArray[np.int64]
    n_measures: int
    children: tuple[NDArray[np.intp], ...]
    weights: NDArray[np.float64]
    membership: NDArray[np.bool_]

    @classmethod
    def from_framework(cls, framework: Framework) -> Tree:
        """Index arrays for a framework (cached: a tree depends only on the structure)."""
        return _tree_of(framework.name, framework.children, framework)

    @classmethod
    def build(cls, framework: Framework) -> Tree:
        """Index arrays for a framework, built afresh."""
        aggregates = framework.aggregates()
        codes = tuple(framework.measures) + tuple(aggregates)
        pos = {c: i for i, c in enumerate(codes)}
        children = tuple(
            np.asarray([pos[c] for c in framework.children[a]], dtype=np.intp) for a in aggregates
        )
        membership = np.zeros((len(framework.measures), len(aggregates)), dtype=bool)
        mpos = {c: i for i, c in enumerate(framework.measures)}
        for j, a in enumerate(aggregates):
            for m in framework.measures_under(a):
                membership[mpos[m], j] = True
        levels = framework.nodes.loc[list(codes), "level"].to_numpy(dtype=np.int64)
        weights = framework.nodes.loc[list(codes), "weight"].to_numpy(dtype=np.float64)
        return cls(codes, levels, len(framework.measures), children, weights, membership)

    @property
    def aggregate_positions(self) -> range:
        """Positions of the aggregates in :attr:`codes`."""
        return range(self.n_measures, len(self.codes))


_TREES: dict[tuple[str, int], tuple[object, Tree]] = {}


def _tree_of(name: str, children: object, framework: Framework) -> Tree:
    # Copies made by Framework.with_targets share the children mapping, hence its id; the
    # cache holds the mapping itself, so the id cannot be reused while the entry lives.
    key = (name, id(children))
    hit = _TREES.get(key)
    if hit is not None and hit[0] is children:
        return hit[1]
    if len(_TREES) > 64:
        _TREES.clear()
    tree = Tree.build(framework)
    _TREES[key] = (children, tree)
    return tree


@dataclass(eq=False)
class ScoreResult:
    """Scores of every city, year and framework node, and how they were made.

    Arrays have shape ``(n_years, n_units, n_nodes)`` with nodes in :attr:`Tree.codes` order.
    The SDSN and composite methods give no points: their ``points`` and ``max_points`` are a
    read-only NaN broadcast to that shape (a view, no memory).
    """

    framework: Framework
    panel: Panel
    spec: Spec
    tree: Tree
    targets: pd.DataFrame
    scores: NDArray[np.float64]
    points: NDArray[np.float64]
    max_points: NDArray[np.float64]
    band_codes: NDArray[np.int8]
    band_labels: tuple[str, ...]
    trends: NDArray[np.object_] | None = None
    details: dict[str, Any] = field(default_factory=dict)
    _ranks: NDArray[np.float64] | None = field(default=None, repr=False)
    _values: NDArray[np.float64] | None = field(default=None, repr=False)
    _change: NDArray[np.float64] | None = field(default=None, repr=False)
    _progress: NDArray[np.float64] | None = field(default=None, repr=False)

    @property
    def bands(self) -> NDArray[np.object_]:
        """Band label (U4SSC) or colour (SDSN) of every city, year and node; '' if none."""
        return np.asarray(self.band_labels, dtype=object)[self.band_codes]

    @property
    def ranks(self) -> NDArray[np.float64]:
        """Rank of every city per year and node (1 = best, ties share the best rank).

        Computed on first use: ranking is a sort, the costliest step of a one-year score.
        """
        if self._ranks is None:
            self._ranks = rank_desc(self.scores)
        return self._ranks

    # Values, change and progress are derived from the panel and the scores. Each is a whole
    # array the size of the scores, built on first use: a large cohort's table is written a
    # year at a time (see :meth:`columns`) without any of them.

    @property
    def values(self) -> NDArray[np.float64]:
        """Raw value of every city, year and node: NaN for aggregates and unreported measures."""
        if self._values is None:
            self._values = self._year_values(np.arange(len(self.panel.years)))
        return self._values

    @property
    def change(self) -> NDArray[np.float64]:
        """Score minus the most recent earlier score (see :func:`change_since_previous`)."""
        if self._change is None:
            self._change = change_since_previous(self.scores)
        return self._change

    @property
    def progress(self) -> NDArray[np.float64]:
        """Share of the gap to target closed since the first reported year (measures only;
        NaN for aggregates), see :func:`progress_to_target`."""
        if self._progress is None:
            self._progress = self._year_progress(np.arange(len(self.panel.years)))
        return self._progress

    def _year_values(self, year_idx: NDArray[np.intp]) -> NDArray[np.float64]:
        """:attr:`values` of the years at positions ``year_idx``."""
        n = self.tree.n_measures
        out = np.empty((len(year_idx), *self.scores.shape[1:]))
        out[..., :n] = self.panel.values[year_idx]
        out[..., n:] = np.nan
        return out

    def _year_change(self, year_idx: NDArray[np.intp]) -> NDArray[np.float64]:
        """:attr:`change` of the years at positions ``year_idx``.

        The most recent score of every city and node is carried from one call to the next, so
        writing the years in order reads each year's scores once, as the whole array would.
        """
        s = self.scores
        out = np.empty((len(year_idx), *s.shape[1:]))
        for row, k in enumerate(year_idx.tolist()):
            if k == 0:
                out[row] = np.nan
                continue
            # (t, last): the latest score of every city and node over years 0..t-1. Taken
            # out while it is updated in place, so that a concurrent call starts afresh.
            carry = self.details.pop("_change_carry", None)
            t, last = carry if carry is not None and carry[0] <= k else (1, s[0].copy())
            for j in range(t, k):
                np.copyto(last, s[j], where=~np.isnan(s[j]))
            np.subtract(s[k], last, out=out[row])
            np.copyto(last, s[k], where=~np.isnan(s[k]))
            self.details["_change_carry"] = (k + 1, last)
        return out

    def _year_progress(self, year_idx: NDArray[np.intp]) -> NDArray[np.float64]:
        """:attr:`progress` of the years at positions ``year_idx``."""
        basis = self.details.get("_progress_basis")
        if basis is None:
            basis = ProgressBasis.of(
                self.panel.values,
                self.targets["target"].to_numpy(dtype=np.float64),
                self.framework.column("direction").astype(np.int64),
            )
            self.details["_progress_basis"] = basis
        n = self.tree.n_measures
        out = np.empty((len(year_idx), *self.scores.shape[1:]))
        out[..., n:] = np.nan
        for row, k in enumerate(year_idx.tolist()):
            basis.year(k, self.panel.values[k], out=out[row, :, :n])
        return out

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the data scored (units, years, values), to check a regeneration."""
        return data_fingerprint(self.panel)

    def provenance(self) -> dict[str, Any]:
        """What regenerates this result: framework, spec, data fingerprint."""
        return {
            "framework": self.framework.name,
            "spec": self.spec.to_data(),
            "data_fingerprint": self.fingerprint,
            "years": list(self.panel.years),
            "n_units": len(self.panel.units),
        }

    def table(
        self, *, keep_empty: bool = False, years: Sequence[int] | None = None
    ) -> pd.DataFrame:
        """The long result table, one row per city, year and node.

        Parameters
        ----------
        keep_empty
            Keep rows with neither a value nor a score (unreported measures).
        years
            Only these years (default: all); writing a large result year by year keeps
            memory flat.
        """
        return pd.DataFrame(self.columns(keep_empty=keep_empty, years=years))

    def columns(
        self,
        *,
        keep_empty: bool = False,
        years: Sequence[int] | None = None,
        levels: Sequence[int] | None = None,
        compact: bool = False,
    ) -> dict[str, Any]:
        """The columns of :meth:`table`, as arrays (numpy, categoricals, nullable integers).

        Writers turn them into Arrow or Parquet directly: no data frame in between. When every
        row of a year is kept, the number columns are views of the result's arrays (no copy).

        Parameters
        ----------
        keep_empty, years
            As for :meth:`table`.
        levels
            Only nodes of these framework levels (default: all).
        compact
            Whole-number columns in the smallest integer type that holds them (see
            :func:`compact_types`): ``year`` int16, ``level`` int8, ``points`` and
            ``max_points`` nullable Int16, ``rank`` and ``geonames_id`` nullable Int32,
            instead of int64 and float64. The Arrow and Parquet outputs use them: a third
            fewer bytes to write. The numbers are the same; only their type differs.
        """
        n_y = len(self.panel.years)
        if years is None:
            sel: slice | NDArray[np.intp] = slice(0, n_y)
            year_idx = np.arange(n_y)
        else:
            year_idx = np.asarray([self.panel.year_index(y) for y in years], dtype=np.intp)
            contiguous = len(year_idx) > 0 and bool(
                np.array_equal(year_idx, np.arange(year_idx[0], year_idx[0] + len(year_idx)))
            )
            sel = slice(int(year_idx[0]), int(year_idx[-1]) + 1) if contiguous else year_idx
        n_sel = len(year_idx)
        _, n_u, n_n = self.scores.shape
        per_year = n_u * n_n
        meta = self._table_meta()

        def flat(arr: NDArray[Any]) -> NDArray[Any]:
            return arr[sel].reshape(-1)  # a view when ``sel`` is a slice

        def derived(
            built: NDArray[np.float64] | None,
            whole: Callable[[], NDArray[np.float64]],
            by_year: Callable[[NDArray[np.intp]], NDArray[np.float64]],
        ) -> NDArray[np.float64]:
            # Values, change, progress: from the whole array when it is built or all years are
            # asked for, else computed for the years asked (no whole-panel array).
            if built is not None or years is None:
                return flat(whole())
            return by_year(year_idx).reshape(-1)

        values = derived(self._values, lambda: self.values, self._year_values)

        node_ok: NDArray[np.bool_] | None = None
        if levels is not None:
            node_ok = np.isin(self.tree.levels, np.asarray(list(levels), dtype=np.int64))
        keep: NDArray[np.intp] | None = None  # None = every row of the selected years
        if not keep_empty or node_ok is not None:
            mask = np.ones(n_sel * per_year, dtype=bool)
            if not keep_empty:
                np.logical_not(np.isnan(values), out=mask)
                mask |= ~np.isnan(flat(self.scores))
            if node_ok is not None:
                mask.reshape(-1, n_n)[:, ~node_ok] = False
            if not mask.all():
                keep = np.flatnonzero(mask)
            del mask

        def pick(arr: NDArray[Any]) -> NDArray[Any]:
            values = flat(arr)
            return values if keep is None else values[keep]

        types = compact_types(self) if compact else _WIDE_TYPES
        years_arr = np.asarray(self.panel.years, dtype=types["year"])[year_idx]
        if keep is None:
            # Every row kept: per-unit and per-node columns repeat the same pattern each year.
            unit_of, node_of = meta["unit_of"], meta["node_of"]
            if n_sel != 1:
                unit_of, node_of = np.tile(unit_of, n_sel), np.tile(node_of, n_sel)
            year_col = np.repeat(years_arr, per_year)
        else:
            yi, rest = np.divmod(keep, per_year)
            unit_of, node_of = np.divmod(rest, n_n)
            year_col = years_arr[yi]
        ranks: Any
        if self._ranks is not None or years is None:
            ranks = pick(self.ranks)
        else:
            # Ranks are per year: rank only the years asked for, without keeping them.
            ranks = rank_desc(self.scores[sel]).reshape(-1)
            ranks = ranks if keep is None else ranks[keep]
        if keep is None and n_sel == 1:
            # Labels of every row of one year: the same for each year, built once.
            key = "year_labels_compact" if compact else "year_labels"
            if key not in meta:
                meta[key] = self._labels(meta, unit_of, node_of, types)
            labels = meta[key]
        else:
            labels = self._labels(meta, unit_of, node_of, types)
        points: Any = pick(self.points)
        max_points: Any = pick(self.max_points)
        if compact:
            points = _whole_numbers(points, types["points"])
            max_points = _whole_numbers(max_points, types["points"])
            ranks = _whole_numbers(ranks, types["rank"])
        out: dict[str, Any] = {
            "city": labels["city"],
            "country": labels["country"],
            "year": year_col,
            "level": labels["level"],
            "code": labels["code"],
            "value": values if keep is None else values[keep],
            "score": pick(self.scores),
            "points": points,
            "band": pd.Categorical.from_codes(pick(self.band_codes), categories=meta["band_cats"]),
            "rank": ranks,
            "name": labels["name"],
            "max_points": max_points,
        }
        if "geonames_id" in labels:
            out["geonames_id"] = labels["geonames_id"]
        if self.trends is not None:
            out["trend"] = pd.Categorical.from_codes(
                pick(meta["trend_codes"]), categories=meta["trend_cats"]
            )
        change = derived(self._change, lambda: self.change, self._year_change)
        out["change"] = change if keep is None else change[keep]
        progress = derived(self._progress, lambda: self.progress, self._year_progress)
        out["progress"] = progress if keep is None else progress[keep]
        out["target"] = labels["target"]
        out["target_source"] = labels["target_source"]
        return out

    def _labels(
        self,
        meta: dict[str, Any],
        unit_of: NDArray[np.intp],
        node_of: NDArray[np.intp],
        types: dict[str, str],
    ) -> dict[str, Any]:
        """The columns of :meth:`columns` that depend only on each row's unit and node."""
        labels: dict[str, Any] = {
            "city": pd.Categorical.from_codes(meta["city_codes"][unit_of], meta["city_cats"]),
            "country": pd.Categorical.from_codes(
                meta["country_codes"][unit_of], meta["country_cats"]
            ),
            "level": self.tree.levels.astype(types["level"])[node_of],
            "code": pd.Categorical.from_codes(node_of, categories=meta["code_cats"]),
            "name": pd.Categorical.from_codes(meta["name_codes"][node_of], meta["name_cats"]),
            "target": meta["target"][node_of],
            "target_source": pd.Categorical.from_codes(
                meta["source_codes"][node_of], categories=meta["source_cats"]
            ),
        }
        if "geonames_id" in meta:
            ids = meta["geonames_id"]
            labels["geonames_id"] = ids.astype(types["geonames_id"].capitalize())[unit_of]
        return labels

    def _table_meta(self) -> dict[str, Any]:
        """Per-node and per-unit lookups shared by every slice of :meth:`table`."""
        cached = self.details.get("_table_meta")
        if cached is not None:
            return cast(dict[str, Any], cached)
        units = self.panel.units
        city = pd.Categorical(units["city"].astype(str))
        country = pd.Categorical(units["country"].astype(str))
        names = [str(x) for x in self.framework.nodes.loc[list(self.tree.codes), "name"]]
        name_cats = pd.Index(list(dict.fromkeys(names)))
        sources = [""] * len(self.tree.codes)
        sources[: self.tree.n_measures] = [str(x) for x in self.targets["target_source"]]
        source_cats = pd.Index(list(dict.fromkeys(sources)))
        target = np.full(len(self.tree.codes), np.nan)
        target[: self.tree.n_measures] = self.targets["target"].to_numpy(dtype=np.float64)
        n_u, n_n = len(units), len(self.tree.codes)
        # Labels become small integer codes once, so every yearly chunk shares one dictionary.
        meta: dict[str, Any] = {
            # unit and node of each row of a year where every row is kept
            "unit_of": np.repeat(np.arange(n_u, dtype=np.intp), n_n),
            "node_of": np.tile(np.arange(n_n, dtype=np.intp), n_u),
            "band_codes": self.band_codes,
            "band_cats": pd.Index(list(self.band_labels)),
            "city_codes": city.codes,
            "city_cats": city.categories,
            "country_codes": country.codes,
            "country_cats": country.categories,
            "code_cats": pd.Index(list(self.tree.codes)),
            "name_cats": name_cats,
            "name_codes": name_cats.get_indexer(pd.Index(names)),
            "source_cats": source_cats,
            "source_codes": source_cats.get_indexer(pd.Index(sources)),
            "target": target,
        }
        if "geonames_id" in units.columns:
            # The result's GeoNames ids are 64-bit, whatever width the data came in.
            meta["geonames_id"] = units["geonames_id"].astype("Int64").array
        if self.trends is not None:
            trend_codes, trend_cats = pd.factorize(self.trends.ravel())
            meta["trend_codes"] = trend_codes.astype(np.int8).reshape(self.trends.shape)
            meta["trend_cats"] = pd.Index(trend_cats)
        self.details["_table_meta"] = meta
        return meta


#: Types of the whole-number columns of :meth:`ScoreResult.columns` by default.
_WIDE_TYPES = {
    "year": "int64",
    "level": "int64",
    "points": "float64",
    "rank": "float64",
    "geonames_id": "int64",
}


def compact_types(result: ScoreResult) -> dict[str, str]:
    """The smallest integer types of a result's whole-number columns, as numpy type names.

    ``year`` int16 (validation keeps years within 1900-2100), ``level`` int8, ``points`` and
    ``max_points`` int16 (int32 for a framework of more than 8,191 measures: an aggregate's
    points are at most 4 per measure beneath it), ``rank`` int32, ``geonames_id`` int32
    (validation keeps GeoNames ids within 1 to 2**31 - 1). A wider type is chosen where the
    result's own numbers need it, so every chunk of one result has the same types.

    Points are whole numbers by construction (1-4 per measure, sums for aggregates; the
    other methods leave them empty), and ranks are counts.
    """
    years = np.asarray(result.panel.years, dtype=np.int64)
    levels = result.tree.levels
    units = result.panel.units
    ids = units["geonames_id"] if "geonames_id" in units.columns else pd.Series([], dtype=int)
    return {
        "year": _int_type(int(years.min(initial=0)), int(years.max(initial=0))),
        "level": _int_type(int(levels.min(initial=0)), int(levels.max(initial=0))),
        "points": _int_type(0, 4 * result.tree.n_measures, smallest=np.int16),
        "rank": _int_type(0, len(units), smallest=np.int32),
        "geonames_id": _int_type(
            int(ids.min(skipna=True)) if ids.notna().any() else 0,
            int(ids.max(skipna=True)) if ids.notna().any() else 0,
            smallest=np.int32,
        ),
    }


def _int_type(low: int, high: int, smallest: type[np.integer[Any]] = np.int8) -> str:
    """Name of the narrowest signed integer type from ``smallest`` up holding low..high."""
    for kind in (np.int8, np.int16, np.int32, np.int64):
        info = np.iinfo(kind)
        if info.bits >= np.iinfo(smallest).bits and info.min <= low and high <= info.max:
            return np.dtype(kind).name
    raise ValueError(f"no integer type holds {low}..{high}")


def _whole_numbers(values: NDArray[np.float64], kind: str) -> pd.api.extensions.ExtensionArray:
    """Whole numbers stored as floats (NaN = missing) as a nullable integer array."""
    missing = np.isnan(values)
    with np.errstate(invalid="ignore"):  # NaN has no integer value: masked, then zeroed
        data = values.astype(kind)
    data[missing] = 0
    return pd.arrays.IntegerArray(data, missing)


def data_fingerprint(panel: Panel) -> str:
    """SHA-256 over unit keys, years, measures and values of a panel."""
    h = hashlib.sha256()
    h.update("\x1f".join(panel.units["unit"].astype(str)).encode())
    h.update(np.asarray(panel.years, dtype=np.int64).tobytes())
    h.update("\x1f".join(panel.measures).encode())
    h.update(np.ascontiguousarray(panel.values).data.cast("B"))  # the bytes in place: no copy
    return h.hexdigest()


def rank_desc(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rank along the units axis (-2), best = 1, ties share the lowest rank; NaN stays NaN."""
    return rank_min(scores, descending=True)
