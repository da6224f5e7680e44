"""Forum pairing on the platform's data: participants file -> benefit matrix -> solver.

A participants file (CSV, UTF-8) has one row per city taking part:

``city``, ``country`` (ISO 3166-1 alpha-2)
    the city, matched to the registry by name (``geonames_id`` instead, if given);
``themes``
    framework category codes the city wants to learn about, separated by ``;``;
``languages`` (optional)
    working languages (ISO 639-1, ``;``-separated); default: the country's languages.

What ``i`` learns from ``j`` is, over ``i``'s themes, how much stronger ``j`` scores (points /
100, from the stored profiles, published years only), scaled by context similarity
(``0.5 + 0.5 * similarity``): lessons travel better between similar cities. Pairs of existing
partners and pairs without a shared working language are not allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist

from citydiplomacy.core import forum as core_forum
from citydiplomacy.core.context import context_embedding, similarity
from citydiplomacy.core.peers import SCORE_SCALE
from citydiplomacy.errors import Problem, ValidationError
from citydiplomacy.io.partners_files import ParticipantRow, read_participant_rows
from citydiplomacy.web.partners import services


@dataclass(frozen=True)
class Participant:
    row: int
    city_id: int
    name: str
    country: str
    themes: tuple[str, ...]
    languages: tuple[str, ...]


@dataclass(frozen=True)
class ForumResult:
    participants: list[Participant]
    assignment: core_forum.ForumAssignment
    benefit: np.ndarray
    reasons: dict[tuple[int, int], list[str]]


def read_participants(
    content: bytes, source: str, chosen: Mapping[tuple[str, str], int] | None = None
) -> list[Participant]:
    """Parse (:func:`citydiplomacy.io.partners_files.read_participant_rows`) and match a
    participants file; every problem is reported at once.

    ``chosen`` maps a (name, ISO country) pair to the GeoNames id meant by it, for names
    that several registry cities share and rows without a ``geonames_id``; an ambiguous
    name without a choice is reported with the cities to choose from.
    """
    from citydiplomacy.web.cities.models import City, normalise_name
    from citydiplomacy.web.cities.services import CityMatcher

    picks = {(normalise_name(n), c.upper()): int(i) for (n, c), i in (chosen or {}).items()}
    themes_known = {c for c, _ in services.theme_choices()}
    rows, problems = read_participant_rows(content, source, themes_known)
    matcher = CityMatcher()
    matched: list[tuple[ParticipantRow, int]] = []
    seen: dict[int, int] = {}
    for r in rows:
        gid = r.geonames_id
        if gid is None:
            gid = picks.get((normalise_name(r.name), r.country))
        city_id, why = matcher.match(r.name, r.country, gid)
        if city_id is None:
            hits = matcher.candidates(r.name, r.country) if gid is None else []
            if len(hits) > 1:
                found = City.objects.in_bulk(hits[:10])
                listed = "; ".join(
                    f"{i} {found[i].name} ({found[i].population:,} inhabitants, "
                    f"{found[i].latitude:.2f}, {found[i].longitude:.2f})"
                    for i in hits[:10]
                )
                why = (
                    f"{r.name!r} ({r.country}) matches {len(hits)} registry cities: {listed}; "
                    f"choose one with a geonames_id column or --geonames-id "
                    f"'{r.name},{r.country}=ID'"
                )
            problems.append(
                Problem(source, r.row, r.city_column, f"expected a registry city: {why}")
            )
            continue
        if city_id in seen:
            problems.append(
                Problem(source, r.row, 0, f"the city of row {seen[city_id]} appears again")
            )
            continue
        seen[city_id] = r.row
        if r.theme_problem is not None:
            problems.append(r.theme_problem)
            continue
        matched.append((r, city_id))
    if problems:
        raise ValidationError(sorted(problems, key=lambda p: (p.row, p.column)))
    found = City.objects.in_bulk([cid for _, cid in matched])
    out = [
        Participant(r.row, cid, found[cid].name, found[cid].country_id, r.themes, r.languages)
        for r, cid in matched
    ]
    if len(out) < 2:
        raise ValidationError([Problem(source, 0, 0, "expected at least two participants")])
    return out


def pair(
    participants: list[Participant],
    *,
    k: int = 1,
    group_size: int = 2,
    allow_partners: bool = False,
    any_language: bool = False,
    time_limit: float = 10.0,
) -> ForumResult:
    """Build the benefit matrix and the allowed mask, and solve."""
    from citydiplomacy.web.cities.services import context_frame

    ids = [p.city_id for p in participants]
    contexts = context_frame(ids).reindex(ids)
    perf = services.performance(public=True)
    n = len(ids)
    themes = sorted({t for p in participants for t in p.themes})
    scores = perf.scores.reindex(index=ids, columns=themes).to_numpy(np.float64)
    wants = np.array([[t in p.themes for t in themes] for p in participants], dtype=bool)
    embedding = context_embedding(contexts)
    alike = similarity(cdist(embedding, embedding))
    benefit = core_forum.learning_benefit(scores, wants, alike, SCORE_SCALE)
    reasons: dict[tuple[int, int], list[str]] = {}
    allowed = np.ones((n, n), dtype=bool)
    if not allow_partners:
        pairs = set(services.public_pairs())
        at = {cid: i for i, cid in enumerate(ids)}
        for a, b in pairs:
            if a in at and b in at:
                allowed[at[a], at[b]] = allowed[at[b], at[a]] = False
    if not any_language:
        own = contexts["languages"].to_dict()
        langs = [set(p.languages or tuple(own.get(p.city_id) or ())) for p in participants]
        for i in range(n):
            for j in range(n):
                if not langs[i] & langs[j]:
                    allowed[i, j] = False
    assignment = core_forum.pair_forum(
        benefit, allowed, k=k, group_size=group_size, time_limit=time_limit
    )
    col = {t: c for c, t in enumerate(themes)}
    for g in assignment.groups:
        for i in g.members:
            for j in g.members:
                lessons = []
                for t in participants[i].themes:
                    mine, theirs = scores[i, col[t]], scores[j, col[t]]
                    if i != j and np.isfinite(mine) and np.isfinite(theirs) and theirs > mine:
                        lessons.append(f"{t} ({mine:.0f} → {theirs:.0f})")
                if lessons:
                    reasons[(i, j)] = lessons
    return ForumResult(participants, assignment, benefit, reasons)


def result_records(result: ForumResult) -> list[dict[str, Any]]:
    """One record per group, for JSON and tables."""
    ps = result.participants
    out = []
    for n, g in enumerate(result.assignment.groups, start=1):
        lessons = []
        for i in g.members:
            for j in g.members:
                if (i, j) in result.reasons:
                    what = ", ".join(result.reasons[(i, j)])
                    lessons.append(f"{ps[i].name} learns from {ps[j].name}: {what}")
        out.append(
            {
                "group": n,
                "cities": [
                    {"geonames_id": ps[i].city_id, "name": ps[i].name, "country": ps[i].country}
                    for i in g.members
                ],
                "benefit": round(g.benefit, 6),
                "lessons": lessons,
            }
        )
    return out
