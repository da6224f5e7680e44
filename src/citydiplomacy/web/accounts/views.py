"""Account pages: API tokens (create, list, revoke)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from citydiplomacy.web.accounts.models import ApiToken


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    new_key = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()[:100]
        if not name:
            messages.error(
                request, gettext("Give the token a name, for example the script that uses it.")
            )
        else:
            _, new_key = ApiToken.objects.create_token(user, name)
    listed = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(request, "accounts/tokens.html", {"tokens": listed, "new_key": new_key})


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        messages.success(request, gettext("Token %(token)s revoked.") % {"token": token})
    return redirect("accounts:tokens")
