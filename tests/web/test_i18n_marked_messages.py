"""Every message marked for translation without being translated where it is written
(``gettext_noop``: the engine's and readers' problem templates, which ``core`` and ``io``
keep as :class:`citydiplomacy.errors.Words`, and the web layer's stored labels) is in the
French catalogue with a translation, so no page shows one of them in English."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.pofile import read_po

import citydiplomacy
import citydiplomacy.web

SOURCE = Path(citydiplomacy.__file__).parent
PO = Path(citydiplomacy.web.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def marked_messages() -> dict[str, str]:
    """Each ``gettext_noop("...")`` message of the package, with where it is written."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "gettext_noop"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.relative_to(SOURCE)}:{node.lineno}")
    return found


def test_every_marked_message_is_translated() -> None:
    with PO.open("rb") as f:
        catalogue = read_po(f)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and m.string and not m.fuzzy
    }
    marked = marked_messages()
    assert len(marked) > 40  # the problem templates of core, io and web at least
    missing = {msg: where for msg, where in marked.items() if msg and msg not in translated}
    assert not missing, "\n".join(f"{where}: {msg!r}" for msg, where in missing.items())
