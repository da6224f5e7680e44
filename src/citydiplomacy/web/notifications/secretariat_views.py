"""The secretariat's pages of the notifications app: the reporting cycle's deadlines (read by
every signed-in user, changed by the secretariat only), the partner cities without an
editor with their invitations, and the invitee's page that accepts an invitation.

Access: anonymous visitors are sent to log in (the invitation link excepted: it is how a new
editor arrives); signed-in users without the secretariat's role get 403 on every change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.forms import checks_form_text
from citydiplomacy.web.notifications import invitations, reporting
from citydiplomacy.web.notifications.forms import (
    AcceptInvitationForm,
    InvitationForm,
    ReportingDeadlineForm,
)
from citydiplomacy.web.notifications.models import EditorInvitation, ReportingDeadline

#: The backend that ``login`` records for an account created here (several are configured).
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _secretariat_only(request: HttpRequest) -> None:
    if not permissions.is_admin(request.user):
        raise PermissionDenied("Only the secretariat may do this.")


# ------------------------------------------------------------------------- reporting
@login_required
@require_GET
def reporting_deadlines(request: HttpRequest) -> HttpResponse:
    """The reporting cycle's deadlines; the secretariat's links to set and change them."""
    return render(
        request,
        "notifications/reporting_deadlines.html",
        {"deadlines": reporting.deadlines(), "can_edit": permissions.is_admin(request.user)},
    )


def _deadline_form(request: HttpRequest, deadline: ReportingDeadline | None) -> HttpResponse:
    _secretariat_only(request)
    form = ReportingDeadlineForm(request.POST or None, instance=deadline)
    if request.method == "POST" and form.is_valid():
        saved = reporting.save(form.save(commit=False), request.user)
        messages.success(
            request,
            f"KPI data for {saved.year}: due {saved.due_date:%d %B %Y}; editors are told "
            f"{saved.notice_days} day(s) before.",
        )
        return redirect("notifications:reporting-deadlines")
    return render(
        request,
        "notifications/reporting_deadline_form.html",
        {"form": form, "deadline": deadline},
        status=400 if form.errors else 200,
    )


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def reporting_deadline_new(request: HttpRequest) -> HttpResponse:
    return _deadline_form(request, None)


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def reporting_deadline_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _secretariat_only(request)
    return _deadline_form(request, get_object_or_404(ReportingDeadline, pk=pk))


@login_required
@require_POST
def reporting_deadline_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _secretariat_only(request)
    deadline = get_object_or_404(ReportingDeadline, pk=pk)
    reporting.delete(deadline)
    messages.success(request, _("The deadline of %(year)s is removed.") % {"year": deadline.year})
    return redirect("notifications:reporting-deadlines")


# ------------------------------------------------------------------------- invitations
@login_required
@require_GET
def cities_without_editor(request: HttpRequest) -> HttpResponse:
    """Partner cities that cannot confirm a partnership (no editor), with invitations."""
    _secretariat_only(request)
    return render(
        request,
        "notifications/cities_without_editor.html",
        {"entries": invitations.cities_without_editor()},
    )


def sent_invitations(city: City) -> list[EditorInvitation]:
    """The invitations the invite page lists for ``city`` (the 20 latest): the page's and
    its export's one selection."""
    return list(EditorInvitation.objects.filter(city=city).select_related("invited_by")[:20])


@checks_form_text
@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, city_id: int) -> HttpResponse:
    """Invite someone by e-mail to become the editor of a city."""
    _secretariat_only(request)
    city = get_object_or_404(City, pk=city_id)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inv, link = invitations.invite(
                request.user,
                city,
                form.cleaned_data["email"],
                form.cleaned_data["name"],
                lambda token: request.build_absolute_uri(
                    reverse("notifications:accept-invitation", args=[token])
                ),
            )
        except invitations.InvitationError as exc:
            form.add_error("email", str(exc))
        else:
            # The link is shown once, for the secretariat to pass on should the e-mail fail.
            has_account = invitations.accounts_with_address(inv.email).exists()
            messages.success(
                request,
                f"Invitation e-mailed to {inv.email} (valid {invitations.INVITATION_DAYS} "
                f"days). Link: {link}"
                + (
                    " "
                    + _(
                        "This address already has an account: the link asks its owner to "
                        "sign in and accept with it."
                    )
                    if has_account
                    else ""
                ),
            )
            return redirect("notifications:cities-without-editor")
    sent = sent_invitations(city)
    return render(
        request,
        "notifications/invite.html",
        {"form": form, "city": city, "sent": sent},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    _secretariat_only(request)
    inv = get_object_or_404(EditorInvitation, pk=pk)
    if invitations.revoke(inv):
        messages.success(
            request, _("The invitation of %(email)s is revoked.") % {"email": inv.email}
        )
    else:
        messages.error(request, _("That invitation was already used or revoked."))
    return redirect("notifications:invite", city_id=inv.city_id)


@checks_form_text
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's page: create the account (an editor of the invited city), signed in; or,
    when the invitation's address already has an account, sign in with it and accept with
    that account (never a second account for one address)."""
    inv = invitations.find(token)
    if inv is None:
        return render(
            request, "notifications/invitation_invalid.html", {"state": "unknown"}, status=404
        )
    if inv.state != "open":
        return render(
            request, "notifications/invitation_invalid.html", {"state": inv.state}, status=410
        )
    if request.user.is_authenticated:
        return _accept_signed_in(request, inv)
    existing = invitations.accounts_with_address(inv.email)
    if existing.exists():
        # Creating an account here would give the address a second one: sign in instead.
        active = existing.filter(is_active=True).exists()
        return render(
            request,
            "notifications/invitation_sign_in.html",
            {"invitation": inv, "active": active, "next": request.path},
            status=200 if active and request.method == "GET" else 409,
        )
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user: Any = invitations.accept(
                inv, form.cleaned_data["username"], form.cleaned_data["password1"]
            )
        except invitations.InvitationError as exc:
            form.add_error(None, str(exc))
        else:
            login(request, user, backend=LOGIN_BACKEND)
            messages.success(
                request,
                _("Welcome: you are now an editor of %(city)s.") % {"city": inv.city.name},
            )
            return redirect("notifications:inbox")
    return render(
        request,
        "notifications/accept_invitation.html",
        {"form": form, "invitation": inv},
        status=400 if form.errors else 200,
    )


def _accept_signed_in(request: HttpRequest, inv: EditorInvitation) -> HttpResponse:
    """A signed-in invitee: the account of the invitation's address accepts with one click
    (a POST); any other account is told why it may not (409), and nothing changes."""
    problem = invitations.existing_account_problem(inv, request.user)
    if problem:
        return render(
            request,
            "notifications/invitation_invalid.html",
            {"state": "signed-in", "problem": problem},
            status=409,
        )
    if request.method == "POST":
        try:
            invitations.accept_existing(inv, request.user)
        except invitations.InvitationError as exc:
            return render(
                request,
                "notifications/invitation_invalid.html",
                {"state": "signed-in", "problem": str(exc)},
                status=409,
            )
        messages.success(request, _("You are now an editor of %(city)s.") % {"city": inv.city.name})
        return redirect("notifications:inbox")
    return render(request, "notifications/accept_invitation_existing.html", {"invitation": inv})
