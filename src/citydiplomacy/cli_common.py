"""What every part of the command line shares: options, the user-error type, error handling.

The command groups (``cli_capacity``, ``cli_partners``, ``cli_recognition``, ``cli_reports``,
``cli_web``) import these from here, not from :mod:`citydiplomacy.cli`, so that ``cli`` can load
them lazily (only the group a user runs) without an import cycle. This module must stay light:
it imports none of the command modules and nothing heavy (no pandas, numpy, scipy or Django).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import yaml

from citydiplomacy.errors import CityDiplomacyError, ValidationError

if TYPE_CHECKING:
    from citydiplomacy.core.spec import Spec

FRAMEWORK_HELP = "Packaged framework name (u4ssc, sdg11) or a framework table (.csv/.xlsx)."
framework_option = click.option(
    "--framework", "-f", default="u4ssc", show_default=True, help=FRAMEWORK_HELP
)
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of standard output.",
)


class UserError(click.ClickException):
    """A message for the user, exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the project's errors into clean messages."""
    try:
        yield
    except ValidationError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        n = len(exc.errors)
        click.echo(
            f"{n} error(s); nothing was scored. Fix the lines above and run again.", err=True
        )
        sys.exit(1)
    except CityDiplomacyError as exc:
        raise UserError(str(exc)) from None
    except BrokenPipeError:
        # The reader stopped early (`... | head`): nothing more to say, and nothing to flush
        # at exit into the closed pipe (standard output now writes to /dev/null).
        with suppress(OSError, ValueError):  # no file descriptor (a test runner's capture)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(str(exc)) from None


def _spec(path: Path | None, method: str | None, targets: tuple[str, ...] = ()) -> Spec:
    """The scoring spec from a YAML/JSON file, ``--method`` and ``--target CODE=NUMBER``."""
    from citydiplomacy.core.spec import Spec  # only the commands that score need it

    data: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise UserError(f"{path}: a spec file must be UTF-8 text (YAML or JSON)") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise UserError(f"{path}: a spec file must hold a mapping of keys to values")
        data = loaded or {}
    if targets:
        section = data.get("targets", {}) or {}
        if not isinstance(section, dict):
            raise UserError("the spec's targets must be a mapping (see docs/spec.md)")
        overrides = dict(section.get("overrides", {}) or {})
        for item in targets:
            code, sep, value = item.partition("=")
            try:
                number = float(value)
            except ValueError:
                raise UserError(f"--target expects CODE=NUMBER, got {item!r}") from None
            if not sep or not math.isfinite(number):
                raise UserError(f"--target expects CODE=NUMBER, got {item!r}")
            overrides[code.strip()] = number
        data.setdefault("targets", {})
        data["targets"] = {**data["targets"], "overrides": overrides}
    return Spec.from_data(data, method=method)


class LazyGroup(click.Group):
    """A group whose subcommands named in ``lazy_subcommands`` are imported when first used.

    click's documented pattern (“Lazily Loading Subcommands”): ``lazy_subcommands`` maps a
    command name to ``"module:attribute"`` and its one-line help, so that listing the commands
    (``citydiplomacy --help``) imports none of the modules behind them.
    """

    def __init__(
        self, *args: Any, lazy_subcommands: dict[str, tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = dict(lazy_subcommands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_subcommands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_subcommands:
            return self._load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List every command with its one-line help, loading none of the lazy ones."""
        rows: list[tuple[str, str]] = []
        names = self.list_commands(ctx)
        width = formatter.width - 6 - max((len(n) for n in names), default=0)
        for name in names:
            if name in self.lazy_subcommands:
                # Shortened exactly as the loaded command's own help would be.
                short = click.Command(name, help=self.lazy_subcommands[name][1])
                rows.append((name, short.get_short_help_str(width)))
                continue
            cmd = super().get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            rows.append((name, cmd.get_short_help_str(width)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def _load(self, cmd_name: str) -> click.Command:
        import importlib

        target = self.lazy_subcommands[cmd_name][0]
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):  # a wrong table entry: a bug, not user input
            raise TypeError(f"{target} is not a click command")
        return command
