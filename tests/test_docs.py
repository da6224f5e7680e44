"""Documentation that the tests keep honest: every spec key, command and option is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from citydiplomacy.cli import main
from citydiplomacy.core.spec import METHODS, STEP_PARAMS, TARGET_KEYS
from citydiplomacy.io.frameworks import load_framework

ROOT = Path(__file__).resolve().parents[1]
SPEC_DOC = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("step", list(STEP_PARAMS))
def test_every_step_method_and_parameter_is_in_docs_spec(step: str) -> None:
    assert f"`{step}`" in SPEC_DOC
    for method, params in STEP_PARAMS[step].items():
        assert f"`{method}`" in SPEC_DOC, f"{step}: {method}"
        for param in params:
            assert f"`{param}`" in SPEC_DOC, f"{step}.{method}: {param}"


def test_methods_and_target_keys_are_in_docs_spec() -> None:
    for name in (*METHODS, *TARGET_KEYS):
        assert f"`{name}`" in SPEC_DOC


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # lists and loads the lazily loaded groups too
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full + " "))
    return out


@pytest.mark.parametrize(("name", "command"), _commands(main))
def test_every_command_and_option_is_documented(name: str, command: click.Command) -> None:
    assert f"citydiplomacy {name}" in CLI_DOC, name
    assert command.help, f"{name} has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help or param.name in ("help",), f"{name} {param.opts} has no help"
            long = max(param.opts, key=len)
            assert long in CLI_DOC, f"{name} {long} not in docs/cli.md"


def test_readme_gives_the_two_commands() -> None:
    assert "bash scripts/run.sh" in README
    assert "bash scripts/test.sh" in README
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_frameworks_doc_states_the_counts() -> None:
    doc = (ROOT / "docs" / "frameworks.md").read_text(encoding="utf-8")
    fw = load_framework("u4ssc")
    assert re.search(rf"\b{len(fw.kpis)} KPIs\b", doc)
    assert "92" in doc and "91" in doc


def test_cli_page_is_up_to_date() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("cli_doc", ROOT / "scripts" / "cli_doc.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render() == CLI_DOC, "docs/cli.md is stale: run scripts/cli_doc.py"


def test_every_setting_read_from_the_environment_is_in_docs_web() -> None:
    settings_py = (ROOT / "src/citydiplomacy/web/settings.py").read_text(encoding="utf-8")
    web_doc = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    names = set(re.findall(r"\b(CITYDIPLOMACY_[A-Z_]+|DATABASE_URL|REDIS_URL)\b", settings_py))
    assert len(names) > 10
    missing = sorted(n for n in names if f"`{n}`" not in web_doc)
    assert not missing, f"document in docs/web.md: {missing}"
