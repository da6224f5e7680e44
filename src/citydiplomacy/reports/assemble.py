"""Assemble the content of a Smart City Profile for one city and year from a :class:`Cohort`.

The result is plain data (numbers, codes, names; JSON-serialisable): the ``--format json``
output, and what the HTML template renders in the reader's language. Texts that depend on the
language (recommendations) are resolved here; everything else is formatted by the template.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from citydiplomacy.core.context import FACTORS, ContextWeights, context_similarity
from citydiplomacy.core.frameworks import FrameworkTree
from citydiplomacy.core.guidance import NodeStatus, RuleSet, recommend
from citydiplomacy.errors import DataError
from citydiplomacy.reports.model import Cohort, optional_int

#: Size of the peer group of the peer comparison (the most similar cities in context).
PEER_GROUP_SIZE = 10
#: Recommendations shown in a report (most urgent first).
MAX_GUIDANCE = 8
#: A value changing by more than this share since the previous year is flagged for checking.
LARGE_CHANGE = 0.5
LEVEL_KINDS = {0: "data point", 1: "KPI", 2: "category", 3: "sub-dimension", 4: "dimension"}


def _f(x: Any) -> float | None:
    """A finite float, or ``None``."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


class _View:
    """One city-year of a cohort: node look-ups."""

    def __init__(self, cohort: Cohort, u: int, t: int) -> None:
        self.c, self.u, self.t = cohort, u, t

    def score(self, code: str, t: int | None = None) -> float | None:
        if not self.c.has(code):
            return None
        return _f(self.c.scores[self.t if t is None else t, self.u, self.c.node(code)])

    def value(self, code: str) -> float | None:
        return _f(self.c.values[self.t, self.u, self.c.node(code)]) if self.c.has(code) else None

    def band(self, code: str) -> int:
        return int(self.c.bands[self.t, self.u, self.c.node(code)]) if self.c.has(code) else 0

    def change(self, code: str) -> float | None:
        return _f(self.c.change[self.t, self.u, self.c.node(code)]) if self.c.has(code) else None

    def progress(self, code: str) -> float | None:
        return _f(self.c.progress[self.t, self.u, self.c.node(code)]) if self.c.has(code) else None

    def trend(self, code: str) -> str:
        return str(self.c.trends[self.t, self.u, self.c.node(code)]) if self.c.has(code) else ""

    def reported(self, code: str) -> bool:
        return self.value(code) is not None or self.score(code) is not None


def _node(view: _View, meta: FrameworkTree, code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": meta.name[code],
        "level": meta.level[code],
        "score": view.score(code),
        "band": view.band(code),
        "change": view.change(code),
        "trend": view.trend(code),
    }


def _statuses(cohort: Cohort, key: str, year: int) -> dict[str, dict[str, Any]]:
    obs = cohort.observations
    rows = obs[(obs["unit"] == key) & (obs["year"] == year)]
    return {
        str(r["measure"]): {
            "source": str(r["source"] or ""),
            "verified": bool(r["verified"]),
            "synthetic": bool(r["synthetic"]),
        }
        for r in rows.to_dict("records")
    }


def _kpi_row(
    view: _View, meta: FrameworkTree, cohort: Cohort, code: str, statuses: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    target, target_source = cohort.targets.get(code, (None, ""))
    parts = [statuses[c] for c in [code, *meta.children.get(code, [])] if c in statuses]
    verified: bool | None = None
    if parts:
        flags = {p["verified"] for p in parts}
        verified = flags.pop() if len(flags) == 1 else None
    return {
        **_node(view, meta, code),
        "name": meta.label[code],
        "unit": meta.unit[code],
        "value": view.value(code),
        "yesno": code in meta.yesno,
        "target": target,
        "target_source": target_source,
        "core": code in meta.core,
        "reported": view.reported(code),
        "data_source": "; ".join(sorted({p["source"] for p in parts if p["source"]})),
        "status": (
            ""
            if not parts
            else "verified"
            if verified is True
            else "self_reported"
            if verified is False
            else "partly_verified"
        ),
        "synthetic": any(p["synthetic"] for p in parts),
        "sdg": meta.sdg[code],
    }


def _tree(
    view: _View, meta: FrameworkTree, cohort: Cohort, root: str, statuses: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    dims = []
    for dim in meta.under(root, 4) or [root]:
        subs = []
        for sub in meta.under(dim, 3) or [dim]:
            cats = []
            for cat in meta.under(sub, 2):
                rows = []
                for kpi in meta.under(cat, 1):
                    rows.append(_kpi_row(view, meta, cohort, kpi, statuses))
                    rows.extend(
                        {**_kpi_row(view, meta, cohort, dp, statuses), "is_data_point": True}
                        for dp in meta.children.get(kpi, [])
                        if view.reported(dp)
                    )
                cats.append({**_node(view, meta, cat), "kpis": rows})
            subs.append({**_node(view, meta, sub), "categories": cats})
        dims.append({**_node(view, meta, dim), "subdimensions": subs})
    return dims


def _performance(cohort: Cohort, t: int, code: str, units: Sequence[int]) -> pd.DataFrame:
    n = cohort.node(code)
    idx = list(units)
    return pd.DataFrame(
        {
            "score": cohort.scores[t, idx, n],
            "band": cohort.bands[t, idx, n].astype(int),
            "change": cohort.change[t, idx, n],
            "value": cohort.values[t, idx, n],
        },
        index=pd.Index([str(cohort.units.index[i]) for i in idx]),
    )


def _unit_name(cohort: Cohort, key: str) -> dict[str, Any]:
    row = cohort.units.loc[key]
    return {
        "key": key,
        "name": str(row["city"]),
        "country": str(row["country"]),
        "geonames_id": optional_int(row.get("geonames_id")),
    }


def build_report(
    cohort: Cohort,
    key: str,
    year: int | None = None,
    *,
    rules: RuleSet | None,
    lang: str = "en",
    weights: ContextWeights | None = None,
) -> dict[str, Any]:
    """The content of the profile of unit ``key`` in ``year`` (default: its latest).

    Parameters
    ----------
    cohort
        The scored cohort.
    key
        Unit key of the city.
    year
        Year of the profile; the city's latest visible year when omitted.
    rules
        Guidance rules (``None``: no recommendations, e.g. a framework without rules).
    lang
        Language of the recommendation texts.
    weights
        Context weights of the peer selection.

    Raises
    ------
    DataError
        When the city has no visible result in ``year``.
    """
    meta = cohort.framework.tree()
    u = cohort.unit(key)
    years = cohort.years_of(key)
    if not years:
        raise DataError(f"{cohort.units.at[key, 'city']!s} has no scored year to report on")
    if year is None:
        year = years[-1]
    if year not in years:
        raise DataError(
            f"{cohort.units.at[key, 'city']!s} has no profile for {year}; years with a profile: "
            + ", ".join(map(str, years))
        )
    t = cohort.year_index(year)
    view = _View(cohort, u, t)
    root = cohort.framework.root
    statuses = _statuses(cohort, key, year)
    all_kpis = meta.under(root, 1)
    reported_kpis = [k for k in all_kpis if view.reported(k)]
    categories = meta.under(root, 2)
    # U4SSC has 27 category nodes but 22 names: a shared name gets its sub-dimension's.
    names = [meta.name[c] for c in categories]
    label = {
        c: meta.name[c] if names.count(meta.name[c]) == 1 else
        f"{meta.name[c]} ({meta.name[meta.parent[c]]})"
        for c in categories
    }  # fmt: skip
    cat_nodes = [{**_node(view, meta, c), "name": label[c]} for c in categories]
    scored = [c for c in cat_nodes if c["score"] is not None]
    by_score = sorted(scored, key=lambda c: (-c["score"], c["code"]))
    changed = [c for c in scored if c["change"] is not None]
    previous = [y for y in years if y < year]

    # ---------------------------------------------------------------- peers and guidance
    present = [
        i
        for i in range(len(cohort.units))
        if cohort.visible[t, i] and not math.isnan(cohort.scores[t, i, cohort.node(root)])
    ]
    candidates = [str(cohort.units.index[i]) for i in present]
    similarity = (
        context_similarity(cohort.contexts, key, weights, candidates=candidates)
        if candidates and key in cohort.contexts.index
        else pd.Series(dtype=float)
    )
    peer_group = _peer_group(cohort, key, t, similarity, root)
    guidance: list[dict[str, Any]] = []
    if rules is not None:
        statuses_for_rules = {
            code: NodeStatus(
                code, view.band(code), view.trend(code), view.progress(code), view.score(code)
            )
            for code in {r.node for r in rules.rules}
            if cohort.has(code) and view.reported(code)
        }
        perf = {
            code: _performance(cohort, t, code, present) for code in statuses_for_rules if present
        }
        items = recommend(rules, statuses_for_rules, key, similarity, perf, limit=MAX_GUIDANCE)
        for g in items:
            code = g.rule.node
            guidance.append(
                {
                    "rule": g.rule.id,
                    "node": code,
                    "node_name": label.get(code, meta.label[code]),
                    "node_kind": LEVEL_KINDS.get(meta.level[code], ""),
                    "score": g.status.score,
                    "band": g.status.band,
                    "trend": g.status.trend,
                    "progress": g.status.progress,
                    "reasons": list(g.reasons),
                    "recommendations": [
                        {
                            "key": r.key,
                            "text": r.text_in(lang),
                            "sources": [s.to_data() for s in r.sources],
                        }
                        for r in g.rule.recommendations
                    ],
                    "peers": [
                        {**_unit_name(cohort, str(p.city_id)), **p.to_data()} for p in g.peers
                    ],
                    "unit": meta.unit[code] if meta.level[code] <= 1 else "",
                    "yesno": code in meta.yesno,
                }
            )

    # ---------------------------------------------------------------- gaps and warnings
    missing = [
        {"code": k, "name": meta.name[k], "category": meta.name[meta.parent[k]], "core": True}
        for k in all_kpis
        if k in meta.core and not view.reported(k)
    ] + [
        {"code": k, "name": meta.name[k], "category": meta.name[meta.parent[k]], "core": False}
        for k in all_kpis
        if k not in meta.core and not view.reported(k)
    ]
    warnings = _warnings(cohort, view, meta, statuses, previous, all_kpis)
    robust = cohort.robustness.get((key, year))
    synthetic = any(s["synthetic"] for s in statuses.values()) or bool(
        cohort.observations.loc[cohort.observations["unit"] == key, "synthetic"].any()
    )
    tree = _tree(view, meta, cohort, root, statuses)
    # Long citations (target sources, data sources) are listed once and referred to by number,
    # which keeps the KPI tables readable (and the PDF fast to lay out).
    target_sources: list[str] = []
    data_sources = {s["source"] for s in statuses.values() if s["source"]}
    common_source = data_sources.pop() if len(data_sources) == 1 else ""
    for dim in tree:
        for sub in dim["subdimensions"]:
            for cat in sub["categories"]:
                for row in cat["kpis"]:
                    src = row["target_source"] if row["target"] is not None else ""
                    if src and src not in target_sources:
                        target_sources.append(src)
                    row["target_ref"] = target_sources.index(src) + 1 if src else None
                    if common_source and row["data_source"] == common_source:
                        row["data_source"] = ""
    return {
        "city": _unit_name(cohort, key),
        "year": year,
        "years": years,
        "previous_year": previous[-1] if previous else None,
        "framework": {"name": cohort.framework.name, "title": cohort.framework.title},
        "method": cohort.method,
        "source_label": cohort.source_label,
        "synthetic": synthetic,
        "unpublished": False,
        "coverage": {
            "kpis_reported": len(reported_kpis),
            "kpis_total": len(all_kpis),
            "core_reported": sum(k in meta.core for k in reported_kpis),
            "core_total": sum(k in meta.core for k in all_kpis),
            "values": len(statuses),
            "verified": sum(s["verified"] for s in statuses.values()),
        },
        "index": _node(view, meta, root),
        "summary": {
            "strongest": by_score[:3],
            "weakest": by_score[::-1][:3],
            "improved": sorted((c for c in changed if c["change"] > 0), key=lambda c: -c["change"])[
                :3
            ],
            "declined": sorted((c for c in changed if c["change"] < 0), key=lambda c: c["change"])[
                :3
            ],
        },
        "categories": cat_nodes,
        "dimensions": tree,
        "target_sources": target_sources,
        "common_data_source": common_source,
        "trends": _trends(cohort, meta, u, years, root),
        "peers": peer_group,
        "gaps": {"missing": missing, "warnings": warnings},
        "guidance": guidance,
        "robustness": None
        if robust is None
        else {
            "rank": robust.rank,
            "low": robust.low,
            "median": robust.median,
            "high": robust.high,
            "n": robust.n,
        },
        "robustness_method": cohort.robustness_method,
        "targets": _target_summary(cohort, meta, all_kpis),
        "context_factors": list(FACTORS),
        "context_weights": (weights or ContextWeights()).as_dict(),
    }


def _peer_group(
    cohort: Cohort, key: str, t: int, similarity: pd.Series, root: str
) -> dict[str, Any]:
    n = cohort.node(root)
    sim = similarity.drop(labels=[key], errors="ignore")
    sim = sim.sort_values(ascending=False, kind="stable").head(PEER_GROUP_SIZE)
    members = []
    for other, s in sim.items():
        i = cohort.unit(str(other))
        members.append(
            {
                **_unit_name(cohort, str(other)),
                "similarity": float(s),
                "score": _f(cohort.scores[t, i, n]),
                "band": int(cohort.bands[t, i, n]),
            }
        )
    own = _f(cohort.scores[t, cohort.unit(key), n])
    scores = [m["score"] for m in members if m["score"] is not None]
    rank = None if own is None else 1 + sum(s > own for s in scores)
    for m in members:
        m["context"] = _context_of(cohort, m["key"])
    return {
        "members": members,
        "size": len(members),
        "rank": rank,
        "median": float(np.median(scores)) if scores else None,
        "best": max(scores) if scores else None,
        "context": _context_of(cohort, key),
    }


def _context_of(cohort: Cohort, key: str) -> dict[str, Any]:
    if key not in cohort.contexts.index:
        return {}
    row = cohort.contexts.loc[key]
    pop = _f(row.get("population"))
    return {
        "population": None if pop is None else int(pop),
        "region": _optional_text(row.get("region")),
        "income_group": _optional_text(row.get("income_group")),
    }


def _optional_text(value: object) -> str | None:
    """Text of a cell that may be missing (``None``, NaN or ``pd.NA``), or ``None``."""
    if value is None:
        return None
    try:
        missing = bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):  # a list-like cell: not a missing value
        missing = False
    return None if missing else str(value)


def _trends(
    cohort: Cohort, meta: FrameworkTree, u: int, years: list[int], root: str
) -> dict[str, Any]:
    codes = [root, *meta.under(root, 4), *meta.under(root, 3)]
    rows = []
    for code in codes:
        n = cohort.node(code)
        scores = [_f(cohort.scores[cohort.year_index(y), u, n]) for y in years]
        rows.append({"code": code, "name": meta.name[code], "level": meta.level[code],
                     "scores": scores})  # fmt: skip
    return {"years": years, "rows": rows}


def _warnings(
    cohort: Cohort,
    view: _View,
    meta: FrameworkTree,
    statuses: dict[str, dict[str, Any]],
    previous: list[int],
    all_kpis: list[str],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    synthetic = sum(s["synthetic"] for s in statuses.values())
    if synthetic:
        out.append({"kind": "synthetic", "count": synthetic, "items": []})
    unverified = [m for m, s in statuses.items() if not s["verified"]]
    if unverified:
        out.append({"kind": "self_reported", "count": len(unverified), "items": []})
    no_target = [
        k for k in all_kpis if view.reported(k) and cohort.targets.get(k, (None, ""))[0] is None
    ]
    no_target = [k for k in no_target if view.score(k) is None]
    if no_target:
        out.append(
            {"kind": "no_target", "count": len(no_target),
             "items": [meta.label[k] for k in no_target]}
        )  # fmt: skip
    if previous:
        tp = cohort.year_index(previous[-1])
        dropped, jumps = [], []
        n_measures = sum(1 for c in cohort.codes if meta.level.get(c, 9) <= 1)
        for n, code in enumerate(cohort.codes[:n_measures]):
            before = _f(cohort.values[tp, view.u, n])
            now = _f(cohort.values[view.t, view.u, n])
            if before is not None and now is None:
                dropped.append(meta.label[code])
            elif (
                before is not None
                and now is not None
                and code not in meta.yesno
                and abs(before) > 0
                and abs(now - before) / abs(before) > LARGE_CHANGE
            ):
                jumps.append(meta.label[code])
        if dropped:
            out.append({"kind": "dropped", "count": len(dropped), "items": dropped[:12]})
        if jumps:
            out.append({"kind": "large_change", "count": len(jumps), "items": jumps[:12]})
    return out


def _target_summary(cohort: Cohort, meta: FrameworkTree, all_kpis: list[str]) -> dict[str, Any]:
    kinds = {"reference": 0, "peer": 0, "override": 0, "none": 0}
    for code in cohort.codes:
        if meta.level.get(code, 9) > 1:
            continue
        target, source = cohort.targets.get(code, (None, ""))
        if target is None:
            kinds["none"] += 1
        elif source.startswith("peer"):
            kinds["peer"] += 1
        elif "override" in source:
            kinds["override"] += 1
        else:
            kinds["reference"] += 1
    return kinds
