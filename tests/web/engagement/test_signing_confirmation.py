"""Signing in two steps (issue 19, item 5): the confirmation page shows the text version,
the city and the representative's full name and title; only a confirmed POST signs, and
the signature records the name (never the user name), the title and the version."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import DeclarationVersion, Signature
from tests.web.engagement.conftest import client_for, sign_data

pytestmark = pytest.mark.django_db


def test_the_confirmation_page_shows_version_city_name_and_title_and_signs_nothing(
    reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    client = client_for(reps["geneva"].user)
    response = client.get(reverse("engagement:sign", args=[adopted.slug]), {"city": geneva.pk})
    assert response.status_code == 200
    page = response.content.decode()
    for expected in (
        "Version 1",
        "We, mayors, agree.",
        "Geneva",
        "Ada Genevois",
        "Mayor of Geneva",
    ):
        assert expected in page, expected
    assert not Signature.objects.exists()


def test_a_post_without_the_confirmation_signs_nothing(
    reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    client = client_for(reps["geneva"].user)
    url = reverse("engagement:sign", args=[adopted.slug])
    assert client.post(url, {"city": geneva.pk}).status_code == 400
    data = sign_data(adopted, geneva)
    del data["confirm"]
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Tick the confirmation" in response.content.decode()
    assert not Signature.objects.exists()


def test_the_signature_records_and_shows_name_title_and_version(
    reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    client = client_for(reps["geneva"].user)
    response = client.post(
        reverse("engagement:sign", args=[adopted.slug]), sign_data(adopted, geneva), follow=True
    )
    s = Signature.objects.get()
    assert (s.signer_name, s.signer_title, s.version.number) == (
        "Ada Genevois",
        "Mayor of Geneva",
        1,
    )
    page = response.content.decode()
    assert "Ada Genevois" in page and "Mayor of Geneva" in page
    assert "geneva-mayor" not in page.split('id="signatures"')[1]  # never the user name


def test_a_version_that_is_no_longer_current_is_refused(
    reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    data = sign_data(adopted, geneva)  # read version 1
    DeclarationVersion.objects.create(declaration=adopted, number=2, text="Changed text.")
    response = client_for(reps["geneva"].user).post(
        reverse("engagement:sign", args=[adopted.slug]), data
    )
    assert response.status_code == 400
    assert "The text changed" in response.content.decode()
    assert not Signature.objects.exists()


def test_a_representative_without_a_full_name_is_asked_for_it(
    reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    user = reps["geneva"].user
    user.first_name = user.last_name = ""
    user.save()
    client = client_for(user)
    url = reverse("engagement:sign", args=[adopted.slug])
    page = client.get(url, {"city": geneva.pk}).content.decode()
    assert 'name="first_name"' in page and 'name="last_name"' in page
    # without the name: refused, nothing written (and the user name is not used instead)
    assert client.post(url, sign_data(adopted, geneva)).status_code == 400
    assert not Signature.objects.exists()
    with pytest.raises(services.EngagementError, match="full name"):
        services.sign(user, adopted, geneva)
    response = client.post(url, sign_data(adopted, geneva, first_name="Ada", last_name="Neu"))
    assert response.status_code == 302
    assert Signature.objects.get().signer_name == "Ada Neu"
    user.refresh_from_db()
    assert user.get_full_name() == "Ada Neu"


@pytest.mark.parametrize("who", ["anonymous", "public", "lyon_rep", "admin"])
def test_only_the_citys_representative_reaches_the_confirmation(
    who: str, users: dict[str, Any], reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    from tests.web.engagement.test_permissions import person, status

    client = client_for(person(who, users, reps))
    response = client.get(reverse("engagement:sign", args=[adopted.slug]), {"city": geneva.pk})
    assert status(response) == ("login" if who == "anonymous" else 403)
