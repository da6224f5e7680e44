"""Pages of signatures: the signing confirmation, withdrawal and the CSV of signatories."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement import forms, services
from citydiplomacy.web.engagement.models import (
    DeclarationVersion,
    Signature,
)
from citydiplomacy.web.engagement.views.common import _declaration, _id, form_messages
from citydiplomacy.web.forms import checks_form_text


@require_GET
def signatures_csv(request: HttpRequest, slug: str) -> HttpResponse:
    d = _declaration(request, slug)
    response = HttpResponse(services.signatures_csv(d), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{d.slug}-signatures.csv"'
    return response


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    """Signing in two steps: a confirmation page shows the text version, the city and the
    representative's full name and title (asking for the name when none is on record);
    only the confirmed POST signs, recording that version."""
    d = _declaration(request, slug)
    signer: Any = request.user  # signed in (login_required)
    source = request.POST if request.method == "POST" else request.GET
    city = get_object_or_404(City, pk=_id(source.get("city")))
    rep = services.representation_for(signer, city)
    if rep is None:
        raise PermissionDenied(
            _("You are not an authorised representative of %(city)s.") % {"city": city.name}
        )
    version = d.current_version()
    if d.status != "adopted" or version is None:
        messages.error(request, _("This declaration is not open for signature."))
        return redirect(d.get_absolute_url() + "#signatures")
    needs_name = not services.signer_full_name(signer)
    form = forms.SignForm(
        request.POST if request.method == "POST" else None,
        needs_name=needs_name,
        initial={"city": city.pk, "version": version.number},
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        confirmed = DeclarationVersion.objects.filter(
            declaration=d, number=form.cleaned_data["version"]
        ).first()
        name = (
            f"{form.cleaned_data['first_name'].strip()} {form.cleaned_data['last_name'].strip()}"
            if needs_name
            else services.signer_full_name(signer)
        )
        # The signature records the signer's full name (first and last name may hold 150
        # characters each); one longer than the column is refused here, not by the database.
        limit = Signature._meta.get_field("signer_name").max_length or 0
        if confirmed is None:
            errors.append(_("Confirm the current version of the text."))
        elif len(name) > limit:
            errors.append(
                _(
                    "Your name as a signature would record it is %(length)s characters long; "
                    "a signature holds at most %(limit)s. Ask the secretariat to record a "
                    "shorter name for your account, then sign again."
                )
                % {"length": len(name), "limit": limit}
            )
        else:
            try:
                with transaction.atomic():
                    if needs_name:
                        signer.first_name = form.cleaned_data["first_name"].strip()
                        signer.last_name = form.cleaned_data["last_name"].strip()
                        signer.save(update_fields=["first_name", "last_name"])
                    s = services.sign(signer, d, city, version=confirmed)
                messages.success(
                    request,
                    _("Signed on behalf of %(city)s by %(name)s, %(title)s (version %(number)s).")
                    % {
                        "city": city.name,
                        "name": s.signer_name,
                        "title": s.signer_title,
                        "number": confirmed.number,
                    },
                )
                return redirect(d.get_absolute_url() + "#signatures")
            except services.EngagementError as exc:
                errors.extend(exc.messages)
    return render(
        request,
        "engagement/sign_confirm.html",
        {
            "declaration": d,
            "version": version,
            "city": city,
            "rep": rep,
            "full_name": services.signer_full_name(signer),
            "form": form,
            "errors": errors,
        },
        status=400 if request.method == "POST" else 200,
    )


@checks_form_text
@login_required
@require_POST
def withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Withdraw a signature, from the form on the declaration's page: a reason too long or
    holding a control character is a message naming the field, and nothing is recorded."""
    d = _declaration(request, slug)
    s = get_object_or_404(Signature, pk=pk, declaration=d)
    form = forms.WithdrawForm(request.POST)
    reason = ""
    if form.is_valid():
        reason = form.cleaned_data["reason"]
    elif services.can_withdraw(request.user, s):
        for message in form_messages(form):
            messages.error(request, message)
        return redirect(d.get_absolute_url() + "#signatures")
    # (anyone who may not withdraw it is refused by the service, whatever they sent)
    try:
        services.withdraw(request.user, s, reason)
        messages.success(request, _("The signature is withdrawn; the withdrawal is recorded."))
    except services.EngagementError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(d.get_absolute_url() + "#signatures")
