"""Permission matrix of the engagement pages: who reads and edits a draft, who signs and
withdraws for which city, who records recommendations and commitments. Each cell is the
expected status code for anonymous, public, editors, analyst, secretariat, representatives."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import (
    DeclarationComment,
    DeclarationVersion,
    ForumSession,
    Recommendation,
    Signature,
)
from tests.web.engagement.conftest import client_for, sign_data

pytestmark = pytest.mark.django_db

LOGIN = "login"  # anonymous visitors are sent to the log-in page


def status(response: Any) -> int | str:
    """The response's status code, or "login" for a redirection to the log-in page."""
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return LOGIN
    return int(response.status_code)


WHO = ["anonymous", "public", "editor", "lyon_editor", "analyst", "admin", "geneva_rep", "lyon_rep"]


def person(who: str, users: dict[str, Any], reps: dict[str, Any]) -> Any:
    if who == "anonymous":
        return None
    if who.endswith("_rep"):
        return reps[who[:-4]].user
    return users[who]


# Reading a draft in which Geneva takes part: 404 hides its existence from others.
DRAFT_READ = {
    "anonymous": 404,
    "public": 404,
    "editor": 200,
    "lyon_editor": 404,
    "analyst": 200,
    "admin": 200,
    "geneva_rep": 200,
    "lyon_rep": 404,
}


@pytest.mark.parametrize("who", WHO)
def test_reading_a_draft(who: str, users: dict[str, Any], reps: dict[str, Any], draft: Any) -> None:
    client = client_for(person(who, users, reps))
    for name in ("engagement:declaration", "engagement:versions"):
        response = client.get(reverse(name, args=[draft.slug]))
        assert response.status_code == DRAFT_READ[who], (name, who)
    listed = draft.title in client.get(reverse("engagement:declarations")).content.decode()
    assert listed == (DRAFT_READ[who] == 200)


# Writing a new version: the secretariat only.
VERSION_NEW = {
    "anonymous": LOGIN,
    "public": 404,
    "editor": 403,
    "lyon_editor": 404,
    "analyst": 403,
    "admin": 302,
    "geneva_rep": 403,
    "lyon_rep": 404,
}


@pytest.mark.parametrize("who", WHO)
def test_writing_a_version(
    who: str, users: dict[str, Any], reps: dict[str, Any], draft: Any
) -> None:
    client = client_for(person(who, users, reps))
    url = reverse("engagement:version-new", args=[draft.slug])
    response = client.post(url, {"text": "We commit to act now.", "note": "stronger"})
    assert status(response) == VERSION_NEW[who]
    expected = 2 if VERSION_NEW[who] == 302 else 1
    assert DeclarationVersion.objects.filter(declaration=draft).count() == expected


# Commenting on behalf of Geneva: Geneva's editor and representative only.
COMMENT = {
    "anonymous": LOGIN,
    "public": 404,
    "editor": "created",
    "lyon_editor": 404,
    "analyst": "refused",
    "admin": "refused",
    "geneva_rep": "created",
    "lyon_rep": 404,
}


@pytest.mark.parametrize("who", WHO)
def test_commenting_for_a_city(
    who: str, users: dict[str, Any], reps: dict[str, Any], draft: Any, geneva: Any
) -> None:
    client = client_for(person(who, users, reps))
    response = client.post(
        reverse("engagement:comment", args=[draft.slug]),
        {"city": geneva.pk, "kind": "comment", "text": "Add a date."},
    )
    expected = COMMENT[who]
    made = DeclarationComment.objects.filter(declaration=draft).count()
    if expected == "created":
        assert response.status_code == 302 and made == 1
    elif expected == "refused":
        # may read the draft, may not speak for Geneva
        assert response.status_code == 403 and made == 0
    else:
        assert status(response) == expected and made == 0


def test_nobody_comments_for_a_city_that_does_not_take_part(
    users: dict[str, Any], draft: Any, lyon: Any
) -> None:
    client = client_for(users["lyon_editor"])
    draft.participants.add(lyon)
    response = client.post(
        reverse("engagement:comment", args=[draft.slug]),
        {"city": lyon.pk, "kind": "amendment", "text": "Clearer", "proposed": "We act now."},
    )
    assert response.status_code == 302
    assert DeclarationComment.objects.get().city == lyon
    # The Lyon editor cannot use the Geneva name.
    geneva_id = draft.participants.exclude(pk=lyon.pk).get().pk
    response = client.post(
        reverse("engagement:comment", args=[draft.slug]),
        {"city": geneva_id, "kind": "comment", "text": "As Geneva"},
    )
    assert response.status_code == 403
    assert DeclarationComment.objects.count() == 1


# Adopting: the secretariat only.
ADOPT = {
    "anonymous": LOGIN,
    "public": 404,
    "editor": 403,
    "lyon_editor": 404,
    "analyst": 403,
    "admin": 302,
    "geneva_rep": 403,
    "lyon_rep": 404,
}


@pytest.mark.parametrize("who", WHO)
def test_adopting(who: str, users: dict[str, Any], reps: dict[str, Any], draft: Any) -> None:
    client = client_for(person(who, users, reps))
    response = client.post(reverse("engagement:adopt", args=[draft.slug]))
    assert status(response) == ADOPT[who]
    draft.refresh_from_db()
    assert draft.is_draft == (ADOPT[who] != 302)


# Signing for Geneva: Geneva's representative only. An editor is not a representative.
SIGN_GENEVA = {
    "anonymous": LOGIN,
    "public": 403,
    "editor": 403,
    "lyon_editor": 403,
    "analyst": 403,
    "admin": 403,
    "geneva_rep": "signed",
    "lyon_rep": 403,
}


@pytest.mark.parametrize("who", WHO)
def test_signing_for_geneva(
    who: str, users: dict[str, Any], reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    client = client_for(person(who, users, reps))
    response = client.post(
        reverse("engagement:sign", args=[adopted.slug]), sign_data(adopted, geneva)
    )
    signatures = Signature.objects.filter(declaration=adopted)
    if SIGN_GENEVA[who] == "signed":
        assert response.status_code == 302
        s = signatures.get()
        assert (s.city, s.signer_name, s.signer_title) == (
            geneva,
            "Ada Genevois",
            "Mayor of Geneva",
        )
        assert s.capacity == "on behalf of the city" and s.signed_at is not None
        assert s.representative == reps["geneva"]
        assert s.version == adopted.current_version()
    else:
        assert status(response) == SIGN_GENEVA[who]
        assert not signatures.exists()


def test_a_revoked_representative_no_longer_signs(
    users: dict[str, Any], reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    services.revoke_representative(users["admin"], reps["geneva"])
    client = client_for(reps["geneva"].user)
    response = client.post(
        reverse("engagement:sign", args=[adopted.slug]), sign_data(adopted, geneva)
    )
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_drafts_are_not_open_for_signature(reps: dict[str, Any], draft: Any, geneva: Any) -> None:
    with pytest.raises(services.EngagementError, match="not open for signature"):
        services.sign(reps["geneva"].user, draft, geneva)


def test_only_the_secretariat_grants_representatives(users: dict[str, Any], geneva: Any) -> None:
    for who in ("editor", "analyst", "public"):
        with pytest.raises(PermissionDenied):
            services.grant_representative(
                users[who], users[who], geneva, title="Mayor", capacity="self-appointed"
            )


# Withdrawing Geneva's signature: Geneva's representative and the secretariat.
WITHDRAW = {
    "anonymous": LOGIN,
    "public": 403,
    "editor": 403,
    "lyon_editor": 403,
    "analyst": 403,
    "admin": "withdrawn",
    "geneva_rep": "withdrawn",
    "lyon_rep": 403,
}


@pytest.mark.parametrize("who", WHO)
def test_withdrawing(
    who: str, users: dict[str, Any], reps: dict[str, Any], adopted: Any, geneva: Any
) -> None:
    s = services.sign(reps["geneva"].user, adopted, geneva)
    client = client_for(person(who, users, reps))
    url = reverse("engagement:withdraw", args=[adopted.slug, s.pk])
    response = client.post(url, {"reason": "council decision"})
    s.refresh_from_db()
    if WITHDRAW[who] == "withdrawn":
        assert response.status_code == 302
        assert s.withdrawn_at is not None and s.withdrawal_reason == "council decision"
        assert s.withdrawn_by == person(who, users, reps)
    else:
        assert status(response) == WITHDRAW[who]
        assert s.withdrawn_at is None
    assert Signature.objects.filter(pk=s.pk).exists()  # never deleted


# Recording a recommendation's status: the secretariat only.
REC = {
    "anonymous": LOGIN,
    "public": 403,
    "editor": 403,
    "lyon_editor": 403,
    "analyst": 403,
    "admin": 302,
    "geneva_rep": 403,
    "lyon_rep": 403,
}


@pytest.mark.parametrize("who", WHO)
def test_recommendation_status(who: str, users: dict[str, Any], reps: dict[str, Any]) -> None:
    session = ForumSession.objects.create(
        title="S", date="2025-10-06", place="Geneva", source_url="https://example.org/s"
    )
    rec = Recommendation.objects.create(session=session, text="Do it", addressed_to="States")
    client = client_for(person(who, users, reps))
    response = client.post(
        reverse("engagement:recommendation-status", args=[rec.pk]),
        {"status": "submitted", "note": "sent"},
    )
    assert status(response) == REC[who]
    rec.refresh_from_db()
    assert rec.status == ("submitted" if REC[who] == 302 else "drafted")
    assert rec.history.count() == (1 if REC[who] == 302 else 0)
    # everyone reads the session
    assert client.get(reverse("engagement:session", args=[session.pk])).status_code == 200


# Recording a commitment for Geneva: Geneva's editor and the secretariat.
COMMIT = {
    "anonymous": LOGIN,
    "public": 403,
    "editor": 302,
    "lyon_editor": 403,  # records for Lyon only
    "analyst": 403,
    "admin": 302,
    "geneva_rep": 403,
    "lyon_rep": 403,
}


@pytest.mark.parametrize("who", WHO)
def test_recording_a_commitment(
    who: str, users: dict[str, Any], reps: dict[str, Any], geneva: Any
) -> None:
    client = client_for(person(who, users, reps))
    data = {
        "city": geneva.pk,
        "title": "Greener",
        "origin": "own",
        "measure": "EN-EN-PSN-1C",
        "baseline_year": "2020",
        "baseline_value": "100",
        "target_year": "2030",
        "target_value": "120",
    }
    response = client.post(reverse("engagement:commitment-new"), data)
    assert status(response) == COMMIT[who]
    from citydiplomacy.web.engagement.models import Commitment

    assert Commitment.objects.filter(city=geneva).exists() == (COMMIT[who] == 302)


def test_public_pages_are_public(adopted: Any, events: dict[str, Any], geneva: Any) -> None:
    client = client_for(None)
    for url in (
        reverse("engagement:events"),
        reverse("engagement:event", args=["cop-test"]),
        reverse("engagement:calendar"),
        reverse("engagement:calendar-tag", args=["climate"]),
        reverse("engagement:calendar-city", args=[geneva.pk]),
        reverse("engagement:sessions"),
        reverse("engagement:declarations"),
        reverse("engagement:declaration", args=[adopted.slug]),
        reverse("engagement:signatures-csv", args=[adopted.slug]),
        reverse("engagement:versions", args=[adopted.slug]),
        reverse("engagement:commitments"),
    ):
        assert client.get(url).status_code == 200, url
