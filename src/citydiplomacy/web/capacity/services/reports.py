"""Gap reports: a person's (gaps, plan, change), a group's aggregates and a cohort's heat
maps and change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied

from citydiplomacy.core.capacity import change as pre_post
from citydiplomacy.core.capacity import gaps as gap_maths
from citydiplomacy.core.capacity import plan as planning
from citydiplomacy.core.capacity.framework import (
    CompetencyFramework,
)
from citydiplomacy.web.capacity import permissions
from citydiplomacy.web.capacity.models import (
    Module,
    Person,
    Phase,
    Programme,
)
from citydiplomacy.web.capacity.services.assessments import rating_arrays, targets_of
from citydiplomacy.web.capacity.services.base import DEFAULT_RULE
from citydiplomacy.web.capacity.services.framework_store import current_framework, framework_of
from citydiplomacy.web.capacity.services.programmes import programme_people
from citydiplomacy.web.cities.models import City


@dataclass(frozen=True)
class PersonReport:
    person: Person
    framework: CompetencyFramework
    own: np.ndarray
    second: np.ndarray
    combined: np.ndarray
    targets: np.ndarray
    gaps: list[gap_maths.Gap]
    disagree: list[str]
    plan: planning.LearningPlan
    modules: list[Module]
    after: np.ndarray
    change: np.ndarray
    rule: str


def catalogue(fw: CompetencyFramework) -> tuple[list[Module], np.ndarray, np.ndarray]:
    """The modules, their competency cover (modules x competencies) and hours."""
    modules = list(Module.objects.all())
    col = {code: k for k, code in enumerate(fw.codes)}
    covers = np.zeros((len(modules), len(fw.codes)), dtype=bool)
    for i, m in enumerate(modules):
        for code in m.competency_codes:
            if code in col:
                covers[i, col[code]] = True
    hours = np.array([float(m.hours) for m in modules], dtype=np.float64)
    return modules, covers, hours


def person_report(viewer: Any, person: Person, rule: str = DEFAULT_RULE) -> PersonReport:
    """Ratings, gaps (largest first), disagreements, learning plan and change of a person."""
    if not permissions.can_read_ratings(viewer, person):
        raise PermissionDenied("These ratings are private.")
    fv = current_framework()
    fw = framework_of(fv)
    own, second = (a[0] for a in rating_arrays([person], fv))
    combined = gap_maths.combine_ratings(own, second, rule)
    targets = targets_of([person], fw)[0]
    rows = gap_maths.person_gaps(fw.codes, targets, combined)
    disagree = [fw.codes[k] for k in np.nonzero(gap_maths.disagreements(own, second))[0]]
    modules, covers, hours = catalogue(fw)
    shortfall = np.nan_to_num(np.maximum(targets - combined, 0.0), nan=0.0)
    learning = planning.learning_plan(shortfall, covers, hours)
    after_own, after_second = (a[0] for a in rating_arrays([person], fv, Phase.AFTER))
    after = gap_maths.combine_ratings(after_own, after_second, rule)
    return PersonReport(
        person,
        fw,
        own,
        second,
        combined,
        targets,
        rows,
        disagree,
        learning,
        modules,
        after,
        pre_post.person_change(combined, after),
        rule,
    )


def city_people(city: City) -> list[Person]:
    return list(Person.objects.filter(city=city).order_by("pk"))


@dataclass(frozen=True)
class GroupReport:
    framework: CompetencyFramework
    summary: gap_maths.GroupSummary
    n_people: int


def group_report(people: Sequence[Person], rule: str = DEFAULT_RULE) -> GroupReport:
    """Aggregates of a group (suppressed below five raters per competency)."""
    fv = current_framework()
    fw = framework_of(fv)
    own, second = rating_arrays(people, fv)
    combined = gap_maths.combine_ratings(own, second, rule)
    summary = gap_maths.summarise(targets_of(people, fw), combined)
    return GroupReport(fw, summary, len(people))


@dataclass(frozen=True)
class CohortReport:
    framework: CompetencyFramework
    people: list[Person]
    by_city: gap_maths.HeatMap
    by_person: gap_maths.HeatMap | None
    change: list[pre_post.Change]
    overall: pre_post.Change
    individual: bool


def cohort_report(viewer: Any, programme: Programme, rule: str = DEFAULT_RULE) -> CohortReport:
    """Heat maps (by city, groups of five or more; by person for organisers) and change."""
    if not permissions.can_view_programme(viewer, programme):
        raise PermissionDenied("You do not take part in this programme.")
    fv = current_framework()
    fw = framework_of(fv)
    people = programme_people(programme)
    own, second = rating_arrays(people, fv)
    combined = gap_maths.combine_ratings(own, second, rule)
    targets = targets_of(people, fw)
    city_labels = [f"{p.city.name} ({p.city.country_id})" for p in people]
    by_city = gap_maths.heat_map(targets, combined, city_labels)
    individual = permissions.organises(viewer, programme)
    by_person = (
        gap_maths.heat_map(targets, combined, [f"{p.name} #{p.pk}" for p in people], min_group=1)
        if individual
        else None
    )
    a_own, a_second = rating_arrays(people, fv, Phase.AFTER)
    after = gap_maths.combine_ratings(a_own, a_second, rule)
    return CohortReport(
        fw,
        people,
        by_city,
        by_person,
        pre_post.change_by_competency(combined, after),
        pre_post.overall_change(combined, after),
        individual,
    )
