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
from collections.abc import Mapping
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

        Every problem is collected before raising, so a user fixes the table in one pass.

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
        problems: list[str] = []
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

        def number(col: str, row: int, raw: object) -> float:
            if raw is None or (isinstance(raw, str) and raw.strip() == ""):
                return float("nan")
            try:
                return float(raw)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                problems.append(f"row {row}: {col} must be a number, got {raw!r}")
                return float("nan")

        levels: list[int] = []
        directions: list[int] = []
        weights: list[float] = []
        numerics: dict[str, list[float]] = {c: [] for c in NUMERIC_COLUMNS}
        seen: dict[str, int] = {}
        for i, rec in enumerate(table.to_dict("records")):
            row = i + 2
            code = str(rec["code"])
            if not code:
                problems.append(f"row {row}: code is empty")
            elif code in seen:
                problems.append(f"row {row}: code {code!r} repeats row {seen[code]}")
            else:
                seen[code] = row
            lvl = number("level", row, rec["level"])
            if not np.isfinite(lvl) or lvl != int(lvl) or lvl < 0:
                problems.append(
                    f"row {row}: level must be a whole number >= 0, got {rec['level']!r}"
                )
                lvl = -1
            levels.append(int(lvl))
            d = number("direction", row, rec["direction"])
            if d not in (1.0, -1.0, 0.0):
                problems.append(
                    f"row {row}: direction must be 1, -1 or 0, got {rec['direction']!r}"
                )
                d = 1.0
            directions.append(int(d))
            w = number("weight", row, rec["weight"])
            if np.isnan(w):
                w = 1.0
            if w < 0:
                problems.append(f"row {row}: weight must be >= 0, got {w}")
            weights.append(w)
            for col in NUMERIC_COLUMNS:
                numerics[col].append(number(col, row, rec.get(col, "")))
            vt = str(rec["value_type"]).strip() or "number"
            if vt not in VALUE_TYPES:
                problems.append(
                    f"row {row}: value_type {vt!r} is not one of {', '.join(VALUE_TYPES)}"
                )
        table["level"] = levels
        table["direction"] = directions
        table["weight"] = weights
        for col in NUMERIC_COLUMNS:
            table[col] = numerics[col]
        table["value_type"] = table["value_type"].str.strip().replace("", "number")
        if "verified" in table.columns:
            table["verified"] = ~table["verified"].astype(str).str.strip().str.lower().isin(
                ("false", "0", "no")
            )
        else:
            table["verified"] = True
        if problems:
            raise FrameworkError(_format(name, problems))

        nodes = table.set_index("code", drop=False)
        level_of: dict[str, int] = {str(k): int(v) for k, v in nodes["level"].items()}
        children: dict[str, list[str]] = {c: [] for c in nodes.index}
        roots: list[str] = []
        for i, (code, parent) in enumerate(
            zip(map(str, nodes.index), nodes["parent"], strict=True)
        ):
            row = i + 2
            if not parent:
                roots.append(code)
                continue
            if parent not in level_of:
                hint = _did_you_mean(parent, list(level_of))
                problems.append(f"row {row}: parent {parent!r} of {code!r} is not a code{hint}")
                continue
            if level_of[parent] <= level_of[code]:
                problems.append(
                    f"row {row}: parent {parent!r} (level {level_of[parent]}) must sit above "
                    f"{code!r} (level {level_of[code]})"
                )
            if level_of[code] == 0 and level_of[parent] != 1:
                problems.append(f"row {row}: data point {code!r} must have a level-1 parent")
            children[parent].append(code)
        if len(roots) != 1:
            problems.append(
                f"the tree needs exactly one root (a node with no parent), found {len(roots)}: "
                f"{', '.join(roots[:5])}"
            )
        for code, lvl in level_of.items():
            if lvl >= 2 and not children[code]:
                problems.append(f"aggregate {code!r} (level {lvl}) has no children")
            two_sided = lvl == 1 and int(cast(int, nodes.at[code, "direction"])) == 0
            if (
                two_sided
                and not children[code]
                and not np.isfinite(float(cast(float, nodes.at[code, "target"])))
            ):
                problems.append(f"two-sided indicator {code!r} (direction 0) needs a target")
        if roots and len(roots) == 1 and level_of[roots[0]] != max(level_of.values()):
            problems.append(f"root {roots[0]!r} must have the highest level")
        if problems:
            raise FrameworkError(_format(name, problems))
        # A data point's label defaults to the part of its code after the KPI code.
        dp = (nodes["level"] == 0) & (nodes["data_point"] == "")
        nodes.loc[dp, "data_point"] = [c.split(":", 1)[-1] for c in nodes.index[dp]]
        measures = tuple(
            c for c in nodes.index if level_of[c] == 0 or (level_of[c] == 1 and not children[c])
        )
        root = roots[0]
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


def _did_you_mean(code: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(code, candidates, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _format(name: str, problems: list[str]) -> str:
    head = "\n".join(f"  {p}" for p in problems[:50])
    more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
    return f"framework '{name}' has {len(problems)} problem(s):\n{head}{more}"
