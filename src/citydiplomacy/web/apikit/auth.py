"""Who is asking: a bearer token, the browser session, or nobody.

* Reads (``GET``) accept a token, the session of a signed-in browser, or no credentials at
  all (then the requester is the public, who sees published profiles only).
* Writes require a token: a session cookie alone is not enough, so a page elsewhere cannot
  make a signed-in browser write (no CSRF risk), and scripts use tokens anyway.
* An ``Authorization`` header that is not a valid, unrevoked bearer token is refused with
  401, on reads as well: a client that means to authenticate is told it failed instead of
  silently getting the public view.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from citydiplomacy.web.accounts.models import ApiToken

#: ``openapi_extra`` of a read: the token and the session are optional (``{}`` = none).
OPTIONAL_AUTH: dict[str, Any] = {"security": [{}]}


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``, a token made on the account page; acts as its user."""

    def __call__(self, request: HttpRequest) -> Any | None:
        value = request.headers.get(self.header)
        if not value:
            return None
        scheme, _, key = value.strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise AuthenticationError(401, "The Authorization header must be 'Bearer <token>'.")
        return self.authenticate(request, key.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        found = ApiToken.objects.authenticate(token) if len(token) <= 200 else None
        if found is None:
            raise AuthenticationError(401, "The API token is not valid or has been revoked.")
        return found.user


class SessionUser(APIKeyCookie):
    """The signed-in user of a browser session (reads only, so no CSRF check is needed)."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


def anonymous(request: HttpRequest) -> AnonymousUser:
    """The last resort of a read: the public."""
    return AnonymousUser()


#: Reads: a token, else the session, else the public.
READ_AUTH = [BearerToken(), SessionUser(), anonymous]
#: Writes: a token only.
WRITE_AUTH = [BearerToken()]


def requester(request: HttpRequest) -> Any:
    """The user an operation acts for (``AnonymousUser`` for the public)."""
    user = getattr(request, "auth", None)
    return user if user is not None else AnonymousUser()
