"""The account pages' forms: every text field refuses characters no text may hold, at the
field (:mod:`citydiplomacy.web.forms`), and is bounded by the length its column holds.

Django's own password forms are subclassed with :class:`~citydiplomacy.web.forms.TextCheckedMixin`,
so that a control character or a lone surrogate typed into them is an error at its field (the
rest of the form kept) instead of the generic 400 page.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from citydiplomacy.web.accounts.models import ApiToken
from citydiplomacy.web.forms import TextCheckedForm, TextCheckedMixin

#: The longest token name stored (the column's length).
TOKEN_NAME_MAX = ApiToken._meta.get_field("name").max_length or 100


class TokenForm(TextCheckedForm):
    """The name of a new API token: required, at most :data:`TOKEN_NAME_MAX` characters
    (an error at the field, never cut)."""

    name = forms.CharField(
        label=_("Token name"),
        max_length=TOKEN_NAME_MAX,
        error_messages={
            "required": _("Give the token a name, for example the script that uses it.")
        },
    )


class PasswordChangeForm(TextCheckedMixin, auth_forms.PasswordChangeForm):
    """Django's password change form; forbidden characters refused at their field."""


class SetPasswordForm(TextCheckedMixin, auth_forms.SetPasswordForm):  # type: ignore[type-arg]
    """Django's form for a new password after a reset; forbidden characters refused at their
    field."""


class PasswordResetForm(TextCheckedMixin, auth_forms.PasswordResetForm):
    """Django's password reset form (an e-mail address); forbidden characters refused at the
    field."""


__all__ = [
    "TOKEN_NAME_MAX",
    "PasswordChangeForm",
    "PasswordResetForm",
    "SetPasswordForm",
    "TokenForm",
]
