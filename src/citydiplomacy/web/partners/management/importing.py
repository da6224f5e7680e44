"""The shared shape of the partners' import commands (one per data source)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citydiplomacy.errors import ValidationError

#: Said by every import command after what it imports.
MATCHING = (
    " Matches places to the GeoNames registry by coordinates and name; idempotent (a second "
    "run changes nothing); prints what matched and what did not."
)


class ImportCommand(BaseCommand):
    """Reads the packaged file (or another copy), imports it, prints the report.

    A subclass sets ``help`` and ``importer`` (a function of ``citydiplomacy.web.partners
    .importers`` taking the file's bytes or ``None`` for the packaged copy).
    """

    importer: ClassVar[Callable[..., Any]]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            type=Path,
            help="another copy of the file (default: the packaged one)",
        )
        parser.add_argument(
            "--show-unmatched", type=int, default=10, metavar="N", help="list N unmatched rows"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["file"]
        try:
            content = path.read_bytes() if path is not None else None
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        kwargs: dict[str, Any] = {"progress": self.stdout.write}
        if path is not None:
            kwargs["source_name"] = path.name
        try:
            report = type(self).importer(content, **kwargs)
        except ValidationError as exc:
            for p in exc.problems:
                self.stderr.write(str(p))
            raise CommandError(f"{len(exc.errors)} problem(s); nothing was imported") from None
        for line in report.lines(options["show_unmatched"]):
            self.stdout.write(line)
