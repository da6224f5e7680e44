"""The web pages' message catalogues: ``web/locale/<lang>/LC_MESSAGES/django.po`` compiled to
the ``django.mo`` Django reads, with Babel (a dependency), so no machine needs GNU gettext.

Both files are committed: the ``.po`` is what translators edit, the ``.mo`` is what runs, and a
test checks that the committed ``.mo`` is exactly what this module compiles from the ``.po``.
``scripts/setup-env.sh`` runs it (rewriting a ``.mo`` only when it differs), and so may anyone
after editing a ``.po``::

    python -m citydiplomacy.web.translations          # compile every catalogue
    python -m citydiplomacy.web.translations --check  # exit 1 if a .mo is stale

Extracting new messages into the ``.po`` needs GNU gettext and is a maintainer's step
(``docs/translation.md``).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "django"


def catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every ``<lang>/LC_MESSAGES/django.po`` under ``locale_dir``, sorted."""
    return sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_po(po_path: Path) -> bytes:
    """The ``.mo`` bytes of one ``.po`` (fuzzy entries left out, as ``msgfmt`` does).

    Raises
    ------
    ValueError
        If the ``.po`` cannot be parsed (the message names the file).
    """
    lang = po_path.parents[1].name
    try:
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN, abort_invalid=True)
    except Exception as exc:  # Babel raises PoFileError and others on a malformed file
        raise ValueError(f"{po_path}: {exc}") from None
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def stale(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """The ``.mo`` files that are missing or differ from their compiled ``.po``."""
    out = []
    for po in catalogues(locale_dir):
        mo = po.with_suffix(".mo")
        if not mo.is_file() or mo.read_bytes() != compile_po(po):
            out.append(mo)
    return out


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write each stale ``.mo`` (through a temporary file, so a reader never sees half of one);
    return the files written."""
    written = []
    for mo in stale(locale_dir):
        data = compile_po(mo.with_suffix(".po"))
        tmp = mo.with_suffix(".mo.tmp")
        tmp.write_bytes(data)
        tmp.replace(mo)
        written.append(mo)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compile the web pages' message catalogues.")
    parser.add_argument("--check", action="store_true", help="only report stale .mo files")
    args = parser.parse_args(argv)
    try:
        if args.check:
            outdated = stale()
            for mo in outdated:
                print(f"stale: {mo} (run python -m citydiplomacy.web.translations)")
            return 1 if outdated else 0
        for mo in compile_all():
            print(f"== compiled {mo}")
    except ValueError as exc:
        print(f"translations: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
