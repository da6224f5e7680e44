"""Downloads of the capacity pages' tables, as CSV or XLSX (issue 19, item 2): every table a
capacity page shows has its download, holding the rows the page shows to the same viewer.

* ``/capacity/survey-figures.csv|xlsx``: the published survey figures of the index page
  (public, as the page);
* ``/capacity/people/<id>/gaps.csv|xlsx?rule=``: a person's gaps table (the person, their
  city's managers, their programmes' organisers and the secretariat: a 404 for anyone else,
  as the person page);
* ``/capacity/cities/<id>/gaps.csv|xlsx?rule=`` and ``/capacity/cities/<id>/surveys.csv|xlsx``:
  a city's mean gaps by competency (groups under :data:`~citydiplomacy.core.capacity.gaps.
  MIN_GROUP` raters hidden, as on the page) and the platform's office surveys beside the
  published figures (whoever may see capacity aggregates, as the city page);
* ``/capacity/programmes/<slug>/heat-city.csv|xlsx?rule=``: the heat map by city (hidden cells
  stay hidden); ``heat-person.csv|xlsx``: the heat map by participant, only for those the page
  shows it to (the programme's organisers and the secretariat; a 404 otherwise);
  ``change.csv|xlsx``: the change table; ``participants.csv|xlsx``: the participants whose
  ratings the viewer may read (the page's list; empty for whoever may read none).

Each export asks the page's own access rule and reads the page's own rows: the same services
(:func:`~.services.person_report`, :func:`~.services.cohort_report`, the city page's
:func:`.views._city_context`) and the same permission functions, so an individual rating
reaches only those the page shows it to and a suppressed aggregate stays blank (``hidden``
true). Numbers are written as numbers (rounded to four decimals; the page prints fewer);
missing ones are empty cells. Every file goes through the project's one export path
(:func:`citydiplomacy.web.downloads.table_response`: the spreadsheet guard against formulas
and the shared writer).

The heat maps are written long, one row per cell (group, competency, raters, mean gap), in the
page's order: rows as the page's rows, competencies as its columns (largest cohort gap first).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from citydiplomacy.core.capacity import gaps as gap_maths
from citydiplomacy.core.capacity.change import Change
from citydiplomacy.core.capacity.framework import CompetencyFramework
from citydiplomacy.core.capacity.survey import Comparison, PublishedFigure
from citydiplomacy.io import capacity as capacity_io
from citydiplomacy.web.capacity import labels, permissions, services
from citydiplomacy.web.capacity.models import Programme
from citydiplomacy.web.capacity.views import (
    _city_context,
    _readable_person,
    _rule,
    _visible_programme,
)
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.downloads import FORMATS, table_response

#: Columns of the survey figures export: the index page's table (its "Cities" cell split into
#: the number of cities surveyed and the scope; its source link into name and address).
FIGURE_COLUMNS = ("question", "year", "figure", "cities_surveyed", "scope", "survey", "source_url")
#: Columns of a person's gaps export: the person page's table.
PERSON_GAP_COLUMNS = (
    "competency",
    "competency_name",
    "target",
    "self",
    "second",
    "differs_by_2_levels_or_more",
    "rating_used",
    "gap",
    "after",
    "change",
)
#: Columns of a city's mean gaps export: the city page's first table.
CITY_GAP_COLUMNS = (
    "competency",
    "competency_name",
    "raters",
    "mean_rating",
    "mean_gap",
    "share_below_target",
    "hidden",
)
#: Columns of the survey comparison export: the city page's comparison table; the published
#: figures of a question as the page lists them, separated by " | ", and their sources.
COMPARISON_COLUMNS = (
    "survey_year",
    "question",
    "platform_yes",
    "platform_answered",
    "platform_share_percent",
    "small_sample",
    "published_figures",
    "published_sources",
)
#: Columns of a heat map export: one row per cell of the page's heat map.
HEAT_COLUMNS = ("group", "competency", "competency_name", "raters", "mean_gap", "hidden")
#: Columns of the change export: the programme page's change table.
CHANGE_COLUMNS = (
    "competency",
    "competency_name",
    "raters",
    "mean_gap",
    "hidden",
    "pairs",
    "mean_change",
    "improved",
    "worsened",
    "p_value",
    "note",
)
#: Columns of the participants export: the programme page's "participants whose ratings you
#: may read".
PARTICIPANT_COLUMNS = ("name", "city", "country", "synthetic", "completed_on")


def _num(x: Any) -> float | None:
    """A number as the export writes it: rounded to four decimals, ``None`` when missing."""
    if x is None:
        return None
    value = float(x)
    return None if math.isnan(value) else round(value, 4)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")


# ------------------------------------------------------------------------- the rows
def figures_frame(figures: Sequence[PublishedFigure]) -> pd.DataFrame:
    """The published survey figures as the index page lists them, the question in the page's
    language."""
    records = [
        (
            labels.question(f.indicator),
            f.year,
            f.text,
            f.cities_surveyed,
            f.scope,
            f.survey,
            f.source_url,
        )
        for f in figures
    ]
    return pd.DataFrame.from_records(records, columns=list(FIGURE_COLUMNS))


def person_gaps_frame(report: services.PersonReport) -> pd.DataFrame:
    """A person's gaps table as the person page shows it (largest gap first, unrated last)."""
    fw = report.framework
    names = {c.code: c.name for c in fw.competencies}
    records = []
    for g in report.gaps:
        k = fw.index(g.code)
        records.append(
            (
                g.code,
                names[g.code],
                g.target,
                _num(report.own[k]),
                _num(report.second[k]),
                g.code in report.disagree,
                _num(g.rating),
                _num(g.gap),
                _num(report.after[k]),
                _num(report.change[k]),
            )
        )
    return pd.DataFrame.from_records(records, columns=list(PERSON_GAP_COLUMNS))


def city_gaps_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The city page's mean gaps (its ``rows``); a hidden row's numbers stay empty."""
    records = [
        (
            r["code"],
            r["name"],
            r["n"],
            None if r["hidden"] else _num(r["rating"]),
            None if r["hidden"] else _num(r["gap"]),
            None if r["hidden"] else _num(r["below"]),
            r["hidden"],
        )
        for r in rows
    ]
    return pd.DataFrame.from_records(records, columns=list(CITY_GAP_COLUMNS))


def _published(figures: Sequence[PublishedFigure]) -> str:
    of = gettext("of")
    return " | ".join(
        f"{f.year}: {f.text} {of} {f.cities_surveyed} ({f.scope}; {f.survey})" for f in figures
    )


def comparison_frame(year: int | None, comparison: Sequence[Comparison]) -> pd.DataFrame:
    """The city page's comparison of the platform's office surveys of ``year`` with the
    published figures (no rows when the page shows no comparison)."""
    if year is None:
        comparison = []
    records = [
        (
            year,
            c.question,
            c.yes if c.answered else None,
            c.answered,
            _num(c.share_percent) if c.answered else None,
            c.small_sample if c.answered else None,
            _published(c.published),
            " | ".join(f.source_url for f in c.published),
        )
        for c in comparison
    ]
    return pd.DataFrame.from_records(records, columns=list(COMPARISON_COLUMNS))


def heat_frame(hm: gap_maths.HeatMap, fw: CompetencyFramework) -> pd.DataFrame:
    """A heat map of the programme page, one row per cell in the page's order; a hidden cell
    (fewer raters than the map's minimum group) has no mean gap."""
    records = []
    for g, label in enumerate(hm.groups):
        for k, col in enumerate(hm.columns):
            hidden = bool(hm.suppressed[g, k])
            records.append(
                (
                    label,
                    fw.codes[int(col)],
                    fw.competencies[int(col)].name,
                    int(hm.counts[g, k]),
                    None if hidden else _num(hm.values[g, k]),
                    hidden,
                )
            )
    return pd.DataFrame.from_records(records, columns=list(HEAT_COLUMNS))


def change_frame(report: services.CohortReport) -> pd.DataFrame:
    """The programme page's change table: per competency (the heat map's order), the cohort's
    raters and mean gap (hidden below the minimum group) and the change after the programme."""
    fw = report.framework
    cohort = report.by_city.cohort
    records = []
    for col in report.by_city.columns:
        k = int(col)
        hidden = bool(cohort.suppressed[k])
        ch: Change = report.change[k]
        tested = ch.mean_change is not None
        records.append(
            (
                fw.codes[k],
                fw.competencies[k].name,
                int(cohort.n_rated[k]),
                None if hidden else _num(cohort.mean_gap[k]),
                hidden,
                ch.n_pairs,
                _num(ch.mean_change),
                ch.improved if tested else None,
                ch.worsened if tested else None,
                _num(ch.p_value) if tested else None,
                ch.note if not tested or ch.p_value is None else "",
            )
        )
    return pd.DataFrame.from_records(records, columns=list(CHANGE_COLUMNS))


def readable_participants(viewer: Any, programme: Programme) -> list[Any]:
    """The programme's participants whose ratings ``viewer`` may read, in the page's order
    (the same query and rule as the programme page)."""
    participants = list(programme.participants.select_related("person", "person__city"))
    readable = permissions.readable_person_ids(viewer, [x.person for x in participants])
    return [x for x in participants if x.person_id in readable]


def participants_frame(participants: Sequence[Any]) -> pd.DataFrame:
    records = [
        (
            x.person.name,
            x.person.city.name,
            x.person.city.country_id,
            x.person.synthetic,
            x.completed_on.isoformat() if x.completed_on else None,
        )
        for x in participants
    ]
    return pd.DataFrame.from_records(records, columns=list(PARTICIPANT_COLUMNS))


# ------------------------------------------------------------------------- the views
@require_GET
def figures_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The published survey figures of the index page (public)."""
    _check_format(fmt)
    frame = figures_frame(capacity_io.published_figures())
    return table_response(frame, fmt, "capacity-survey-figures")


@login_required
@require_GET
def person_gaps_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A person's gaps (``?rule=`` as the page), for those who may read their ratings."""
    _check_format(fmt)
    person = _readable_person(request, pk)
    report = services.person_report(request.user, person, _rule(request))
    return table_response(person_gaps_frame(report), fmt, f"capacity-person-{person.pk}-gaps")


def _aggregates_city(request: HttpRequest, pk: int) -> City:
    city = get_object_or_404(City.objects.select_related("country"), pk=pk)
    if not permissions.can_view_aggregates(request.user):
        raise PermissionDenied(
            "The capacity pages are for participants, managers, organisers and analysts."
        )
    return city


@login_required
@require_GET
def city_gaps_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A city's mean gaps by competency (``?rule=`` as the page), groups under five hidden."""
    _check_format(fmt)
    city = _aggregates_city(request, pk)
    frame = city_gaps_frame(_city_context(request, city)["rows"])
    return table_response(frame, fmt, f"capacity-city-{city.pk}-gaps")


@login_required
@require_GET
def city_surveys_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The city page's comparison of the platform's office surveys with published figures."""
    _check_format(fmt)
    city = _aggregates_city(request, pk)
    context = _city_context(request, city)
    frame = comparison_frame(context["survey_year"], context["comparison"])
    return table_response(frame, fmt, f"capacity-city-{city.pk}-surveys")


@login_required
@require_GET
def heat_export(request: HttpRequest, slug: str, by: str, fmt: str) -> HttpResponse:
    """A programme's heat map by city, or by participant for those the page shows it to."""
    _check_format(fmt)
    programme = _visible_programme(request, slug)
    report = services.cohort_report(request.user, programme, _rule(request))
    hm = report.by_city if by == "city" else report.by_person
    if hm is None:
        raise Http404("No such table.")  # the page does not show this viewer the map by person
    frame = heat_frame(hm, report.framework)
    return table_response(frame, fmt, f"{programme.slug}-heat-{by}")


@login_required
@require_GET
def change_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A programme's change table (aggregates: groups under five hidden)."""
    _check_format(fmt)
    programme = _visible_programme(request, slug)
    report = services.cohort_report(request.user, programme, _rule(request))
    return table_response(change_frame(report), fmt, f"{programme.slug}-change")


@login_required
@require_GET
def participants_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The participants whose ratings the viewer may read, as the programme page lists them."""
    _check_format(fmt)
    programme = _visible_programme(request, slug)
    frame = participants_frame(readable_participants(request.user, programme))
    return table_response(frame, fmt, f"{programme.slug}-participants")


__all__ = [
    "change_export",
    "city_gaps_export",
    "city_surveys_export",
    "figures_export",
    "heat_export",
    "participants_export",
    "person_gaps_export",
]
