"""The error at a field holding a character no text may hold speaks the page's language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from citydiplomacy.web.forms import validate_text


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
