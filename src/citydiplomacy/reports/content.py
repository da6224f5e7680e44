"""The content of a Smart City Profile as a typed object: one dataclass per section.

:func:`citydiplomacy.reports.assemble.build_report` builds a :class:`Report` section by
section; the HTML template and the charts read its attributes, and :meth:`Report.to_data`
gives the plain data of the ``--format json`` output (keys in field order, as the report's
JSON has always had them).

Numbers are ``None`` where there is nothing to show (never NaN). The method, the robustness
method and the context weights are the cohort's own plain data, carried as they are.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


def plain(value: Any) -> Any:
    """``value`` as plain data: sections as dicts (their ``to_data``), lists and dicts walked."""
    if isinstance(value, Section):
        return value.to_data()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


class Section:
    """Base of the report's dataclasses: plain data in field order."""

    def to_data(self) -> dict[str, Any]:
        """The section as JSON-ready plain data."""
        return {
            f.name: plain(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
        }


@dataclass
class CityRef(Section):
    """A city of the cohort: unit key, name, country (ISO alpha-2) and GeoNames id."""

    key: str
    name: str
    country: str
    geonames_id: int | None


@dataclass
class FrameworkRef(Section):
    """The framework's short name (``u4ssc``) and title."""

    name: str
    title: str


@dataclass
class Coverage(Section):
    """How much of the framework the city reported, and how much of it is verified."""

    kpis_reported: int
    kpis_total: int
    core_reported: int
    core_total: int
    values: int
    verified: int


@dataclass
class NodeResult(Section):
    """A node's result in the profile's year: score, band (0: not scored), change and trend."""

    code: str
    name: str
    level: int
    score: float | None
    band: int
    change: float | None
    trend: str


@dataclass
class KpiRow(NodeResult):
    """A KPI (or a reported data point under it) in the results table.

    ``target_ref`` is the 1-based number of its target's source in
    :attr:`Report.target_sources`; ``data_source`` is empty when it is the report's
    :attr:`Report.common_data_source`.
    """

    unit: str
    value: float | None
    yesno: bool
    target: float | None
    target_source: str
    core: bool
    reported: bool
    data_source: str
    #: ``verified``, ``self_reported``, ``partly_verified`` or '' (no value)
    status: str
    synthetic: bool
    sdg: str
    is_data_point: bool = False
    target_ref: int | None = None

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        if not self.is_data_point:  # the JSON marks data points only
            del data["is_data_point"]
        return data


@dataclass
class Category(NodeResult):
    """A category with its KPI rows."""

    kpis: list[KpiRow]


@dataclass
class SubDimension(NodeResult):
    """A sub-dimension with its categories."""

    categories: list[Category]


@dataclass
class Dimension(NodeResult):
    """A dimension with its sub-dimensions."""

    subdimensions: list[SubDimension]


@dataclass
class Summary(Section):
    """The executive summary's categories: three strongest, weakest, most improved, most
    declined."""

    strongest: list[NodeResult]
    weakest: list[NodeResult]
    improved: list[NodeResult]
    declined: list[NodeResult]


@dataclass
class TrendRow(Section):
    """One line of the trend chart: a node's score in each of :attr:`Trends.years`."""

    code: str
    name: str
    level: int
    scores: list[float | None]


@dataclass
class Trends(Section):
    """Scores of the index, dimensions and sub-dimensions over the city's years."""

    years: list[int]
    rows: list[TrendRow]


@dataclass
class PlaceContext(Section):
    """What the peer selection compares: population, region, income group."""

    population: int | None
    region: str | None
    income_group: str | None


def _context_data(context: PlaceContext | None) -> dict[str, Any]:
    # An unknown context is an empty object in the JSON.
    return {} if context is None else context.to_data()


@dataclass
class PeerMember(Section):
    """A city of the peer group."""

    key: str
    name: str
    country: str
    geonames_id: int | None
    similarity: float
    score: float | None
    band: int
    context: PlaceContext | None = None

    def to_data(self) -> dict[str, Any]:
        return {**super().to_data(), "context": _context_data(self.context)}


@dataclass
class PeerGroup(Section):
    """The cities most alike in context, and the city's standing among them."""

    members: list[PeerMember]
    size: int
    rank: int | None
    median: float | None
    best: float | None
    context: PlaceContext | None

    def to_data(self) -> dict[str, Any]:
        return {**super().to_data(), "context": _context_data(self.context)}


@dataclass
class MissingKpi(Section):
    """A KPI not reported in the profile's year."""

    code: str
    name: str
    category: str
    core: bool


@dataclass
class QualityWarning(Section):
    """A data-quality warning: its kind, how many values, and (some of) their names."""

    #: ``synthetic``, ``self_reported``, ``no_target``, ``dropped`` or ``large_change``
    kind: str
    count: int
    items: list[str]


@dataclass
class Gaps(Section):
    """Data gaps and data-quality warnings."""

    missing: list[MissingKpi]
    warnings: list[QualityWarning]


@dataclass
class SourceRef(Section):
    """A source a recommendation cites."""

    key: str
    title: str
    url: str
    kind: str


@dataclass
class RecommendationText(Section):
    """One recommendation in the report's language, with its sources."""

    key: str
    text: str
    sources: list[SourceRef]


@dataclass
class GuidancePeer(Section):
    """A peer to learn from: a strong performer or the biggest improvement."""

    key: str
    name: str
    country: str
    geonames_id: int | None
    city_id: Any
    #: ``strong`` or ``improved``
    reason: str
    similarity: float | None
    score: float | None
    band: int
    change: float | None
    value: float | None


@dataclass
class GuidanceItem(Section):
    """A guidance rule that fired: the node, why, what to do, whom to learn from."""

    rule: str
    node: str
    node_name: str
    node_kind: str
    score: float | None
    band: int
    trend: str
    progress: float | None
    reasons: list[str]
    recommendations: list[RecommendationText]
    peers: list[GuidancePeer]
    #: the node's unit (KPIs and data points), else ''
    unit: str
    yesno: bool


@dataclass
class Robustness(Section):
    """The city's rank on the composite index and its interval under the uncertainty
    analysis (5 %, median, 95 %) among ``n`` cities."""

    rank: float | None
    low: float | None
    median: float | None
    high: float | None
    n: int


@dataclass
class TargetCounts(Section):
    """How many measures take their target from each kind of source."""

    reference: int
    peer: int
    override: int
    none: int


@dataclass
class Report(Section):
    """A Smart City Profile of one city and year."""

    city: CityRef
    year: int
    years: list[int]
    previous_year: int | None
    framework: FrameworkRef
    #: ``{"method": ..., "spec": ...}`` of the scores
    method: dict[str, Any]
    source_label: str
    synthetic: bool
    #: set by the platform for a year not yet published
    unpublished: bool
    coverage: Coverage
    index: NodeResult
    summary: Summary
    categories: list[NodeResult]
    dimensions: list[Dimension]
    target_sources: list[str]
    common_data_source: str
    trends: Trends
    peers: PeerGroup
    gaps: Gaps
    guidance: list[GuidanceItem]
    robustness: Robustness | None
    robustness_method: dict[str, Any]
    targets: TargetCounts
    context_factors: list[str]
    context_weights: dict[str, float] = field(default_factory=dict)

    def kpi_rows(self) -> list[KpiRow]:
        """Every row of the results tables (KPIs and data points), in table order."""
        return [
            row
            for dim in self.dimensions
            for sub in dim.subdimensions
            for cat in sub.categories
            for row in cat.kpis
        ]
