"""Declarations: drafting (versions, comments, amendments) and adoption."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from citydiplomacy.core import textdiff
from citydiplomacy.web.accounts import permissions
from citydiplomacy.web.cities.models import City
from citydiplomacy.web.engagement.models import (
    CommentKind,
    CommentStatus,
    Declaration,
    DeclarationComment,
    DeclarationStatus,
    DeclarationVersion,
    Event,
    Representative,
    Signature,
)
from citydiplomacy.web.engagement.services.common import (
    NOTE_MAX_LENGTH,
    SLUG_LENGTH,
    EngagementError,
    Message,
    check_length,
    too_long,
)
from citydiplomacy.web.engagement.services.roles import (
    current_representations,
)
from citydiplomacy.web.notifications import services as notifications


def visible_declarations(user: Any) -> QuerySet[Declaration]:
    """Adopted declarations for everyone; drafts for those who may read them."""
    qs = Declaration.objects.all()
    if permissions.role_of(user) in ("admin", "analyst"):
        return qs
    cities = _participant_city_ids(user)
    return qs.filter(~Q(status=DeclarationStatus.DRAFT) | Q(participants__in=cities)).distinct()


def _participant_city_ids(user: Any) -> set[int]:
    """Cities on whose behalf ``user`` takes part in drafting: edited or represented."""
    ids = permissions.editable_city_ids(user)
    ids |= set(current_representations(user).values_list("city_id", flat=True))
    return ids


def can_view(user: Any, declaration: Declaration) -> bool:
    if not declaration.is_draft:
        return True
    if permissions.role_of(user) in ("admin", "analyst"):
        return True
    return declaration.participants.filter(pk__in=_participant_city_ids(user)).exists()


def can_draft(user: Any, declaration: Declaration | None = None) -> bool:
    """Create declarations and versions: the secretariat, on drafts only."""
    if not permissions.is_admin(user):
        return False
    return declaration is None or declaration.is_draft


def comment_cities(user: Any, declaration: Declaration) -> list[City]:
    """Participating cities on whose behalf ``user`` may comment on this draft."""
    if not declaration.is_draft:
        return []
    ids = _participant_city_ids(user)
    if not ids:
        return []
    return list(declaration.participants.filter(pk__in=ids).select_related("country"))


def signable_cities(user: Any, declaration: Declaration) -> list[Representative]:
    """The user's current representations whose city has not signed this declaration."""
    if declaration.status != DeclarationStatus.ADOPTED:
        return []
    signed = Signature.objects.filter(
        declaration=declaration, withdrawn_at__isnull=True, city__isnull=False
    ).values("city_id")
    return list(current_representations(user).exclude(city_id__in=signed))


def declaration_slug(title: str) -> str:
    """A free ASCII slug for a new declaration titled ``title``.

    The slug is ``slugify(title)``; a title with nothing ASCII-sluggable (``!!!``, or a
    Cyrillic or Arabic title) gets ``declaration-<n>``. URLs stay ASCII so that every
    ``<slug:>`` route and the API's slug pattern take them. A slug in use gets ``-2``,
    ``-3``... so two titles that slugify alike never collide."""
    base = slugify(title)[:SLUG_LENGTH].strip("-")
    if not base:
        n = Declaration.objects.count() + 1
        while Declaration.objects.filter(slug=f"declaration-{n}").exists():
            n += 1
        return f"declaration-{n}"
    slug, n = base, 1
    while Declaration.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_declaration(
    by: Any,
    *,
    slug: str,
    title: str,
    text: str,
    summary: str = "",
    kind: str = "declaration",
    participants: Iterable[City] = (),
    event: Event | None = None,
    organiser: str = "",
) -> Declaration:
    """A new draft with its first version (secretariat only)."""
    if not can_draft(by):
        raise PermissionDenied(_("Only the secretariat creates declarations."))
    problems: list[Message] = []
    if not title.strip():
        problems.append(Message(_("expected a title"), "title"))
    elif len(title) > 300:
        problems.append(too_long("title", 300, len(title)))
    if not slug or slug != slugify(slug) or len(slug) > 80:
        problems.append(
            Message(
                _("expected lower-case ASCII letters, digits and hyphens, not %(slug)s"),
                "slug",
                slug=repr(slug),
            )
        )
    if len(organiser) > 200:
        problems.append(too_long("organiser", 200, len(organiser)))
    if not text.strip():
        problems.append(Message(_("the first version needs a text"), "text"))
    if problems:
        raise EngagementError(*problems)
    with transaction.atomic():
        d = Declaration.objects.create(
            slug=slug,
            title=title,
            summary=summary,
            kind=kind,
            event=event,
            organiser=organiser,
            created_by=by,
        )
        d.participants.set(list(participants))
        DeclarationVersion.objects.create(
            declaration=d, number=1, text=text, note="first draft", created_by=by
        )
    return d


def add_version(by: Any, declaration: Declaration, text: str, note: str) -> DeclarationVersion:
    """A new version of a draft (secretariat only); numbers run 1, 2, 3..."""
    if not can_draft(by, declaration):
        if not declaration.is_draft:
            raise EngagementError(_("The declaration is adopted; its text no longer changes."))
        raise PermissionDenied(_("Only the secretariat edits a draft declaration."))
    if not text.strip():
        raise EngagementError(_("A version needs a text."))
    note = note.strip()
    check_length(note, "note", NOTE_MAX_LENGTH)  # an error, never cut
    with transaction.atomic():
        # Lock the declaration so two editors cannot take the same number.
        Declaration.objects.select_for_update().filter(pk=declaration.pk).first()
        last = declaration.versions.order_by("-number").values_list("number", flat=True).first()
        current = declaration.versions.order_by("-number").first()
        if current is not None and current.text == text:
            raise EngagementError(_("The text is the same as the current version."))
        return DeclarationVersion.objects.create(
            declaration=declaration,
            number=(last or 0) + 1,
            text=text,
            note=note,
            created_by=by,
        )


def add_comment(
    by: Any,
    declaration: Declaration,
    city: City,
    *,
    kind: str,
    text: str,
    original: str = "",
    proposed: str = "",
) -> DeclarationComment:
    """A participating city's comment or proposed amendment on the current version."""
    if city not in comment_cities(by, declaration):
        if not declaration.is_draft:
            raise EngagementError(_("Comments are taken on drafts only."))
        raise PermissionDenied(
            Message(
                _("You do not take part in drafting this declaration on behalf of %(city)s."),
                city=city.name,
            )
        )
    if kind not in CommentKind.values:
        raise EngagementError(
            Message(_("must be one of %(choices)s"), "kind", choices=", ".join(CommentKind.values))
        )
    if not text.strip():
        raise EngagementError(_("Write the comment (or the reason for the amendment)."))
    version = declaration.current_version()
    if version is None:
        raise EngagementError(_("The declaration has no text yet."))
    if kind == CommentKind.AMENDMENT:
        if not proposed.strip():
            raise EngagementError(_("An amendment needs the proposed wording."))
        if original.strip() and original.strip() not in version.text:
            raise EngagementError(
                _("The passage to replace was not found in the current version; copy it exactly.")
            )
    return DeclarationComment.objects.create(
        declaration=declaration,
        version=version,
        city=city,
        author=by,
        kind=kind,
        text=text.strip(),
        original=original.strip(),
        proposed=proposed.strip(),
    )


def settle_comment(by: Any, comment: DeclarationComment, status: str) -> DeclarationVersion | None:
    """The secretariat marks a comment or amendment accepted or not taken up.

    Accepting an amendment writes it into a new version when that is unambiguous: the passage
    it replaces occurs exactly once in the current version (an amendment without a passage
    adds its wording as a new paragraph). Otherwise (the text moved on since, or the passage
    occurs twice) the amendment is marked accepted and the secretariat merges it by hand.

    Returns
    -------
    DeclarationVersion or None
        The new version, when the amendment was written in.
    """
    if not can_draft(by, comment.declaration):
        raise PermissionDenied(_("Only the secretariat settles comments on a draft."))
    if status not in CommentStatus.values:
        raise EngagementError(
            Message(
                _("must be one of %(choices)s"), "status", choices=", ".join(CommentStatus.values)
            )
        )
    with transaction.atomic():
        merged: DeclarationVersion | None = None
        was = comment.status
        comment.status = status
        comment.save(update_fields=["status"])
        if (
            status == CommentStatus.ACCEPTED
            and was != CommentStatus.ACCEPTED
            and comment.kind == CommentKind.AMENDMENT
        ):
            merged = _merge_amendment(by, comment)
    return merged


def merged_text(text: str, original: str, proposed: str) -> str | None:
    """``text`` with the amendment applied, or ``None`` when the passage is not there once."""
    if not original:
        return text.rstrip("\n") + "\n" + proposed
    if text.count(original) != 1:
        return None
    return text.replace(original, proposed, 1)


def _merge_amendment(by: Any, comment: DeclarationComment) -> DeclarationVersion | None:
    current = comment.declaration.current_version()
    if current is None:
        return None
    text = merged_text(current.text, comment.original, comment.proposed)
    if text is None or text == current.text:
        return None
    note = f"Amendment by {comment.city.name} accepted (comment {comment.pk})"
    return add_version(by, comment.declaration, text, note)


def adopt(by: Any, declaration: Declaration, on: dt.date | None = None) -> None:
    """Adopt a draft (secretariat only): its last version becomes the text to sign."""
    if not permissions.is_admin(by):
        raise PermissionDenied(_("Only the secretariat adopts a declaration."))
    if not declaration.is_draft:
        raise EngagementError(_("The declaration is already adopted."))
    if declaration.current_version() is None:
        raise EngagementError(_("A declaration without text cannot be adopted."))
    declaration.status = DeclarationStatus.ADOPTED
    declaration.adopted_on = on or timezone.localdate()
    declaration.adopted_by = by
    with transaction.atomic():
        declaration.save(update_fields=["status", "adopted_on", "adopted_by"])
        notifications.declaration_open(declaration)


def version_diff(a: DeclarationVersion, b: DeclarationVersion) -> list[textdiff.Piece]:
    return textdiff.word_diff(a.text, b.text)
