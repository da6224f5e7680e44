"""The representatives page: the secretariat authorises and revokes who signs for a city; a
city's editors see their cities' representatives; nobody else sees the list."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import Representative, Signature
from tests.web import factories
from tests.web.engagement.conftest import client_for
from tests.web.engagement.test_permissions import WHO, person, status

pytestmark = pytest.mark.django_db

LIST = {
    "anonymous": "login",
    "public": 403,
    "editor": 200,
    "lyon_editor": 200,
    "analyst": 403,
    "admin": 200,
    "geneva_rep": 403,
    "lyon_rep": 403,
}
# Granting: the page answers 403 to everybody but the secretariat (302 after a grant).
GRANT = {who: ("login" if who == "anonymous" else 403) for who in WHO} | {"admin": 302}
REVOKE = GRANT


@pytest.mark.parametrize("who", WHO)
def test_who_sees_the_list(who: str, users: dict[str, Any], reps: dict[str, Any]) -> None:
    response = client_for(person(who, users, reps)).get(reverse("engagement:representatives"))
    assert status(response) == LIST[who]
    if response.status_code == 200:
        html = response.content.decode()
        # Editors see their own city's representative only; the secretariat sees both.
        assert ("Mayor of Geneva" in html) == (who in ("editor", "admin"))
        assert ("Mayor of Lyon" in html) == (who in ("lyon_editor", "admin"))
        assert ("Authorise a representative" in html) == (who == "admin")


@pytest.mark.parametrize("who", WHO)
def test_who_grants(who: str, users: dict[str, Any], reps: dict[str, Any], lyon: Any) -> None:
    newcomer = factories.user(None, username="deputy")
    response = client_for(person(who, users, reps)).post(
        reverse("engagement:representatives"),
        {"username": "deputy", "city": lyon.pk, "title": "Deputy Mayor", "capacity": "for Lyon"},
    )
    assert status(response) == GRANT[who]
    granted = services.representation_for(newcomer, lyon)
    assert (granted is not None) == (who == "admin")
    if granted is not None:
        assert granted.authorised_by == users["admin"]


@pytest.mark.parametrize("who", WHO)
def test_who_revokes(who: str, users: dict[str, Any], reps: dict[str, Any]) -> None:
    rep = reps["geneva"]
    response = client_for(person(who, users, reps)).post(
        reverse("engagement:representative-revoke", args=[rep.pk])
    )
    assert status(response) == REVOKE[who]
    rep.refresh_from_db()
    assert (rep.revoked_at is not None) == (who == "admin")


def test_bad_grants_are_explained_and_change_nothing(
    users: dict[str, Any], reps: dict[str, Any], lyon: Any
) -> None:
    client = client_for(users["admin"])
    before = Representative.objects.count()
    response = client.post(
        reverse("engagement:representatives"),
        {
            "username": "nobody",
            "city": "99999999999",
            "title": "",
            "capacity": "x",
            "until": "soon",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "no active account named &#x27;nobody&#x27;" in html
    assert "City: No city “99999999999” in the registry" in html  # the city picker (by name)
    assert "End of mandate: expected a date as YYYY-MM-DD." in html
    # The same person twice for one city is refused with the reason.
    again = client.post(
        reverse("engagement:representatives"),
        {"username": "lyon-mayor", "city": lyon.pk, "title": "Mayor", "capacity": "for Lyon"},
    )
    assert again.status_code == 400
    assert "is already a representative of Lyon" in again.content.decode()
    assert Representative.objects.count() == before


def test_a_revoked_role_stays_listed_with_its_signatures(
    users: dict[str, Any], reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    rep = reps["geneva"]
    signature = services.sign(rep.user, adopted, geneva)
    client = client_for(users["admin"])
    client.post(reverse("engagement:representative-revoke", args=[rep.pk]))
    current = client.get(reverse("engagement:representatives")).content.decode()
    assert "Mayor of Geneva" not in current
    everything = client.get(reverse("engagement:representatives") + "?past=1").content.decode()
    assert "Mayor of Geneva" in everything and "revoked on" in everything
    assert Signature.objects.filter(pk=signature.pk, withdrawn_at__isnull=True).exists()
    assert services.representation_for(rep.user, geneva) is None


def test_the_engagement_menu_links_the_page_for_those_who_may_open_it(
    users: dict[str, Any], reps: dict[str, Any]
) -> None:
    link = reverse("engagement:representatives")
    for who, shown in (("admin", True), ("editor", True), ("analyst", False), ("public", False)):
        html = client_for(users[who]).get(reverse("engagement:declarations")).content.decode()
        assert (f'href="{link}"' in html) == shown, who
