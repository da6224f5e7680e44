"""Indicator frameworks: the tree from data point and KPI up to the index.

A framework is a table in the style of COINr's ``iMeta``: one row per node with the columns
``code, name, level, parent, direction, weight`` and optional metadata (unit, target and its
source, SDSN bounds and thresholds, plausibility range...).

Levels
    ``0``  data point of a multi-part KPI (e.g. 3G and 4G coverage); optional
    ``1``  indicator (a KPI)
    ``2+`` aggregates (category, sub-dimension, dimension, index)

The *measures* of a framework are the columns a city's data fills: every level-0 data point,
and every level-1 indicator that has no data points.

Direction is ``1`` (higher is better), ``-1`` (lower is better) or ``0`` (two-sided: the closer
to ``target`` the better; an extension of iMeta for KPIs such as the gender pay ratio).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from citydiplomacy.errors import FrameworkError

REQUIRED_COLUMNS = ("code", "name", "level", "parent", "direction", "weight")
NUMERIC_COLUMNS = (
    "target",
    "lower_bound",
    "optimum",
    "green_threshold",
    "red_threshold",
    "plausible_min",
    "plausible_max",
)
TEXT_COLUMNS = (
    "unit",
    "unit_key",
    "value_type",
    "target_source",
    "plausible_source",
    "data_point",
    "core_or_advanced",
    "kpi_type",
    "sdg",
    "definition",
    "unverified",
    "notes",
)
VALUE_TYPES = ("number", "percent", "rate", "count", "quantity", "ratio", "coefficient", "yesno")


@dataclass(frozen=True)
class FrameworkTree:
    """A framework's tree as plain dicts keyed by node code, for code that walks it node by
    node (pages, reports): a dict look-up costs far less than a DataFrame's ``.at``.

    Text attributes are ``''`` where the framework gives nothing. ``label`` is a data point's
    own label (``3G``), else the node's name.
    """

    root: str
    name: Mapping[str, str]
    label: Mapping[str, str]
    level: Mapping[str, int]
    parent: Mapping[str, str]
    children: Mapping[str, tuple[str, ...]]
    unit: Mapping[str, str]
    definition: Mapping[str, str]
    sdg: Mapping[str, str]
    core: frozenset[str]
    yesno: frozenset[str]

    def under(self, code: str, level: int) -> list[str]:
        """Descendants of ``code`` at ``level``, in framework order."""
        out: list[str] = []
        for child in self.children.get(code, ()):
            if self.level[child] == level:
                out.append(child)
            elif self.level[child] > level:
                out.extend(self.under(child, level))
        return out


@dataclass(frozen=True, eq=False)
class Framework:
    """An indicator tree with per-node metadata.

    Build one with :meth:`from_table`; the constructor trusts its input.

    Attributes
    ----------
    name
        Short identifier (``u4ssc``).
    title
        Human-readable title.
    nodes
        One row per node, indexed by ``code``, in table order; every column of
        :data:`REQUIRED_COLUMNS`, :data:`NUMERIC_COLUMNS` and :data:`TEXT_COLUMNS`, plus
        ``verified`` (bool) and any extra column of the source table.
    """

    name: str
    title: str
    nodes: pd.DataFrame
    children: Mapping[str, tuple[str, ...]] = field(repr=False)
    measures: tuple[str, ...] = field(repr=False)
    _columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    _trees: list[FrameworkTree] = field(default_factory=list, repr=False, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_table(cls, table: pd.DataFrame, name: str, title: str = "") -> Framework:
        """Check a framework table and build the tree.

        Every problem is collected before raising, so a user fixes the table in one pass. The
        checks run in two rounds: the cells of each row (:data:`ROW_CHECKS`, in column order),
        then, when every cell is sound, the tree the parent links make (:data:`TREE_CHECKS`).

        Parameters
        ----------
        table
            Framework table (see module docstring); all columns may be strings.
        name
            Short identifier of the framework.
        title
            Human-readable title; defaults to the root node's name.

        Raises
        ------
        FrameworkError
            Listing every problem, with the 1-based table row (header = row 1).
        """
        table = _with_columns(table, name)
        cells = _Cells()
        for i, rec in enumerate(table.to_dict("records")):
            for check in ROW_CHECKS:
                check(cells, i + 2, rec)
        cells.store(table)
        if cells.problems:
            raise FrameworkError(_format(name, cells.problems))

        nodes = table.set_index("code", drop=False)
        links = _Links.of(nodes)
        for tree_check in TREE_CHECKS:
            tree_check(links, nodes)
        if links.problems:
            raise FrameworkError(_format(name, links.problems))
        # A data point's label defaults to the part of its code after the KPI code.
        dp = (nodes["level"] == 0) & (nodes["data_point"] == "")
        nodes.loc[dp, "data_point"] = [c.split(":", 1)[-1] for c in nodes.index[dp]]
        level_of, children = links.level_of, links.children
        measures = tuple(
            c for c in nodes.index if level_of[c] == 0 or (level_of[c] == 1 and not children[c])
        )
        root = links.roots[0]
        return cls(
            name=name,
            title=title or str(nodes.at[root, "name"]),
            nodes=nodes,
            children={k: tuple(v) for k, v in children.items()},
            measures=measures,
        )

    # ------------------------------------------------------------------ queries
    @property
    def root(self) -> str:
        """Code of the index (the node without parent)."""
        return str(self.nodes.index[self.nodes["parent"] == ""][0])

    @property
    def kpis(self) -> tuple[str, ...]:
        """Level-1 indicator codes in table order."""
        return tuple(self.nodes.index[self.nodes["level"] == 1])

    @property
    def max_level(self) -> int:
        """Level of the root."""
        return int(self.nodes["level"].max())

    def tree(self) -> FrameworkTree:
        """The tree as plain dicts (built once per framework)."""
        if not self._trees:
            nodes = self.nodes

            def text(column: str) -> dict[str, str]:
                if column not in nodes.columns:
                    return {str(c): "" for c in nodes.index}
                return {
                    str(c): "" if v is None or v != v else str(v) for c, v in nodes[column].items()
                }

            name = text("name")
            parent = text("parent")
            children: dict[str, list[str]] = {}
            for code, up in parent.items():
                if up:
                    children.setdefault(up, []).append(code)
            self._trees.append(
                FrameworkTree(
                    root=self.root,
                    name=name,
                    label={c: dp or name[c] for c, dp in text("data_point").items()},
                    level={str(c): int(v) for c, v in nodes["level"].items()},
                    parent=parent,
                    children={c: tuple(kids) for c, kids in children.items()},
                    unit=text("unit"),
                    definition=text("definition"),
                    sdg=text("sdg"),
                    core=frozenset(c for c, v in text("core_or_advanced").items() if v == "core"),
                    yesno=frozenset(c for c, v in text("value_type").items() if v == "yesno"),
                )
            )
        return self._trees[0]

    def level(self, code: str) -> int:
        """Level of a node."""
        return int(cast(int, self.nodes.at[code, "level"]))

    def num(self, code: str, column: str) -> float:
        """A numeric metadata value of a node (NaN when empty)."""
        return float(cast(float, self.nodes.at[code, column]))

    def text(self, code: str, column: str) -> str:
        """A text metadata value of a node."""
        return str(self.nodes.at[code, column])

    def parent(self, code: str) -> str:
        """Parent code of a node ('' for the root)."""
        return str(self.nodes.at[code, "parent"])

    def kpi_of(self, measure: str) -> str:
        """The level-1 KPI a measure belongs to (itself for a KPI without data points)."""
        return measure if self.level(measure) == 1 else self.parent(measure)

    def aggregates(self) -> list[str]:
        """Nodes computed from children, deepest first (the order to aggregate in)."""
        position = {c: i for i, c in enumerate(self.nodes.index)}
        levels = self.nodes["level"].to_dict()
        inner = [c for c, ch in self.children.items() if ch]
        return sorted(inner, key=lambda c: (levels[c], position[c]))

    def measures_under(self, code: str) -> list[str]:
        """Every measure in the subtree of ``code`` (``code`` itself if it is a measure)."""
        out: list[str] = []
        stack = [code]
        while stack:
            c = stack.pop()
            kids = self.children[c]
            if not kids:
                out.append(c)
            else:
                stack.extend(reversed(kids))
        order = {m: i for i, m in enumerate(self.measures)}
        return sorted(out, key=order.__getitem__)

    def ancestors(self, code: str) -> list[str]:
        """Parents of ``code`` from the nearest up to the root."""
        out: list[str] = []
        p = self.parent(code)
        while p:
            out.append(p)
            p = self.parent(p)
        return out

    def data_points(self, kpi: str) -> dict[str, str]:
        """Data-point labels of a KPI (lower-cased) mapped to their measure codes."""
        return {
            str(self.nodes.at[c, "data_point"]).strip().lower(): c
            for c in self.children[kpi]
            if self.level(c) == 0
        }

    def suggest(self, code: str) -> str:
        """A ``"; did you mean 'X'?"`` hint for an unknown code, or ''."""
        return _did_you_mean(code, list(self.nodes.index))

    def closest(self, code: str) -> str | None:
        """The framework's code closest to an unknown ``code`` (what :meth:`suggest` names),
        or ``None`` when none is close."""
        return _closest(code, list(self.nodes.index))

    def column(self, name: str, codes: tuple[str, ...] | list[str] | None = None) -> np.ndarray:
        """Values of one metadata column for ``codes`` (default: the measures) as an array."""
        if codes is None:
            # The measures' metadata is read on every score: keep it (the frame never changes).
            if name not in self._columns:
                values = self.nodes.loc[list(self.measures), name].to_numpy()
                values.flags.writeable = False
                self._columns[name] = values
            return self._columns[name]
        return self.nodes.loc[list(codes), name].to_numpy()

    # ------------------------------------------------------------------ changes
    def with_targets(self, targets: Mapping[str, float], source: str) -> Framework:
        """A copy with user targets; each overridden target's source says so.

        Parameters
        ----------
        targets
            Measure or KPI code to target value.
        source
            Provenance to record (e.g. ``"user override"``).
        """
        unknown = [c for c in targets if c not in self.nodes.index]
        if unknown:
            raise FrameworkError(
                "unknown code(s) in target overrides: "
                + ", ".join(f"{c!r}{self.suggest(c)}" for c in unknown)
            )
        aggregates = [c for c in targets if self.level(c) > 1]
        if aggregates:
            raise FrameworkError(
                "targets belong to KPIs and data points, not to aggregates: "
                + ", ".join(aggregates)
            )
        odd = [c for c, v in targets.items() if not np.isfinite(float(v))]
        if odd:
            raise FrameworkError(f"targets must be finite numbers: {', '.join(odd)}")
        nodes = self.nodes.copy()
        for code, value in targets.items():
            nodes.at[code, "target"] = float(value)
            nodes.at[code, "target_source"] = source
        return Framework(self.name, self.title, nodes, self.children, self.measures)

    def to_table(self) -> pd.DataFrame:
        """The framework as a table (the inverse of :meth:`from_table`)."""
        return self.nodes.reset_index(drop=True)


# ---------------------------------------------------------------------- checks of a table
def _with_columns(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """A copy of ``table`` with lower-case headers, every text column, codes and parents
    stripped; a table without a required column is refused at once."""
    table = table.copy()
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise FrameworkError(
            f"framework '{name}' lacks column(s) {', '.join(missing)}; a framework table "
            f"needs {', '.join(REQUIRED_COLUMNS)}"
        )
    for col in TEXT_COLUMNS:
        if col not in table.columns:
            table[col] = ""
    table[list(TEXT_COLUMNS)] = table[list(TEXT_COLUMNS)].fillna("").astype(str)
    table["code"] = table["code"].fillna("").astype(str).str.strip()
    table["parent"] = table["parent"].fillna("").astype(str).str.strip()
    table["name"] = table["name"].fillna("").astype(str)
    return table


#: One row of the table, column name to cell.
_Record = Mapping[Hashable, object]


@dataclass
class _Cells:
    """What the row checks find: the parsed numeric columns, row by row, and the problems."""

    problems: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    directions: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    numerics: dict[str, list[float]] = field(
        default_factory=lambda: {c: [] for c in NUMERIC_COLUMNS}
    )
    #: code -> the row it first appears on
    seen: dict[str, int] = field(default_factory=dict)

    def number(self, col: str, row: int, raw: object) -> float:
        """``raw`` as a float (NaN when empty); a problem when it is not a number."""
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            return float("nan")
        try:
            return float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.problems.append(f"row {row}: {col} must be a number, got {raw!r}")
            return float("nan")

    def store(self, table: pd.DataFrame) -> None:
        """Write the parsed columns back into ``table`` (defaults where a cell was wrong)."""
        table["level"] = self.levels
        table["direction"] = self.directions
        table["weight"] = self.weights
        for col in NUMERIC_COLUMNS:
            table[col] = self.numerics[col]
        table["value_type"] = table["value_type"].str.strip().replace("", "number")
        if "verified" in table.columns:
            table["verified"] = ~table["verified"].astype(str).str.strip().str.lower().isin(
                ("false", "0", "no")
            )
        else:
            table["verified"] = True


def _check_code(cells: _Cells, row: int, rec: _Record) -> None:
    """A code is given, and given once."""
    code = str(rec["code"])
    if not code:
        cells.problems.append(f"row {row}: code is empty")
    elif code in cells.seen:
        cells.problems.append(f"row {row}: code {code!r} repeats row {cells.seen[code]}")
    else:
        cells.seen[code] = row


def _check_level(cells: _Cells, row: int, rec: _Record) -> None:
    """A level is a whole number, 0 or more (-1 stands in for a wrong one)."""
    lvl = cells.number("level", row, rec["level"])
    if not np.isfinite(lvl) or lvl != int(lvl) or lvl < 0:
        cells.problems.append(f"row {row}: level must be a whole number >= 0, got {rec['level']!r}")
        lvl = -1
    cells.levels.append(int(lvl))


def _check_direction(cells: _Cells, row: int, rec: _Record) -> None:
    """A direction is 1, -1 or 0 (1 stands in for a wrong one)."""
    d = cells.number("direction", row, rec["direction"])
    if d not in (1.0, -1.0, 0.0):
        cells.problems.append(f"row {row}: direction must be 1, -1 or 0, got {rec['direction']!r}")
        d = 1.0
    cells.directions.append(int(d))


def _check_weight(cells: _Cells, row: int, rec: _Record) -> None:
    """A weight is 0 or more; an empty one is 1."""
    w = cells.number("weight", row, rec["weight"])
    if np.isnan(w):
        w = 1.0
    if w < 0:
        cells.problems.append(f"row {row}: weight must be >= 0, got {w}")
    cells.weights.append(w)


def _check_numerics(cells: _Cells, row: int, rec: _Record) -> None:
    """Targets, bounds, thresholds and plausible ranges are numbers where given."""
    for col in NUMERIC_COLUMNS:
        cells.numerics[col].append(cells.number(col, row, rec.get(col, "")))


def _check_value_type(cells: _Cells, row: int, rec: _Record) -> None:
    """A value type is one of :data:`VALUE_TYPES` (empty: ``number``)."""
    vt = str(rec["value_type"]).strip() or "number"
    if vt not in VALUE_TYPES:
        cells.problems.append(
            f"row {row}: value_type {vt!r} is not one of {', '.join(VALUE_TYPES)}"
        )


#: The checks of one row's cells, in the order of the problems they report.
ROW_CHECKS: tuple[Callable[[_Cells, int, _Record], None], ...] = (
    _check_code,
    _check_level,
    _check_direction,
    _check_weight,
    _check_numerics,
    _check_value_type,
)


@dataclass
class _Links:
    """The tree the parent links make, and the problems found in it."""

    level_of: dict[str, int]
    children: dict[str, list[str]]
    roots: list[str]
    problems: list[str]

    @classmethod
    def of(cls, nodes: pd.DataFrame) -> _Links:
        """Follow every parent link, in table order; a link that breaks a rule is reported
        (and a parent that is no code left out of the tree)."""
        level_of: dict[str, int] = {str(k): int(v) for k, v in nodes["level"].items()}
        links = cls(level_of, {c: [] for c in nodes.index}, [], [])
        for i, (code, parent) in enumerate(
            zip(map(str, nodes.index), nodes["parent"], strict=True)
        ):
            links.link(i + 2, code, parent)
        return links

    def link(self, row: int, code: str, parent: str) -> None:
        """Hang ``code`` under ``parent`` (a root when there is none)."""
        if not parent:
            self.roots.append(code)
            return
        level_of = self.level_of
        if parent not in level_of:
            hint = _did_you_mean(parent, list(level_of))
            self.problems.append(f"row {row}: parent {parent!r} of {code!r} is not a code{hint}")
            return
        if level_of[parent] <= level_of[code]:
            self.problems.append(
                f"row {row}: parent {parent!r} (level {level_of[parent]}) must sit above "
                f"{code!r} (level {level_of[code]})"
            )
        if level_of[code] == 0 and level_of[parent] != 1:
            self.problems.append(f"row {row}: data point {code!r} must have a level-1 parent")
        self.children[parent].append(code)


def _check_one_root(links: _Links, nodes: pd.DataFrame) -> None:
    """The tree has exactly one root."""
    roots = links.roots
    if len(roots) != 1:
        links.problems.append(
            f"the tree needs exactly one root (a node with no parent), found {len(roots)}: "
            f"{', '.join(roots[:5])}"
        )


def _check_nodes(links: _Links, nodes: pd.DataFrame) -> None:
    """Node by node: an aggregate has children; a two-sided KPI without data points has a
    target to be near."""
    for code, lvl in links.level_of.items():
        if lvl >= 2 and not links.children[code]:
            links.problems.append(f"aggregate {code!r} (level {lvl}) has no children")
        two_sided = lvl == 1 and int(cast(int, nodes.at[code, "direction"])) == 0
        if (
            two_sided
            and not links.children[code]
            and not np.isfinite(float(cast(float, nodes.at[code, "target"])))
        ):
            links.problems.append(f"two-sided indicator {code!r} (direction 0) needs a target")


def _check_root_level(links: _Links, nodes: pd.DataFrame) -> None:
    """The root sits at the highest level."""
    roots, level_of = links.roots, links.level_of
    if roots and len(roots) == 1 and level_of[roots[0]] != max(level_of.values()):
        links.problems.append(f"root {roots[0]!r} must have the highest level")


#: The checks of the tree, after the links are followed, in the order of their problems.
TREE_CHECKS: tuple[Callable[[_Links, pd.DataFrame], None], ...] = (
    _check_one_root,
    _check_nodes,
    _check_root_level,
)


def _closest(code: str, candidates: list[str]) -> str | None:
    close = difflib.get_close_matches(code, candidates, n=1, cutoff=0.6)
    return str(close[0]) if close else None


def _did_you_mean(code: str, candidates: list[str]) -> str:
    close = _closest(code, candidates)
    return f"; did you mean {close!r}?" if close else ""


def _format(name: str, problems: list[str]) -> str:
    head = "\n".join(f"  {p}" for p in problems[:50])
    more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
    return f"framework '{name}' has {len(problems)} problem(s):\n{head}{more}"
