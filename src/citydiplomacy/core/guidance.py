"""Evidence-based policy guidance: rules that turn a weak result into recommendations, and the
peer cities to learn from.

UNECE turns each city's diagnosis into tailored guidance. Here that step is data plus a few
pure functions:

* A :class:`RuleSet` is parsed from plain data (a mapping, usually read from YAML by the
  caller; this module reads no files). Each :class:`Rule` watches one framework node (a
  category or a KPI) and fires when its band is at or below a threshold, when its trend is
  worsening, or when it is off track (moving away from its target since the first year); any
  one condition is enough. A rule carries recommendations, each citing at least one
  :class:`Source` (title and URL).
* :func:`validate_rules` checks a rule set against a framework's node table: every node a rule
  names exists, and every category (level 2 by default) has at least one rule.
* :func:`select_peers` chooses, for one node, the cities to learn from: among the cities most
  alike in context (:func:`citydiplomacy.core.context.context_similarity`), those that perform
  strongly (band 3 or 4, best score first) and those that improved the most since their
  previous year, each with its figures.
* :func:`recommend` evaluates the rules on one city-year and attaches the peers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Trend codes of the stored scores: score up, down or flat since the previous year.
TRENDS = ("up", "down", "flat", "")
#: Languages every recommendation must have; others are optional (English is the fallback).
REQUIRED_LANGUAGES = ("en",)
#: Highest band (U4SSC: 4 = 95 %+ of target).
MAX_BAND = 4


class GuidanceError(ValueError):
    """A rule set that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Source:
    """A public document a recommendation rests on."""

    key: str
    title: str
    url: str
    kind: str = ""

    def to_data(self) -> dict[str, str]:
        """The source as plain data."""
        return {"key": self.key, "title": self.title, "url": self.url, "kind": self.kind}


@dataclass(frozen=True)
class Recommendation:
    """One policy recommendation, in one or more languages, with its sources."""

    key: str
    text: Mapping[str, str]
    sources: tuple[Source, ...]

    def text_in(self, lang: str) -> str:
        """The text in ``lang`` (a language code such as ``fr`` or ``fr_CH``), else English."""
        base = lang.replace("-", "_").split("_")[0].lower()
        return self.text.get(lang) or self.text.get(base) or self.text["en"]


@dataclass(frozen=True)
class Trigger:
    """When a rule fires: any condition set here is enough.

    Attributes
    ----------
    band_at_most
        The node's band (1-4) is at or below this (a band of 0, not scored, never fires).
    worsening
        The node's trend is ``down`` (its score fell by a point or more since the previous
        reported year).
    off_track
        The node moved away from its target since the city's first reported year (progress
        below 0; measures only, since aggregates have no target).
    """

    band_at_most: int | None = None
    worsening: bool = False
    off_track: bool = False

    def reasons(self, status: NodeStatus) -> list[str]:
        """The conditions ``status`` meets (codes: ``band``, ``worsening``, ``off_track``)."""
        out = []
        if self.band_at_most is not None and 0 < status.band <= self.band_at_most:
            out.append("band")
        if self.worsening and status.trend == "down":
            out.append("worsening")
        if self.off_track and status.progress is not None and status.progress < 0:
            out.append("off_track")
        return out


@dataclass(frozen=True)
class Rule:
    """A node watched, the condition, and what to recommend."""

    id: str
    node: str
    trigger: Trigger
    recommendations: tuple[Recommendation, ...]
    priority: int = 2


@dataclass(frozen=True)
class RuleSet:
    """Every rule of a framework and the sources they cite."""

    framework: str
    sources: Mapping[str, Source]
    rules: tuple[Rule, ...]

    def rules_for(self, node: str) -> list[Rule]:
        """The rules that watch ``node``."""
        return [r for r in self.rules if r.node == node]


@dataclass(frozen=True)
class NodeStatus:
    """What the rules look at for one node of one city-year."""

    code: str
    band: int
    trend: str = ""
    progress: float | None = None
    score: float | None = None


@dataclass(frozen=True)
class Peer:
    """A city to learn from on one node, with its figures."""

    city_id: Any
    reason: str  # "strong" (band 3-4, high score) or "improved" (largest gain)
    similarity: float
    score: float | None
    band: int
    change: float | None
    value: float | None = None

    def to_data(self) -> dict[str, Any]:
        """The peer as plain data."""
        return {
            "city_id": self.city_id,
            "reason": self.reason,
            "similarity": _num(self.similarity),
            "score": _num(self.score),
            "band": self.band,
            "change": _num(self.change),
            "value": _num(self.value),
        }


@dataclass(frozen=True)
class Guidance:
    """A rule that fired for a city-year: why, what to do, and whom to learn from."""

    rule: Rule
    status: NodeStatus
    reasons: tuple[str, ...]
    peers: tuple[Peer, ...] = field(default=())


def _num(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return float(x)


# ----------------------------------------------------------------------------- parsing
def parse_rules(data: Mapping[str, Any]) -> RuleSet:
    """Build a :class:`RuleSet` from plain data, collecting every problem.

    The expected shape (see ``data/guidance/u4ssc.yaml``)::

        framework: u4ssc
        sources:
          sdg-11-6: {title: "...", url: "https://...", kind: sdg}
        rules:
          - id: air-quality-low
            node: EN-EN-AQ
            when: {band_at_most: 2, worsening: true, off_track: true}
            priority: 1
            recommendations:
              - key: air-quality-plan
                text: {en: "...", fr: "..."}
                sources: [sdg-11-6]

    Raises
    ------
    GuidanceError
        With every problem found (not only the first).
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise GuidanceError(["a rule set must be a mapping with framework, sources and rules"])
    framework = str(data.get("framework") or "")
    if not framework:
        problems.append("the rule set names no framework")
    sources: dict[str, Source] = {}
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, Mapping) or not raw_sources:
        problems.append("the rule set has no sources mapping")
        raw_sources = {}
    for key, src in raw_sources.items():
        if not isinstance(src, Mapping):
            problems.append(f"source {key}: expected a mapping with title and url")
            continue
        title, url = str(src.get("title") or "").strip(), str(src.get("url") or "").strip()
        if not title:
            problems.append(f"source {key}: no title")
        if not url.startswith(("https://", "http://")):
            problems.append(f"source {key}: url must start with https:// or http://, got {url!r}")
        sources[str(key)] = Source(str(key), title, url, str(src.get("kind") or ""))
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("the rule set has no rules list")
        raw_rules = []
    rules: list[Rule] = []
    ids: set[str] = set()
    rec_keys: set[str] = set()
    for i, raw in enumerate(raw_rules, start=1):
        where = f"rule {i}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: expected a mapping")
            continue
        rule_id = str(raw.get("id") or "")
        where = f"rule {i} ({rule_id or 'no id'})"
        if not rule_id:
            problems.append(f"{where}: no id")
        elif rule_id in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(rule_id)
        node = str(raw.get("node") or "")
        if not node:
            problems.append(f"{where}: no node")
        trigger = _trigger(raw.get("when"), where, problems)
        priority = raw.get("priority", 2)
        if not isinstance(priority, int) or isinstance(priority, bool) or not 1 <= priority <= 3:
            problems.append(f"{where}: priority must be 1, 2 or 3")
            priority = 2
        recs: list[Recommendation] = []
        raw_recs = raw.get("recommendations")
        if not isinstance(raw_recs, list) or not raw_recs:
            problems.append(f"{where}: no recommendations")
            raw_recs = []
        for j, rec in enumerate(raw_recs, start=1):
            parsed = _recommendation(rec, f"{where} recommendation {j}", sources, problems)
            if parsed is not None:
                if parsed.key in rec_keys:
                    problems.append(f"{where} recommendation {j}: duplicate key {parsed.key}")
                rec_keys.add(parsed.key)
                recs.append(parsed)
        rules.append(Rule(rule_id, node, trigger, tuple(recs), int(priority)))
    if problems:
        raise GuidanceError(problems)
    return RuleSet(framework, sources, tuple(rules))


def _trigger(raw: object, where: str, problems: list[str]) -> Trigger:
    if not isinstance(raw, Mapping) or not raw:
        problems.append(f"{where}: 'when' must set band_at_most, worsening or off_track")
        return Trigger()
    unknown = set(raw) - {"band_at_most", "worsening", "off_track"}
    if unknown:
        problems.append(f"{where}: unknown condition(s) {sorted(unknown)}")
    band = raw.get("band_at_most")
    if band is not None and (
        not isinstance(band, int) or isinstance(band, bool) or not 1 <= band < MAX_BAND
    ):
        problems.append(f"{where}: band_at_most must be 1, 2 or 3")
        band = None
    flags = {}
    for name in ("worsening", "off_track"):
        value = raw.get(name, False)
        if not isinstance(value, bool):
            problems.append(f"{where}: {name} must be true or false")
            value = False
        flags[name] = value
    trigger = Trigger(band, flags["worsening"], flags["off_track"])
    if band is None and not trigger.worsening and not trigger.off_track:
        problems.append(f"{where}: the rule can never fire (no condition set)")
    return trigger


def _recommendation(
    raw: object, where: str, sources: Mapping[str, Source], problems: list[str]
) -> Recommendation | None:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: expected a mapping with key, text and sources")
        return None
    key = str(raw.get("key") or "")
    if not key:
        problems.append(f"{where}: no key")
    text = raw.get("text")
    if isinstance(text, str):
        text = {"en": text}
    if not isinstance(text, Mapping):
        problems.append(f"{where}: text must be a mapping of language to text")
        text = {}
    clean = {str(k): " ".join(str(v).split()) for k, v in text.items() if str(v).strip()}
    for lang in REQUIRED_LANGUAGES:
        if lang not in clean:
            problems.append(f"{where}: no text in {lang!r}")
    keys = raw.get("sources")
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, list) or not keys:
        problems.append(f"{where}: cites no source")
        keys = []
    cited = []
    for k in keys:
        if str(k) not in sources:
            problems.append(f"{where}: unknown source {k!r}")
        else:
            cited.append(sources[str(k)])
    return Recommendation(key, clean, tuple(cited))


def validate_rules(
    rules: RuleSet,
    nodes: Mapping[str, int],
    *,
    framework: str | None = None,
    require_level: int = 2,
) -> list[str]:
    """Problems of a rule set against a framework (an empty list when it fits).

    Parameters
    ----------
    rules
        The parsed rule set.
    nodes
        Framework node code -> level.
    framework
        The framework's name, checked against the rule set's when given.
    require_level
        Every node of this level needs at least one rule (2 = categories).
    """
    problems = []
    if framework is not None and framework != rules.framework:
        problems.append(f"the rules are for framework {rules.framework!r}, not {framework!r}")
    for rule in rules.rules:
        if rule.node not in nodes:
            problems.append(f"rule {rule.id}: node {rule.node!r} is not in the framework")
        elif rule.trigger.off_track and nodes[rule.node] > 1:
            problems.append(
                f"rule {rule.id}: off_track applies to KPIs and data points only "
                f"({rule.node} is of level {nodes[rule.node]})"
            )
    watched = {r.node for r in rules.rules}
    for code, level in nodes.items():
        if level == require_level and code not in watched:
            problems.append(f"no rule for {code} (level {require_level})")
    return problems


# ----------------------------------------------------------------------------- peers
def select_peers(
    similarity: pd.Series,
    performance: pd.DataFrame,
    city_id: Any,
    *,
    n_strong: int = 2,
    n_improved: int = 1,
    pool: int = 15,
    min_similarity: float = 0.0,
) -> list[Peer]:
    """Cities to learn from on one node: alike in context, and strong or improving there.

    Parameters
    ----------
    similarity
        Context similarity of each candidate city to ``city_id`` (index = city id, values in
        [0, 1]), e.g. :func:`citydiplomacy.core.context.context_similarity`.
    performance
        The node's results in the year of the report, index = city id, columns ``score``
        (0-100), ``band`` (0-4) and ``change`` (score change since the previous year), and
        optionally ``value``. Cities without a score are ignored.
    city_id
        The city the guidance is for (never its own peer).
    n_strong, n_improved
        How many strong performers and how many most-improved cities to name.
    pool
        Only the ``pool`` most similar cities with a result are considered, so that the peers
        stay like the city rather than merely the best anywhere.
    min_similarity
        Candidates less similar than this are left out.

    Returns
    -------
    list of Peer
        Strong performers first (best score, then most similar), then the most improved
        (largest positive change) not already named.
    """
    perf = performance[performance.index != city_id]
    perf = perf[pd.to_numeric(perf["score"], errors="coerce").notna()]
    sim = pd.to_numeric(similarity, errors="coerce").reindex(perf.index)
    frame = perf.assign(similarity=sim)
    frame = frame[frame["similarity"].notna() & (frame["similarity"] >= min_similarity)]
    if frame.empty:
        return []
    # Ties on similarity are broken by id, so the choice does not depend on row order.
    frame = frame.assign(_id=frame.index.astype(str))
    frame = frame.sort_values(["similarity", "_id"], ascending=[False, True]).head(pool)
    peers: list[Peer] = []
    strong = frame[frame["band"].astype(int) >= 3].sort_values(
        ["score", "similarity", "_id"], ascending=[False, False, True]
    )
    for cid, row in strong.head(n_strong).iterrows():
        peers.append(_peer(cid, row, "strong"))
    chosen = {p.city_id for p in peers}
    frame = frame.assign(_change=pd.to_numeric(frame["change"], errors="coerce"))
    improved = frame[(frame["_change"] > 0) & ~frame.index.isin(list(chosen))]
    improved = improved.sort_values(
        ["_change", "similarity", "_id"], ascending=[False, False, True]
    )
    for cid, row in improved.head(n_improved).iterrows():
        peers.append(_peer(cid, row, "improved"))
    return peers


def _peer(city_id: Any, row: pd.Series, reason: str) -> Peer:
    value = row.get("value")
    return Peer(
        city_id=city_id,
        reason=reason,
        similarity=float(row["similarity"]),
        score=_num(float(row["score"])),
        band=int(row["band"]),
        change=_num(float(row["change"])) if row.get("change") is not None else None,
        value=_num(float(value)) if value is not None else None,
    )


# ----------------------------------------------------------------------------- evaluation
def evaluate(rules: RuleSet, statuses: Mapping[str, NodeStatus]) -> list[Guidance]:
    """The rules that fire on one city-year, weakest node first.

    Parameters
    ----------
    rules
        The rule set.
    statuses
        Node code -> its status in the city-year (nodes absent are not reported: no rule on
        them fires, since a data gap is a different finding).

    Returns
    -------
    list of Guidance
        Sorted by priority, then band (lowest first), then worst trend, then rule id.
    """
    out = []
    for rule in rules.rules:
        status = statuses.get(rule.node)
        if status is None:
            continue
        reasons = rule.trigger.reasons(status)
        if reasons:
            out.append(Guidance(rule, status, tuple(reasons)))
    out.sort(
        key=lambda g: (
            g.rule.priority,
            g.status.band if g.status.band else MAX_BAND + 1,
            0 if g.status.trend == "down" else 1,
            g.rule.id,
        )
    )
    return out


def recommend(
    rules: RuleSet,
    statuses: Mapping[str, NodeStatus],
    city_id: Any,
    similarity: pd.Series,
    performance: Mapping[str, pd.DataFrame],
    *,
    limit: int | None = None,
    n_strong: int = 2,
    n_improved: int = 1,
) -> list[Guidance]:
    """Evaluate the rules and name peers for each guidance item.

    Parameters
    ----------
    rules, statuses
        As for :func:`evaluate`.
    city_id
        The city the guidance is for.
    similarity
        Context similarity of every candidate city to ``city_id``.
    performance
        Node code -> the node's performance frame (see :func:`select_peers`); nodes missing
        here get no peers.
    limit
        Keep only the first ``limit`` items (all when ``None``).
    """
    items = evaluate(rules, statuses)
    if limit is not None:
        items = items[:limit]
    out = []
    for g in items:
        frame = performance.get(g.rule.node)
        peers: Iterable[Peer] = ()
        if frame is not None and not frame.empty:
            peers = select_peers(
                similarity, frame, city_id, n_strong=n_strong, n_improved=n_improved
            )
        out.append(Guidance(g.rule, g.status, g.reasons, tuple(peers)))
    return out
