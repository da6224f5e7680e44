"""Downloads of the KPI data pages' working tables, as CSV or XLSX (issue 19, item 2).

* ``submit/recent.csv|xlsx``: the upload page's table of the user's recent uploads;
* ``submit/<id>/errors|warnings|changes.csv|xlsx``: an upload's tables of errors, of
  warnings, and of the values committing would create or change (every page of the preview);
* ``cities/<id>/data/verify.csv|xlsx?year=&action=&value=``: the secretariat's confirmation
  table, the values a verification (or its withdrawal) would change.

Each is open to exactly whom its page is open to (an upload to its uploader and the
administrators, the confirmation to the secretariat) and reads the page's own selection
(:func:`.views.recent_uploads`, the stored :class:`~.models.Submission`,
:func:`.views.status_selection`); they go through the project's one export path
(:func:`citydiplomacy.web.downloads.table_response`: the spreadsheet guard against
formulas and the shared writer). Nothing here writes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.downloads import FORMATS, table_response
from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.models import KpiValue, Status, Submission, SubmissionStatus
from citydiplomacy.web.indicators.views import (
    _city_for_data,
    _int,
    recent_uploads,
    status_selection,
)

#: Columns of the recent uploads' table.
RECENT_COLUMNS = ("upload", "file", "uploaded_at", "status", "rows", "page_url")
#: Columns of an upload's errors or warnings (row 1 is the file's header, as the page says).
PROBLEM_COLUMNS = ("severity", "row", "column", "message")
#: Columns of an upload's preview: the page's, with the texts it abbreviates in full.
CHANGE_COLUMNS = (
    "row",
    "city",
    "geonames_id",
    "year",
    "kpi",
    "change",
    "old_value",
    "new_value",
    "old_unit",
    "unit",
    "changed_fields",
    "old_source",
    "source",
    "old_note",
    "note",
    "old_status",
    "status",
)
#: An upload's tables.
SUBMISSION_TABLES = ("errors", "warnings", "changes")
#: Columns of the verification's confirmation table.
VERIFY_COLUMNS = (
    "city",
    "country",
    "geonames_id",
    "year",
    "kpi",
    "name",
    "value",
    "unit",
    "source",
    "now",
    "after",
)
#: What the preview's Change column says of each action.
CHANGE_WORDS = {"create": "new", "verify": "verified"}


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")


def recent_frame(submissions: Any, base: str) -> pd.DataFrame:
    """The recent uploads' rows; ``base`` makes the pages' links absolute."""
    records = [
        (
            s.pk,
            s.file_name,
            s.uploaded_at.isoformat(timespec="seconds"),
            s.get_status_display(),
            s.n_rows,
            base + reverse("indicators:submission", args=[s.pk]),
        )
        for s in submissions
    ]
    return pd.DataFrame.from_records(records, columns=list(RECENT_COLUMNS))


def problems_frame(problems: list[dict[str, Any]]) -> pd.DataFrame:
    """An upload's errors or warnings, in the page's order."""
    records = [
        (p.get("severity"), p.get("row"), p.get("column"), p.get("message")) for p in problems
    ]
    return pd.DataFrame.from_records(records, columns=list(PROBLEM_COLUMNS))


def changes_frame(cells: list[dict[str, Any]]) -> pd.DataFrame:
    """An upload's preview: the values committing would create or change, in the page's
    order, every page of it."""
    records = [
        (
            c["row"],
            c["city"],
            c["city_id"],
            c["year"],
            c["measure"],
            CHANGE_WORDS.get(c["action"], "changed"),
            c["old_value"],
            c["new_value"],
            c["old_unit"],
            c["unit"],
            "; ".join(c["fields"]),
            c["old_source"],
            c["source"],
            c["old_note"],
            c["note"],
            c["old_status"],
            c["status"],
        )
        for c in cells
    ]
    return pd.DataFrame.from_records(records, columns=list(CHANGE_COLUMNS))


@login_required
@require_GET
def recent_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """``submit/recent.csv|xlsx``: the upload page's table of the user's recent uploads;
    for city editors and the secretariat, as the page."""
    if not permissions.can_edit_any_city(request.user):
        raise PermissionDenied("Only city editors and the secretariat submit data.")
    _check_format(fmt)
    base = request.build_absolute_uri("/").rstrip("/")
    return table_response(recent_frame(recent_uploads(request.user), base), fmt, "uploads")


@login_required
@require_GET
def submission_export(request: HttpRequest, pk: int, table: str, fmt: str) -> HttpResponse:
    """``submit/<id>/errors|warnings|changes.csv|xlsx``: one table of an upload's page, for
    its uploader and the administrators (anyone else: not found, as the page)."""
    if table not in SUBMISSION_TABLES:
        raise Http404("an upload's tables are its errors, warnings and changes")
    _check_format(fmt)
    sub = get_object_or_404(Submission.objects.defer("content", "checked_rows"), pk=pk)
    if sub.uploaded_by_id != request.user.pk and not permissions.is_admin(request.user):
        raise Http404
    if table == "changes":
        # The page lists the changes of a checked upload not yet committed or discarded.
        cells = sub.preview if sub.status == SubmissionStatus.READY else []
        frame = changes_frame(cells)
    else:
        frame = problems_frame(
            services.shown_problems(sub.errors if table == "errors" else sub.warnings)
        )
    return table_response(frame, fmt, f"upload-{sub.pk}-{table}")


@login_required
@require_GET
def verify_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """``cities/<id>/data/verify.csv|xlsx?year=&action=&value=``: the confirmation page's
    table, the values the verification (or its withdrawal) would change; for the
    secretariat, as the page. Nothing changes."""
    city = _city_for_data(request, pk)
    if not permissions.can_verify(request.user):
        raise PermissionDenied("Only the secretariat verifies values and publishes profiles.")
    _check_format(fmt)
    year = _int(request.GET.get("year"), None)
    action = request.GET.get("action", "")
    if year is None or action not in ("verify", "unverify", "verify_all"):
        return HttpResponse(
            "Nothing was exported: give the year and the action (verify, unverify or "
            "verify_all) of the confirmation page.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    values = KpiValue.objects.filter(city=city, year=year)
    selection = status_selection(values, action, request.GET.getlist("value"))
    if isinstance(selection, str):
        return HttpResponse(
            f"Nothing was exported: {selection}",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    status, _, to_change = selection
    fw = services.framework()
    after = Status(status).label
    records = [
        (
            city.local_name,
            city.country_id,
            city.pk,
            year,
            v.measure,
            str(fw.nodes.at[v.measure, "name"]),
            v.value,
            v.unit,
            v.source,
            v.get_status_display(),
            after,
        )
        for v in to_change
    ]
    frame = pd.DataFrame.from_records(records, columns=list(VERIFY_COLUMNS))
    return table_response(frame, fmt, f"verify-{city.pk}-{year}")
