"""Word-level differences between two versions of a text, with :mod:`difflib`.

:func:`word_diff` splits both texts into tokens (words, runs of spaces, line breaks, and
punctuation) and returns the operations that turn the old text into the new one. Joining the
``equal`` and ``delete`` pieces gives the old text back; joining ``equal`` and ``insert``
gives the new one (tested as an invariant). :func:`marked_text` renders them with text
markers in the style of ``git diff --word-diff``: ``[-removed-]`` and ``{+added+}``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

#: Words (letters, digits, and inner apostrophes or hyphens), line breaks, other space runs,
#: and any other single character (punctuation).
_TOKEN = re.compile(r"\w+(?:['’\-]\w+)*|\r\n|\r|\n|[^\S\r\n]+|[^\w\s]", re.UNICODE)

Op = Literal["equal", "insert", "delete"]


@dataclass(frozen=True)
class Piece:
    """A run of text that is unchanged, inserted or deleted."""

    op: Op
    text: str


def tokens(text: str) -> list[str]:
    """``text`` as tokens; ``"".join(tokens(text)) == text``."""
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[Piece]:
    """The pieces that turn ``old`` into ``new``, word by word.

    Adjacent pieces of the same kind are merged; a replacement is a deletion followed by an
    insertion.
    """
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    pieces: list[Piece] = []

    def add(op: Op, text: str) -> None:
        if not text:
            return
        if pieces and pieces[-1].op == op:
            pieces[-1] = Piece(op, pieces[-1].text + text)
        else:
            pieces.append(Piece(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return pieces


def old_text(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces if p.op != "insert")


def new_text(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces if p.op != "delete")


def marked_text(pieces: list[Piece]) -> str:
    """The difference as plain text: ``[-deleted-]`` and ``{+inserted+}``."""
    out = []
    for p in pieces:
        if p.op == "delete":
            out.append(f"[-{p.text}-]")
        elif p.op == "insert":
            out.append(f"{{+{p.text}+}}")
        else:
            out.append(p.text)
    return "".join(out)


def counts(pieces: list[Piece]) -> tuple[int, int]:
    """Words inserted and words deleted."""
    ins = sum(len(re.findall(r"\w+", p.text)) for p in pieces if p.op == "insert")
    dels = sum(len(re.findall(r"\w+", p.text)) for p in pieces if p.op == "delete")
    return ins, dels
