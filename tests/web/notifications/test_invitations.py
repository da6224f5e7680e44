"""A partner city without an editor (issue 19, item 3): the secretariat is told, sees the
city in a list, and invites an editor by e-mail; the invitee's one-time link creates an
editor account for that city, whose inbox then holds the partnership to confirm."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.accounts.models import Membership
from citydiplomacy.web.notifications import invitations
from citydiplomacy.web.notifications.models import EditorInvitation, Kind, Notification
from citydiplomacy.web.partners import services as partners
from tests.web import factories

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "public", "editor", "analyst", "admin"]
PASSWORD = "a-Long-enough-passphrase-42"


def client_for(user: Any) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


@pytest.fixture
def bonn(db: Any) -> Any:
    return factories.city("Bonn", "DE")


@pytest.fixture
def waiting(
    users: dict[str, Any], geneva: Any, bonn: Any, django_capture_on_commit_callbacks: Any
) -> Any:
    """A partnership proposed by Geneva's editor, waiting for Bonn (no editor)."""
    with django_capture_on_commit_callbacks(execute=True):
        return partners.propose(
            users["editor"], partners.Proposal(city_ids=[geneva.pk, bonn.pk], title="Rhine")
        )


def link_token(text: str) -> str:
    match = re.search(r"/notifications/invitation/([A-Za-z0-9_-]+)/", text)
    assert match, text
    return match.group(1)


# ------------------------------------------------------------------ permission matrix
@pytest.mark.parametrize("who", WHO)
def test_the_list_of_cities_without_an_editor_is_the_secretariats(
    who: str, users: dict[str, Any], waiting: Any, bonn: Any
) -> None:
    response = client_for(users.get(who)).get("/notifications/cities-without-editor/")
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif who == "admin":
        page = response.content.decode()
        assert response.status_code == 200 and "Bonn" in page and "Rhine" in page
        assert f"/notifications/cities/{bonn.pk}/invite/" in page
        assert "Geneva (CH)" not in page  # Geneva has an editor (and confirmed)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", WHO)
def test_only_the_secretariat_invites(
    who: str, users: dict[str, Any], bonn: Any, django_capture_on_commit_callbacks: Any
) -> None:
    c = client_for(users.get(who))
    url = f"/notifications/cities/{bonn.pk}/invite/"
    form = c.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(url, {"email": "maire@bonn.example", "name": "A. Mayor"})
    made = EditorInvitation.objects.filter(city=bonn).first()
    if who == "anonymous":
        assert form.status_code == response.status_code == 302 and made is None
    elif who == "admin":
        assert form.status_code == 200 and response.status_code == 302
        assert made is not None and made.invited_by == users["admin"]
        assert made.state == "open" and made.email == "maire@bonn.example"
        (sent,) = mail.outbox
        assert sent.to == ["maire@bonn.example"] and "editor of Bonn" in sent.subject
        token = link_token(sent.body)
        assert len(token) >= 40 and token not in made.token_hash  # only a hash is kept
        assert made.token_hash == invitations.token_hash(token)
    else:
        assert form.status_code == response.status_code == 403 and made is None
        assert mail.outbox == []


@pytest.mark.parametrize("who", WHO)
def test_only_the_secretariat_revokes(who: str, users: dict[str, Any], bonn: Any) -> None:
    inv, _ = invitations.invite(users["admin"], bonn, "x@bonn.example", "", lambda t: t)
    response = client_for(users.get(who)).post(f"/notifications/invitations/{inv.pk}/revoke/")
    inv.refresh_from_db()
    assert (inv.state == "revoked") == (who == "admin")
    assert response.status_code == (403 if who in ("public", "editor", "analyst") else 302)


def test_a_bad_address_or_an_existing_editor_is_refused(users: dict[str, Any], geneva: Any) -> None:
    c = client_for(users["admin"])
    bad = c.post(f"/notifications/cities/{geneva.pk}/invite/", {"email": "not an address"})
    assert bad.status_code == 400 and "email" in bad.context["form"].errors
    same = c.post(
        f"/notifications/cities/{geneva.pk}/invite/", {"email": users["editor"].email.upper()}
    )
    assert same.status_code == 400
    assert "already an editor of Geneva" in str(same.context["form"].errors)
    assert not EditorInvitation.objects.exists() and mail.outbox == []
    assert c.get("/notifications/cities/999999999/invite/").status_code == 404


# ------------------------------------------------------------------ the invitee
def test_the_invitee_becomes_the_citys_editor_and_is_told_of_the_partnership(
    users: dict[str, Any],
    waiting: Any,
    bonn: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    (told,) = Notification.objects.filter(user=users["admin"], kind=Kind.PARTNER_WITHOUT_EDITOR)
    assert told.link == f"/notifications/cities/{bonn.pk}/invite/"
    admin = client_for(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(told.link, {"email": "maire@bonn.example", "name": "A. Mayor"})
    token = link_token(mail.outbox[-1].body)

    invitee = Client()
    page = invitee.get(f"/notifications/invitation/{token}/")
    assert page.status_code == 200 and "Become an editor of Bonn" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = invitee.post(
            f"/notifications/invitation/{token}/",
            {"username": "bonn-editor", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert done.status_code == 302 and done["Location"] == "/notifications/"
    user = get_user_model().objects.get(username="bonn-editor")
    assert user.email == "maire@bonn.example" and user.check_password(PASSWORD)
    assert permissions.role_of(user) == "editor"
    assert permissions.editable_city_ids(user) == {bonn.pk}
    # signed in, and the waiting partnership is in the new editor's inbox
    (n,) = Notification.objects.filter(user=user)
    assert n.kind == Kind.PARTNERSHIP_TO_CONFIRM and n.link == f"/partners/{waiting.pk}/"
    assert "Rhine" in invitee.get("/notifications/").content.decode()
    # Bonn now has an editor: it leaves the secretariat's list
    assert "Bonn" not in admin.get("/notifications/cities-without-editor/").content.decode()
    # the link is used up
    assert Client().get(f"/notifications/invitation/{token}/").status_code == 410
    again = Client().post(
        f"/notifications/invitation/{token}/",
        {"username": "other", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert again.status_code == 410
    assert not get_user_model().objects.filter(username="other").exists()


def test_a_link_is_accepted_once_even_if_submitted_twice(users: dict[str, Any], bonn: Any) -> None:
    inv, _ = invitations.invite(users["admin"], bonn, "x@bonn.example", "", lambda t: t)
    invitations.accept(inv, "first", PASSWORD)
    with pytest.raises(invitations.InvitationError, match="no longer valid"):
        invitations.accept(inv, "second", PASSWORD)
    assert get_user_model().objects.filter(username__in=["first", "second"]).count() == 1


@pytest.mark.parametrize("state", ["expired", "revoked", "unknown"])
def test_an_expired_revoked_or_unknown_link_creates_nothing(
    state: str, users: dict[str, Any], bonn: Any
) -> None:
    inv, token = invitations.invite(users["admin"], bonn, "x@bonn.example", "", lambda t: t)
    if state == "expired":
        EditorInvitation.objects.filter(pk=inv.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    elif state == "revoked":
        invitations.revoke(inv)
    else:
        token = "x" * 43
    data = {"username": "late", "password1": PASSWORD, "password2": PASSWORD}
    response = Client().post(f"/notifications/invitation/{token}/", data)
    assert response.status_code == (404 if state == "unknown" else 410)
    assert not get_user_model().objects.filter(username="late").exists()


def test_a_weak_password_or_a_taken_username_is_refused(users: dict[str, Any], bonn: Any) -> None:
    inv, token = invitations.invite(users["admin"], bonn, "x@bonn.example", "", lambda t: t)
    url = f"/notifications/invitation/{token}/"
    weak = Client().post(url, {"username": "new", "password1": "abc", "password2": "abc"})
    taken = Client().post(url, {"username": "admin", "password1": PASSWORD, "password2": PASSWORD})
    assert weak.status_code == taken.status_code == 400
    inv.refresh_from_db()
    assert inv.state == "open"  # still usable
    assert not get_user_model().objects.filter(username="new").exists()


def test_a_signed_in_user_cannot_accept(users: dict[str, Any], bonn: Any) -> None:
    _, token = invitations.invite(users["admin"], bonn, "x@bonn.example", "", lambda t: t)
    response = client_for(users["analyst"]).get(f"/notifications/invitation/{token}/")
    assert response.status_code == 409
    assert permissions.editable_city_ids(users["analyst"]) == set()


def test_a_new_invitation_replaces_the_open_one(users: dict[str, Any], bonn: Any) -> None:
    first, t1 = invitations.invite(users["admin"], bonn, "x@bonn.example", "", lambda t: t)
    second, t2 = invitations.invite(users["admin"], bonn, "X@bonn.example", "", lambda t: t)
    first.refresh_from_db()
    assert first.state == "revoked" and second.state == "open" and t1 != t2
    assert Client().get(f"/notifications/invitation/{t1}/").status_code == 410


# ------------------------------------------------------------------ an address with an account
def _invite(users: dict[str, Any], city: Any, email: str) -> tuple[Any, str]:
    inv, token = invitations.invite(users["admin"], city, email, "", lambda t: t)
    return inv, f"/notifications/invitation/{token}/"


def test_an_address_with_an_account_signs_in_and_gets_no_second_account(
    users: dict[str, Any], waiting: Any, bonn: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The invitee's address has an account (no role): the link asks them to sign in, a
    POST of a new account is refused, and once signed in the same account becomes Bonn's
    editor and is told of the waiting partnership."""
    person = users["public"]  # someone@example.org
    User = get_user_model()
    before = User.objects.count()
    inv, url = _invite(users, bonn, "SOMEONE@example.org")  # case does not matter
    page = Client().get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "already exists" in html and "Sign in to accept" in html
    assert f'href="/accounts/login/?next={url}"' in html
    assert 'name="password1"' not in html  # no account form
    forged = Client().post(
        url, {"username": "someone-again", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert forged.status_code == 409
    with pytest.raises(invitations.InvitationError, match="exists: sign in"):
        invitations.accept(inv, "someone-again", PASSWORD)
    assert User.objects.count() == before
    inv.refresh_from_db()
    assert inv.state == "open"  # still usable by the right account

    person.set_password(PASSWORD)
    person.save()
    c = Client()
    signed_in = c.post(
        f"/accounts/login/?next={url}", {"username": "someone", "password": PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == url  # back to the link
    confirm = c.get(url)
    assert confirm.status_code == 200 and "Accept: edit Bonn" in confirm.content.decode()
    assert permissions.editable_city_ids(person) == set()  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = c.post(url)
    assert done.status_code == 302 and done["Location"] == "/notifications/"
    person = User.objects.get(pk=person.pk)
    assert permissions.role_of(person) == "editor"
    assert permissions.editable_city_ids(person) == {bonn.pk}
    assert User.objects.count() == before  # one account for one address
    inv.refresh_from_db()
    assert inv.state == "accepted" and inv.accepted_by_id == person.pk
    (n,) = Notification.objects.filter(user=person, kind=Kind.PARTNERSHIP_TO_CONFIRM)
    assert n.link == f"/partners/{waiting.pk}/"
    assert c.post(url).status_code == 410  # used up


def test_an_editor_of_another_city_keeps_it_and_gains_the_new_one(
    users: dict[str, Any], bonn: Any, lyon: Any
) -> None:
    editor = users["lyon_editor"]
    _, url = _invite(users, bonn, editor.email)
    c = client_for(editor)
    assert c.post(url).status_code == 302
    assert permissions.editable_city_ids(get_user_model().objects.get(pk=editor.pk)) == {
        lyon.pk,
        bonn.pk,
    }


@pytest.mark.parametrize("who", ["analyst", "admin"])
def test_an_account_with_another_role_is_not_changed_by_an_invitation(
    who: str, users: dict[str, Any], bonn: Any
) -> None:
    """The secretariat cannot invite the address of an analyst or an administrator (the
    link could not be accepted); an account given such a role after the invitation is told
    so on the link, and nothing changes."""
    account = users[who]
    with pytest.raises(invitations.InvitationError, match="cannot change"):
        _invite(users, bonn, account.email)
    refused = client_for(users["admin"]).post(
        f"/notifications/cities/{bonn.pk}/invite/", {"email": account.email}
    )
    assert refused.status_code == 400 and "cannot change" in refused.content.decode()
    assert not EditorInvitation.objects.filter(email=account.email).exists()

    person = users["public"]
    inv, url = _invite(users, bonn, person.email)
    Membership.objects.create(user=person, role=who)
    c = client_for(person)
    for response in (c.get(url), c.post(url)):
        assert response.status_code == 409
        assert "an invitation does not change it" in response.content.decode()
    assert permissions.role_of(get_user_model().objects.get(pk=person.pk)) == who
    inv.refresh_from_db()
    assert inv.state == "open"


def test_the_secretariat_is_told_the_address_has_an_account(
    users: dict[str, Any], bonn: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = client_for(users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(
            f"/notifications/cities/{bonn.pk}/invite/",
            {"email": users["public"].email},
            follow=True,
        )
    assert "already has an account" in done.content.decode()
    assert "sign in with it" in mail.outbox[-1].body


def test_another_signed_in_account_is_told_and_changes_nothing(
    users: dict[str, Any], bonn: Any
) -> None:
    inv, url = _invite(users, bonn, users["public"].email)
    response = client_for(users["lyon_editor"]).post(url)
    assert response.status_code == 409 and "signed in with another account" in (
        response.content.decode()
    )
    assert bonn.pk not in permissions.editable_city_ids(users["lyon_editor"])
    inv.refresh_from_db()
    assert inv.state == "open"
    with pytest.raises(invitations.InvitationError, match="another account"):
        invitations.accept_existing(inv, users["lyon_editor"])


def test_a_deactivated_account_with_the_address_gets_no_new_account(
    users: dict[str, Any], bonn: Any
) -> None:
    person = users["public"]
    person.is_active = False
    person.save()
    _, url = _invite(users, bonn, person.email)
    page = Client().get(url)
    assert page.status_code == 409 and "deactivated" in page.content.decode()
    Client().post(url, {"username": "fresh", "password1": PASSWORD, "password2": PASSWORD})
    assert not get_user_model().objects.filter(username="fresh").exists()


@pytest.mark.parametrize(
    ("lang", "revoked", "again"),
    [
        ("en", "The invitation of x@bonn.example is revoked.", "already used or revoked"),
        ("fr", "L’invitation de x@bonn.example est révoquée.", "déjà été utilisée ou révoquée"),
    ],
)
def test_revoking_says_so_in_the_page_language(
    users: dict[str, Any], bonn: Any, lang: str, revoked: str, again: str
) -> None:
    inv, _ = invitations.invite(users["admin"], bonn, "x@bonn.example", "", lambda t: t)
    c = client_for(users["admin"])
    c.cookies["django_language"] = lang
    first = c.post(f"/notifications/invitations/{inv.pk}/revoke/", follow=True)
    assert revoked in first.content.decode()
    second = c.post(f"/notifications/invitations/{inv.pk}/revoke/", follow=True)
    assert again in second.content.decode()
