"""Assemble the content of a Smart City Profile for one city and year from a :class:`Cohort`.

The result is a :class:`~citydiplomacy.reports.content.Report`, built section by section
(city, coverage, categories and KPIs, summary, trends, peers, guidance, gaps, robustness,
targets); its ``to_data()`` is the ``--format json`` output, and the HTML template renders it in
the reader's language. Texts that depend on the language (recommendations) are resolved here;
everything else is formatted by the template.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from citydiplomacy.core.context import FACTORS, ContextWeights, context_similarity
from citydiplomacy.core.frameworks import FrameworkTree
from citydiplomacy.core.guidance import Guidance, NodeStatus, RuleSet, recommend
from citydiplomacy.errors import DataError
from citydiplomacy.reports.content import (
    Category,
    CityRef,
    Coverage,
    Dimension,
    FrameworkRef,
    Gaps,
    GuidanceItem,
    GuidancePeer,
    KpiRow,
    MissingKpi,
    NodeResult,
    PeerGroup,
    PeerMember,
    PlaceContext,
    QualityWarning,
    RecommendationText,
    Report,
    Robustness,
    SourceRef,
    SubDimension,
    Summary,
    TargetCounts,
    TrendRow,
    Trends,
)
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


def _node(view: _View, meta: FrameworkTree, code: str) -> NodeResult:
    return NodeResult(
        code=code,
        name=meta.name[code],
        level=meta.level[code],
        score=view.score(code),
        band=view.band(code),
        change=view.change(code),
        trend=view.trend(code),
    )


def _result(node: NodeResult) -> dict[str, Any]:
    """A node's result fields, to build a richer node from (a category, a KPI row)."""
    return {
        "code": node.code,
        "name": node.name,
        "level": node.level,
        "score": node.score,
        "band": node.band,
        "change": node.change,
        "trend": node.trend,
    }


@dataclass(frozen=True)
class _Status:
    """Provenance of one observed value of the city-year."""

    source: str
    verified: bool
    synthetic: bool


def _statuses(cohort: Cohort, key: str, year: int) -> dict[str, _Status]:
    obs = cohort.observations
    rows = obs[(obs["unit"] == key) & (obs["year"] == year)]
    return {
        str(r["measure"]): _Status(
            source=str(r["source"] or ""),
            verified=bool(r["verified"]),
            synthetic=bool(r["synthetic"]),
        )
        for r in rows.to_dict("records")
    }


def _kpi_row(
    view: _View,
    meta: FrameworkTree,
    cohort: Cohort,
    code: str,
    statuses: dict[str, _Status],
    is_data_point: bool = False,
) -> KpiRow:
    target, target_source = cohort.targets.get(code, (None, ""))
    parts = [statuses[c] for c in [code, *meta.children.get(code, [])] if c in statuses]
    verified: bool | None = None
    if parts:
        flags = {p.verified for p in parts}
        verified = flags.pop() if len(flags) == 1 else None
    return KpiRow(
        **{**_result(_node(view, meta, code)), "name": meta.label[code]},
        unit=meta.unit[code],
        value=view.value(code),
        yesno=code in meta.yesno,
        target=target,
        target_source=target_source,
        core=code in meta.core,
        reported=view.reported(code),
        data_source="; ".join(sorted({p.source for p in parts if p.source})),
        status=(
            ""
            if not parts
            else "verified"
            if verified is True
            else "self_reported"
            if verified is False
            else "partly_verified"
        ),
        synthetic=any(p.synthetic for p in parts),
        sdg=meta.sdg[code],
        is_data_point=is_data_point,
    )


def _tree(
    view: _View, meta: FrameworkTree, cohort: Cohort, root: str, statuses: dict[str, _Status]
) -> list[Dimension]:
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
                        _kpi_row(view, meta, cohort, dp, statuses, is_data_point=True)
                        for dp in meta.children.get(kpi, [])
                        if view.reported(dp)
                    )
                cats.append(Category(**_result(_node(view, meta, cat)), kpis=rows))
            subs.append(SubDimension(**_result(_node(view, meta, sub)), categories=cats))
        dims.append(Dimension(**_result(_node(view, meta, dim)), subdimensions=subs))
    return dims


def _cite_sources(tree: list[Dimension], statuses: dict[str, _Status]) -> tuple[list[str], str]:
    """Number the target sources of the KPI rows, and blank a data source shared by every
    value: ``(target sources, common data source)``.

    Long citations are listed once and referred to by number, which keeps the KPI tables
    readable (and the PDF fast to lay out).
    """
    target_sources: list[str] = []
    data_sources = {s.source for s in statuses.values() if s.source}
    common_source = data_sources.pop() if len(data_sources) == 1 else ""
    for dim in tree:
        for sub in dim.subdimensions:
            for cat in sub.categories:
                for row in cat.kpis:
                    src = row.target_source if row.target is not None else ""
                    if src and src not in target_sources:
                        target_sources.append(src)
                    row.target_ref = target_sources.index(src) + 1 if src else None
                    if common_source and row.data_source == common_source:
                        row.data_source = ""
    return target_sources, common_source


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


def _unit_name(cohort: Cohort, key: str) -> CityRef:
    row = cohort.units.loc[key]
    return CityRef(
        key=key,
        name=str(row["city"]),
        country=str(row["country"]),
        geonames_id=optional_int(row.get("geonames_id")),
    )


def _city_fields(city: CityRef) -> dict[str, Any]:
    return {"key": city.key, "name": city.name, "country": city.country,
            "geonames_id": city.geonames_id}  # fmt: skip


def _profile_year(cohort: Cohort, key: str, year: int | None) -> tuple[list[int], int]:
    """The city's years with a profile, and the year to report on (default: the latest)."""
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
    return years, year


def build_report(
    cohort: Cohort,
    key: str,
    year: int | None = None,
    *,
    rules: RuleSet | None,
    lang: str = "en",
    weights: ContextWeights | None = None,
) -> Report:
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
    years, year = _profile_year(cohort, key, year)
    t = cohort.year_index(year)
    view = _View(cohort, u, t)
    root = cohort.framework.root
    statuses = _statuses(cohort, key, year)
    all_kpis = meta.under(root, 1)
    labels = _category_labels(meta, root)
    categories = [
        NodeResult(**{**_result(_node(view, meta, c)), "name": labels[c]}) for c in labels
    ]
    previous = [y for y in years if y < year]
    # Peers and guidance come from the cities with a visible index score that year.
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
    tree = _tree(view, meta, cohort, root, statuses)
    target_sources, common_source = _cite_sources(tree, statuses)
    synthetic = any(s.synthetic for s in statuses.values()) or bool(
        cohort.observations.loc[cohort.observations["unit"] == key, "synthetic"].any()
    )
    return Report(
        city=_unit_name(cohort, key),
        year=year,
        years=years,
        previous_year=previous[-1] if previous else None,
        framework=FrameworkRef(name=cohort.framework.name, title=cohort.framework.title),
        method=cohort.method,
        source_label=cohort.source_label,
        synthetic=synthetic,
        unpublished=False,
        coverage=_coverage(view, meta, all_kpis, statuses),
        index=_node(view, meta, root),
        summary=_summary(categories),
        categories=categories,
        dimensions=tree,
        target_sources=target_sources,
        common_data_source=common_source,
        trends=_trends(cohort, meta, u, years, root),
        peers=_peer_group(cohort, key, t, similarity, root),
        gaps=Gaps(
            missing=_missing(view, meta, all_kpis),
            warnings=_warnings(cohort, view, meta, statuses, previous, all_kpis),
        ),
        guidance=_guidance(cohort, view, meta, rules, key, similarity, present, labels, lang),
        robustness=_robustness(cohort, key, year),
        robustness_method=cohort.robustness_method,
        targets=_target_summary(cohort, meta),
        context_factors=list(FACTORS),
        context_weights=(weights or ContextWeights()).as_dict(),
    )


def _category_labels(meta: FrameworkTree, root: str) -> dict[str, str]:
    """Category code -> its name in the report, in framework order.

    U4SSC has 27 category nodes but 22 names: a shared name gets its sub-dimension's.
    """
    categories = meta.under(root, 2)
    names = [meta.name[c] for c in categories]
    return {
        c: meta.name[c] if names.count(meta.name[c]) == 1 else
        f"{meta.name[c]} ({meta.name[meta.parent[c]]})"
        for c in categories
    }  # fmt: skip


def _coverage(
    view: _View, meta: FrameworkTree, all_kpis: list[str], statuses: dict[str, _Status]
) -> Coverage:
    reported_kpis = [k for k in all_kpis if view.reported(k)]
    return Coverage(
        kpis_reported=len(reported_kpis),
        kpis_total=len(all_kpis),
        core_reported=sum(k in meta.core for k in reported_kpis),
        core_total=sum(k in meta.core for k in all_kpis),
        values=len(statuses),
        verified=sum(s.verified for s in statuses.values()),
    )


def _summary(categories: list[NodeResult]) -> Summary:
    """The three strongest, weakest, most improved and most declined scored categories."""
    scored = [c for c in categories if c.score is not None]
    by_score = sorted(scored, key=lambda c: (-cast(float, c.score), c.code))
    changed = [c for c in scored if c.change is not None]
    return Summary(
        strongest=by_score[:3],
        weakest=by_score[::-1][:3],
        improved=sorted(
            (c for c in changed if cast(float, c.change) > 0), key=lambda c: -cast(float, c.change)
        )[:3],
        declined=sorted(
            (c for c in changed if cast(float, c.change) < 0), key=lambda c: cast(float, c.change)
        )[:3],
    )


def _missing(view: _View, meta: FrameworkTree, all_kpis: list[str]) -> list[MissingKpi]:
    """The KPIs not reported, core KPIs first."""
    return [
        MissingKpi(code=k, name=meta.name[k], category=meta.name[meta.parent[k]], core=True)
        for k in all_kpis
        if k in meta.core and not view.reported(k)
    ] + [
        MissingKpi(code=k, name=meta.name[k], category=meta.name[meta.parent[k]], core=False)
        for k in all_kpis
        if k not in meta.core and not view.reported(k)
    ]


def _robustness(cohort: Cohort, key: str, year: int) -> Robustness | None:
    robust = cohort.robustness.get((key, year))
    if robust is None:
        return None
    return Robustness(
        rank=robust.rank, low=robust.low, median=robust.median, high=robust.high, n=robust.n
    )


def _guidance(
    cohort: Cohort,
    view: _View,
    meta: FrameworkTree,
    rules: RuleSet | None,
    key: str,
    similarity: pd.Series,
    present: list[int],
    labels: dict[str, str],
    lang: str,
) -> list[GuidanceItem]:
    """The rules that fire on the city-year, most urgent first, with peers to learn from."""
    if rules is None:
        return []
    statuses_for_rules = {
        code: NodeStatus(
            code, view.band(code), view.trend(code), view.progress(code), view.score(code)
        )
        for code in {r.node for r in rules.rules}
        if cohort.has(code) and view.reported(code)
    }
    perf = {
        code: _performance(cohort, view.t, code, present) for code in statuses_for_rules if present
    }
    items = recommend(rules, statuses_for_rules, key, similarity, perf, limit=MAX_GUIDANCE)
    return [_guidance_item(cohort, meta, g, labels, lang) for g in items]


def _guidance_item(
    cohort: Cohort, meta: FrameworkTree, g: Guidance, labels: dict[str, str], lang: str
) -> GuidanceItem:
    code = g.rule.node
    return GuidanceItem(
        rule=g.rule.id,
        node=code,
        node_name=labels.get(code, meta.label[code]),
        node_kind=LEVEL_KINDS.get(meta.level[code], ""),
        score=g.status.score,
        band=g.status.band,
        trend=g.status.trend,
        progress=g.status.progress,
        reasons=list(g.reasons),
        recommendations=[
            RecommendationText(
                key=r.key,
                text=r.text_in(lang),
                sources=[SourceRef(**s.to_data()) for s in r.sources],
            )
            for r in g.rule.recommendations
        ],
        peers=[
            GuidancePeer(**_city_fields(_unit_name(cohort, str(p.city_id))), **p.to_data())
            for p in g.peers
        ],
        unit=meta.unit[code] if meta.level[code] <= 1 else "",
        yesno=code in meta.yesno,
    )


def _peer_group(cohort: Cohort, key: str, t: int, similarity: pd.Series, root: str) -> PeerGroup:
    n = cohort.node(root)
    sim = similarity.drop(labels=[key], errors="ignore")
    sim = sim.sort_values(ascending=False, kind="stable").head(PEER_GROUP_SIZE)
    members = []
    for other, s in sim.items():
        i = cohort.unit(str(other))
        members.append(
            PeerMember(
                **_city_fields(_unit_name(cohort, str(other))),
                similarity=float(s),
                score=_f(cohort.scores[t, i, n]),
                band=int(cohort.bands[t, i, n]),
            )
        )
    own = _f(cohort.scores[t, cohort.unit(key), n])
    scores = [m.score for m in members if m.score is not None]
    rank = None if own is None else 1 + sum(s > own for s in scores)
    for m in members:
        m.context = _context_of(cohort, m.key)
    return PeerGroup(
        members=members,
        size=len(members),
        rank=rank,
        median=float(np.median(scores)) if scores else None,
        best=max(scores) if scores else None,
        context=_context_of(cohort, key),
    )


def _context_of(cohort: Cohort, key: str) -> PlaceContext | None:
    if key not in cohort.contexts.index:
        return None
    row = cohort.contexts.loc[key]
    pop = _f(row.get("population"))
    return PlaceContext(
        population=None if pop is None else int(pop),
        region=_optional_text(row.get("region")),
        income_group=_optional_text(row.get("income_group")),
    )


def _optional_text(value: object) -> str | None:
    """Text of a cell that may be missing (``None``, NaN or ``pd.NA``), or ``None``."""
    if value is None:
        return None
    try:
        missing = bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):  # a list-like cell: not a missing value
        missing = False
    return None if missing else str(value)


def _trends(cohort: Cohort, meta: FrameworkTree, u: int, years: list[int], root: str) -> Trends:
    codes = [root, *meta.under(root, 4), *meta.under(root, 3)]
    rows = []
    for code in codes:
        n = cohort.node(code)
        scores = [_f(cohort.scores[cohort.year_index(y), u, n]) for y in years]
        rows.append(TrendRow(code=code, name=meta.name[code], level=meta.level[code],
                             scores=scores))  # fmt: skip
    return Trends(years=years, rows=rows)


def _warnings(
    cohort: Cohort,
    view: _View,
    meta: FrameworkTree,
    statuses: dict[str, _Status],
    previous: list[int],
    all_kpis: list[str],
) -> list[QualityWarning]:
    out: list[QualityWarning] = []
    synthetic = sum(s.synthetic for s in statuses.values())
    if synthetic:
        out.append(QualityWarning(kind="synthetic", count=synthetic, items=[]))
    unverified = [m for m, s in statuses.items() if not s.verified]
    if unverified:
        out.append(QualityWarning(kind="self_reported", count=len(unverified), items=[]))
    no_target = [
        k for k in all_kpis if view.reported(k) and cohort.targets.get(k, (None, ""))[0] is None
    ]
    no_target = [k for k in no_target if view.score(k) is None]
    if no_target:
        out.append(
            QualityWarning(kind="no_target", count=len(no_target),
                           items=[meta.label[k] for k in no_target])
        )  # fmt: skip
    if previous:
        out.extend(_changes(cohort, view, meta, previous[-1]))
    return out


def _changes(
    cohort: Cohort, view: _View, meta: FrameworkTree, previous: int
) -> list[QualityWarning]:
    """Values reported the previous year and missing now, and values that changed a lot."""
    tp = cohort.year_index(previous)
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
    out = []
    if dropped:
        out.append(QualityWarning(kind="dropped", count=len(dropped), items=dropped[:12]))
    if jumps:
        out.append(QualityWarning(kind="large_change", count=len(jumps), items=jumps[:12]))
    return out


def _target_summary(cohort: Cohort, meta: FrameworkTree) -> TargetCounts:
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
    return TargetCounts(**kinds)
