"""Start-up cost of the command line: importing it (and ``--help``) loads no command group's
heavy modules, and every lazily registered group still loads and shows its help."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from citydiplomacy.cli import LAZY_COMMANDS, main

#: Modules only some commands need; none may be imported to start the command line.
HEAVY = (
    "numpy",
    "pandas",
    "pyarrow",
    "scipy.stats",
    "sklearn",
    "django",
    "citydiplomacy.reports",
    "citydiplomacy.core.recognition",
    "citydiplomacy.core.capacity",
    "citydiplomacy.web",
    "citydiplomacy.cli_capacity",
    "citydiplomacy.cli_partners",
    "citydiplomacy.cli_recognition",
    "citydiplomacy.cli_reports",
    "citydiplomacy.cli_web",
)


def _loaded_after(code: str) -> set[str]:
    """The HEAVY modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_module() -> None:
    assert _loaded_after("import citydiplomacy.cli") == set()


def test_top_level_help_loads_no_heavy_module() -> None:
    code = (
        "import contextlib, io\n"
        "from citydiplomacy.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, exc.code\n"
    )
    assert _loaded_after(code) == set()


def test_running_one_group_loads_only_its_module() -> None:
    code = (
        "import contextlib, io\n"
        "from citydiplomacy.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['capacity', '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    assert _loaded_after(code) == {
        "citydiplomacy.cli_capacity",
        "citydiplomacy.core.capacity",
        "numpy",
        "pandas",
        "pyarrow",
    }


@pytest.mark.parametrize(
    "module",
    ["cli_capacity", "cli_partners", "cli_recognition", "cli_reports", "cli_web", "cli_common"],
)
def test_command_modules_do_not_import_the_cli_back(module: str) -> None:
    code = (
        f"import citydiplomacy.{module}\nimport sys\nassert 'citydiplomacy.cli' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_every_lazy_command_loads_and_shows_its_help(name: str) -> None:
    ctx = click.Context(main)
    assert name in main.list_commands(ctx)
    command = main.get_command(ctx, name)
    assert isinstance(command, click.Command)
    assert command.name == name
    # The one-line help ``citydiplomacy --help`` shows without loading must be the command's own.
    first_paragraph = inspect.cleandoc(command.help or "").split("\n\n")[0]
    assert " ".join(first_paragraph.split()) == LAZY_COMMANDS[name][1]
    result = CliRunner().invoke(main, [name, "--help"], terminal_width=100)
    if name == "manage":  # Django's own help: `manage` passes --help through to Django
        assert "Available subcommands" in result.output or result.exit_code == 0
    else:
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"Usage: main {name} ")


def test_top_level_help_lists_every_command_once() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=100)
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:\n", 1)[1].splitlines()]
    for name in [*LAZY_COMMANDS, "score", "validate", "frameworks", "audit"]:
        assert listed.count(name) == 1, name


def test_an_unknown_command_is_still_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.output


def test_starting_django_imports_no_page_code() -> None:
    """Apps register their city-page sections and dashboard panels by name
    (:class:`~citydiplomacy.web.lazy.LazyCallable`): starting Django, as every command that
    reads the database does, imports none of the code behind them, nor pandas, networkx or
    SciPy's optimiser, which only pages and some commands need."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'citydiplomacy.web.settings')\n"
            "import django\n"
            "django.setup()\n"
            "heavy = ('pandas', 'networkx', 'scipy.optimize',"
            " 'citydiplomacy.web.partners.views', 'citydiplomacy.web.capacity.views',"
            " 'citydiplomacy.web.reports.panels', 'citydiplomacy.web.engagement.dashboard')\n"
            "print(sorted(m for m in heavy if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
