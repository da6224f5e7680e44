"""Commitments of cities and their progress on the KPI values a reader may see."""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Iterable
from typing import Any

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from citydiplomacy.core import commitments as rule
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement.models import (
    Commitment,
    CommitmentOrigin,
    Declaration,
    DeclarationCommitment,
    DeclarationStatus,
)
from citydiplomacy.web.engagement.services.common import (
    YEAR_MAX,
    YEAR_MIN,
    EngagementError,
    Message,
    too_long,
    url_problem,
)


def kpi_observations(user: Any, commitment: Commitment) -> dict[int, float]:
    """The city's values of the commitment's measure that ``user`` may read, by year."""
    from citydiplomacy.web.indicators.services import visible_values

    rows = visible_values(user).filter(city_id=commitment.city_id, measure=commitment.measure)
    return {int(y): float(v) for y, v in rows.values_list("year", "value")}


def measure_info(measure: str) -> dict[str, Any] | None:
    """Name, unit and direction of a framework measure, or ``None`` if unknown."""
    info = _measure_table().get(measure)
    return dict(info) if info is not None else None


@functools.cache
def _measure_table() -> dict[str, dict[str, Any]]:
    """Every measure of the platform's framework (read once: the framework is fixed for the
    process, see ``indicators.services.framework``)."""
    from citydiplomacy.web.indicators.services import framework

    table = framework().to_table()
    out: dict[str, dict[str, Any]] = {}
    for code, name, unit, direction in zip(
        table["code"].astype(str),
        table["name"].astype(str),
        table["unit"].fillna("").astype(str),
        pd.to_numeric(table["direction"], errors="coerce").fillna(0).astype(int),
        strict=True,
    ):
        # a missing direction is two-sided (0)
        out[code] = {"code": code, "name": name, "unit": unit, "direction": int(direction)}
    return out


def commitment_path(commitment: Commitment) -> rule.Path:
    info = measure_info(commitment.measure)
    return rule.Path(
        commitment.baseline_year,
        commitment.baseline_value,
        commitment.target_year,
        commitment.target_value,
        info["direction"] if info else 1,
    )


def progress(user: Any, commitment: Commitment) -> rule.Progress:
    """The commitment's progress on the KPI values ``user`` may read."""
    return rule.assess(commitment_path(commitment), kpi_observations(user, commitment))


#: Bounds that keep NaN and the infinities out of the latest-value lookup (PostgreSQL sorts
#: NaN above every number; the rule ignores non-finite values).
_FINITE = {"value__gte": -sys.float_info.max, "value__lte": sys.float_info.max}


def with_latest_value(qs: QuerySet[Commitment], user: Any) -> QuerySet[Commitment]:
    """``qs`` annotated with the year and value of the latest KPI value after each
    commitment's baseline year that ``user`` may read (``latest_year``, ``latest_value``;
    ``None`` when there is none).

    The linear-path rule assesses exactly that observation (:func:`rule.assess` takes the
    latest finite value of a year after the baseline), so a list of commitments is
    assessed from one query, never one query per commitment."""
    from citydiplomacy.web.indicators.services import visible_values

    latest = (
        visible_values(user)
        .filter(
            city_id=OuterRef("city_id"),
            measure=OuterRef("measure"),
            year__gt=OuterRef("baseline_year"),
            **_FINITE,
        )
        .order_by("-year")
    )
    return qs.annotate(
        latest_year=Subquery(latest.values("year")[:1]),
        latest_value=Subquery(latest.values("value")[:1]),
    )


def assessed(commitments: Iterable[Commitment]) -> list[tuple[Commitment, rule.Progress]]:
    """Each commitment of a :func:`with_latest_value` query with its progress (no query)."""
    out = []
    for c in commitments:
        year = getattr(c, "latest_year", None)
        value = getattr(c, "latest_value", None)
        observations = {} if year is None or value is None else {int(year): float(value)}
        out.append((c, rule.assess(commitment_path(c), observations)))
    return out


def progress_of(user: Any, qs: QuerySet[Commitment]) -> list[tuple[Commitment, rule.Progress]]:
    """The commitments of ``qs`` with their progress on what ``user`` may read: one query."""
    return assessed(with_latest_value(qs, user))


#: Longest texts of a commitment (the columns' ``max_length``).
_COMMITMENT_LENGTHS = {
    key: int(getattr(Commitment._meta.get_field(key), "max_length", 0) or 0)
    for key in ("title", "network", "measure")
}


def _year(data: dict[str, Any], key: str, problems: list[Message]) -> int | None:
    """A year of the commitment, or ``None`` with the problem recorded."""
    raw = str(data.get(key, "")).strip()
    try:
        year = int(raw)
    except ValueError:
        problems.append(
            Message(_("expected a year such as 2030, found %(found)s"), key, found=repr(raw))
        )
        return None
    if not YEAR_MIN <= year <= YEAR_MAX:
        problems.append(
            Message(
                _("expected a year from %(first)s to %(last)s, found %(found)s"),
                key,
                first=YEAR_MIN,
                last=YEAR_MAX,
                found=year,
            )
        )
        return None
    return year


def _number(data: dict[str, Any], key: str, problems: list[Message]) -> float | None:
    """A finite value of the commitment, or ``None`` with the problem recorded."""
    raw = str(data.get(key, "")).strip()
    try:
        value = float(raw)
    except ValueError:
        problems.append(Message(_("expected a number, found %(found)s"), key, found=repr(raw)))
        return None
    if not math.isfinite(value):
        problems.append(
            Message(_("expected a finite number, found %(found)s"), key, found=repr(raw))
        )
        return None
    return value


def record_commitment(by: Any, city: City, data: dict[str, Any]) -> Commitment:
    """Record a city's commitment (editors of the city and the secretariat).

    ``data`` holds title, origin, measure, baseline_year, baseline_value, target_year,
    target_value and optionally declaration, declaration_commitment, network, source_url.
    A declaration named must be adopted or closed (a draft is not public, and a pledge
    cannot come from a text that is not agreed). Raises :class:`EngagementError` with
    every problem found, field by field.
    """
    if not permissions.can_edit_city(by, city):
        raise PermissionDenied(Message(_("You do not edit the data of %(city)s."), city=city.name))
    problems: list[Message] = []
    for key, limit in _COMMITMENT_LENGTHS.items():
        text = str(data.get(key, "")).strip()
        if len(text) > limit:
            problems.append(too_long(key, limit, len(text)))
    info = measure_info(str(data.get("measure", "")))
    if info is None:
        measure = str(data.get("measure", ""))[:70]
        problems.append(
            Message(
                _("%(measure)s is not a measure of the framework"),
                "measure",
                measure=repr(measure),
            )
        )
    if data.get("origin") not in CommitmentOrigin.values:
        problems.append(
            Message(
                _("expected one of %(choices)s"),
                "origin",
                choices=", ".join(CommitmentOrigin.values),
            )
        )
    if not str(data.get("title", "")).strip():
        problems.append(Message(_("expected a short description of the pledge"), "title"))
    years = [_year(data, "baseline_year", problems), _year(data, "target_year", problems)]
    values = [_number(data, "baseline_value", problems), _number(data, "target_value", problems)]
    path = None
    if None not in years and (years[1] or 0) <= (years[0] or 0):
        problems.append(
            Message(
                _("the target year %(target)s must come after the baseline year %(baseline)s"),
                "target_year",
                target=years[1],
                baseline=years[0],
            )
        )
    elif None not in years and None not in values:
        try:
            path = rule.Path(
                int(years[0] or 0),
                float(values[0] or 0.0),
                int(years[1] or 0),
                float(values[1] or 0.0),
                info["direction"] if info else 1,
            )
        except ValueError as exc:
            problems.append(Message(str(exc), "baseline and target"))
    if path is not None and rule.path_direction_conflicts(path):
        problems.append(
            Message(
                _("for this KPI lower is better, but the target moves the other way")
                if path.direction == -1
                else _("for this KPI higher is better, but the target moves the other way"),
                "target",
            )
        )
    declaration: Declaration | None = data.get("declaration")
    item: DeclarationCommitment | None = data.get("declaration_commitment")
    if item is not None and declaration is None:
        declaration = item.declaration
    if item is not None and item.declaration_id != getattr(declaration, "pk", None):
        problems.append(
            Message(_("the commitment is not one of that declaration"), "declaration_commitment")
        )
    elif declaration is not None and declaration.status == DeclarationStatus.DRAFT:
        # Same message whether or not the draft exists for this user: a draft is not public.
        problems.append(
            Message(_("expected a commitment of an adopted declaration"), "declaration_commitment")
        )
    if data.get("origin") == CommitmentOrigin.DECLARATION and declaration is None:
        problems.append(
            Message(_("a pledge from a declaration names the declaration"), "declaration")
        )
    if data.get("origin") == CommitmentOrigin.NETWORK and not str(data.get("network", "")):
        problems.append(Message(_("name the network the pledge was made in"), "network"))
    source_url = str(data.get("source_url", "")).strip()
    url_issue = url_problem(source_url, "source_url")
    if url_issue is not None:
        problems.append(url_issue)
    if problems:
        raise EngagementError(*problems)
    assert path is not None
    return Commitment.objects.create(
        city=city,
        title=str(data["title"]).strip(),
        origin=data["origin"],
        declaration=declaration,
        declaration_commitment=item,
        network=str(data.get("network", "")).strip(),
        measure=str(data["measure"]),
        baseline_year=path.baseline_year,
        baseline_value=path.baseline_value,
        target_year=path.target_year,
        target_value=path.target_value,
        source_url=source_url,
        synthetic=bool(data.get("synthetic", False)),
        created_by=by,
    )


def adopted_items() -> QuerySet[DeclarationCommitment]:
    """Commitments of adopted or closed declarations: those a city may pledge on."""
    return (
        DeclarationCommitment.objects.exclude(declaration__status=DeclarationStatus.DRAFT)
        .select_related("declaration")
        .order_by("declaration__title", "number")
    )


def off_track(user: Any, city: City) -> list[tuple[Commitment, rule.Progress]]:
    """The city's commitments that are off track on the data ``user`` may read (one
    query)."""
    rows = progress_of(user, Commitment.objects.filter(city=city).order_by("target_year", "title"))
    return [(c, p) for c, p in rows if p.status == rule.Status.OFF_TRACK]
