"""The account pages tell every outcome in the reader's language (issue 19, item 7): a failed
log-in and the lock-out after repeated failures, a password change refused or done, an API
token refused, created or revoked: in French for a French reader (cookie or browser), in
English for an English one. The API refuses the revoked token in English whatever the
request's language (its error messages are one shape for programs)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from citydiplomacy.web.accounts.models import ApiToken
from tests.web.factories import PASSWORD

pytestmark = pytest.mark.django_db


def speaking(language: str, who: Any = None, **defaults: Any) -> Client:
    """A client whose language cookie says ``language`` (logged in as ``who``)."""
    client = Client(**defaults)
    if who is not None:
        client.force_login(who)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def wrong_password(users: dict[str, Any], lang: str) -> Any:
    data = {"username": "geneva-editor", "password": "wrong"}
    return speaking(lang).post(reverse("login"), data)


def locked_out(users: dict[str, Any], lang: str) -> Any:
    client = speaking(lang, REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "geneva-editor", "password": "wrong"})
    return client.post(reverse("login"), {"username": "geneva-editor", "password": PASSWORD})


def _change(users: dict[str, Any], lang: str, old: str) -> Any:
    new = "a much better passphrase 42"
    data = {"old_password": old, "new_password1": new, "new_password2": new}
    return speaking(lang, users["analyst"]).post(reverse("password_change"), data, follow=True)


def password_refused(users: dict[str, Any], lang: str) -> Any:
    return _change(users, lang, old="not my password")


def password_changed(users: dict[str, Any], lang: str) -> Any:
    return _change(users, lang, old=PASSWORD)


def token_without_name(users: dict[str, Any], lang: str) -> Any:
    return speaking(lang, users["analyst"]).post(reverse("accounts:tokens"), {"name": ""})


def token_name_too_long(users: dict[str, Any], lang: str) -> Any:
    return speaking(lang, users["analyst"]).post(reverse("accounts:tokens"), {"name": "n" * 101})


def token_created(users: dict[str, Any], lang: str) -> Any:
    return speaking(lang, users["analyst"]).post(reverse("accounts:tokens"), {"name": "script"})


def token_revoked(users: dict[str, Any], lang: str) -> Any:
    token, _ = ApiToken.objects.create_token(users["analyst"], "nightly")
    url = reverse("accounts:revoke_token", args=[token.pk])
    return speaking(lang, users["analyst"]).post(url, follow=True)


#: action -> what its page shows in English, in French.
CASES: dict[str, tuple[Callable[[dict[str, Any], str], Any], str, str]] = {
    "log-in refused": (
        wrong_password,
        "Please enter a correct username and password.",
        "Saisissez un nom d’utilisateur et un mot de passe valides.",
    ),
    "locked out": (
        locked_out,
        "Too many failed log-in attempts",
        "Trop de tentatives de connexion échouées",
    ),
    "password change refused": (
        password_refused,
        "Your old password was entered incorrectly.",
        "Votre ancien mot de passe est incorrect.",
    ),
    "password changed": (
        password_changed,
        "Your password was changed.",
        "Votre mot de passe a été modifié.",
    ),
    "token without a name": (
        token_without_name,
        "Give the token a name, for example the script that uses it.",
        "Donnez un nom au jeton, par exemple celui du script qui l’utilise.",
    ),
    "token name too long": (token_name_too_long, "at most 100 characters", "au plus 100 caract"),
    "token created": (token_created, "Your new token", "Votre nouveau jeton"),
    "token revoked": (token_revoked, "Token nightly (", "Jeton nightly ("),
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("case", list(CASES))
def test_each_account_action_tells_its_outcome_in_the_reader_s_language(
    users: dict[str, Any], case: str, language: str
) -> None:
    action, english, french = CASES[case]
    shown = html.unescape(action(users, language).content.decode())
    expected, other = (english, french) if language == "en" else (french, english)
    assert expected in shown, (case, language)
    assert other not in shown, (case, language)
    assert f'<html lang="{language}">' in shown


def test_a_french_browser_without_the_cookie_gets_the_french_refusal(
    users: dict[str, Any],
) -> None:
    response = Client().post(
        reverse("login"),
        {"username": "geneva-editor", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="fr-CH,fr;q=0.9",
    )
    assert "Saisissez un nom d’utilisateur" in html.unescape(response.content.decode())


@pytest.mark.parametrize("revoked", [False, True])
def test_the_api_refuses_a_revoked_or_malformed_token_in_english_to_a_french_client(
    users: dict[str, Any], revoked: bool
) -> None:
    token, key = ApiToken.objects.create_token(users["analyst"], "nightly")
    if revoked:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    header = f"Bearer {key}" if revoked else "Token abc"
    for client in (speaking("fr"), Client(HTTP_ACCEPT_LANGUAGE="fr")):
        response = client.get("/api/cities", headers={"Authorization": header})
        assert response.status_code == 401
        message = response.json()["error"]["message"]
        assert message == (
            "The API token is not valid or has been revoked."
            if revoked
            else "The Authorization header must be 'Bearer <token>'."
        )
