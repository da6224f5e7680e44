"""What the page forms of every app share: the one text rule as a form-field validator.

:class:`~citydiplomacy.web.middleware.HostileTextMiddleware` refuses, before any view, a form
whose fields hold a control character or a lone surrogate (the generic 400 page). A view
whose form checks every field it reads with :func:`validate_text` (and the length of each)
can instead answer with an error at the field, the rest of the form kept as typed: it says so
with :func:`checks_form_text`, and the middleware lets its form posts through (field *names*
are still checked there, and query strings too).

Use :class:`TextCheckedForm` (or :class:`TextCheckedMixin` with a ``ModelForm``): every text
field of the form gets :func:`validate_text`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from citydiplomacy.core.text import find_forbidden

#: The attribute that marks a view as checking the text of every form field it reads.
FORM_TEXT_CHECKED = "form_text_checked"
#: The attribute that marks a view as checking the text of every query parameter it reads.
QUERY_TEXT_CHECKED = "query_text_checked"

View = TypeVar("View", bound=Callable[..., Any])


#: The kinds of :func:`citydiplomacy.core.text.find_forbidden`, in the page's language.
_KIND_NAMES = {
    "control": _("a control character"),
    "surrogate": _("a lone UTF-16 surrogate"),
    "noncharacter": _("a noncharacter"),
}


def validate_text(value: Any) -> None:
    """Refuse text holding a character no stored text may hold (:mod:`citydiplomacy.core.text`:
    NUL and the other control characters but tab and line breaks, lone surrogates).

    Raises
    ------
    django.core.exceptions.ValidationError
        Naming the character and its position, never echoing the value.
    """
    if not isinstance(value, str):
        return
    found = find_forbidden(value)
    if found is None:
        return
    raise ValidationError(
        _(
            "Remove %(kind)s (U+%(code)04X) at position %(position)d: it cannot be stored "
            "(often left by copying from another program)."
        ),
        code="forbidden_character",
        params={"kind": _KIND_NAMES[found.kind], "code": found.code, "position": found.position},
    )


#: Marks a field whose ``to_python`` already checks the text (so a form never wraps it twice).
_TEXT_CHECKED_FIELD = "_citydiplomacy_text_checked"


def _check_raw_text(field: forms.Field) -> None:
    """Make ``field`` run :func:`validate_text` on the value *as submitted*, before its own
    ``to_python``: a ``CharField`` strips surrounding whitespace there, and Python counts the
    control characters U+001C-U+001F as whitespace, so a validator (which sees the stripped
    value) would let them vanish silently at either end instead of reporting them."""
    if getattr(field, _TEXT_CHECKED_FIELD, False):
        return
    convert = field.to_python

    def to_python(value: Any) -> Any:
        for text in value if isinstance(value, list | tuple) else (value,):
            validate_text(text)
        return convert(value)

    field.to_python = to_python  # type: ignore[method-assign]
    setattr(field, _TEXT_CHECKED_FIELD, True)


class TextCheckedMixin:
    """Checks every ``CharField`` and ``ChoiceField`` of a form (``ModelForm`` included) with
    :func:`validate_text` on the submitted value, before the field strips it or runs its
    other validators (so the character, not the length, is reported)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # a choice too: its "not one of the choices" message would quote the character
            if isinstance(field, forms.CharField | forms.ChoiceField):
                _check_raw_text(field)


class TextCheckedForm(TextCheckedMixin, forms.Form):
    """A form whose text fields all refuse forbidden characters at the field."""


def checks_form_text(view: View) -> View:
    """Mark ``view`` as checking the text of every form field it reads (with
    :func:`validate_text`): the middleware then lets its form posts with such characters
    through, so that the form shows the error at its field. Apply it outermost."""
    setattr(view, FORM_TEXT_CHECKED, True)
    return view


def checks_query_text(view: View) -> View:
    """Mark ``view`` (a filter or search page) as checking the text of every query parameter
    it reads with :func:`validate_text`, through a form whose errors it shows at the field:
    the middleware then lets its query values through (parameter names are still checked).
    Apply it outermost."""
    setattr(view, QUERY_TEXT_CHECKED, True)
    return view


def field_errors(form: forms.Form) -> dict[str, list[str]]:
    """The errors of each field of a bound form, by field name (``__all__`` for the form's
    own), as plain strings for a template."""
    return {name: [str(m) for m in errors] for name, errors in form.errors.items()}


__all__ = [
    "FORM_TEXT_CHECKED",
    "QUERY_TEXT_CHECKED",
    "TextCheckedForm",
    "TextCheckedMixin",
    "checks_form_text",
    "checks_query_text",
    "field_errors",
    "validate_text",
]
