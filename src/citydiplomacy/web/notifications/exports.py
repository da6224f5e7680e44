"""Downloads of the secretariat pages' tables, as CSV or XLSX (issue 19, item 2).

* ``/notifications/reporting-deadlines/export.csv|xlsx``: the reporting deadlines (every
  signed-in user reads them, as the page);
* ``/notifications/cities-without-editor/export.csv|xlsx``: the partner cities without an
  editor, their waiting partnerships and the invitations sent (the secretariat only, as the
  page: invitees' addresses are in it);
* ``/notifications/cities/<id>/invitations.csv|xlsx``: the invitations the invite page lists
  for a city (the secretariat only);
* ``/notifications/export.csv|xlsx?show=``: the signed-in user's own inbox (every page).

Each reads the same function as its page (:func:`.reporting.deadlines`,
:func:`.invitations.cities_without_editor`, :func:`.secretariat_views.sent_invitations`,
:func:`.views.inbox_notifications`), asks the same access rule, and goes through
the project's one export path (:func:`citydiplomacy.web.indicators.exports.table_response`:
the spreadsheet guard against formulas and the shared writer).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from citydiplomacy.web.cities.models import City
from citydiplomacy.web.indicators.exports import FORMATS, table_response
from citydiplomacy.web.notifications import invitations, reporting
from citydiplomacy.web.notifications.invitations import CityWithoutEditor
from citydiplomacy.web.notifications.models import EditorInvitation
from citydiplomacy.web.notifications.secretariat_views import _secretariat_only, sent_invitations
from citydiplomacy.web.notifications.views import inbox_notifications

#: Columns of the reporting deadlines export: the page's table.
DEADLINE_COLUMNS = ("reporting_year", "due_date", "notice_days", "note")
#: Columns of the cities-without-editor export: the page's table, ids beside the names.
CITY_COLUMNS = (
    "city",
    "geonames_id",
    "country",
    "waiting_partnerships",
    "partnership_ids",
    "invitations",
)

#: Columns of a city's invitations export: the invite page's table.
INVITATION_COLUMNS = ("address", "name", "sent", "state", "invited_by")
#: Columns of the inbox export: the inbox's table.
INBOX_COLUMNS = ("when", "kind", "subject", "body", "link", "status")


def deadlines_frame(deadlines: Any) -> pd.DataFrame:
    """The reporting deadlines as the page lists them (the latest year first)."""
    records = [(d.year, d.due_date.isoformat(), d.notice_days, d.note) for d in deadlines]
    return pd.DataFrame.from_records(records, columns=list(DEADLINE_COLUMNS))


def cities_frame(entries: list[CityWithoutEditor]) -> pd.DataFrame:
    """The cities without an editor as the page lists them; each invitation as
    "address state (date sent)", separated by " | "."""
    records = [
        (
            e.city.name,
            e.city.pk,
            e.city.country_id,
            " | ".join(str(p.title or p.pk) for p in e.partnerships),
            " ".join(str(p.pk) for p in e.partnerships),
            " | ".join(
                f"{inv.email} {inv.state} ({_day(inv.created_at)})" for inv in e.invitations
            ),
        )
        for e in entries
    ]
    return pd.DataFrame.from_records(records, columns=list(CITY_COLUMNS))


def _day(moment: Any) -> str:
    return timezone.localtime(moment).date().isoformat()


def invitations_frame(sent: list[EditorInvitation]) -> pd.DataFrame:
    """A city's invitations as the invite page lists them."""
    records = [
        (
            inv.email,
            inv.name,
            _day(inv.created_at),
            inv.state,
            inv.invited_by.username if inv.invited_by else "",
        )
        for inv in sent
    ]
    return pd.DataFrame.from_records(records, columns=list(INVITATION_COLUMNS))


def inbox_frame(notifications: Any, base: str) -> pd.DataFrame:
    """The inbox's rows; ``base`` makes the notifications' links absolute."""
    records = [
        (
            timezone.localtime(n.created).isoformat(timespec="minutes"),
            str(n.get_kind_display()),
            n.subject,
            n.body,
            base + n.link if n.link.startswith("/") else n.link,
            str(_("read") if n.is_read else _("unread")),
        )
        for n in notifications
    ]
    return pd.DataFrame.from_records(records, columns=list(INBOX_COLUMNS))


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")


@login_required
@require_GET
def deadlines_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The reporting deadlines, as CSV or XLSX (any signed-in user, as the page)."""
    _check_format(fmt)
    return table_response(deadlines_frame(reporting.deadlines()), fmt, "reporting-deadlines")


@login_required
@require_GET
def cities_without_editor_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The partner cities without an editor, as CSV or XLSX (the secretariat only)."""
    _secretariat_only(request)
    _check_format(fmt)
    frame = cities_frame(invitations.cities_without_editor())
    return table_response(frame, fmt, "cities-without-editor")


@login_required
@require_GET
def invitations_export(request: HttpRequest, city_id: int, fmt: str) -> HttpResponse:
    """The invitations the invite page lists for a city, as CSV or XLSX (the secretariat)."""
    _secretariat_only(request)
    _check_format(fmt)
    city = get_object_or_404(City, pk=city_id)
    return table_response(invitations_frame(sent_invitations(city)), fmt, f"invitations-{city.pk}")


@login_required
@require_GET
def inbox_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The user's own inbox (every page, ``?show=unread`` as the page), as CSV or XLSX;
    downloading marks nothing read."""
    _check_format(fmt)
    base = request.build_absolute_uri("/").rstrip("/")
    return table_response(inbox_frame(inbox_notifications(request), base), fmt, "notifications")
