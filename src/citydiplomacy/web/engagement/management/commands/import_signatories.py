"""Import published lists of signatories, matched to the city registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from citydiplomacy.web.engagement import seed, services
from citydiplomacy.web.engagement.models import Declaration


def read_text(path: Path) -> str:
    """The file as text: UTF-8, with or without a byte-order mark.

    Raises
    ------
    CommandError
        ``file:line:column: expected UTF-8 text`` at the first byte that is not UTF-8, or
        the reason the file cannot be read.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
        raise CommandError(
            f"{path}:{line}:{column}: expected UTF-8 text, found the byte "
            f"0x{raw[exc.start]:02x} (save the list as UTF-8)"
        ) from exc


class Command(BaseCommand):
    help = (
        "Import the packaged signatory lists (the Global Parliament of Mayors' Global "
        "Declaration of Mayors for Democracy and the Eurocities statement in support of Ekrem "
        "Imamoglu), or one list FILE for --declaration, matching each signatory to the "
        "registry and reporting those not matched. All or nothing; a list already imported "
        "is not imported again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="a .csv or .json list")
        parser.add_argument("--declaration", help="slug of the declaration (with FILE)")
        parser.add_argument("--source-name", default="", help="who published the list")
        parser.add_argument("--source-url", default="", help="where the list is published")
        parser.add_argument("--signed-on", default="", help="date of the list (YYYY-MM-DD)")
        parser.add_argument(
            "--europe-only",
            action="store_true",
            help="places without a country are matched among European cities only",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["file"]
        try:
            if path is None:
                seed.seed_events()
                seed.seed_declarations()
                reports, skipped = seed.import_listed(progress=self.stdout.write)
            else:
                reports, skipped = [self._one(path, options)], []
        except services.EngagementError as exc:
            raise CommandError(str(exc)) from exc
        for r in reports:
            # Every unmatched entry, one a line, as the declaration's page lists them.
            for line in r.lines(show_unmatched=len(r.unmatched)):
                self.stdout.write(line)
        for s in skipped:
            self.stdout.write(f"{s}: already imported, nothing done")

    def _one(self, path: Path, options: dict[str, Any]) -> services.ImportReport:
        slug = options["declaration"]
        if not slug or not options["source_url"]:
            raise CommandError("with FILE, give --declaration and --source-url")
        decl = Declaration.objects.filter(slug=slug).first()
        if decl is None:
            raise CommandError(f"no declaration {slug!r}")
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        signed_at = None
        if options["signed_on"]:
            try:
                day = dt.date.fromisoformat(options["signed_on"])
            except ValueError as exc:
                raise CommandError("--signed-on: expected YYYY-MM-DD") from exc
            signed_at = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        entries = services.read_listed(path.name, read_text(path))
        return services.import_signatories(
            decl,
            entries,
            source_name=options["source_name"] or options["source_url"],
            source_url=options["source_url"],
            file_name=path.name,
            signed_at=signed_at,
            europe_only=options["europe_only"],
        )
