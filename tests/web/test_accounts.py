"""Log in and out, throttled log-in attempts, password change and reset, API tokens, and the
production settings that refuse to start without their secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from citydiplomacy.web.accounts.models import ApiToken
from tests.web.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_log_in_and_out(users: dict[str, Any]) -> None:
    client = Client()
    resp = client.post(reverse("login"), {"username": "geneva-editor", "password": PASSWORD})
    assert resp.status_code == 302
    assert "geneva-editor" in client.get("/").content.decode()
    client.post(reverse("logout"))
    assert "geneva-editor" not in client.get("/").content.decode()


def test_repeated_failures_lock_the_account_out(users: dict[str, Any]) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        client.post(reverse("login"), {"username": "geneva-editor", "password": "wrong"})
    resp = client.post(reverse("login"), {"username": "geneva-editor", "password": PASSWORD})
    assert resp.status_code == 429
    assert "locked" in resp.content.decode()


def test_password_change(users: dict[str, Any]) -> None:
    client = Client()
    client.force_login(users["analyst"])
    new = "a much better passphrase 42"
    resp = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert resp.status_code == 302
    users["analyst"].refresh_from_db()
    assert users["analyst"].check_password(new)


def test_password_reset_sends_a_working_link(users: dict[str, Any]) -> None:
    client = Client()
    client.post(reverse("password_reset"), {"email": "analyst@example.org"})
    assert len(mail.outbox) == 1
    link = next(w for w in mail.outbox[0].body.split() if "/accounts/reset/" in w)
    path = link.split("testserver", 1)[1]
    resp = client.get(path, follow=True)
    new = "another fine passphrase 7"
    client.post(resp.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    users["analyst"].refresh_from_db()
    assert users["analyst"].check_password(new)


def test_session_and_csrf_settings() -> None:
    from django.conf import settings

    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_csrf_is_enforced(users: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    resp = client.post(reverse("login"), {"username": "analyst", "password": PASSWORD})
    assert resp.status_code == 403


def test_tokens_are_shown_once_and_stored_hashed(users: dict[str, Any]) -> None:
    client = Client()
    client.force_login(users["editor"])
    resp = client.post(reverse("accounts:tokens"), {"name": "my script"})
    key = resp.context["new_key"]
    token = ApiToken.objects.get()
    assert token.key_hash == ApiToken.hash(key) and key not in token.key_hash
    assert ApiToken.objects.authenticate(key) == token
    client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert ApiToken.objects.authenticate(key) is None
    assert key not in client.get(reverse("accounts:tokens")).content.decode()


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='citydiplomacy.web.settings'; django.setup()"
    full = {k: v for k, v in os.environ.items() if not k.startswith("CITYDIPLOMACY_")}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_secrets(tmp_path: Any) -> None:
    base = {"CITYDIPLOMACY_ENV": "production", "CITYDIPLOMACY_DATA_DIR": str(tmp_path)}
    missing_key = _start(base)
    assert missing_key.returncode != 0
    assert "CITYDIPLOMACY_SECRET_KEY must be set" in missing_key.stderr
    missing_hosts = _start({**base, "CITYDIPLOMACY_SECRET_KEY": "x" * 60})
    assert "CITYDIPLOMACY_ALLOWED_HOSTS must be set" in missing_hosts.stderr
    ok = _start(
        {**base, "CITYDIPLOMACY_SECRET_KEY": "x" * 60, "CITYDIPLOMACY_ALLOWED_HOSTS": "a.org"}
    )
    assert ok.returncode == 0, ok.stderr


def test_an_administrator_membership_made_in_the_admin_opens_the_admin(
    users: dict[str, Any],
) -> None:
    from citydiplomacy.web.accounts.models import Membership

    client = Client()
    client.force_login(users["admin"])
    resp = client.post(
        "/admin/accounts/membership/add/",
        {
            "user": users["public"].pk,
            "role": "admin",
            "cityassignment_set-TOTAL_FORMS": "0",
            "cityassignment_set-INITIAL_FORMS": "0",
        },
    )
    assert resp.status_code == 302, resp.content[:500]
    assert Membership.objects.get(user=users["public"]).role == "admin"
    users["public"].refresh_from_db()
    assert users["public"].is_staff and users["public"].is_superuser


def test_lock_out_counts_the_client_behind_the_proxy_not_the_proxy(
    users: dict[str, Any], settings: Any
) -> None:
    """Behind one reverse proxy, every request comes from the proxy's address: an attacker's
    failures must lock out the attacker's address, not the user everywhere."""
    settings.NINJA_NUM_PROXIES = 1
    proxy = "10.0.0.2"
    attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.66")
    for _ in range(6):
        attacker.post(reverse("login"), {"username": "geneva-editor", "password": "wrong"})
    locked = attacker.post(reverse("login"), {"username": "geneva-editor", "password": PASSWORD})
    assert locked.status_code == 429
    # A forged X-Forwarded-For entry on the left does not get the attacker out either.
    forged = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.66")
    resp = forged.post(reverse("login"), {"username": "geneva-editor", "password": PASSWORD})
    assert resp.status_code == 429
    user = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    resp = user.post(reverse("login"), {"username": "geneva-editor", "password": PASSWORD})
    assert resp.status_code == 302


def test_client_address_rule() -> None:
    from django.test import RequestFactory, override_settings

    from citydiplomacy.web.client_address import client_address

    rf = RequestFactory()
    req = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2, 3.3.3.3")
    with override_settings(NINJA_NUM_PROXIES=0):
        assert client_address(req) == "10.0.0.2"
    with override_settings(NINJA_NUM_PROXIES=1):
        assert client_address(req) == "3.3.3.3"
    with override_settings(NINJA_NUM_PROXIES=2):
        assert client_address(req) == "2.2.2.2"
    with override_settings(NINJA_NUM_PROXIES=9):
        assert client_address(req) == "1.1.1.1"
    bare = rf.get("/", REMOTE_ADDR="10.0.0.2")
    with override_settings(NINJA_NUM_PROXIES=1):
        assert client_address(bare) == "10.0.0.2"
