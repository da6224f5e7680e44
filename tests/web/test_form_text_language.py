"""The error at a field holding a character no text may hold speaks the page's language."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from citydiplomacy.web.forms import TextCheckedForm, validate_text


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "a\x01b", "Remove a control character (U+0001) at position 2: it cannot be stored"),
        ("fr", "a\x01b", "Supprimez un caractère de contrôle (U+0001) à la position 2"),
        ("fr", "ab\uffff", "Supprimez un non-caractère (U+FFFF) à la position 3"),
        ("en", "\ud800", "Remove a lone UTF-16 surrogate (U+D800) at position 1"),
    ],
)
def test_the_message_is_in_the_page_s_language(language: str, text: str, expected: str) -> None:
    with translation.override(language):
        with pytest.raises(ValidationError) as raised:
            validate_text(text)
        message = raised.value.messages[0]  # lazy: read in the language of the page
    assert message.startswith(expected), message


def test_text_that_may_be_stored_passes() -> None:
    validate_text("Genève\tline\r\nnext")
    validate_text(None)


class _NoteForm(TextCheckedForm):
    note = forms.CharField(max_length=40)


@pytest.mark.parametrize("separator", ["\x1c", "\x1d", "\x1e", "\x1f"])
@pytest.mark.parametrize("place", ["start", "end"])
def test_a_control_character_at_either_end_is_reported_not_stripped(
    separator: str, place: str
) -> None:
    """Python counts U+001C-U+001F as whitespace, which ``CharField`` strips before its
    validators run: the check must see the value as submitted."""
    value = separator + "note" if place == "start" else "note" + separator
    form = _NoteForm(data={"note": value})
    assert not form.is_valid()
    assert f"U+{ord(separator):04X}" in form.errors["note"][0]


def test_surrounding_spaces_are_still_stripped_and_a_form_checks_once() -> None:
    form = _NoteForm(data={"note": "  Genève  "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["note"] == "Genève"
    form = _NoteForm(data={"note": "a\x01b"})
    assert not form.is_valid()
    assert len(form.errors["note"]) == 1
