"""The office survey of a city and its comparison with the published survey figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from citydiplomacy.core.capacity import survey
from citydiplomacy.io import capacity as capacity_io
from citydiplomacy.web.capacity import permissions
from citydiplomacy.web.capacity.models import (
    OfficeSurvey,
)
from citydiplomacy.web.capacity.services.base import CapacityServiceError
from citydiplomacy.web.cities.models import City


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
