"""The layer rule, checked: core imports no Django, click or file handling; io and reports
import no web.

The import contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and
``scripts/test.sh`` runs ``lint-imports`` on them; these tests run them too (so a plain
``pytest`` guards the rule), check that a broken contract is caught, and check what an import
contract cannot see: a call that opens or writes a file from ``core`` through a builtin or a
pandas/numpy reader or writer.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "src" / "citydiplomacy" / "core"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

#: Calls that read or write files, wherever they come from (pandas, numpy, builtins).
FILE_CALLS = frozenset(
    {
        "open",
        "read_csv",
        "to_csv",
        "read_parquet",
        "to_parquet",
        "read_excel",
        "to_excel",
        "read_json",
        "to_json",
        "read_feather",
        "to_feather",
        "read_table",
        "read_fwf",
        "load",
        "save",
        "savez",
        "savez_compressed",
        "loadtxt",
        "savetxt",
        "genfromtxt",
        "fromfile",
        "tofile",
        "read_text",
        "write_text",
        "read_bytes",
        "write_bytes",
    }
)
#: ``os`` may tell the number of processors (thread pools); nothing else of it.
OS_ALLOWED = frozenset({"cpu_count"})


def _lint(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():  # pragma: no cover - the venv always has it
        pytest.fail(f"lint-imports is not installed next to {sys.executable}")
    args = [str(LINT_IMPORTS), "--no-cache", "--no-logo"]
    if config is not None:
        args.append(str(config))
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def test_the_import_contracts_are_kept() -> None:
    result = _lint()
    assert result.returncode == 0, result.stdout + result.stderr
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    ids = {c["id"] for c in contracts["contracts"]}
    assert {"core-pure", "io-reports-no-web"} <= ids
    core = next(c for c in contracts["contracts"] if c["id"] == "core-pure")
    assert {"django", "click", "citydiplomacy.io", "citydiplomacy.web"} <= set(
        core["forbidden_modules"]
    )


def test_a_broken_contract_is_caught(tmp_path: Path) -> None:
    """The same configuration plus a contract this code breaks (core imports numpy) fails:
    the checker sees the project's imports, so a real breach would fail the build too."""
    text = (ROOT / "pyproject.toml").read_text()
    text += (
        '\n[[tool.importlinter.contracts]]\nid = "canary"\nname = "canary"\n'
        'type = "forbidden"\nsource_modules = ["citydiplomacy.core"]\n'
        'forbidden_modules = ["numpy"]\n'
    )
    config = tmp_path / "pyproject.toml"
    config.write_text(text)
    result = _lint(config)
    assert result.returncode != 0
    assert "canary BROKEN" in result.stdout


def _file_calls(path: Path) -> list[str]:
    """``file:line: call`` for every file-handling call in one module."""
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in FILE_CALLS:
                found.append(f"{shown}:{node.lineno}: {name}()")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr not in OS_ALLOWED
        ):
            found.append(f"{shown}:{node.lineno}: os.{node.attr}")
    return found


def test_core_opens_no_files() -> None:
    offenders = [hit for path in sorted(CORE.rglob("*.py")) for hit in _file_calls(path)]
    assert offenders == []


def test_the_file_call_check_sees_file_calls(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "import os\nimport pandas as pd\n"
        "def f(p):\n    pd.read_csv(p)\n    open(p).read()\n    os.remove(p)\n"
        "    return os.cpu_count()\n"
    )
    hits = sorted(h.split(": ", 1)[1] for h in _file_calls(module))
    assert hits == ["open()", "os.remove", "read_csv()"]
