"""Signing with a full name longer than a signature holds is a message, not a 500.

First and last name hold 150 characters each, the signature's ``signer_name`` 200: on
PostgreSQL the insert failed ("value too long"), on SQLite the name was stored whole.
"""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from citydiplomacy.web.engagement.models import Signature
from tests.web.engagement.conftest import sign_data


def _signer(reps: dict[str, Any], first: str, last: str) -> Client:
    user = reps["geneva"].user
    user.first_name, user.last_name = first, last
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_a_name_too_long_for_a_signature_is_refused_with_a_message(
    reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    client = _signer(reps, "A" * 150, "B" * 60)  # 211 characters with the space
    url = reverse("engagement:sign", args=[adopted.slug])
    response = client.post(url, sign_data(adopted, geneva), follow=True)
    assert response.status_code == 400
    page = response.content.decode()
    assert "211 characters" in page and "at most 200" in page
    assert not Signature.objects.exists(), "nothing is written"


def test_a_name_of_exactly_the_limit_signs(reps: dict[str, Any], adopted: Any, geneva: Any) -> None:
    client = _signer(reps, "A" * 150, "B" * 49)  # 200 characters with the space
    url = reverse("engagement:sign", args=[adopted.slug])
    assert client.post(url, sign_data(adopted, geneva)).status_code == 302
    assert Signature.objects.get().signer_name == "A" * 150 + " " + "B" * 49


def test_a_value_the_database_refuses_is_a_400_page_not_a_500(
    reps: dict[str, Any], adopted: Any, geneva: Any, monkeypatch: Any
) -> None:
    """The last line of defence (HostileTextMiddleware.process_exception): a field no form
    bounded, refused by PostgreSQL (stored whole by SQLite), is the client's error."""
    from django.db import DataError

    from citydiplomacy.web.engagement import services

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise DataError("value too long for type character varying(200)")

    monkeypatch.setattr(services, "sign", refuse)
    client = _signer(reps, "Ada", "Genevois")
    response = client.post(
        reverse("engagement:sign", args=[adopted.slug]), sign_data(adopted, geneva)
    )
    assert response.status_code == 400
    assert "longer than it may be" in response.content.decode()
    assert "character varying" not in response.content.decode()
