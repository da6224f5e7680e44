"""Helpers the engagement pages share: ids from query strings, a visible declaration."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from citydiplomacy.web.apikit.pagination import MAX_ID
from citydiplomacy.web.engagement import services
from citydiplomacy.web.engagement.models import (
    Declaration,
)


def _int(value: str | None) -> int | None:
    """A positive id or number from a query string or form, or ``None``.

    Only whole numbers from 1 to :data:`MAX_ID` (the largest id the database holds) are
    taken: a larger one would overflow the database's integer (an error, not "no match")."""
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def _id(value: str | None) -> int:
    """A posted id, or 0 (which matches nothing) when it is missing or not a number."""
    return _int(value) or 0


def _declaration(request: HttpRequest, slug: str) -> Declaration:
    d = get_object_or_404(Declaration.objects.select_related("event"), slug=slug)
    if not services.can_view(request.user, d):
        # A draft is not public: do not reveal that it exists.
        raise Http404("No such declaration.")
    return d


def form_messages(form: Any) -> list[str]:
    """A bound form's errors as sentences naming their field (``Reason: Ensure this value
    has at most 500 characters (it has 501).``), for forms shown inside another page, whose
    answer is a redirect back to that page with messages."""
    out: list[str] = []
    for name, errors in form.errors.items():
        label = "" if name == "__all__" else f"{form.fields[name].label or name.capitalize()}: "
        out.extend(f"{label}{e}" for e in errors)
    return out
