"""Commands of the reports work; :mod:`citydiplomacy.cli` loads them lazily.

``profile`` writes one city's Smart City Profile (HTML, PDF or JSON); ``profiles`` writes one
per city of a cohort. The DATA file is read and validated as the ``score`` command reads it,
and scored with U4SSC target bands (the method of the web platform's profiles) unless a spec
says otherwise.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from citydiplomacy.cli_common import _spec, framework_option, user_errors
from citydiplomacy.errors import CityDiplomacyError

if TYPE_CHECKING:
    import pandas as pd

    from citydiplomacy.core.guidance import RuleSet
    from citydiplomacy.reports import Report
    from citydiplomacy.reports.model import Cohort
    from citydiplomacy.reports.pdf import PdfPrinter

FORMAT_CHOICES = ("html", "pdf", "json")
LANG_HELP = "Language of the report (en, fr; any language with a catalogue)."


@contextmanager
def _pdf_printer(fmt: str, pages: int = 1) -> Iterator[PdfPrinter | None]:
    """For a PDF, a printer whose browser starts now, in the background, while this process
    reads and scores the data; ``None`` for other formats."""
    if fmt != "pdf":
        yield None
        return
    from citydiplomacy.reports.pdf import PdfPrinter

    with PdfPrinter(pages=pages) as printer:
        yield printer


def _cohort(
    data: Path, framework: str, spec_path: Path | None, runs: int, year: int | None
) -> tuple[Cohort, RuleSet | None]:
    from citydiplomacy.core.dataset import Panel
    from citydiplomacy.io.frameworks import load_framework
    from citydiplomacy.io.readers import read_kpi_data
    from citydiplomacy.reports.engine import cohort_from_long
    from citydiplomacy.reports.reference import rules_for

    spec = _spec(spec_path, None if spec_path else "u4ssc")
    fw = load_framework(framework)
    validated = read_kpi_data(data, fw)
    for w in validated.warnings:
        click.echo(str(w), err=True)
    if year is not None:
        Panel.from_long(validated.long, fw).year_index(year)  # refuse an absent year early
    # The robustness analysis (the costliest step after the PDF) is run only for the years a
    # profile will show: the given year, else each city's latest year (usually one year).
    years = [year] if year is not None else latest_years(validated.long)
    cohort = cohort_from_long(
        fw, validated.long, spec, years=years, runs=runs, source_label=data.name
    )
    return cohort, rules_for(fw)


def latest_years(long: pd.DataFrame) -> list[int]:
    """The distinct latest years of the units of a validated long table (sorted)."""
    if long.empty:
        return []
    return sorted({int(y) for y in long.groupby("unit")["year"].max()})


def _check_lang(lang: str) -> str:
    from citydiplomacy.reports.i18n import available_languages

    if lang not in available_languages():
        raise click.BadParameter(
            f"{lang!r} has no catalogue; available: {', '.join(available_languages())}",
            param_hint="--lang",
        )
    return lang


runs_option = click.option(
    "--runs",
    type=click.IntRange(0, 100_000),
    default=256,
    show_default=True,
    help="Replications of the robustness analysis in the methodology annex (0: none).",
)
spec_option = click.option(
    "--spec",
    "spec_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML or JSON spec (default: U4SSC target bands, as on the web platform).",
)


@click.command("profile")
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--city", required=True, help="City name (or GeoNames id, or unit key).")
@click.option("--country", default=None, help="ISO alpha-2 country code, when names clash.")
@click.option("--year", type=int, default=None, help="Year of the profile (default: latest).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_CHOICES),
    default=None,
    help="Output format (default: from the -o suffix, else html).",
)
@click.option("--lang", default="en", show_default=True, help=LANG_HELP)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (required for pdf); html and json go to standard output without it.",
)
@framework_option
@spec_option
@runs_option
def profile_cmd(
    data: Path, city: str, country: str | None, year: int | None, fmt: str | None, lang: str,
    output: Path | None, framework: str, spec_path: Path | None, runs: int,
) -> None:  # fmt: skip
    """Write the Smart City Profile of one city of DATA: results, benchmarking wheel, trends,
    peers, data gaps and evidence-based recommendations."""
    from citydiplomacy.cli_common import UserError
    from citydiplomacy.reports import build_report, render

    lang = _check_lang(lang)
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        fmt = suffix if suffix in FORMAT_CHOICES else "html"
    if fmt == "pdf" and output is None:
        raise UserError("--format pdf needs -o FILE")
    with user_errors(), _pdf_printer(fmt) as printer:
        cohort, rules = _cohort(data, framework, spec_path, runs, year)
        hits = cohort.find(city, country)
        if not hits:
            raise UserError(f"no city {city!r}{f' in {country}' if country else ''} in {data.name}")
        if len(hits) > 1:
            raise UserError(ambiguity_message(cohort, city, hits))
        report = build_report(cohort, hits[0], year, rules=rules, lang=lang)
        payload = render(report, fmt, lang, printer=printer)
        if output is None:
            sys.stdout.write(payload.decode("utf-8"))
            return
        output.write_bytes(payload)
        click.echo(f"wrote {output}", err=True)


def ambiguity_message(cohort: Cohort, city: str, hits: list[str]) -> str:
    """What to say when ``--city`` names several cities: each candidate, and how to pick one.

    Cities of one name in different countries are told apart by ``--country``; two of one name
    in one country (or one given with a GeoNames id and once without) only by their GeoNames id
    or unit key, which each candidate lists.
    """
    from citydiplomacy.reports.model import optional_int

    lines = []
    countries = set()
    for key in hits:
        row = cohort.units.loc[key]
        countries.add(str(row["country"]))
        gid = optional_int(row.get("geonames_id"))
        ident = f"GeoNames id {gid}" if gid is not None else "no GeoNames id"
        lines.append(f"  {row['city']!s} ({row['country']!s}, {ident}): --city {_quoted(key, gid)}")
    how = (
        "add --country, or choose one by its GeoNames id or key:"
        if len(countries) > 1
        else "choose one by its GeoNames id or key:"
    )
    return f"{city!r} matches {len(hits)} cities; {how}\n" + "\n".join(lines)


def _quoted(key: str, gid: int | None) -> str:
    """The ``--city`` argument that picks one unit, quoted for a shell when it needs it."""
    if gid is not None:
        return str(gid)
    import shlex

    return shlex.quote(key)


#: A file name's stem at most: file systems refuse names over 255 bytes, and a city name of
#: someone's own file can be longer (it stopped ``profiles`` for the rest of the cohort).
SLUG_MAX = 80


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or "city"


def _unique(name: str, key: str, used: set[str]) -> str:
    """A file name not yet ``used`` (and now recorded there).

    Two cities can share a name: two of one name in one country, or names in scripts that
    leave no ASCII letters ("Москва" and "Казань" both slug to ``city``). The unit key
    (a GeoNames id, or the name and country) and then a counter tell them apart, so no
    profile overwrites another.
    """
    candidate = name
    if candidate in used:
        candidate = f"{name}-{_slug(key)}"
    counter = 2
    while candidate in used:
        candidate = f"{name}-{counter}"
        counter += 1
    used.add(candidate)
    return candidate


@click.command("profiles")
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_CHOICES),
    default="pdf",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for the profiles (created if needed).",
)
@click.option("--year", type=int, default=None, help="Year (default: each city's latest).")
@click.option("--lang", default="en", show_default=True, help=LANG_HELP)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="PDF profiles printed at the same time (default: the number of CPUs).",
)
@framework_option
@spec_option
@runs_option
def profiles_cmd(
    data: Path, fmt: str, out_dir: Path, year: int | None, lang: str, jobs: int | None,
    framework: str, spec_path: Path | None, runs: int,
) -> None:  # fmt: skip
    """Write the Smart City Profile of every city of DATA into OUT_DIR, with a progress bar.

    Files are named city-country-year.FORMAT; cities without a profile in --year are listed
    and skipped.
    """
    from citydiplomacy.reports import build_report, render
    from citydiplomacy.reports.render import pdf_html

    lang = _check_lang(lang)
    pages = jobs or os.cpu_count() or 1  # browser tabs are opened as they are needed
    with user_errors(), _pdf_printer(fmt, pages) as printer:
        cohort, rules = _cohort(data, framework, spec_path, runs, year)
        out_dir.mkdir(parents=True, exist_ok=True)
        skipped: list[str] = []
        wanted_years: dict[str, int] = {}
        for key in cohort.units.index:
            row = cohort.units.loc[key]
            years = cohort.years_of(str(key))
            wanted = year if year is not None else (years[-1] if years else None)
            if wanted is None or wanted not in years:
                skipped.append(f"{row['city']} ({row['country']}): no profile for {wanted}")
                continue
            wanted_years[str(key)] = wanted

        def jobs_list() -> Iterator[tuple[Report, Path] | None]:
            """Each city's report and file; ``None`` for a city whose report cannot be made
            (listed in ``skipped``)."""
            used: set[str] = set()
            for key, wanted in wanted_years.items():
                row = cohort.units.loc[key]
                try:
                    report = build_report(cohort, key, wanted, rules=rules, lang=lang)
                except CityDiplomacyError as exc:
                    skipped.append(f"{row['city']} ({row['country']}): {exc}")
                    yield None
                    continue
                name = _unique(
                    f"{_slug(str(row['city']))}-{_slug(str(row['country']))}-{wanted}", key, used
                )
                yield report, out_dir / f"{name}.{fmt}"

        written = 0
        with click.progressbar(
            length=len(wanted_years), label=f"{fmt.upper()} profiles", file=sys.stderr
        ) as bar:
            # PDFs are printed while the next reports are assembled; a few wait their turn
            # (not the whole cohort: each holds a report's HTML, and the PDF once printed).
            printing: deque[tuple[Future[bytes], Path]] = deque()

            def finish_one() -> None:
                nonlocal written
                future, path = printing.popleft()
                path.write_bytes(future.result())
                written += 1
                bar.update(1)

            for job in jobs_list():
                if job is None:
                    bar.update(1)
                    continue
                report, path = job
                if printer is None:
                    path.write_bytes(render(report, fmt, lang))
                    written += 1
                    bar.update(1)
                    continue
                printing.append((printer.submit(pdf_html(report, lang)), path))
                while len(printing) > 2 * pages or (printing and printing[0][0].done()):
                    finish_one()
            while printing:
                finish_one()
        for s in skipped:
            click.echo(f"skipped: {s}", err=True)
        click.echo(f"wrote {written} profile(s) to {out_dir}", err=True)
