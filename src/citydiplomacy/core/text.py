"""Which characters a stored text may hold: the one rule the engine, the importers and the web
layer share.

PostgreSQL refuses NUL in text, and no database can store a lone UTF-16 surrogate (it has no
UTF-8 encoding); other control characters are invisible garbage from copy-paste or a file
decoded with the wrong encoding. U+FFFE and U+FFFF are not characters (Unicode keeps them
for internal use) and XML cannot hold them, so an XLSX export of a text with one would fail.
Tab, line feed and carriage return are ordinary text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Characters no stored text may hold: C0 controls except tab, line feed and carriage return;
#: DEL and the C1 controls; lone UTF-16 surrogates (U+D800-U+DFFF); the noncharacters U+FFFE
#: and U+FFFF.
FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


#: What :func:`find_forbidden` calls each kind of character, in English.
KIND_NAMES = {
    "control": "a control character",
    "surrogate": "a lone UTF-16 surrogate",
    "noncharacter": "a noncharacter",
}


@dataclass(frozen=True)
class Forbidden:
    """The first character of a text no stored text may hold: its kind (a key of
    :data:`KIND_NAMES`), code point and 1-based position."""

    kind: str
    code: int
    position: int


def find_forbidden(text: str) -> Forbidden | None:
    """The first character of ``text`` no stored text may hold, or ``None``."""
    found = FORBIDDEN_IN_TEXT.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        kind = "surrogate"
    elif code >= 0xFFFE:
        kind = "noncharacter"
    else:
        kind = "control"
    return Forbidden(kind, code, found.start() + 1)


def forbidden_character(text: str) -> str | None:
    """Describe the first character of ``text`` no stored text may hold, or ``None``.

    Examples
    --------
    >>> forbidden_character("a\\x00b")
    'a control character (U+0000) at position 2'
    >>> forbidden_character("line one\\nline two") is None
    True
    """
    found = find_forbidden(text)
    if found is None:
        return None
    return f"{KIND_NAMES[found.kind]} (U+{found.code:04X}) at position {found.position}"


__all__ = ["FORBIDDEN_IN_TEXT", "KIND_NAMES", "Forbidden", "find_forbidden", "forbidden_character"]
