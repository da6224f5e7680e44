"""Pages of the forum sessions and the status of their recommendations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.engagement import forms, services
from citydiplomacy.web.engagement.models import (
    ForumSession,
    Recommendation,
    RecommendationStatus,
)
from citydiplomacy.web.engagement.views.common import form_messages
from citydiplomacy.web.forms import checks_form_text


def listed_sessions() -> QuerySet[ForumSession]:
    """The session list's rows, in its order (the page and its export read them here)."""
    return ForumSession.objects.select_related("event").prefetch_related("recommendations")


@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    return render(request, "engagement/session_list.html", {"sessions": listed_sessions()})


@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(
        ForumSession.objects.select_related("event").prefetch_related(
            "agenda__speakers",
            "speakers__city",
            "cities",
            Prefetch("recommendations", Recommendation.objects.prefetch_related("history")),
        ),
        pk=pk,
    )
    return render(
        request,
        "engagement/session_detail.html",
        {
            "session": session,
            "statuses": RecommendationStatus.choices,
            "can_update": permissions.is_admin(request.user),
        },
    )


@checks_form_text
@login_required
@require_POST
def recommendation_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat records a status, from the form on the session's page: a note too
    long or holding a control character is a message naming the field; nothing is
    recorded."""
    rec = get_object_or_404(Recommendation, pk=pk)
    back = reverse("engagement:session", args=[rec.session_id]) + f"#rec-{rec.pk}"
    form = forms.RecommendationStatusForm(request.POST)
    status, note = "", ""
    if form.is_valid():
        status, note = form.cleaned_data["status"], form.cleaned_data["note"]
    elif permissions.is_admin(request.user):
        for message in form_messages(form):
            messages.error(request, message)
        return redirect(back)
    # (anyone else is refused by the service, whatever they sent)
    try:
        services.set_recommendation_status(request.user, rec, status, note)
        messages.success(
            request, _("Status recorded: %(status)s.") % {"status": rec.get_status_display()}
        )
    except services.EngagementError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(back)
