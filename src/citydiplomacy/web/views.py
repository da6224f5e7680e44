"""Site-wide pages: home, log-in, and the error pages (HTML, or the API's JSON shape)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_safe

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.forms import TextCheckedMixin, checks_form_text


def home(request: HttpRequest) -> HttpResponse:
    from citydiplomacy.web.indicators import services

    context: dict[str, Any] = {
        "editable_cities": services.editable_cities(request.user),
        "overview": services.overview(request.user),
    }
    return render(request, "home.html", context)


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers and crawlers ask for whatever a page links: a redirect
    to the icon every page links (``favicon.svg``, hashed in production). Temporary, so that
    a new icon's new name is followed; remembered for a day."""
    response = HttpResponseRedirect(static("favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


#: Longest password the log-in form reads (no password set here is longer).
PASSWORD_MAX_LENGTH = 4096


class LoginForm(TextCheckedMixin, AuthenticationForm):
    """Django's log-in form whose user name and password refuse a control character or a
    lone surrogate at the field (and are bounded): such a form never reaches
    ``authenticate``, so django-axes counts no failure for it (issue 14, item 3)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django sets the user name's max_length after building the field (the input's
        # maxlength only): bound both fields here, so that neither reaches ``authenticate``.
        username, password = self.fields["username"], self.fields["password"]
        assert isinstance(username, forms.CharField) and isinstance(password, forms.CharField)
        password.max_length = PASSWORD_MAX_LENGTH
        for field in (username, password):
            assert field.max_length is not None
            field.validators.append(MaxLengthValidator(field.max_length))


class LoginView(auth_views.LoginView):
    """Django's log-in view; django-axes counts failures and locks out repeated guessing.

    Marked with :func:`checks_form_text`: its form (:class:`LoginForm`) shows a forbidden
    character at the field instead of the middleware's generic 400 page."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return checks_form_text(super().as_view(**initkwargs))


def _error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"status": status, "code": code, "message": message}}, status=status
        )
    # The API answers in English; a page in the reader's language (the messages below are
    # marked for the catalogue; any other message passes through unchanged).
    context = {"status": status, "message": gettext(message)}
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "bad_request", gettext_noop("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = (
        str(exception)
        if exception and str(exception)
        else (
            gettext_noop("You do not have permission to do this.")
            if request.user.is_authenticated
            else gettext_noop("Log in to do this.")
        )
    )
    return _error(request, 403, "forbidden", message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "not_found", gettext_noop("There is nothing at this address."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, "server_error", gettext_noop("Something went wrong on our side."))


__all__ = ["LoginView", "favicon", "home", "permissions"]
