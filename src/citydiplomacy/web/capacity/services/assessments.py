"""Ratings: a person's self-assessment or second rating, and rating and target arrays of a
group of people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from citydiplomacy.core.capacity.framework import (
    CompetencyFramework,
)
from citydiplomacy.web.capacity import permissions
from citydiplomacy.web.capacity.models import (
    Assessment,
    FrameworkVersion,
    Person,
    Phase,
    RaterKind,
    Rating,
)
from citydiplomacy.web.capacity.services.base import CapacityServiceError
from citydiplomacy.web.capacity.services.framework_store import current_framework, framework_of


def _check_levels(fw: CompetencyFramework, levels: Mapping[str, int]) -> dict[str, int]:
    problems = []
    out = {}
    for code, level in levels.items():
        if code not in fw.codes:
            problems.append(f"unknown competency {code!r}")
        elif not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
            problems.append(f"{code}: level must be a whole number from 1 to 5")
        else:
            out[code] = level
    if problems:
        raise CapacityServiceError("; ".join(problems))
    return out


@transaction.atomic
def save_assessment(
    by: Any,
    person: Person,
    levels: Mapping[str, int],
    *,
    phase: str = Phase.BEFORE,
    rater: str = RaterKind.SELF,
    fv: FrameworkVersion | None = None,
) -> Assessment:
    """Record ratings (replacing earlier ones of the same phase and rater).

    The self-assessment is the person's own; a second rating needs the rights of
    :func:`~.permissions.second_rater_kind`, and its kind (manager or peer) follows them.
    """
    if phase not in Phase.values:
        raise CapacityServiceError(f"phase must be one of {', '.join(Phase.values)}")
    if rater == RaterKind.SELF:
        if person.user_id is None or person.user_id != getattr(by, "pk", None):
            raise PermissionDenied("Only the person rates themselves.")
    else:
        kind = permissions.second_rater_kind(by, person)
        if kind is None:
            raise PermissionDenied("You may not give this person a second rating.")
        rater = kind
    fv = fv or current_framework()
    fw = framework_of(fv)
    checked = _check_levels(fw, levels)
    if not checked:
        raise CapacityServiceError("rate at least one competency")
    assessment, _ = Assessment.objects.update_or_create(
        person=person,
        framework=fv,
        phase=phase,
        rater=rater,
        defaults={
            "rated_by": by if by is not None and by.is_authenticated else None,
            "updated_at": timezone.now(),
        },
    )
    comp_ids = dict(fv.competencies.values_list("code", "pk"))
    assessment.ratings.all().delete()
    Rating.objects.bulk_create(
        Rating(assessment=assessment, competency_id=comp_ids[c], level=v)
        for c, v in checked.items()
    )
    return assessment


def rating_arrays(
    people: Sequence[Person], fv: FrameworkVersion, phase: str = Phase.BEFORE
) -> tuple[np.ndarray, np.ndarray]:
    """``(self, second)`` people x competencies arrays of one phase (NaN: not rated).

    Only call this for people whose ratings the caller may read, or to aggregate."""
    fw = framework_of(fv)
    n, c = len(people), len(fw.codes)
    own, second = np.full((n, c), np.nan), np.full((n, c), np.nan)
    row = {p.pk: i for i, p in enumerate(people)}
    col = {code: k for k, code in enumerate(fw.codes)}
    rows = Rating.objects.filter(
        assessment__person_id__in=list(row), assessment__framework=fv, assessment__phase=phase
    ).values_list("assessment__person_id", "assessment__rater", "competency__code", "level")
    for person_id, rater, code, level in rows.iterator(chunk_size=5000):
        target = own if rater == RaterKind.SELF else second
        target[row[person_id], col[code]] = level
    return own, second


def targets_of(people: Sequence[Person], fw: CompetencyFramework) -> np.ndarray:
    """Each person's targets (their role's), people x competencies."""
    by_role = {r: fw.targets(r) for r in fw.roles}
    zero = np.zeros(len(fw.codes))
    return np.array([by_role.get(p.role, zero) for p in people]).reshape(len(people), len(fw.codes))
