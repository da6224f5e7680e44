"""Pages of commitments: the list with progress, one commitment, the form."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from citydiplomacy.core.commitments import Progress, Status
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.fields import city_form
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement import charts, forms, services
from citydiplomacy.web.engagement.models import (
    Commitment,
    CommitmentOrigin,
)
from citydiplomacy.web.engagement.progress import status_choices
from citydiplomacy.web.engagement.views.common import _id, _int
from citydiplomacy.web.forms import checks_form_text, field_errors
from citydiplomacy.web.indicators.charts import fmt_value
from citydiplomacy.web.indicators.services import visible_values

#: Commitments per page of the commitment list.
COMMITMENT_PAGE_SIZE = 50


def filtered_commitments(
    request: HttpRequest,
) -> tuple[list[tuple[Commitment, Progress]], int | None, str]:
    """Every row of the commitment list for this viewer and its filters (``?city=``,
    ``?status=``), all pages, with the city id and the status filter as taken: the page and
    its exports both read the list from here, so a download equals what the page shows."""
    qs = Commitment.objects.select_related("city", "city__country", "declaration")
    city_id = _int(request.GET.get("city"))
    if city_id:
        qs = qs.filter(city_id=city_id)
    status = request.GET.get("status", "")
    rows = services.progress_of(request.user, qs.order_by("city__name", "target_year", "pk"))
    if status in Status.__members__.values():
        rows = [(c, p) for c, p in rows if p.status == status]
    else:
        status = ""
    return rows, city_id, status


@require_GET
def commitment_list(request: HttpRequest) -> HttpResponse:
    """Commitments with their progress, filtered by city and status, by pages.

    One query fetches the commitments with the latest KPI value each may be assessed on
    (what the viewer may read); the status filter needs every row's assessment, so the page
    is cut after assessing."""
    rows, city_id, status = filtered_commitments(request)
    page = Paginator(rows, COMMITMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engagement/commitment_list.html",
        {
            "rows": page.object_list,
            "page": page,
            "n_rows": len(rows),
            "statuses": status_choices(),
            "status": status,
            "city": City.objects.filter(pk=city_id).first() if city_id else None,
            "can_create": permissions.can_edit_any_city(request.user),
            # the filters as taken (a known status, a valid id): the download's query
            "export_query": urlencode(
                {k: v for k, v in (("city", city_id or ""), ("status", status)) if v}
            ),
        },
    )


@require_GET
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = get_object_or_404(
        Commitment.objects.select_related("city", "declaration", "declaration_commitment"), pk=pk
    )
    path = services.commitment_path(c)
    observations = services.kpi_observations(request.user, c)
    progress = services.progress(request.user, c)
    info = services.measure_info(c.measure) or {"name": c.measure, "unit": "", "direction": 1}
    years = sorted({c.baseline_year, c.target_year, *observations})
    table = [
        {
            "year": y,
            "expected": fmt_value(path.expected_value(y)) if y >= c.baseline_year else "—",
            "value": fmt_value(observations.get(y)),
        }
        for y in years
    ]
    chart = charts.commitment_chart(
        path,
        observations,
        chart_id=f"commitment-{c.pk}",
        title=_("%(city)s: %(measure)s against the commitment’s path")
        % {"city": c.city.local_name, "measure": info["name"]},
        unit=info["unit"],
    )
    # Only values this viewer may read decide the label (an unpublished synthetic series is
    # not mentioned to a reader who cannot see it).
    synthetic_values = (
        visible_values(request.user)
        .filter(city_id=c.city_id, measure=c.measure, synthetic=True)
        .exists()
    )
    return render(
        request,
        "engagement/commitment_detail.html",
        {
            "c": c,
            "progress": progress,
            "info": info,
            "table": table,
            "chart": chart,
            "synthetic_values": synthetic_values,
            "baseline": fmt_value(c.baseline_value),
            "target": fmt_value(c.target_value),
        },
    )


def _chosen_city(picker: Any, typed: str, errors: list[str]) -> City | None:
    """The city a commitment is recorded for: the secretariat's picker (a typed name that
    means one city, or a chosen suggestion), or the editor's choice among their cities; a
    problem with the picker's text goes into ``errors`` at the city field."""
    if picker is None:
        # any city: whether this editor may record for it is the service's rule (403)
        return City.objects.filter(pk=_id(typed)).first()
    problems = forms.picker_text_errors(picker.data, "city")
    if not problems and picker.is_valid():
        return City.objects.filter(pk=picker.cleaned_data["city"]).first()
    errors.extend(f"city: {m}" for m in problems or picker.errors.get("city", []))
    return None


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def commitment_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not permissions.can_edit_any_city(user):
        raise PermissionDenied(_("Only city editors and the secretariat record commitments."))
    # An editor chooses among their cities; the secretariat, who may record for any city,
    # names it with the city picker (typed or chosen), never by a GeoNames id.
    secretariat = permissions.is_admin(user)
    cities = (
        City.objects.none()
        if secretariat
        else City.objects.filter(pk__in=permissions.editable_city_ids(user))
    ).select_related("country")
    picker = None
    if secretariat:
        picker = city_form(request.POST if request.method == "POST" else None)
        arriving_for = _id(request.GET.get("city"))  # from a city's page: shown chosen
        if request.method != "POST" and arriving_for is not None:
            picker.initial["city"] = arriving_for
    fields = (
        "city",
        "title",
        "origin",
        "measure",
        "baseline_year",
        "baseline_value",
        "target_year",
        "target_value",
        "network",
        "declaration_commitment",
        "source_url",
    )
    form = {k: request.POST.get(k, request.GET.get(k, "")).strip() for k in fields}
    errors: list[str] = []
    checked = forms.CommitmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not checked.is_valid():
        # Too long, or a character no text may hold: at the field, before any rule runs.
        errors = [f"{k}: {m}" for k, messages_ in field_errors(checked).items() for m in messages_]
    elif request.method == "POST":
        city = _chosen_city(picker, form["city"], errors)
        # Only items of adopted or closed declarations are offered and accepted; another id
        # is refused exactly like an unknown one (a draft's existence is not revealed).
        item = services.adopted_items().filter(pk=_id(form["declaration_commitment"])).first()
        if form["declaration_commitment"] and item is None:
            errors.append(
                "declaration_commitment: " + _("expected a commitment of an adopted declaration")
            )
        if city is None and not any(e.startswith("city:") for e in errors):
            errors.append("city: " + _("choose the city"))
        elif city is not None and not errors:
            try:
                c = services.record_commitment(
                    user,
                    city,
                    {
                        **form,
                        "declaration": item.declaration if item else None,
                        "declaration_commitment": item,
                    },
                )
                messages.success(request, _("Commitment recorded."))
                return redirect(c.get_absolute_url())
            except services.EngagementError as exc:
                errors.extend(exc.messages)
    return render(
        request,
        "engagement/commitment_form.html",
        {
            "form": form,
            # each problem ("field: ...") at its field; the page lists them at the top too
            "field_errors": _by_field(errors, fields),
            "errors": errors,
            "cities": cities,
            "city_picker": picker,
            "origins": CommitmentOrigin.choices,
            "items": services.adopted_items(),
            "this_year": dt.date.today().year,
        },
        status=400 if errors else 200,
    )


def _by_field(errors: list[str], fields: tuple[str, ...]) -> dict[str, list[str]]:
    """Problems written ``field: message`` (the services' form), grouped by their field."""
    out: dict[str, list[str]] = {}
    for error in errors:
        key = error.split(":", 1)[0]
        if key in fields:
            out.setdefault(key, []).append(error)
    return out
