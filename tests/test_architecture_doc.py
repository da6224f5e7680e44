"""docs/architecture.md shows the house as it is: every module, test and folder it names in
backquotes exists, and every import contract of pyproject.toml is described."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "src" / "citydiplomacy"
#: Where a path named in the document may be relative to.
BASES = (ROOT, PACKAGE, PACKAGE / "core", PACKAGE / "web")


def _named_paths() -> list[str]:
    """Backquoted names that look like a file or a folder of the project."""
    names = re.findall(r"`([A-Za-z0-9_./<>-]+(?:\.py|\.md|\.toml|\.sh|/))`", DOC)
    return sorted({n for n in names if "<" not in n})


def test_every_named_path_exists() -> None:
    names = _named_paths()
    assert len(names) > 15  # the pattern does find the document's paths
    missing = [n for n in names if not _exists(n)]
    assert missing == []


def _exists(name: str) -> bool:
    if any((base / name).exists() for base in BASES):
        return True
    # A bare file name ("services.py" of an app) names a kind of module: some app has one.
    return "/" not in name and any(PACKAGE.rglob(name))


def test_every_import_contract_is_described() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    for contract in config["contracts"]:
        assert f"`{contract['id']}`" in DOC, contract["id"]
