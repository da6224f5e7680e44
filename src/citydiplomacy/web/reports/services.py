"""Report cohorts from the platform's stored score snapshot, with its visibility rules.

The public (and an editor, for other cities than their own) sees published city-years only,
with change, progress and trend computed from published years (:func:`scoring.public_record`);
analysts and the secretariat see everything; an editor sees their own city's unpublished years.
Peers and peer groups are drawn from what the viewer may see, so a report never reveals
unpublished data of another city. Building a cohort reads every :class:`CityScore` row of the
snapshot once; it is cached per snapshot and scope.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd

from citydiplomacy.core.frameworks import Framework
from citydiplomacy.reports.model import Cohort, RankInterval, trend_codes
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.cities.services import context_frame
from citydiplomacy.web.indicators import scoring, visibility
from citydiplomacy.web.indicators.models import (
    CityScore,
    CityYearScore,
    KpiValue,
    Publication,
    ScoreSnapshot,
    Status,
    headline_field,
)
from citydiplomacy.web.indicators.services import framework

_lock = threading.Lock()
_cache: dict[tuple[int, int, str, str], Cohort] = {}
SCOPES = ("full", "public")


def _empty(shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, np.nan)


def _fill(
    arrays: dict[str, np.ndarray], t: int, u: int, pos: dict[str, int], records: dict[str, Any]
) -> None:
    for code, rec in records.items():
        n = pos.get(code)
        if n is None:
            continue
        value, score, band, change, progress, _rank, trend = rec[:7]
        arrays["values"][t, u, n] = np.nan if value is None else value
        arrays["scores"][t, u, n] = np.nan if score is None else score
        arrays["bands"][t, u, n] = int(band or 0)
        arrays["change"][t, u, n] = np.nan if change is None else change
        arrays["progress"][t, u, n] = np.nan if progress is None else progress
        arrays["trends"][t, u, n] = trend or ""


def _base(snapshot: ScoreSnapshot, scope: str) -> Cohort:
    """The whole cohort as one scope sees it (``full``: everything; ``public``: published
    city-years with public records)."""
    # The computation time is part of the key: a test database may reuse a snapshot's id.
    key = (snapshot.pk, snapshot.data_version, snapshot.computed_at.isoformat(), scope)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    fw: Framework = framework()
    codes = tuple(str(c) for c in fw.nodes.index)
    pos = {c: i for i, c in enumerate(codes)}
    years = tuple(int(y) for y in snapshot.years)
    ypos = {y: i for i, y in enumerate(years)}
    rows = list(CityScore.objects.filter(snapshot=snapshot).values_list("city_id", "nodes"))
    ids = [int(cid) for cid, _ in rows]
    shape = (len(years), len(ids), len(codes))
    arrays: dict[str, np.ndarray] = {
        "values": _empty(shape),
        "scores": _empty(shape),
        "bands": np.zeros(shape, dtype=np.int8),
        "change": _empty(shape),
        "progress": _empty(shape),
        "trends": np.full(shape, "", dtype=object),
    }
    published = Publication.objects.city_years(ids)
    visible = np.zeros((len(years), len(ids)), dtype=bool)
    public = scope == "public"
    for u, (cid, by_year) in enumerate(rows):
        for y_text, nodes in (by_year or {}).items():
            y = int(y_text)
            if y not in ypos or (public and (int(cid), y) not in published):
                continue
            visible[ypos[y], u] = True
            _fill(arrays, ypos[y], u, pos, scoring.visible_records(nodes, public))
    cities = {c.pk: c for c in City.objects.filter(pk__in=ids).only("pk", "name", "country_id")}
    units = pd.DataFrame(
        {
            "city": [cities[i].name for i in ids],
            "country": [cities[i].country_id for i in ids],
            "geonames_id": ids,
        },
        index=pd.Index([str(i) for i in ids], name="unit"),
    )
    contexts = context_frame(ids)
    contexts.index = contexts.index.astype(str)
    intervals: dict[tuple[str, int], RankInterval] = {}
    # The public scope ranks among the published profiles alone.
    heads = list(
        CityYearScore.objects.filter(snapshot=snapshot).values_list(
            "city_id",
            "year",
            *(headline_field(f, public) for f in ("rank", "rank_low", "rank_median", "rank_high")),
        )
    )
    counts: dict[int, int] = {}
    for _cid, y, rank, *_ in heads:
        if rank is not None:
            counts[y] = counts.get(y, 0) + 1
    for cid, y, rank, low, median, high in heads:
        if low is not None:
            intervals[(str(cid), int(y))] = RankInterval(rank, low, median, high, counts.get(y, 0))
    targets = {
        str(code): (None if tv[0] is None else float(tv[0]), str(tv[1] or ""))
        for code, tv in (snapshot.targets or {}).items()
    }
    cohort = Cohort(
        framework=fw,
        units=units,
        years=years,
        codes=codes,
        values=arrays["values"],
        scores=arrays["scores"],
        bands=arrays["bands"],
        change=arrays["change"],
        progress=arrays["progress"],
        trends=arrays["trends"],
        targets=targets,
        observations=pd.DataFrame(
            columns=["unit", "year", "measure", "source", "verified", "synthetic"]
        ),
        visible=visible,
        contexts=contexts,
        method={
            "method": snapshot.spec.get("profile", {}).get("method", "u4ssc"),
            "spec": snapshot.spec.get("profile", {}),
        },
        robustness=intervals,
        robustness_method=dict(snapshot.sensitivity or {}),
        source_label=f"citydiplomacy platform, score snapshot of data version "
        f"{snapshot.data_version}",
    )
    with _lock:
        for old in [k for k in _cache if k[:3] != key[:3]]:
            del _cache[old]
        _cache[key] = cohort
    return cohort


def cohort_for(
    snapshot: ScoreSnapshot, user: Any, city: City, *, provenance: bool = True
) -> Cohort:
    """The cohort as ``user`` may see it, with ``city``'s own values' provenance (the source,
    status and synthetic flag of each value; left out with ``provenance=False``).

    Analysts and the secretariat get the full cohort; everyone else the published one, plus
    (for the city's editors) the city's own unpublished years.
    """
    full = visibility.sees_unpublished(user)
    base = _base(snapshot, "full" if full else "public")
    key = str(city.pk)
    if key not in base.units.index:
        return base
    u = base.unit(key)
    overlay = not full and visibility.sees_unpublished(user, city)
    values, scores, bands = base.values, base.scores, base.bands
    change, progress, trends, visible = base.change, base.progress, base.trends, base.visible
    if overlay:
        # The city's editor: the published cohort, with the city's own slice taken from the
        # full cohort (cached too, so no query once warm).
        whole = _base(snapshot, "full")
        w = whole.unit(key)
        values, scores, change, progress = (a.copy() for a in (values, scores, change, progress))
        bands, trends, visible = bands.copy(), trends.copy(), visible.copy()
        for mine, theirs in (
            (values, whole.values),
            (scores, whole.scores),
            (bands, whole.bands),
            (change, whole.change),
            (progress, whole.progress),
            (trends, whole.trends),
        ):
            mine[:, u, :] = theirs[:, w, :]
        visible[:, u] = whole.visible[:, w]
    obs = (
        list(
            KpiValue.objects.filter(city_id=city.pk).values_list(
                "year", "measure", "source", "status", "synthetic"
            )
        )
        if provenance
        else []
    )
    observations = pd.DataFrame(
        {
            "unit": [key] * len(obs),
            "year": [int(o[0]) for o in obs],
            "measure": [o[1] for o in obs],
            "source": [o[2] or "" for o in obs],
            "verified": [o[3] == Status.VERIFIED for o in obs],
            "synthetic": [bool(o[4]) for o in obs],
        }
    )
    return Cohort(
        framework=base.framework, units=base.units, years=base.years, codes=base.codes,
        values=values, scores=scores, bands=bands, change=change, progress=progress,
        trends=trends if overlay else base.trends, targets=base.targets,
        observations=observations, visible=visible, contexts=base.contexts,
        method=base.method, robustness=base.robustness,
        robustness_method=base.robustness_method, source_label=base.source_label,
    )  # fmt: skip


def clear_cache() -> None:
    """Forget cached cohorts (tests)."""
    with _lock:
        _cache.clear()


__all__ = ["SCOPES", "clear_cache", "cohort_for", "trend_codes"]
