"""The capacity module's work: the framework in the database, assessments, gaps and plans,
city and cohort reports, programmes (sessions, attendance, mentoring, joint statement),
imports and exports. Views and the API call these; the maths is in
:mod:`citydiplomacy.core.capacity`."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from citydiplomacy.core.capacity import change as pre_post
from citydiplomacy.core.capacity import gaps as gap_maths
from citydiplomacy.core.capacity import mentoring, survey
from citydiplomacy.core.capacity import plan as planning
from citydiplomacy.core.capacity.framework import (
    LEVEL_NAMES,
    CompetencyFramework,
    role_label,
)
from citydiplomacy.core.capacity.framework import (
    Competency as CoreCompetency,
)
from citydiplomacy.core.capacity.framework import (
    Domain as CoreDomain,
)
from citydiplomacy.core.capacity.responses import read_responses
from citydiplomacy.errors import CityDiplomacyError, Problem, ValidationError
from citydiplomacy.io import capacity as capacity_io
from citydiplomacy.io.safe_text import safe_cell, safe_frame
from citydiplomacy.web.accounts import permissions as platform
from citydiplomacy.web.capacity import permissions
from citydiplomacy.web.capacity.models import (
    Assessment,
    Attendance,
    Competency,
    Domain,
    FrameworkVersion,
    MentoringPair,
    Module,
    OfficeSurvey,
    Participant,
    Person,
    Phase,
    Programme,
    RaterKind,
    Rating,
    Session,
)
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.cities.services import CityMatcher

#: How self and second ratings combine for gaps (see core.capacity.gaps.COMBINE_RULES).
DEFAULT_RULE = "mean"


class CapacityServiceError(CityDiplomacyError):
    """A request the capacity module cannot carry out; the message says why."""


# ------------------------------------------------------------------------- framework
def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@transaction.atomic
def install_framework(
    framework: CompetencyFramework, source: str, sha256: str, by: Any = None
) -> FrameworkVersion:
    """Store ``framework`` as the next version of its name and make it current."""
    last = FrameworkVersion.objects.filter(name=framework.name).order_by("-version").first()
    FrameworkVersion.objects.filter(is_current=True).update(is_current=False)
    fv = FrameworkVersion.objects.create(
        name=framework.name,
        version=(last.version + 1) if last else 1,
        source=source[:200],
        sha256=sha256,
        is_current=True,
        roles=list(framework.roles),
        loaded_by=by if by is not None and by.is_authenticated else None,
    )
    domains = {}
    for i, d in enumerate(framework.domains):
        domains[d.code] = Domain.objects.create(
            framework=fv, code=d.code, name=d.name, sources=d.sources, position=i
        )
    Competency.objects.bulk_create(
        Competency(
            framework=fv,
            domain=domains[c.domain],
            code=c.code,
            name=c.name,
            description=c.description,
            levels=list(c.levels),
            targets=dict(c.targets),
            position=i,
        )
        for i, c in enumerate(framework.competencies)
    )
    return fv


def current_framework() -> FrameworkVersion:
    """The current framework version, loading the packaged one on first use."""
    fv = FrameworkVersion.objects.filter(is_current=True).first()
    if fv is not None:
        return fv
    content = capacity_io._packaged(capacity_io.PACKAGED_FRAMEWORK)
    return install_framework(
        capacity_io.packaged_framework(), capacity_io.PACKAGED_FRAMEWORK, _sha(content)
    )


def import_framework(by: Any, content: bytes, filename: str) -> FrameworkVersion:
    """A user's own framework table (CSV/XLSX) as the new current version (all or nothing).

    Raises
    ------
    PermissionDenied
        Not the secretariat.
    ValidationError
        Every problem of the table, as ``file:row:column``; nothing is written.
    """
    if not permissions.can_manage_framework(by):
        raise PermissionDenied("Only the secretariat loads a competency framework.")
    table = capacity_io.read_table(content, filename)
    name = filename.rsplit(".", 1)[0][:100] or "framework"
    fw = CompetencyFramework.from_table(table, filename, name)
    return install_framework(fw, filename, _sha(content), by)


@lru_cache(maxsize=8)
def _core_framework(pk: int, sha256: str, name: str, version: int) -> CompetencyFramework:
    # Keyed by what identifies a stored version's content (a test database reuses ids).
    fv = FrameworkVersion.objects.get(pk=pk)
    domains = tuple(CoreDomain(d.code, d.name, d.sources) for d in fv.domains.all())
    comps = tuple(
        CoreCompetency(
            c.code,
            c.name,
            c.description,
            c.domain.code,
            tuple(c.levels),
            {k: int(v) for k, v in c.targets.items()},
        )
        for c in fv.competencies.select_related("domain")
    )
    # The stored order; jsonb gives an object's keys back shortest first, not as written.
    roles = tuple(fv.roles) or tuple(sorted(comps[0].targets) if comps else ())
    return CompetencyFramework(f"{fv.name} v{fv.version}", domains, comps, roles)


def framework_of(fv: FrameworkVersion) -> CompetencyFramework:
    """The core framework of a stored version (cached per version)."""
    return _core_framework(fv.pk, fv.sha256, fv.name, fv.version)


def framework_export(fv: FrameworkVersion, fmt: str) -> bytes:
    """The framework as a CSV or XLSX table (the format it is imported in)."""
    return _table_bytes(framework_of(fv).to_table(), fmt, "framework")


def _table_bytes(table: pd.DataFrame, fmt: str, sheet: str) -> bytes:
    if fmt == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            safe_frame(table).to_excel(xl, index=False, sheet_name=sheet[:31])
        return buf.getvalue()
    return safe_frame(table).to_csv(index=False, lineterminator="\n").encode("utf-8")


# ------------------------------------------------------------------------- people and ratings
def competencies(fv: FrameworkVersion) -> list[Competency]:
    return list(fv.competencies.select_related("domain"))


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


# ------------------------------------------------------------------------- a person's report
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


# ------------------------------------------------------------------------- cities and cohorts
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


def survey_comparison(year: int | None = None) -> tuple[int | None, list[survey.Comparison]]:
    """The platform's office surveys of a year (default: the latest) against the published
    figures."""
    if year is None:
        year = OfficeSurvey.objects.order_by("-year").values_list("year", flat=True).first()
    rows = list(OfficeSurvey.objects.filter(year=year)) if year else []
    answers = {q: [getattr(r, q) for r in rows] for q in survey.QUESTIONS}
    return year, survey.compare(answers, capacity_io.published_figures())


SURVEY_FIELDS = (
    *survey.QUESTIONS,
    "staff_fte",
    "budget_eur",
    "networks",
    "priorities",
)


@transaction.atomic
def save_survey(by: Any, city: City, year: int, data: Mapping[str, Any]) -> OfficeSurvey:
    if not permissions.can_edit_survey(by, city.pk):
        raise PermissionDenied("Only the city's manager or editor records its office survey.")
    if not 1990 <= year <= timezone.now().year + 1:
        raise CapacityServiceError(f"year must lie between 1990 and next year, got {year}")
    values = {k: data.get(k) for k in SURVEY_FIELDS if k in data}
    obj, _ = OfficeSurvey.objects.update_or_create(
        city=city,
        year=year,
        defaults={**values, "recorded_by": by, "updated_at": timezone.now(), "synthetic": False},
    )
    return obj


def visible_programmes(user: Any) -> QuerySet[Programme]:
    qs = Programme.objects.annotate(n_participants=Count("participants"))
    if platform.role_of(user) in ("admin", "analyst"):
        return qs
    if not user.is_authenticated:
        return qs.none()
    managed = permissions.managed_city_ids(user)
    return qs.filter(
        Q(organisers=user)
        | Q(participants__person__user=user)
        | Q(participants__person__city_id__in=managed)
    ).distinct()


def programme_people(programme: Programme) -> list[Person]:
    return list(
        Person.objects.filter(participations__programme=programme)
        .select_related("city", "city__country")
        .order_by("city__name", "name", "pk")
    )


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


# ------------------------------------------------------------------------- programmes
def _require_organiser(by: Any, programme: Programme) -> None:
    if not permissions.organises(by, programme):
        raise PermissionDenied("Only the programme's organisers do this.")


def create_programme(
    by: Any,
    *,
    slug: str,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    description: str = "",
    synthetic: bool = False,
) -> Programme:
    if not permissions.is_organiser(by):
        raise PermissionDenied("Only programme organisers create programmes.")
    if end_date < start_date:
        raise CapacityServiceError("the programme must end on or after its start")
    if Programme.objects.filter(slug=slug).exists():
        raise CapacityServiceError(f"a programme {slug!r} exists already")
    with transaction.atomic():
        p = Programme.objects.create(
            slug=slug,
            name=name,
            description=description,
            framework=current_framework(),
            start_date=start_date,
            end_date=end_date,
            synthetic=synthetic,
        )
        if by is not None and by.is_authenticated:
            p.organisers.add(by)
    return p


def add_session(
    by: Any,
    programme: Programme,
    *,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str = "",
) -> Session:
    _require_organiser(by, programme)
    if ends_at <= starts_at:
        raise CapacityServiceError("a session must end after it starts")
    return Session.objects.create(
        programme=programme, title=title, starts_at=starts_at, ends_at=ends_at, place=place
    )


@transaction.atomic
def record_attendance(by: Any, session: Session, present_ids: Iterable[int]) -> int:
    """Mark every participant present or absent (present: ``present_ids``)."""
    _require_organiser(by, session.programme)
    present = set(present_ids)
    people = list(Person.objects.filter(participations__programme=session.programme))
    unknown = present - {p.pk for p in people}
    if unknown:
        raise CapacityServiceError(f"not participants of this programme: {sorted(unknown)}")
    for p in people:
        Attendance.objects.update_or_create(
            session=session, person=p, defaults={"present": p.pk in present}
        )
    return len(people)


@transaction.atomic
def set_completed(by: Any, participant: Participant, on: dt.date | None) -> None:
    _require_organiser(by, participant.programme)
    participant.completed_on = on
    participant.save(update_fields=["completed_on"])


@transaction.atomic
def pair_mentors(by: Any, programme: Programme) -> list[MentoringPair]:
    """Replace the programme's mentoring pairs by the solver's cross-city pairs."""
    _require_organiser(by, programme)
    fv = current_framework()
    fw = framework_of(fv)
    people = programme_people(programme)
    if len(people) < 2:
        raise CapacityServiceError("a programme needs two participants or more to pair")
    own, second = rating_arrays(people, fv)
    combined = gap_maths.combine_ratings(own, second, DEFAULT_RULE)
    pairs, _, _ = mentoring.mentoring_pairs(
        targets_of(people, fw), combined, [str(p.city_id) for p in people]
    )
    programme.pairs.all().delete()
    return [
        MentoringPair.objects.create(
            programme=programme,
            first=people[p.first],
            second=people[p.second],
            benefit=p.benefit,
            first_learns=[fw.codes[k] for k in p.first_learns],
            second_learns=[fw.codes[k] for k in p.second_learns],
        )
        for p in pairs
    ]


def draft_statement(by: Any, programme: Programme, title: str, text: str) -> Any:
    """Draft the cohort's joint statement with the declarations feature (the secretariat
    drafts; the participants' cities take part in the drafting)."""
    from citydiplomacy.web.engagement import services as engagement

    _require_organiser(by, programme)
    if programme.declaration_id is not None:
        raise CapacityServiceError("this programme has a joint statement already")
    cities = City.objects.filter(
        pk__in=Person.objects.filter(participations__programme=programme).values("city_id")
    )
    declaration = engagement.create_declaration(
        by,
        slug=engagement.declaration_slug(title),
        title=title,
        text=text,
        kind="joint_statement",
        participants=list(cities),
        organiser=programme.name,
        summary=f"Joint statement of the cohort of {programme.name}.",
    )
    programme.declaration = declaration
    programme.save(update_fields=["declaration"])
    return declaration


# ------------------------------------------------------------------------- import / export
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


def sessions_ics(programme: Programme, base_url: str) -> bytes:
    """The programme's sessions as an iCalendar feed (RFC 5545)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//citydiplomacy//capacity programmes//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"citydiplomacy: {programme.name}")
    for s in programme.sessions.all():
        v = Event()
        v.add("uid", f"capacity-session-{s.pk}@citydiplomacy")
        v.add("dtstamp", s.updated_at.astimezone(dt.UTC))
        v.add("last-modified", s.updated_at.astimezone(dt.UTC))
        v.add("summary", f"{programme.name}: {s.title}")
        v.add("dtstart", s.starts_at.astimezone(dt.UTC))
        v.add("dtend", s.ends_at.astimezone(dt.UTC))
        if s.place:
            v.add("location", s.place)
        v.add("url", f"{base_url}{programme.get_absolute_url()}")
        cal.add_component(v)
    return bytes(cal.to_ical())


# ------------------------------------------------------------------------- certificate
def certificate_context(viewer: Any, participant: Participant) -> dict[str, Any]:
    person = participant.person
    if not (permissions.can_read_ratings(viewer, person)):
        raise PermissionDenied("This certificate is private.")
    if participant.completed_on is None:
        raise CapacityServiceError("the programme is not marked completed for this person")
    programme = participant.programme
    sessions = list(programme.sessions.all())
    attended = Attendance.objects.filter(
        session__programme=programme, person=person, present=True
    ).count()
    return {
        "person": person,
        "programme": programme,
        "completed_on": participant.completed_on,
        "sessions": len(sessions),
        "attended": attended,
        "level_names": LEVEL_NAMES,
        "role": role_label(person.role),
    }


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([safe_cell(v) for v in row] for row in rows)
    return buf.getvalue()
