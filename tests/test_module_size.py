"""Rooms that hold one thing: no module in ``src/`` over 800 lines, no function over 150.

Lines are physical lines of the file; a function's lines run from its ``def`` to its last
line (docstring and nested functions included; decorators not). Migrations are generated and
left out.

The allow-lists below are empty since the splits of issue 15, and can only shrink: an entry
that is within the limits (or gone) fails the test until it is taken off, and anything new
over the limits fails too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 150

#: Modules over :data:`MAX_MODULE_LINES` lines, by path under ``src/``: why each still is.
MODULES_OVER: dict[str, str] = {}

#: Functions over :data:`MAX_FUNCTION_LINES` lines, as ``path::qualified.name``.
FUNCTIONS_OVER: dict[str, str] = {}


def _python_files() -> list[Path]:
    return sorted(p for p in (SRC / "citydiplomacy").rglob("*.py") if "migrations" not in p.parts)


def _functions(tree: ast.AST) -> list[tuple[str, int]]:
    """``(qualified name, lines)`` of every function of a module, nested ones included."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                end = child.end_lineno or child.lineno
                found.append((name, end - child.lineno + 1))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _measure() -> tuple[dict[str, int], dict[str, int]]:
    modules, functions = {}, {}
    for path in _python_files():
        key = path.relative_to(SRC).as_posix()
        text = path.read_text(encoding="utf-8")
        modules[key] = len(text.splitlines())
        for name, lines in _functions(ast.parse(text, filename=str(path))):
            functions[f"{key}::{name}"] = lines
    return modules, functions


def test_no_new_module_over_the_limit() -> None:
    modules, _ = _measure()
    over = {k: n for k, n in modules.items() if n > MAX_MODULE_LINES and k not in MODULES_OVER}
    assert over == {}, f"modules over {MAX_MODULE_LINES} lines: split them"


def test_no_new_function_over_the_limit() -> None:
    _, functions = _measure()
    over = {
        k: n for k, n in functions.items() if n > MAX_FUNCTION_LINES and k not in FUNCTIONS_OVER
    }
    assert over == {}, f"functions over {MAX_FUNCTION_LINES} lines: split them"


def test_the_allow_lists_only_shrink() -> None:
    """A listed module or function now within the limits (or gone) must leave the list."""
    modules, functions = _measure()
    fixed_modules = [k for k in MODULES_OVER if modules.get(k, 0) <= MAX_MODULE_LINES]
    fixed_functions = [k for k in FUNCTIONS_OVER if functions.get(k, 0) <= MAX_FUNCTION_LINES]
    assert fixed_modules == [], "within the limit now: take off MODULES_OVER"
    assert fixed_functions == [], "within the limit now: take off FUNCTIONS_OVER"


def test_the_measure_counts_nested_and_method_lines() -> None:
    source = (
        "class A:\n    def f(self):\n        def g():\n            return 1\n        return g\n"
    )
    assert _functions(ast.parse(source)) == [("A.f", 4), ("A.f.g", 2)]
