"""Account and KPI data page forms report a forbidden character or an over-long value at the
field, the form kept, on SQLite and PostgreSQL alike, writing nothing (issue 14, item 3).

Before: a control character or a lone surrogate in the API token form, the password change
and reset forms or the KPI entry form gave the generic 400 page (the typed form lost); an
API token's name over 100 characters was cut without a word; ``/history/?kpi=`` with 50,000
characters was a 500 on SQLite (``LIKE or GLOB pattern too complex``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from citydiplomacy.web.accounts import forms
from citydiplomacy.web.accounts.models import ApiToken
from citydiplomacy.web.indicators.models import KpiValue, KpiValueChange
from tests.web.indicators.forms import form_data

pytestmark = pytest.mark.django_db

YEAR = 2023
MEASURE = "EN-EN-AQ-1C:PM10"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _error_near(html: str, field_id: str) -> str:
    """The error list shown right after the input of ``field_id`` (the form's own markup)."""
    found = re.search(rf'id="{field_id}".*?<div class="errorlist"[^>]*>(.*?)</div>', html, re.S)
    return found.group(1) if found else ""


# ------------------------------------------------------------------ API tokens
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad\x01char", "control character (U+0001) at position 4"),
        ("nul\x00", "control character (U+0000)"),
        ("c1 \x9f control", "control character (U+009F) at position 4"),
        ("t" * 101, "at most 100 characters (it has 101)"),
    ],
)
def test_token_name_errors_at_the_field_never_cut(
    users: dict[str, Any], name: str, expected: str
) -> None:
    client = login(users["editor"])
    response = client.post(reverse("accounts:tokens"), {"name": name})
    assert response.status_code == 400
    html = response.content.decode()
    assert expected in _error_near(html, "token-name")
    assert 'aria-invalid="true"' in html
    assert "Your new token" not in html
    assert not ApiToken.objects.exists(), "nothing is created, nothing is cut"


def test_token_form_still_creates_and_requires_a_name(users: dict[str, Any]) -> None:
    client = login(users["editor"])
    response = client.post(reverse("accounts:tokens"), {"name": "  "})
    assert response.status_code == 400
    assert "Give the token a name" in _error_near(response.content.decode(), "token-name")
    name = "n" * 100
    response = client.post(reverse("accounts:tokens"), {"name": f"  {name} "})
    assert response.status_code == 200 and "Your new token" in response.content.decode()
    assert ApiToken.objects.get().name == name


@pytest.mark.parametrize(
    "form_class",
    [forms.TokenForm, forms.PasswordResetForm, forms.SetPasswordForm, forms.PasswordChangeForm],
)
def test_account_forms_refuse_a_lone_surrogate_at_the_field(
    users: dict[str, Any], form_class: Any
) -> None:
    """A browser cannot send a lone surrogate (Django decodes invalid UTF-8 to U+FFFD), so
    the forms are tested directly: a client in Python could hand one over."""
    bad = "pass\ud800word-long-enough"
    data = {
        "name": bad,
        "email": bad,
        "old_password": bad,
        "new_password1": bad,
        "new_password2": bad,
    }
    if form_class in (forms.SetPasswordForm, forms.PasswordChangeForm):
        form = form_class(users["editor"], data)
    else:
        form = form_class(data)
    assert not form.is_valid()
    shown = " ".join(str(m) for errors in form.errors.values() for m in errors)
    assert "lone UTF-16 surrogate (U+D800) at position 5" in shown


# ------------------------------------------------------------------ password forms
def test_password_change_errors_at_the_field(users: dict[str, Any]) -> None:
    user = users["editor"]
    user.set_password("old-secret-1")
    user.save()
    client = login(user)
    new = "bad\x01char-password"
    response = client.post(
        reverse("password_change"),
        {"old_password": "old-secret-1", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "control character (U+0001) at position 4" in html
    assert 'name="new_password1"' in html, "the form is shown again, not the generic 400 page"
    user.refresh_from_db()
    assert user.check_password("old-secret-1")


def test_password_reset_errors_at_the_field(users: dict[str, Any]) -> None:
    response = Client().post(reverse("password_reset"), {"email": "a\x07@example.org"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "control character (U+0007) at position 2" in html
    assert 'name="email"' in html
    assert not mail.outbox


def test_password_reset_confirm_errors_at_the_field(users: dict[str, Any]) -> None:
    user = users["editor"]
    user.set_password("old-secret-1")
    user.save()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    client = Client()
    # Django redirects the link to one without the token in the address, then shows the form.
    first = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert first.status_code == 302
    new = "x\x7fy-long-enough"
    response = client.post(first["Location"], {"new_password1": new, "new_password2": new})
    assert response.status_code == 200
    html = response.content.decode()
    assert "control character (U+007F) at position 2" in html
    assert 'name="new_password1"' in html
    user.refresh_from_db()
    assert user.check_password("old-secret-1")


# ------------------------------------------------------------------ KPI entry
@pytest.fixture
def stored(geneva: Any) -> KpiValue:
    kv, _ = KpiValue.objects.update_or_create(
        city=geneva,
        year=YEAR,
        measure=MEASURE,
        defaults={
            "kpi": "EN-EN-AQ-1C",
            "data_point": "PM10",
            "unit": "µg/m³",
            "value": 21.5,
            "source": "Office cantonal",
        },
    )
    return kv


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (f"s:{MEASURE}", "bad\x01char", "the source contains a control character (U+0001)"),
        (f"n:{MEASURE}", "line\x0cfeed", "the note contains a control character (U+000C)"),
        (f"m:{MEASURE}", "2\x001", "the value contains a control character (U+0000) at position 2"),
        (f"m:{MEASURE}", "9" * 101, "the value is 101 characters long; at most 100"),
        ("source", "Stat\x1b office", "the source contains a control character (U+001B)"),
    ],
)
def test_entry_form_errors_at_the_field(
    users: dict[str, Any], geneva: Any, stored: KpiValue, field: str, value: str, expected: str
) -> None:
    url = reverse("indicators:entry", args=[geneva.pk]) + f"?year={YEAR}"
    editor = login(users["editor"])
    data = form_data(editor.get(url).content.decode(), "m:")
    data[field] = value
    if field != f"m:{MEASURE}":
        data[f"m:{MEASURE}"] = "22.5"  # a change, so that the source and note are read
    n_audit = KpiValueChange.objects.count()
    response = editor.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html and "nothing was saved" in html
    assert 'aria-invalid="true"' in html or "errorlist" in html
    assert 'name="m:' in html, "the form is shown again, not the generic 400 page"
    stored.refresh_from_db()
    assert (stored.value, stored.source) == (21.5, "Office cantonal")
    assert KpiValueChange.objects.count() == n_audit


# ------------------------------------------------------------------ history filter
def test_an_over_long_kpi_filter_is_a_clear_400_not_a_500(
    users: dict[str, Any], stored: KpiValue
) -> None:
    """Before: ``LIKE or GLOB pattern too complex`` on SQLite, a 500."""
    client = login(users["analyst"])
    client.raise_request_exception = True
    response = client.get(reverse("indicators:history"), {"kpi": "E" * 50_000})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(
        r'<p class="error" id="kpi-error" role="alert">A KPI code has at most 64 characters; '
        r"the KPI filter has 50,000\.",
        html,
    ), "the message is at the field"
    assert 'aria-describedby="kpi-error"' in html
    assert 'id="kpi"' in html, "the filter form is shown again"
    french = client.get(
        reverse("indicators:history"), {"kpi": "E" * 100}, HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Un code d’indicateur a au plus 64 caractères" in french
    for fmt in ("csv", "xlsx"):
        export = client.get(reverse("indicators:history-export", args=[fmt]), {"kpi": "E" * 50_000})
        assert export.status_code == 400
        assert "A KPI code has at most 64 characters" in export.content.decode()


def test_a_kpi_filter_as_long_as_a_code_still_filters(
    users: dict[str, Any], users_changes: None
) -> None:
    client = login(users["analyst"])
    response = client.get(reverse("indicators:history"), {"kpi": MEASURE})
    assert response.status_code == 200
    assert f"<code>{MEASURE}</code>" in response.content.decode()
    response = client.get(reverse("indicators:history"), {"kpi": MEASURE + "x" * 48})
    assert response.status_code == 200 and "No changes recorded." in response.content.decode()


@pytest.fixture
def users_changes(users: dict[str, Any], geneva: Any, stored: KpiValue) -> None:
    """One recorded change of the stored value (through the entry form)."""
    url = reverse("indicators:entry", args=[geneva.pk]) + f"?year={YEAR}"
    editor = login(users["editor"])
    data = form_data(editor.get(url).content.decode(), "m:")
    data[f"m:{MEASURE}"] = "23"
    assert editor.post(url, data).status_code == 302
    assert KpiValueChange.objects.filter(measure=MEASURE).exists()
