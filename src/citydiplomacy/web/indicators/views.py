"""KPI data pages: upload with preview and all-or-nothing commit, manual entry, a city's
values (verify, publish), export, and the change history. Thin: the rules live in services."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from citydiplomacy.errors import CityDiplomacyError, ValidationError
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.fields import city_form
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.forms import checks_form_text, checks_query_text
from citydiplomacy.web.indicators import entry as entry_rules
from citydiplomacy.web.indicators import services
from citydiplomacy.web.indicators.exports import export_frame, kpi_filter
from citydiplomacy.web.indicators.models import (
    KpiValue,
    KpiValueChange,
    Publication,
    Status,
    Submission,
    SubmissionStatus,
)


def _require_editor(request: HttpRequest) -> None:
    if not permissions.can_edit_any_city(request.user):
        raise PermissionDenied("Only city editors and the secretariat submit data.")


# ------------------------------------------------------------------------- uploads
@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a CSV/XLSX/Parquet file; it is checked at once and shown as a preview."""
    _require_editor(request)
    if request.method == "POST":
        file = request.FILES.get("file")
        if file is None:
            messages.error(request, gettext("Choose a file to upload."))
        elif (file.size or 0) > services_max_bytes():
            messages.error(
                request,
                gettext(
                    "The file is %(size)s bytes; the largest accepted is %(limit)s bytes. "
                    "Split it by city or year."
                )
                % {"size": f"{file.size or 0:,}", "limit": f"{services_max_bytes():,}"},
            )
        else:
            sub = services.upload(request.user, file.name or "upload", file.read())
            return redirect("indicators:submission", pk=sub.pk)
    return render(
        request,
        "indicators/upload.html",
        {
            "recent": recent_uploads(request.user),
            "cities": services.editable_cities(request.user).order_by("name")[:200],
            "suffixes": ", ".join(services.UPLOAD_SUFFIXES),
        },
    )


def recent_uploads(user: Any) -> QuerySet[Submission]:
    """The user's ten latest uploads: the upload page's table and its download."""
    return Submission.objects.filter(uploaded_by=user).defer(
        "content", "checked_rows", "preview", "problems"
    )[:10]


def services_max_bytes() -> int:
    from django.conf import settings

    return int(settings.CITYDIPLOMACY_MAX_UPLOAD_BYTES)


@login_required
@require_http_methods(["GET", "POST"])
def submission(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of an upload: every problem by row and column; commit or discard."""
    # The file and its checked rows stay in the database: the commit reads them under lock.
    sub = get_object_or_404(Submission.objects.defer("content", "checked_rows"), pk=pk)
    if sub.uploaded_by_id != request.user.pk and not permissions.is_admin(request.user):
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "commit":
                services.commit(request.user, sub)
                messages.success(
                    request,
                    ngettext(
                        "Committed: %(created)s value created, %(updated)s updated, "
                        "%(unchanged)s unchanged.",
                        "Committed: %(created)s values created, %(updated)s updated, "
                        "%(unchanged)s unchanged.",
                        sub.n_created,
                    )
                    % {
                        "created": sub.n_created,
                        "updated": sub.n_updated,
                        "unchanged": sub.n_unchanged,
                    },
                )
                if len(sub.city_ids) == 1:
                    return redirect("indicators:dashboard", pk=sub.city_ids[0])
            elif action == "discard":
                services.discard(request.user, sub)
                messages.info(request, gettext("Upload discarded; nothing was written."))
                return redirect("indicators:upload")
        except ValidationError:
            messages.error(
                request,
                gettext("The upload does not pass the checks (see below); nothing was written."),
            )
        except CityDiplomacyError as exc:
            sub.refresh_from_db(fields=["status"])
            if action == "commit" and sub.status != SubmissionStatus.READY:
                # The service's refusal names the status in English: say it in the reader's.
                messages.error(
                    request,
                    gettext("This upload is %(status)s; nothing was written.")
                    % {"status": str(sub.get_status_display()).lower()},
                )
            else:
                messages.error(request, str(exc))
        return redirect("indicators:submission", pk=sub.pk)
    cities = City.objects.filter(pk__in=sub.city_ids).select_related("country")
    cells = Paginator(sub.preview, PREVIEW_PAGE).get_page(request.GET.get("page"))
    checking = sub.status == SubmissionStatus.CHECKING
    waited = (timezone.now() - sub.uploaded_at).total_seconds() if checking else 0.0
    return render(
        request,
        "indicators/submission.html",
        {
            "sub": sub,
            "errors": services.shown_problems(sub.errors),
            "warnings": services.shown_problems(sub.warnings),
            "cities": cities,
            "cells": cells,
            "n_changes": sub.n_created + sub.n_updated,
            "n_listed": len(sub.preview),
            # While a worker checks the file the page reloads itself (no script needed);
            # after CHECK_STALLED_SECONDS it stops and says what to do.
            "checking": checking,
            "stalled": waited > CHECK_STALLED_SECONDS,
            "refresh_seconds": CHECK_REFRESH_SECONDS,
        },
    )


#: Seconds between reloads of an upload's page while it is checked.
CHECK_REFRESH_SECONDS = 2
#: An upload still unchecked after this long is reported as stuck (a check is bounded by
#: the upload limits, a few minutes at most; its worker may have died or none is running).
CHECK_STALLED_SECONDS = 15 * 60


#: Changed cells per page of an upload's preview.
PREVIEW_PAGE = 100


# ------------------------------------------------------------------------- a city's data
def _change_status(
    request: HttpRequest, city: City, year: int, values: QuerySet[KpiValue], action: str
) -> HttpResponse:
    """Verify (or withdraw the verification of) the selected values, or all of the year
    when asked explicitly: first a confirmation page that lists the values whose status
    will change and how many; nothing selected changes nothing."""
    back = f"{reverse('indicators:city_data', args=[city.pk])}?year={year}"
    asked = request.POST.getlist("value")
    selection = status_selection(values, action, asked)
    if isinstance(selection, str):
        messages.error(request, selection)
        return redirect(back)
    status, chosen, to_change = selection
    if not to_change:
        messages.info(
            request, gettext("The selected values already have that status; nothing changed.")
        )
        return redirect(back)
    if request.POST.get("confirmed") == "yes":
        n = services.set_status(request.user, to_change, status, via="form")
        messages.success(
            request,
            ngettext("%(count)s value changed status.", "%(count)s values changed status.", n)
            % {"count": n},
        )
        return redirect(back)
    fw = services.framework()
    # The download of the table below asks for the same selection (read-only, by GET).
    query = [("year", str(year)), ("action", action)]
    if action != "verify_all":
        query += [("value", str(v.pk)) for v in to_change]
    return render(
        request,
        "indicators/verify_confirm.html",
        {
            "city": city,
            "year": year,
            "verify": status == Status.VERIFIED,
            "action": "unverify" if action == "unverify" else "verify",
            "values": [(v, str(fw.nodes.at[v.measure, "name"])) for v in to_change],
            "n_chosen": chosen.count(),
            "export_query": urlencode(query),
        },
    )


def status_selection(
    values: QuerySet[KpiValue], action: str, asked: list[str]
) -> tuple[str, QuerySet[KpiValue], list[KpiValue]] | str:
    """The values a verification ``action`` (``verify``, ``unverify`` or ``verify_all``)
    would change among ``values`` (``asked``: the selected ids, unused by ``verify_all``):
    the new status, the values chosen and those whose status would change (by KPI code), or
    why there is nothing to confirm. The confirmation page's and its download's one
    selection."""
    status = Status.SELF_REPORTED if action == "unverify" else Status.VERIFIED
    if action == "verify_all":
        chosen = values
    else:
        ids = [i for i in (_int(a, None) for a in asked) if i is not None]
        if not asked:
            if status == Status.VERIFIED:
                return gettext("Select the values to verify; nothing was changed.")
            return gettext(
                "Select the values to withdraw the verification of; nothing was changed."
            )
        if not ids:
            return gettext("None of the selected values exists.")
        chosen = values.filter(pk__in=ids)
    return status, chosen, list(chosen.exclude(status=status).order_by("measure"))


def _city_for_data(request: HttpRequest, pk: int) -> City:
    city = get_object_or_404(City.objects.select_related("country"), pk=pk)
    if not permissions.can_view_unpublished(request.user, city):
        raise PermissionDenied("You may not see this city's unpublished data.")
    return city


@login_required
@require_http_methods(["GET", "POST"])
def city_data(request: HttpRequest, pk: int) -> HttpResponse:
    """A city's values for one year: status, source, who; the secretariat verifies and
    publishes here."""
    city = _city_for_data(request, pk)
    years = sorted(
        KpiValue.objects.filter(city=city).values_list("year", flat=True).distinct(), reverse=True
    )
    year = _int(request.GET.get("year") or request.POST.get("year"), years[0] if years else None)
    if year is None:
        if request.method == "POST":
            raise PermissionDenied("This city has no values yet.")
        return render(
            request,
            "indicators/city_data.html",
            {
                "city": city,
                "years": [],
                "year": None,
                "values": [],
                "published": False,
                "can_edit": permissions.can_edit_city(request.user, city),
                "can_verify": permissions.can_verify(request.user),
                "synthetic": False,
            },
        )
    if request.method == "POST":
        if not permissions.can_verify(request.user):
            raise PermissionDenied("Only the secretariat verifies values and publishes profiles.")
        action = request.POST.get("action")
        if year not in years:
            raise Http404("no data for this year")
        values = KpiValue.objects.filter(city=city, year=year)
        if action in ("verify", "unverify", "verify_all"):
            return _change_status(request, city, year, values, action)
        if action in ("publish", "unpublish"):
            services.publish(request.user, city, year, published=action == "publish")
            messages.success(
                request,
                (
                    gettext("Profile %(year)s published.")
                    if action == "publish"
                    else gettext("Profile %(year)s withdrawn.")
                )
                % {"year": year},
            )
        return redirect(f"{reverse('indicators:city_data', args=[city.pk])}?year={year}")
    values = (
        KpiValue.objects.filter(city=city, year=year)
        .select_related("submitted_by", "verified_by")
        .order_by("measure")
    )
    fw = services.framework()
    order = {m: i for i, m in enumerate(fw.measures)}
    rows = sorted(values, key=lambda v: order.get(v.measure, 10**6))
    return render(
        request,
        "indicators/city_data.html",
        {
            "city": city,
            "years": years,
            "year": year,
            "values": [(v, str(fw.nodes.at[v.measure, "name"])) for v in rows],
            "published": services.is_published(city.pk, year),
            "can_edit": permissions.can_edit_city(request.user, city),
            "can_verify": permissions.can_verify(request.user),
            "synthetic": any(v.synthetic for v in rows),
        },
    )


#: Ids and years beyond this are not ours (GeoNames ids and database keys are 32-bit).
MAX_INT = 2**31 - 1


def _int(text: Any, default: int | None) -> int | None:
    """A positive 32-bit integer from text, else ``default``."""
    try:
        value = int(str(text)[:12])
    except (TypeError, ValueError):
        return default
    return value if 0 < value <= MAX_INT else default


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    """Manual entry of a city's values for a year, one field per KPI or data point, with the
    unit, the definition, the stored source and note beside each; only the fields the user
    changes are written, checked by the same rules as an upload (:mod:`.entry`)."""
    city = get_object_or_404(City.objects.select_related("country"), pk=pk)
    if not permissions.can_edit_city(request.user, city):
        raise PermissionDenied("You may change only the data of the cities assigned to you.")
    fw = services.framework()
    year = _int(request.GET.get("year") or request.POST.get("year"), None)
    errors: dict[str, list[str]] = {}
    conflicts: set[str] = set()
    posted: list[entry_rules.Field] | None = None
    source = ""
    if request.method == "POST" and year is not None:
        source = entry_rules.clean_text(request.POST.get("source", ""))
        posted = entry_rules.fields_from_post(request.POST, list(fw.measures))
        outcome = entry_rules.check(request.user, city.pk, year, posted, source)
        errors, conflicts = outcome.errors, outcome.conflicts
        if outcome.ok:
            try:
                counts = services.write_values(request.user, outcome.rows, via="form")
            except ValidationError as exc:  # text the checks above let through
                errors = {"": [services.problem_text(p) for p in exc.problems]}
            else:
                if counts.created or counts.updated:
                    messages.success(
                        request,
                        ngettext(
                            "Saved: %(created)s value created, %(updated)s updated; "
                            "the others are unchanged.",
                            "Saved: %(created)s values created, %(updated)s updated; "
                            "the others are unchanged.",
                            counts.created,
                        )
                        % {"created": counts.created, "updated": counts.updated},
                    )
                else:
                    messages.info(request, gettext("No value changed; nothing was saved."))
                if outcome.cleared:
                    messages.warning(
                        request,
                        ngettext(
                            "%(count)s emptied field was kept as stored (%(fields)s): "
                            "emptying a field does not delete a value.",
                            "%(count)s emptied fields were kept as stored (%(fields)s): "
                            "emptying a field does not delete a value.",
                            len(outcome.cleared),
                        )
                        % {
                            "count": len(outcome.cleared),
                            "fields": ", ".join(outcome.cleared[:5]),
                        },
                    )
                return redirect(f"{reverse('indicators:city_data', args=[city.pk])}?year={year}")
        messages.error(request, gettext("Some values need fixing; nothing was saved."))
    groups = (
        entry_rules.form_fields(city.pk, year, posted, errors, conflicts)
        if year is not None
        else []
    )
    return render(
        request,
        "indicators/entry.html",
        {
            "city": city,
            "year": year,
            "groups": groups,
            "source": source,
            "source_errors": errors.get(entry_rules.DEFAULT_SOURCE, []),
            "general_errors": errors.get("", []),
            "year_choices": list(range(2030, 1999, -1)),
        },
    )


# ------------------------------------------------------------------------- export
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A city's values as CSV or XLSX: published years for everyone, all for those allowed;
    one year with ``?year=``."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    city = get_object_or_404(City, pk=pk)
    values = services.visible_values(request.user).filter(city=city)
    # ``?year=``: the one year the city data page shows (its "Download this table" link).
    year = _int(request.GET.get("year"), None)
    if year is not None:
        values = values.filter(year=year)
    frame = export_frame(
        values, with_submitters=permissions.can_view_unpublished(request.user, city)
    )
    from citydiplomacy.io.safe_text import safe_frame  # no text cell may run as a formula

    frame = safe_frame(frame)
    name = f"citydiplomacy-{city.pk}-{city.name}".replace(" ", "_")
    if fmt == "csv":
        resp = HttpResponse(content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        resp.write(frame.to_csv(index=False))
        return resp
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="kpi_values")
    resp = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return resp


# ------------------------------------------------------------------------- history
@checks_query_text
@login_required
def history(request: HttpRequest) -> HttpResponse:
    """The audit trail of KPI values: analysts and the secretariat."""
    if not permissions.can_view_history(request.user):
        raise PermissionDenied("The change history is open to analysts and the secretariat.")
    # By id: the order in which changes were committed (see KpiValueChange).
    changes = KpiValueChange.objects.select_related("city", "changed_by").order_by("-id")
    # The city picker: a typed name or a chosen suggestion (a GeoNames id still works).
    picker = city_form(request.GET if request.GET.get("city") else None, required=False)
    city_id = picker.cleaned_data.get("city") if picker.is_valid() else None
    if city_id:
        changes = changes.filter(city_id=city_id)
    measure, kpi_error = kpi_filter(request.GET)
    if kpi_error:
        changes = changes.none()
    elif measure:
        changes = changes.filter(measure__startswith=measure)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "indicators/history.html",
        {
            "page": page,
            "city_id": city_id or "",
            "kpi": measure,
            "kpi_error": kpi_error,
            "city_picker": picker,
        },
        status=400 if picker.errors or kpi_error else 200,
    )


__all__ = ["Publication"]
