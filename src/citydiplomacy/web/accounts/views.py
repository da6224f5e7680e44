"""Account pages: API tokens (create, list, revoke), and Django's password change and reset
pages with forms that report a forbidden character at its field (:mod:`.forms`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from citydiplomacy.web.accounts import forms
from citydiplomacy.web.accounts.models import ApiToken
from citydiplomacy.web.forms import checks_form_text


@checks_form_text
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's tokens, and a form to create one: its name is checked at the field (too
    long or holding a forbidden character is an error there, never cut)."""
    user: Any = request.user
    new_key = None
    form = forms.TokenForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            _, new_key = ApiToken.objects.create_token(user, form.cleaned_data["name"])
            form = forms.TokenForm()
        else:
            status = 400
    listed = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": listed, "new_key": new_key, "form": form},
        status=status,
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        messages.success(request, gettext("Token %(token)s revoked.") % {"token": token})
    return redirect("accounts:tokens")


#: Django's password pages with the forms of :mod:`.forms`, marked as checking their text.
password_change = checks_form_text(
    auth_views.PasswordChangeView.as_view(form_class=forms.PasswordChangeForm)
)
password_reset = checks_form_text(
    auth_views.PasswordResetView.as_view(form_class=forms.PasswordResetForm)
)
password_reset_confirm = checks_form_text(
    auth_views.PasswordResetConfirmView.as_view(form_class=forms.SetPasswordForm)
)
