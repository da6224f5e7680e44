"""JSON API of the notifications (mounted on the platform's API at /api/): one's own inbox
(a token or the browser session) and marking notifications read (a token: a write)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from citydiplomacy.web.apikit.auth import WRITE_AUTH, BearerToken, SessionUser, requester
from citydiplomacy.web.apikit.errors import error_responses
from citydiplomacy.web.apikit.pagination import MAX_ID, PageMeta, PageParams, paginate
from citydiplomacy.web.notifications import services
from citydiplomacy.web.notifications.models import Kind, Notification

router = Router(tags=["Notifications"])

#: One's own notifications: a token or the session; never the public.
OWN_AUTH = [BearerToken(), SessionUser()]


class NotificationOut(Schema):
    id: int = Field(description="Identifier of the notification.")
    kind: str = Field(description=f"One of {', '.join(Kind.values)}.")
    subject: str = Field(description="One line, in the request's language.")
    body: str = Field(description="The notification's text, in the request's language.")
    params: dict[str, Any] | None = Field(
        description="What it is about, by kind (ids, names, ISO dates, counts, codes); "
        "null for a notification written before parameters were stored."
    )
    link: str = Field(description="A path on this site the notification is about.")
    created: dt.datetime = Field(description="When it was written (UTC).")
    read: dt.datetime | None = Field(description="When it was marked read (null: unread).")


class NotificationPage(PageMeta):
    unread: int = Field(description="Unread notifications in all.")
    results: list[NotificationOut] = Field(description="Newest first.")


class NotificationQuery(PageParams):
    unread_only: bool = Field(False, description="Only unread notifications.")


class MarkReadIn(Schema):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        None, max_length=1000, description="Notifications to mark read; null marks all."
    )


class MarkReadOut(Schema):
    marked: int = Field(description="How many were unread and are now read.")


def _out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "subject": n.subject,
        "body": n.body,
        "params": n.params,
        "link": n.link,
        "created": n.created,
        "read": n.read,
    }


@router.get(
    "/notifications",
    response={200: NotificationPage, **error_responses(401, 404, 422, 429)},
    auth=OWN_AUTH,
    summary="My notifications",
)
def list_notifications(request: HttpRequest, params: Query[NotificationQuery]) -> dict[str, Any]:
    """The requester's own notifications, newest first."""
    user = requester(request)
    qs = Notification.objects.filter(user=user)
    if params.unread_only:
        qs = qs.filter(read__isnull=True)
    page = paginate(qs.order_by("-created", "-id"), params)
    return {**page.as_dict([_out(n) for n in page.items]), "unread": services.unread_count(user)}


@router.post(
    "/notifications/read",
    response={200: MarkReadOut, **error_responses(400, 401, 422, 429)},
    auth=WRITE_AUTH,
    summary="Mark my notifications read",
)
def mark_notifications_read(request: HttpRequest, payload: MarkReadIn) -> dict[str, Any]:
    """Mark the given notifications (or all) of the token's user read; another user's ids
    match nothing."""
    return {"marked": services.mark_read(requester(request), payload.ids)}
