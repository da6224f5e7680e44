"""Template context: the signed-in user's role, for menus."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from citydiplomacy.web.accounts import permissions


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "user_role": permissions.role_of(user),
        "can_edit_any_city": permissions.can_edit_any_city(user) if user else False,
        "can_view_history": permissions.can_view_history(user) if user else False,
    }
