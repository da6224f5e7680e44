"""Cohort scoring for the web: one snapshot per data version, stored for fast pages.

Peer targets and ranks depend on the whole cohort, so a change to any city's data re-scores
every city. :func:`current_snapshot` does it on the first request after a change (or
``citydiplomacy manage rescore`` ahead of time) and stores, per city, a compact record of every
node in every year (:class:`CityScore`), and per city-year the headline (:class:`CityYearScore`)
with the rank interval of the uncertainty analysis. Dashboards then read one row.
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from citydiplomacy.core import robustness
from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import FrameworkTree
from citydiplomacy.core.panel import change_since_previous, progress_to_target
from citydiplomacy.core.robustness import RankInterval
from citydiplomacy.core.score import ScoreResult, score
from citydiplomacy.core.spec import Spec, TargetSpec
from citydiplomacy.core.targets import resolve_targets
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators.models import (
    CityScore,
    CityYearScore,
    KpiValue,
    Publication,
    ScoreSnapshot,
)
from citydiplomacy.web.indicators.services import data_version, framework

log = logging.getLogger(__name__)


class NodeRecord(NamedTuple):
    """One framework node of one city-year, as stored in :attr:`CityScore.nodes`.

    Stored as a JSON list in this field order (:data:`NODE_FIELDS`), which keeps a city's row
    small; read back with :meth:`from_stored`, never by position. The ``public_*`` fields are
    computed from published city-years only (the change since the previous *published* year,
    progress since the first *published* year), for viewers who may not see the rest:
    otherwise a public change or progress figure would reveal an unpublished value.
    """

    value: float | None
    score: float | None
    band: int
    change: float | None
    progress: float | None
    rank: float | None
    trend: str
    public_change: float | None = None
    public_progress: float | None = None
    public_trend: str = ""

    @classmethod
    def from_stored(cls, rec: Sequence[Any]) -> NodeRecord:
        """A stored list back as a record; a list of the first seven fields only (snapshots
        stored before the public fields existed) has no public change, progress or trend."""
        return cls(*rec[: len(NODE_FIELDS)])


class VisibleRecord(NamedTuple):
    """A node record as one viewer sees it: change, progress and trend are those of every
    year, or of the published years alone for a viewer who may not see the rest."""

    value: float | None
    score: float | None
    band: int
    change: float | None
    progress: float | None
    rank: float | None
    trend: str


#: Order of the numbers stored per node in :attr:`CityScore.nodes`.
NODE_FIELDS: tuple[str, ...] = NodeRecord._fields


def public_record(rec: Sequence[Any]) -> VisibleRecord:
    """A stored node record as the public may see it: change, progress and trend taken from
    published years only."""
    r = NodeRecord.from_stored(rec)
    return VisibleRecord(
        r.value, r.score, r.band, r.public_change, r.public_progress, r.rank, r.public_trend
    )


def full_record(rec: Sequence[Any]) -> VisibleRecord:
    """A stored node record as a viewer who may see every year sees it."""
    r = NodeRecord.from_stored(rec)
    return VisibleRecord(r.value, r.score, r.band, r.change, r.progress, r.rank, r.trend)


def visible_records(nodes: dict[str, Sequence[Any]], public: bool) -> dict[str, VisibleRecord]:
    """Node records of one city-year for a viewer (``public``: no unpublished data)."""
    view = public_record if public else full_record
    return {code: view(rec) for code, rec in nodes.items()}


#: Method of the profile (U4SSC target bands); the ranking's is the robustness analysis's.
PROFILE_SPEC = Spec(method="u4ssc")
RANKING_SPEC = robustness.RANKING_SPEC


def _runs() -> int:
    return int(getattr(settings, "CITYDIPLOMACY_SENSITIVITY_RUNS", robustness.ROBUSTNESS_RUNS))


def robustness_settings() -> robustness.RobustnessSettings:
    """The rank intervals' settings: the engine's, with the replications of
    ``CITYDIPLOMACY_SENSITIVITY_RUNS``."""
    return robustness.RobustnessSettings(runs=_runs())


def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 6)


def load_panel() -> Panel | None:
    """Every stored KPI value as the engine's panel (unit key = registry id)."""
    fw = framework()
    rows = list(KpiValue.objects.values_list("city_id", "year", "measure", "value"))
    if not rows:
        return None
    long = pd.DataFrame(rows, columns=["city_id", "year", "measure", "value"])
    long = long[long["measure"].isin(fw.measures)]
    if long.empty:
        return None
    ids = long["city_id"].unique().tolist()
    names = {
        pk: (name, cc)
        for pk, name, cc in City.objects.filter(pk__in=ids).values_list("pk", "name", "country_id")
    }
    long["unit"] = long["city_id"].astype(str)
    long["city"] = long["city_id"].map(lambda i: names[i][0])
    long["country"] = long["city_id"].map(lambda i: names[i][1])
    long["geonames_id"] = long["city_id"]
    return Panel.from_long(long, fw)


def published_peer_targets(
    panel: Panel, mask: np.ndarray
) -> tuple[dict[str, float], dict[str, str]]:
    """Peer targets (SDSN rule) from the latest year of *published* profiles only.

    Targets are shown to the public with every profile, so they must not be derived from
    unpublished data; one set serves every year, so scores stay comparable across years.
    Without any publication yet, the whole cohort's latest year is used (nobody outside the
    secretariat, analysts and editors sees a profile then).

    Parameters
    ----------
    panel
        The whole cohort.
    mask
        ``(years, units)``: which city-years are published (:func:`_published_mask`).

    Returns
    -------
    overrides, sources
        Target and source text of every measure that gets a peer target.
    """
    fw = framework()
    if mask.any():
        values = np.where(mask[:, :, None], panel.values, np.nan)
        years = [y for t, y in enumerate(panel.years) if mask[t].any()]
        source_panel = Panel(panel.units, panel.years, panel.measures, values)
        spec = TargetSpec(year=years[-1])
        label = "published city profiles"
    else:
        source_panel, spec, label = panel, TargetSpec(), "cities"
    table = resolve_targets(fw, source_panel, spec)
    peer = table[table["target_kind"] == "peer"]
    overrides = {str(c): float(t) for c, t in peer["target"].items()}
    sources = {
        str(c): str(src).replace(" cities in ", f" {label} in ")
        for c, src in peer["target_source"].items()
    }
    return overrides, sources


def _rank_intervals(panel: Panel, year: int) -> dict[str, RankInterval]:
    """Each city's 5-95 % rank interval on the composite index in ``year`` (the engine's
    :func:`robustness.year_rank_intervals`, as the report's cohort computes it too)."""
    found = robustness.year_rank_intervals(panel, framework(), year, robustness_settings())
    if found is None:
        log.info("no rank intervals for %s (too few cities with data)", year)
        return {}
    return found.intervals


def compute_snapshot(version: int | None = None) -> ScoreSnapshot | None:
    """Score the whole cohort and store the snapshot for ``version`` (default: current)."""
    started = time.perf_counter()
    version = data_version() if version is None else version
    panel = load_panel()
    if panel is None:
        return None
    fw = framework()
    published = _published_mask(panel)
    overrides, peer_sources = published_peer_targets(panel, published)
    profile_spec = replace(PROFILE_SPEC, targets=TargetSpec(overrides=overrides))
    profile = score(panel, fw, profile_spec)
    ranking = score(panel, fw, RANKING_SPEC)
    # The public ranking: the composite index, ranks and intervals of the published city-years
    # alone, so that unpublished data shape nothing a public viewer sees. Where every city-year
    # with data is published (the usual case) it is the cohort's ranking, not computed again.
    reported = ~np.isnan(panel.values)  # (T, U, M)
    unpublished = reported.any(axis=2) & ~published  # (T, U)
    public_panel = Panel(
        panel.units,
        panel.years,
        panel.measures,
        np.where(published[:, :, None], panel.values, np.nan),
    )
    public_ranking = score(public_panel, fw, RANKING_SPEC) if unpublished.any() else ranking
    tree = profile.tree
    codes = list(tree.codes)
    root = codes.index(fw.root)
    n_measures = tree.n_measures
    intervals = {y: _rank_intervals(panel, y) for y in panel.years}
    public_intervals: dict[int, dict[str, RankInterval]] = {}
    for t, year in enumerate(panel.years):
        if not published[t].any():
            public_intervals[year] = {}
        elif unpublished[t].any():
            public_intervals[year] = _rank_intervals(public_panel, year)
        else:  # a year's intervals use that year's data only: the cohort's are the public ones
            public_intervals[year] = intervals[year]
    change = profile.change
    progress = profile.progress
    trends = robustness.trend_codes(change)
    public_change, public_progress = _public_change_progress(profile, panel, published)
    public_trends = robustness.trend_codes(public_change)
    band_labels = list(profile.band_labels)
    city_rows: list[CityScore] = []
    year_rows: list[CityYearScore] = []
    for u, unit in enumerate(panel.units["unit"].astype(str)):
        city_id = int(unit)
        by_year: dict[str, dict[str, NodeRecord]] = {}
        for t, year in enumerate(panel.years):
            if not reported[t, u].any():
                continue
            nodes: dict[str, NodeRecord] = {}
            vals, scs = profile.values[t, u], profile.scores[t, u]
            for n, code in enumerate(codes):
                if math.isnan(vals[n]) and math.isnan(scs[n]):
                    continue
                nodes[code] = NodeRecord(
                    value=_clean(vals[n]),
                    score=_clean(scs[n]),
                    band=int(profile.band_codes[t, u, n]),
                    change=_clean(change[t, u, n]),
                    progress=_clean(progress[t, u, n]),
                    rank=_clean(profile.ranks[t, u, n]),
                    trend=trends[t, u, n],
                    public_change=_clean(public_change[t, u, n]),
                    public_progress=_clean(public_progress[t, u, n]),
                    public_trend=public_trends[t, u, n],
                )
            by_year[str(year)] = nodes
            iv = intervals[year].get(unit)
            piv = public_intervals[year].get(unit) if published[t, u] else None
            public = bool(published[t, u])
            year_rows.append(
                CityYearScore(
                    city_id=city_id,
                    year=year,
                    score=_clean(ranking.scores[t, u, root]),
                    band=band_labels[int(profile.band_codes[t, u, root])],
                    rank=_clean(ranking.ranks[t, u, root]),
                    rank_low=iv.low if iv else None,
                    rank_median=iv.median if iv else None,
                    rank_high=iv.high if iv else None,
                    public_score=_clean(public_ranking.scores[t, u, root]) if public else None,
                    public_rank=_clean(public_ranking.ranks[t, u, root]) if public else None,
                    public_rank_low=piv.low if piv else None,
                    public_rank_median=piv.median if piv else None,
                    public_rank_high=piv.high if piv else None,
                    n_reported=int(reported[t, u].sum()),
                    n_measures=n_measures,
                )
            )
        city_rows.append(CityScore(city_id=city_id, nodes=by_year))
    targets = {
        str(code): [_clean(row["target"]), peer_sources.get(str(code), str(row["target_source"]))]
        for code, row in profile.targets.iterrows()
    }
    try:
        with transaction.atomic():
            snap = ScoreSnapshot.objects.create(
                data_version=version,
                framework=fw.name,
                spec={"profile": profile_spec.to_data(), "ranking": RANKING_SPEC.to_data()},
                provenance={
                    "profile": profile.provenance(),
                    "band_labels": band_labels,
                    "fields": list(NODE_FIELDS),
                },
                years=list(panel.years),
                n_cities=len(panel.units),
                sensitivity=robustness_settings().describe(),
                targets=targets,
            )
            for c in city_rows:
                c.snapshot = snap
            for y in year_rows:
                y.snapshot = snap
            CityScore.objects.bulk_create(city_rows, batch_size=200)
            CityYearScore.objects.bulk_create(year_rows, batch_size=2000)
            snap.seconds = time.perf_counter() - started
            snap.save(update_fields=["seconds"])
            # Keep the previous snapshot for requests still reading it; older ones go.
            ScoreSnapshot.objects.filter(data_version__lt=version - 1).delete()
    except IntegrityError:
        # Another process stored this version first; use theirs.
        return ScoreSnapshot.objects.filter(data_version=version).first()
    log.info("scored %d cities in %.1f s", len(city_rows), snap.seconds)
    return snap


def _published_mask(panel: Panel) -> np.ndarray:
    """``(years, units)``: is this city-year's profile published?"""
    published = Publication.objects.city_years()
    units = [int(u) for u in panel.units["unit"]]
    return np.array([[(u, y) in published for u in units] for y in panel.years], dtype=bool)


def _public_change_progress(
    result: ScoreResult, panel: Panel, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Change and progress computed as if only the published city-years (``mask``) existed."""
    scores = np.where(mask[:, :, None], result.scores, np.nan)
    change = change_since_previous(scores)
    fw = framework()
    n_measures = result.tree.n_measures
    values = np.where(mask[:, :, None], panel.values, np.nan)
    progress = np.full(result.scores.shape, np.nan)
    progress[..., :n_measures] = progress_to_target(
        values,
        result.targets["target"].to_numpy(dtype=np.float64),
        fw.column("direction").astype(np.int64),
    )
    return change, progress


def _rescore_in_background(version: int) -> None:
    """Have ``version`` scored off this request: by a Celery worker (on any host) when a
    broker is configured, else by a thread of this process; one rescoring at a time for the
    whole deployment (:func:`citydiplomacy.web.tasks.schedule_rescore`)."""
    from citydiplomacy.web.tasks import schedule_rescore

    schedule_rescore(version)


def current_snapshot() -> ScoreSnapshot | None:
    """The snapshot of the current data, computed now if the data changed since the last.

    With ``CITYDIPLOMACY_BACKGROUND_SCORING`` on (``citydiplomacy serve`` turns it on), a
    request that finds the data changed gets the previous snapshot at once while a thread
    scores the new data (a cohort of 1,000 cities takes about a minute); pages then say that
    the scores are being updated. The first snapshot is always computed in the request.
    """
    version = data_version()
    snap = _kept_snapshot(ScoreSnapshot.objects.filter(data_version=version))
    if snap is None and getattr(settings, "CITYDIPLOMACY_BACKGROUND_SCORING", False):
        snap = _kept_snapshot(ScoreSnapshot.objects.order_by("-data_version"))
        if snap is not None:
            _rescore_in_background(version)
    if snap is None:
        snap = compute_snapshot(version)
    if snap is not None:
        snap.seen_data_version = version  # type: ignore[attr-defined]
    return snap


#: Snapshots read before, by (id, data version, time computed): a snapshot row is never
#: changed once its transaction commits, and decoding its JSON columns (the spec, the
#: provenance, the targets) cost about 4 ms of every profile request.
_SNAPSHOTS: OrderedDict[tuple[Any, ...], ScoreSnapshot] = OrderedDict()
_SNAPSHOTS_LOCK = threading.Lock()
_SNAPSHOTS_KEPT = 4


def _kept_snapshot(found: QuerySet[ScoreSnapshot]) -> ScoreSnapshot | None:
    """The first snapshot of ``found``, decoded once per process (a copy each time: callers
    mark it with what they saw)."""
    head = found.values_list("pk", "data_version", "computed_at").first()
    if head is None:
        return None
    with _SNAPSHOTS_LOCK:
        kept = _SNAPSHOTS.get(head)
    if kept is None:
        kept = ScoreSnapshot.objects.filter(pk=head[0]).first()
        if kept is None:  # deleted meanwhile
            return None
        with _SNAPSHOTS_LOCK:
            _SNAPSHOTS[head] = kept
            while len(_SNAPSHOTS) > _SNAPSHOTS_KEPT:
                _SNAPSHOTS.popitem(last=False)
    return copy.copy(kept)


def is_stale(snapshot: ScoreSnapshot) -> bool:
    """Was the data changed after ``snapshot`` was scored (a newer one is on its way)?"""
    seen = getattr(snapshot, "seen_data_version", None)
    return snapshot.data_version < (data_version() if seen is None else seen)


# ------------------------------------------------------------------------- reading
@dataclass
class NodeResult:
    """One framework node of one city and year, ready for a page or the API."""

    code: str
    name: str
    level: int
    parent: str
    value: float | None
    score: float | None
    band: str
    band_code: int
    change: float | None
    progress: float | None
    rank: float | None
    trend: str
    unit: str
    target: float | None
    target_source: str
    definition: str


def node_results(
    snapshot: ScoreSnapshot, meta: FrameworkTree, records: dict[str, VisibleRecord]
) -> dict[str, NodeResult]:
    """One city-year's node records (:func:`visible_records`) as :class:`NodeResult`, by
    code; nodes the framework no longer has are left out."""
    labels = snapshot.provenance.get("band_labels", [])
    out = {}
    for code, rec in records.items():
        if code not in meta.level:
            continue
        band = int(rec.band or 0)
        target, source = snapshot.targets.get(code, [None, ""])
        out[code] = NodeResult(
            code=code,
            name=meta.name[code],
            level=meta.level[code],
            parent=meta.parent[code],
            value=rec.value,
            score=rec.score,
            band=labels[band] if band and band < len(labels) else "",
            band_code=band,
            change=rec.change,
            progress=rec.progress,
            rank=rec.rank,
            trend=rec.trend or "",
            unit=meta.unit[code],
            target=target,
            target_source=source or "",
            definition=meta.definition[code],
        )
    return out


def city_profile(
    snapshot: ScoreSnapshot, city_id: int, year: int, *, public: bool = False
) -> list[NodeResult] | None:
    """Every scored node of a city in a year (measures, then aggregates); ``None`` without
    data. ``public``: change, progress and trend from published years only."""
    row = CityScore.objects.filter(snapshot=snapshot, city_id=city_id).values_list(
        "nodes", flat=True
    )
    nodes_by_year = row.first()
    if not nodes_by_year or str(year) not in nodes_by_year:
        return None
    records = visible_records(nodes_by_year[str(year)], public)
    return list(node_results(snapshot, framework().tree(), records).values())


def city_years(snapshot: ScoreSnapshot, city_id: int) -> list[int]:
    return sorted(
        CityYearScore.objects.filter(snapshot=snapshot, city_id=city_id).values_list(
            "year", flat=True
        )
    )
