"""Programmes (cohorts): who sees them, their people, sessions and attendance, completion,
mentoring pairs, the joint statement, the iCalendar feed and certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_noop

from citydiplomacy.core.capacity import gaps as gap_maths
from citydiplomacy.core.capacity import mentoring
from citydiplomacy.web.accounts import permissions as platform
from citydiplomacy.web.capacity import labels, permissions
from citydiplomacy.web.capacity.models import (
    Attendance,
    MentoringPair,
    Participant,
    Person,
    Programme,
    Session,
)
from citydiplomacy.web.capacity.services.assessments import rating_arrays, targets_of
from citydiplomacy.web.capacity.services.base import DEFAULT_RULE, CapacityServiceError
from citydiplomacy.web.capacity.services.framework_store import current_framework, framework_of
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.dates import long_date


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
        raise CapacityServiceError(gettext_noop("A session must end after it starts."))
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
        raise CapacityServiceError(
            gettext_noop("Not participants of this programme: %(ids)s."),
            ids=", ".join(map(str, sorted(unknown))),
        )
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
        raise CapacityServiceError(
            gettext_noop("A programme needs two participants or more to pair.")
        )
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
        raise CapacityServiceError(gettext_noop("This programme has a joint statement already."))
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
        "level_names": labels.level_names(),
        "role": labels.role_name(person.role),
        # Dates in full in the certificate's language ("1er mars 2026"), with Babel.
        "start_text": long_date(programme.start_date),
        "end_text": long_date(programme.end_date),
        "completed_text": long_date(participant.completed_on),
    }
