"""Imports and exports of a cohort: responses (CSV/XLSX, all or nothing) and aggregates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from citydiplomacy.core.capacity.responses import read_responses
from citydiplomacy.errors import Problem, ValidationError
from citydiplomacy.io import capacity as capacity_io
from citydiplomacy.web.capacity import permissions
from citydiplomacy.web.capacity.models import (
    Assessment,
    Participant,
    Person,
    Programme,
    Rating,
)
from citydiplomacy.web.capacity.services.base import _table_bytes
from citydiplomacy.web.capacity.services.framework_store import current_framework, framework_of
from citydiplomacy.web.capacity.services.programmes import _require_organiser, programme_people
from citydiplomacy.web.capacity.services.reports import cohort_report
from citydiplomacy.web.cities.services import CityMatcher


def _resolve_city(text: str, matcher: CityMatcher) -> tuple[int | None, str]:
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 10:
        return matcher.match("", "", int(text))
    name, _, country = text.rpartition(",")
    if not name or len(country.strip()) != 2:
        return None, f"city must be 'Name, CC' (ISO country code) or a GeoNames id, got {text!r}"
    return matcher.match(name.strip(), country.strip().upper(), None)


def import_responses(
    by: Any, programme: Programme, content: bytes, filename: str
) -> dict[str, int]:
    """Responses of a cohort from a CSV/XLSX file: people join the programme and their
    ratings are stored; all or nothing, every problem as ``file:row:column``.

    A person is matched by name within the programme (a new one is created in the city).
    """
    _require_organiser(by, programme)
    fv = current_framework()
    fw = framework_of(fv)
    table = capacity_io.read_table(content, filename)
    responses = read_responses(table, filename, fw)
    header = [str(c).strip().lower() for c in table.columns]
    city_col = header.index("city") + 1
    matcher = CityMatcher()
    problems: list[Problem] = []
    city_ids: list[int] = []
    first_rows = _first_rows(table, responses.people)
    for name, city_text in zip(responses.people, responses.cities, strict=True):
        city_id, why = _resolve_city(city_text, matcher)
        if city_id is None:
            problems.append(Problem(filename, first_rows[name], city_col, why))
        city_ids.append(city_id or 0)
    existing = {p.name: p for p in programme_people(programme)}
    for i, name in enumerate(responses.people):
        p = existing.get(name)
        if p is not None and city_ids[i] and p.city_id != city_ids[i]:
            problems.append(
                Problem(
                    filename,
                    first_rows[name],
                    city_col,
                    f"{name!r} takes part from another city already",
                )
            )
    if problems:
        raise ValidationError(problems)
    comp_ids = dict(fv.competencies.values_list("code", "pk"))
    ratings = 0
    with transaction.atomic():
        for i, name in enumerate(responses.people):
            person = existing.get(name) or Person.objects.create(
                name=name, city_id=city_ids[i], role=responses.roles[i]
            )
            Participant.objects.get_or_create(programme=programme, person=person)
            for (phase, kind), arr in responses.ratings.items():
                row = arr[i]
                if np.isnan(row).all():
                    continue
                rater = "self" if kind == "self" else responses.second_by[i]
                a, _ = Assessment.objects.update_or_create(
                    person=person,
                    framework=fv,
                    phase=phase,
                    rater=rater,
                    defaults={
                        "rated_by": None if rater == "self" else by,
                        "updated_at": timezone.now(),
                    },
                )
                a.ratings.all().delete()
                new = [
                    Rating(assessment=a, competency_id=comp_ids[fw.codes[k]], level=int(row[k]))
                    for k in np.nonzero(~np.isnan(row))[0]
                ]
                Rating.objects.bulk_create(new)
                ratings += len(new)
    return {"people": len(responses.people), "ratings": ratings}


def _first_rows(table: pd.DataFrame, people: Sequence[str]) -> dict[str, int]:
    col = [str(c).strip().lower() for c in table.columns].index("person")
    out: dict[str, int] = {}
    for i, v in enumerate(table.iloc[:, col].astype(str)):
        out.setdefault(v.strip(), i + 2)
    return {p: out.get(p, 0) for p in people}


RESPONSE_COLUMNS = ("person", "city", "role", "competency", "level", "rater", "phase")


def responses_export(viewer: Any, programme: Programme, fmt: str = "csv") -> bytes:
    """The cohort's individual ratings, only of the people whose ratings ``viewer`` may
    read (organisers: all participants; a city manager: their city's; a participant:
    their own), in the import format."""
    if not permissions.can_view_programme(viewer, programme):
        raise PermissionDenied("You do not take part in this programme.")
    fv = current_framework()
    people = programme_people(programme)
    ids = permissions.readable_person_ids(viewer, people)
    readable = [p for p in people if p.pk in ids]
    rows = (
        Rating.objects.filter(assessment__person__in=readable, assessment__framework=fv)
        .select_related("assessment__person__city", "competency")
        .order_by(
            "assessment__person__name",
            "assessment__phase",
            "assessment__rater",
            "competency__position",
        )
    )
    records = [
        {
            "person": r.assessment.person.name,
            "city": f"{r.assessment.person.city.name}, {r.assessment.person.city.country_id}",
            "role": r.assessment.person.role,
            "competency": r.competency.code,
            "level": r.level,
            "rater": r.assessment.rater,
            "phase": r.assessment.phase,
        }
        for r in rows
    ]
    return _table_bytes(pd.DataFrame(records, columns=list(RESPONSE_COLUMNS)), fmt, "responses")


def cohort_export(viewer: Any, programme: Programme, fmt: str = "csv") -> bytes:
    """The cohort's aggregates per competency and city (groups under five left blank)."""
    report = cohort_report(viewer, programme)
    fw = report.framework
    hm = report.by_city
    records = []
    for k, col in enumerate(hm.columns):
        code = fw.codes[col]
        cohort = hm.cohort
        records.append(
            {
                "group": "whole cohort",
                "competency": code,
                "raters": int(cohort.n_rated[col]),
                "mean_rating": _num(cohort.mean_rating[col]),
                "mean_gap": _num(cohort.mean_gap[col]),
                "share_below_target": _num(cohort.share_below[col]),
            }
        )
        for g, label in enumerate(hm.groups):
            records.append(
                {
                    "group": label,
                    "competency": code,
                    "raters": int(hm.counts[g, k]),
                    "mean_rating": None,
                    "mean_gap": _num(hm.values[g, k]),
                    "share_below_target": None,
                }
            )
    return _table_bytes(pd.DataFrame(records), fmt, "cohort")


def _num(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 3)
