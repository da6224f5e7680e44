"""Inviting a city's editor: the secretariat's answer to a partner city without one.

A partnership's party city confirms through its editors; a city without an editor cannot,
so the secretariat is told (:func:`services.partnership_party_added`) and, from the list of
such cities, invites someone by e-mail. The invitation's one-time link lets the invitee
create their account, which becomes an editor of that city; the partnerships already
waiting for the city are then put in the new editor's inbox.

The link's token is random (256 bits), kept only as a hash, valid for
:data:`INVITATION_DAYS` days and used at most once (the acceptance claims the row with a
conditional update, so two submissions of the same link create one account).

An address that already has an account never gets a second one (one person, one account,
one history of changes): the link asks the invitee to sign in, and the signed-in account whose
address is the invitation's accepts it (:func:`accept_existing`): it becomes an editor of the
city, keeping its other cities. An account with another role (an analyst, the secretariat)
is not changed by an invitation, since an account has one role: the page says so and the
secretariat decides. A deactivated account with the address is refused likewise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext

from citydiplomacy.web.notifications.models import EditorInvitation

log = logging.getLogger(__name__)

#: Days an invitation's link stays valid.
INVITATION_DAYS = 14


class InvitationError(Exception):
    """An invitation that cannot be sent, or a link that cannot be used (message says why)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------------- who needs one
@dataclass
class CityWithoutEditor:
    """A city that is a party to proposed partnerships it has not confirmed, and has no
    active editor; with those partnerships and the invitations already sent."""

    city: Any
    partnerships: list[Any] = field(default_factory=list)
    invitations: list[EditorInvitation] = field(default_factory=list)


def _has_editor(city_ref: Any) -> Exists:
    from citydiplomacy.web.accounts.models import CityAssignment

    return Exists(
        CityAssignment.objects.filter(
            city=city_ref, membership__role="editor", membership__user__is_active=True
        )
    )


def cities_without_editor() -> list[CityWithoutEditor]:
    """Party cities of proposed partnerships, not confirmed by them, that have no active
    editor: the cities the secretariat should find an editor for."""
    from citydiplomacy.web.partners.models import PartnershipCity, Status

    parties = (
        PartnershipCity.objects.filter(
            confirmed_at__isnull=True, partnership__status=Status.PROPOSED
        )
        .filter(~_has_editor(OuterRef("city")))
        .select_related("city", "partnership")
        .order_by("city__name", "partnership_id")
    )
    out: dict[int, CityWithoutEditor] = {}
    for party in parties:
        entry = out.setdefault(party.city_id, CityWithoutEditor(party.city))
        entry.partnerships.append(party.partnership)
    invitations = EditorInvitation.objects.filter(city_id__in=list(out)).select_related(
        "invited_by", "accepted_by"
    )
    for inv in invitations:
        out[inv.city_id].invitations.append(inv)
    return list(out.values())


# ------------------------------------------------------------------------- inviting
def invite(
    by: Any, city: Any, email: str, name: str, link_for: Callable[[str], str]
) -> tuple[EditorInvitation, str]:
    """Invite ``email`` to become an editor of ``city``; e-mail them the link (after the
    transaction commits). An open invitation of the same address for the city is revoked
    (the new link replaces it). Returns the invitation and its link.

    Raises
    ------
    InvitationError
        When an active account with that address already edits the city.
    """
    email = email.strip()
    already = get_user_model().objects.filter(
        email__iexact=email,
        is_active=True,
        membership__role="editor",
        membership__cities=city,
    )
    if already.exists():
        raise InvitationError(f"{email} is already an editor of {city.name}.")
    from citydiplomacy.web.accounts import permissions

    for account in accounts_with_address(email).filter(is_active=True):
        role = permissions.role_of(account)
        if role not in (None, "editor"):
            # The link could not be accepted: an invitation never changes an account's role.
            raise InvitationError(
                gettext(
                    "%(email)s belongs to the account %(user)s, whose role (%(role)s) an "
                    "invitation cannot change: assign the city to an editor's account instead."
                )
                % {"email": email, "user": account.get_username(), "role": role}
            )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        EditorInvitation.objects.filter(
            city=city, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        inv = EditorInvitation.objects.create(
            city=city,
            email=email,
            name=name.strip()[:150],
            token_hash=token_hash(token),
            invited_by=by,
            created_at=now,
            expires_at=now + dt.timedelta(days=INVITATION_DAYS),
        )
        link = link_for(token)
        transaction.on_commit(lambda: _send_invitation(inv, link))
    return inv, link


def _send_invitation(inv: EditorInvitation, link: str) -> bool:
    """E-mail the invitation; a failure is logged (the secretariat also sees the link)."""
    greeting = f"Dear {inv.name}," if inv.name else "Hello,"
    how = (
        "You already have an account with this address: sign in with it, then accept with this link"
        if accounts_with_address(inv.email).exists()
        else "Create your account with this link"
    )
    body = (
        f"{greeting}\n\nThe secretariat of the city diplomacy platform invites you to act "
        f"for {inv.city.name} as its editor: to confirm its partnerships and to submit its "
        f"data. {how} (valid until {inv.expires_at:%d %B %Y}, usable once):\n\n{link}\n\n"
        "If you did not expect this invitation, ignore this message."
    )
    try:
        EmailMessage(
            f"[citydiplomacy] Invitation: editor of {inv.city.name}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [inv.email],
        ).send()
    except Exception:  # any mail backend error: the secretariat still has the link
        log.exception("invitation e-mail %s failed", inv.pk)
        return False
    return True


def revoke(inv: EditorInvitation) -> bool:
    """Revoke an open invitation; ``False`` if it was already accepted or revoked."""
    n = EditorInvitation.objects.filter(
        pk=inv.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    return bool(n)


# ------------------------------------------------------------------------- accepting
def find(token: str) -> EditorInvitation | None:
    """The invitation of a link's token (any state), or ``None``."""
    if not token or len(token) > 100:
        return None
    return (
        EditorInvitation.objects.select_related("city").filter(token_hash=token_hash(token)).first()
    )


def accounts_with_address(email: str) -> Any:
    """The accounts (active or not) whose e-mail address is ``email``, ignoring case."""
    return get_user_model().objects.filter(email__iexact=email.strip())


def _claim(inv: EditorInvitation, now: dt.datetime) -> None:
    """Mark the invitation used, if it is still open (in the caller's transaction)."""
    claimed = EditorInvitation.objects.filter(
        Q(pk=inv.pk, accepted_at__isnull=True, revoked_at__isnull=True),
        expires_at__gt=now,
    ).update(accepted_at=now)
    if not claimed:
        raise InvitationError("This invitation is no longer valid (used, revoked or expired).")


def existing_account_problem(inv: EditorInvitation, user: Any) -> str:
    """Why the signed-in ``user`` may not accept ``inv`` with their account ('' if they may),
    in the page's language."""
    from citydiplomacy.web.accounts import permissions
    from citydiplomacy.web.accounts.models import Role

    if not user.is_authenticated or not user.is_active:
        return gettext("Sign in first.")
    if (user.email or "").strip().lower() != inv.email.strip().lower():
        return gettext(
            "This invitation was sent to %(email)s, and you are signed in with another "
            "account: sign out, then sign in with the account of that address (or open the "
            "link signed out to create one, if that address has no account)."
        ) % {"email": inv.email}
    role = permissions.role_of(user)
    if role not in (None, "editor"):
        return gettext(
            "Your account has the role %(role)s; an account has one role, and an invitation "
            "does not change it. Ask the secretariat to assign the city to you."
        ) % {"role": Role(role).label if role in Role.values else role}
    return ""


def accept_existing(inv: EditorInvitation, user: Any) -> Any:
    """Make the signed-in ``user``, whose address is the invitation's, an editor of its city,
    once; an editor keeps their other cities. The city's waiting partnerships then go to
    the city's editors' inboxes.

    Raises
    ------
    InvitationError
        When the invitation is no longer open, or ``user`` may not accept it
        (:func:`existing_account_problem`).
    """
    from citydiplomacy.web.accounts.models import CityAssignment, Membership, Role

    problem = existing_account_problem(inv, user)
    if problem:
        raise InvitationError(problem)
    with transaction.atomic():
        _claim(inv, timezone.now())
        membership, _ = Membership.objects.get_or_create(user=user, defaults={"role": Role.EDITOR})
        if membership.role != Role.EDITOR:  # changed since the check: refuse, roll back
            raise InvitationError(gettext("Your account's role changed; ask the secretariat."))
        CityAssignment.objects.get_or_create(membership=membership, city=inv.city)
        EditorInvitation.objects.filter(pk=inv.pk).update(accepted_by=user)
        city_id = inv.city_id
        transaction.on_commit(lambda: _tell_waiting_partnerships(city_id))
    if hasattr(user, "_cd_role"):
        del user._cd_role  # the role cached for this request is stale
    return user


def accept(inv: EditorInvitation, username: str, password: str) -> Any:
    """Create the invitee's account as an editor of the invitation's city, once.

    The new editor's inbox then receives the partnerships waiting for the city.

    Raises
    ------
    InvitationError
        When the invitation is no longer open (accepted, revoked, expired), the username
        is taken, or an account with the invitation's address exists (it accepts with
        :func:`accept_existing` after signing in: never a second account).
    """
    from citydiplomacy.web.accounts.models import CityAssignment, Membership, Role

    now = timezone.now()
    try:
        with transaction.atomic():
            _claim(inv, now)
            if accounts_with_address(inv.email).exists():
                raise InvitationError(
                    gettext(
                        "An account with the address %(email)s exists: sign in with it to "
                        "accept the invitation."
                    )
                    % {"email": inv.email}
                )
            user = get_user_model().objects.create_user(
                username=username, email=inv.email, password=password
            )
            membership = Membership.objects.create(user=user, role=Role.EDITOR)
            CityAssignment.objects.create(membership=membership, city=inv.city)
            EditorInvitation.objects.filter(pk=inv.pk).update(accepted_by=user)
            city_id = inv.city_id
            transaction.on_commit(lambda: _tell_waiting_partnerships(city_id))
    except IntegrityError as exc:  # the username was taken between the check and the write
        raise InvitationError("That username is taken; choose another.") from exc
    return user


def _tell_waiting_partnerships(city_id: int) -> None:
    """Put the partnerships waiting for the city in its (new) editors' inboxes."""
    from citydiplomacy.web.notifications import services
    from citydiplomacy.web.partners.models import PartnershipCity, Status

    waiting = PartnershipCity.objects.filter(
        city_id=city_id, confirmed_at__isnull=True, partnership__status=Status.PROPOSED
    ).select_related("partnership", "city")
    for party in waiting:
        services.partnership_party_added(party)
