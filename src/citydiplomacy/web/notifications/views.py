"""The inbox (with mark-as-read) and the preferences page. Thin: :mod:`.services` works."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.notifications import services
from citydiplomacy.web.notifications.forms import PreferencesForm
from citydiplomacy.web.notifications.models import Notification

PAGE_SIZE = 50


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 10]


def inbox_notifications(request: HttpRequest) -> QuerySet[Notification]:
    """The signed-in user's own notifications the inbox lists (``?show=unread``: unread
    only), the newest first: the page's and its export's one selection."""
    user: Any = request.user
    qs = Notification.objects.filter(user=user)
    if request.GET.get("show") == "unread":
        qs = qs.filter(read__isnull=True)
    return qs


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_notifications(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "unread": services.unread_count(request.user),
            "show": request.GET.get("show", ""),
            "is_secretariat": permissions.is_admin(request.user),
        },
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    """Mark the ticked notifications read, or all of them (``all=1``); only one's own."""
    if request.POST.get("all") == "1":
        n = services.mark_read(request.user)
    else:
        n = services.mark_read(request.user, _ids(request.POST.getlist("id")))
    messages.success(
        request,
        ngettext("%(n)d notification marked as read.", "%(n)d notifications marked as read.", n)
        % {"n": n},
    )
    return redirect("notifications:inbox")


def _page_language() -> str:
    """The page's language as one of ``settings.LANGUAGES`` (``fr`` for ``fr-ch``)."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return str(settings.LANGUAGE_CODE)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    current = services.preferences(request.user)
    form = PreferencesForm(
        request.POST or None,
        current=current,
        language=services.email_language(request.user),
        default_language=_page_language(),
    )
    if request.method == "POST" and form.is_valid():
        services.set_preferences(request.user, form.choices(), form.language())
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool(getattr(request.user, "email", ""))},
        status=400 if form.errors else 200,
    )
