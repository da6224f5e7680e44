"""Downloads of the engagement tables the pages show, as CSV or XLSX (issue 19, item 2).

* ``/commitments/export.csv|xlsx?city=&status=``: every row of the commitment list with the
  same filters (all pages), with its progress on the KPI values this viewer may read;
* ``/declarations/<slug>/signatories.csv|xlsx``: the signatories table of a declaration's
  page (its live signatures, in the page's order, all pages);
* ``/events/export.csv|xlsx?kind=&tag=&city=&when=``: the calendar's table with the same
  filters (upcoming by default, as the page);
* ``/declarations/export.csv|xlsx``: the declaration list (drafts only to their readers);
* ``/events/archive/export.csv|xlsx``: the archive's table (past events, latest first);
* ``/forums/export.csv|xlsx``: the session list; ``/forums/<id>/recommendations.csv|xlsx``: a
  session's recommendations with their current status and its history.

Each goes through the project's one export path
(:func:`citydiplomacy.web.indicators.exports.table_response`: the spreadsheet guard against
formulas and the shared writer), and asks the pages' own rules who may see what: a draft
declaration is a 404 for whoever may not read it, and progress uses only visible KPI values.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from citydiplomacy.core.commitments import Progress
from citydiplomacy.web.engagement.models import (
    Commitment,
    Declaration,
    Event,
    ForumSession,
    Recommendation,
    Signature,
)
from citydiplomacy.web.engagement.progress import status_label
from citydiplomacy.web.engagement.views.calendar import archived_events, filtered_events
from citydiplomacy.web.engagement.views.commitments import filtered_commitments
from citydiplomacy.web.engagement.views.common import _declaration
from citydiplomacy.web.engagement.views.declarations import (
    listed_declarations,
    live_signatures,
)
from citydiplomacy.web.engagement.views.recommendations import listed_sessions
from citydiplomacy.web.indicators.exports import FORMATS, table_response

#: Columns of the commitments export: the page's columns, each value in its own cell.
COMMITMENT_COLUMNS = (
    "city",
    "country",
    "geonames_id",
    "commitment",
    "origin",
    "network",
    "declaration",
    "measure",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "progress",
    "assessed_year",
    "assessed_value",
    "expected_value",
    "reason",
    "source_url",
    "synthetic",
)
#: Columns of the signatories export: the page's signatories table.
SIGNATORY_COLUMNS = (
    "signatory",
    "title",
    "capacity",
    "city",
    "geonames_id",
    "listed_place",
    "match_note",
    "country",
    "signed_at",
    "verification",
    "source_url",
)
#: Columns of the events export: the calendar's table, each fact in its own cell.
EVENT_COLUMNS = (
    "start_date",
    "end_date",
    "event",
    "kind",
    "place",
    "host_city",
    "host_geonames_id",
    "country",
    "organiser",
    "tags",
    "cancelled",
    "past",
    "official_url",
    "source_url",
    "page_url",
)
#: Columns of the declarations export: the declaration list's table.
DECLARATION_COLUMNS = (
    "title",
    "kind",
    "status",
    "adopted_on",
    "organiser",
    "event",
    "source_url",
    "page_url",
)

#: Columns of the forum sessions export: the session list's table.
SESSION_COLUMNS = ("date", "session", "place", "event", "recommendations", "page_url")
#: Columns of a session's recommendations export: each recommendation and its history.
RECOMMENDATION_COLUMNS = (
    "session",
    "recommendation",
    "addressed_to",
    "status",
    "history",
    "source_url",
)


def commitments_frame(rows: list[tuple[Commitment, Progress]]) -> pd.DataFrame:
    """The commitment list's rows as a table (one column per fact the page shows)."""
    records = [
        (
            c.city.name,
            c.city.country.name if c.city.country_id else "",
            c.city_id,
            c.title,
            c.get_origin_display(),
            c.network,
            c.declaration.title if c.declaration else "",
            c.measure,
            c.baseline_year,
            c.baseline_value,
            c.target_year,
            c.target_value,
            str(status_label(p.status)),
            p.year,
            p.value,
            p.expected,
            p.reason,
            c.source_url,
            c.synthetic,
        )
        for c, p in rows
    ]
    return pd.DataFrame.from_records(records, columns=list(COMMITMENT_COLUMNS))


def signatories_frame(signatures: list[Signature]) -> pd.DataFrame:
    """A declaration's live signatures as the page's signatories table shows them."""
    records = [
        (
            s.signer_name,
            s.signer_title,
            s.capacity,
            s.city.name if s.city else "",
            s.city_id,
            "" if s.city else s.listed_place,
            "" if s.city else s.match_note,
            s.country.name if s.country else s.listed_country,
            s.signed_at.isoformat() if s.signed_at else "",
            s.verification,
            s.source_url,
        )
        for s in signatures
    ]
    return pd.DataFrame.from_records(records, columns=list(SIGNATORY_COLUMNS))


def events_frame(events: list[Event], today: dt.date, base: str) -> pd.DataFrame:
    """The calendar's rows as a table; ``base`` makes the event pages' links absolute."""
    records = [
        (
            e.start_date.isoformat(),
            e.end_date.isoformat(),
            e.name,
            str(e.get_kind_display()),
            e.place,
            e.host_city.name if e.host_city else "",
            e.host_city_id,
            e.country.name if e.country else "",
            e.organiser,
            "; ".join(t.name for t in e.tags.all()),
            e.is_cancelled,
            e.end_date < today,
            e.official_url,
            e.source_url,
            base + e.get_absolute_url(),
        )
        for e in events
    ]
    return pd.DataFrame.from_records(records, columns=list(EVENT_COLUMNS))


def declarations_frame(declarations: list[Declaration], base: str) -> pd.DataFrame:
    """The declaration list's rows as a table."""
    records = [
        (
            d.title,
            str(d.get_kind_display()),
            str(d.get_status_display()),
            d.adopted_on.isoformat() if d.adopted_on else "",
            d.organiser,
            d.event.name if d.event else "",
            d.source_url,
            base + d.get_absolute_url(),
        )
        for d in declarations
    ]
    return pd.DataFrame.from_records(records, columns=list(DECLARATION_COLUMNS))


def sessions_frame(sessions: list[ForumSession], base: str) -> pd.DataFrame:
    """The session list's rows as a table."""
    records = [
        (
            s.date.isoformat(),
            s.title,
            s.place,
            s.event.name if s.event else "",
            len(s.recommendations.all()),
            base + s.get_absolute_url(),
        )
        for s in sessions
    ]
    return pd.DataFrame.from_records(records, columns=list(SESSION_COLUMNS))


def recommendations_frame(session: ForumSession, recs: list[Recommendation]) -> pd.DataFrame:
    """A session's recommendations as its page lists them, each with its status history
    ("date status: note" entries, oldest first, separated by " | ")."""
    records = [
        (
            session.title,
            r.text,
            r.addressed_to,
            str(r.get_status_display()),
            " | ".join(
                f"{timezone.localtime(h.changed_at).date().isoformat()} {h.get_status_display()}"
                + (f": {h.note}" if h.note else "")
                for h in r.history.all()
            ),
            r.source_url,
        )
        for r in recs
    ]
    return pd.DataFrame.from_records(records, columns=list(RECOMMENDATION_COLUMNS))


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")


@require_GET
def commitments_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every commitment the list shows this viewer with its filters, as CSV or XLSX."""
    _check_format(fmt)
    rows, _, _ = filtered_commitments(request)
    return table_response(commitments_frame(rows), fmt, "commitments")


@require_GET
def signatories_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The signatories table of a declaration's page (live signatures, all pages)."""
    _check_format(fmt)
    d = _declaration(request, slug)  # a draft the viewer may not read: 404
    return table_response(signatories_frame(list(live_signatures(d))), fmt, f"{d.slug}-signatories")


@require_GET
def events_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The calendar's table with its filters (every row), as CSV or XLSX."""
    _check_format(fmt)
    found = filtered_events(request)
    base = request.build_absolute_uri("/").rstrip("/")
    return table_response(events_frame(found["events"], found["today"], base), fmt, "events")


@require_GET
def declarations_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The declaration list this viewer sees (drafts only to their readers), as CSV or XLSX."""
    _check_format(fmt)
    base = request.build_absolute_uri("/").rstrip("/")
    rows = list(listed_declarations(request))
    return table_response(declarations_frame(rows, base), fmt, "declarations")


@require_GET
def events_archive_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The archive's table (past events, the most recent first), as CSV or XLSX."""
    _check_format(fmt)
    today = timezone.localdate()
    base = request.build_absolute_uri("/").rstrip("/")
    return table_response(events_frame(archived_events(today), today, base), fmt, "events-archive")


@require_GET
def sessions_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The Forum of Mayors session list, as CSV or XLSX."""
    _check_format(fmt)
    base = request.build_absolute_uri("/").rstrip("/")
    return table_response(sessions_frame(list(listed_sessions()), base), fmt, "forum-sessions")


@require_GET
def recommendations_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A session's recommendations with their status and history, as CSV or XLSX."""
    _check_format(fmt)
    session = get_object_or_404(ForumSession, pk=pk)
    recs = list(session.recommendations.prefetch_related("history"))
    return table_response(
        recommendations_frame(session, recs), fmt, f"session-{session.pk}-recommendations"
    )
