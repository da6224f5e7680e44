"""The page of representatives: who may sign for which city."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.fields import city_form
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement import forms, services
from citydiplomacy.web.engagement.models import (
    Representative,
)
from citydiplomacy.web.forms import checks_form_text, field_errors
from citydiplomacy.web.indicators.exports import FORMATS, table_response


def listed_representatives(request: HttpRequest) -> tuple[QuerySet[Representative], bool]:
    """The representative roles the list shows this viewer (the secretariat: all; an
    editor: their cities'), current only unless ``?past=1``, and whether past ones are
    shown: the page's and its export's one selection. The caller checks
    :func:`services.can_see_representatives` first."""
    user = request.user
    listed = Representative.objects.select_related(
        "user", "city", "city__country", "authorised_by", "revoked_by"
    ).order_by("city__name", "-since")
    if not permissions.is_admin(user):
        listed = listed.filter(city_id__in=permissions.editable_city_ids(user))
    show_past = request.GET.get("past") == "1"
    today = timezone.localdate()
    current = Q(revoked_at__isnull=True) & (Q(until__isnull=True) | Q(until__gte=today))
    return (listed if show_past else listed.filter(current)), show_past


#: Columns of the representatives export: the page's table, ids beside the names.
REPRESENTATIVE_COLUMNS = (
    "city",
    "geonames_id",
    "country",
    "representative",
    "title",
    "capacity",
    "since",
    "authorised_by",
    "until",
    "status",
    "revoked_on",
)


def representatives_frame(reps: Iterable[Representative]) -> pd.DataFrame:
    """The representative roles as the page's table shows them."""
    records = []
    for r in reps:
        if r.revoked_at:
            status = _("revoked")
        elif r.is_current:
            status = _("current")
        else:
            status = _("mandate ended")
        records.append(
            (
                r.city.name,
                r.city_id,
                r.city.country.name if r.city.country_id else "",
                r.user.get_full_name() or r.user.username,
                r.title,
                r.capacity,
                timezone.localtime(r.since).date().isoformat() if r.since else "",
                r.authorised_by.username if r.authorised_by else "",
                r.until.isoformat() if r.until else "",
                str(status),
                timezone.localtime(r.revoked_at).date().isoformat() if r.revoked_at else "",
            )
        )
    return pd.DataFrame.from_records(records, columns=list(REPRESENTATIVE_COLUMNS))


@login_required
@require_GET
def representatives_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The representatives list this viewer sees (``?past=1`` as the page), as CSV or XLSX."""
    if not services.can_see_representatives(request.user):
        raise PermissionDenied(_("The list of representatives is for the secretariat and editors."))
    if fmt not in FORMATS:
        raise Http404("exports are CSV or XLSX")
    listed, show_past = listed_representatives(request)
    name = "representatives-all" if show_past else "representatives"
    return table_response(representatives_frame(listed), fmt, name)


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def representatives(request: HttpRequest) -> HttpResponse:
    """Who may sign for which city: the secretariat grants and revokes; a city's editors see
    their cities' representatives; nobody else sees the list."""
    user = request.user
    if not services.can_see_representatives(user):
        raise PermissionDenied(_("The list of representatives is for the secretariat and editors."))
    secretariat = permissions.is_admin(user)
    form = {"username": "", "city": "", "title": "", "capacity": "", "until": ""}
    errors: list[str] = []
    problems: dict[str, list[str]] = {}
    city_picker = city_form(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not secretariat:
            raise PermissionDenied(_("Only the secretariat authorises representatives of a city."))
        form = {k: request.POST.get(k, "").strip() for k in form}
        grant = forms.RepresentativeForm(request.POST)
        grant.is_valid()
        problems = field_errors(grant)
        data = grant.cleaned_data
        person = None
        if "username" in data:
            person = services.user_named(data["username"])
            if person is None:
                problems["username"] = [
                    _("no active account named %(name)s.") % {"name": repr(data["username"])}
                ]
        city = None
        # The city picker: a typed name or a chosen suggestion; text it could not store is
        # refused before it looks the name up.
        picker_problems = forms.picker_text_errors(request.POST, "city")
        if not picker_problems and city_picker.is_valid():
            city = City.objects.filter(pk=city_picker.cleaned_data["city"]).first()
        elif not picker_problems:
            picker_problems = [str(m) for m in city_picker.errors.get("city", [])]
        if picker_problems:
            problems["city"] = picker_problems
        labels = {
            "username": _("User"),
            "city": _("City"),
            "title": _("Title"),
            "capacity": pgettext("representative", "Capacity"),
            "until": _("End of mandate"),
        }
        problems = {
            k: [f"{labels.get(k, k.capitalize())}: {m}" for m in v] for k, v in problems.items()
        }
        if not problems and person is not None and city is not None:
            try:
                rep = services.grant_representative(
                    user,
                    person,
                    city,
                    title=data["title"],
                    capacity=data["capacity"],
                    until=data["until"],
                )
                messages.success(
                    request,
                    _("%(user)s may now sign on behalf of %(city)s as %(title)s.")
                    % {"user": rep.user, "city": city.name, "title": rep.title},
                )
                return redirect("engagement:representatives")
            except services.EngagementError as exc:
                errors.extend(exc.messages)
    listed, show_past = listed_representatives(request)
    return render(
        request,
        "engagement/representatives.html",
        {
            "representatives": listed,
            "secretariat": secretariat,
            "show_past": show_past,
            "form": form,
            "city_picker": city_picker,
            "errors": errors,
            "field_errors": problems,
        },
        status=400 if errors or problems else 200,
    )


@login_required
@require_POST
def representative_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    rep = get_object_or_404(Representative.objects.select_related("user", "city"), pk=pk)
    services.revoke_representative(request.user, rep)  # PermissionDenied unless secretariat
    messages.success(
        request,
        _("%(user)s no longer signs for %(city)s; signatures already given remain.")
        % {"user": rep.user, "city": rep.city.name},
    )
    return redirect("engagement:representatives")
