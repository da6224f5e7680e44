"""Commands of the partners work; :mod:`citydiplomacy.cli` loads them lazily.

``citydiplomacy partners suggest CITY --country CC`` and ``citydiplomacy forum pair FILE``
read the embedded database (or ``DATABASE_URL``), like the web platform; Django is imported
only when one of them runs.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from citydiplomacy.cli_common import user_errors


def _setup() -> None:
    from citydiplomacy.cli_web import setup_django

    setup_django()


def _one_blas_thread() -> None:
    """One OpenBLAS thread for a command that scores one city's few hundred candidates.

    Set before numpy is first imported (OpenBLAS reads it when loaded): starting a thread
    per core for numpy's and SciPy's OpenBLAS cost about 0.15 s of CPU of
    ``partners suggest``'s 1.2 s, for matrix products of a few thousand numbers that one
    thread does as fast (splitting a product between threads splits its output, not its
    sums: the same results). An explicit ``OPENBLAS_NUM_THREADS`` is kept; a process that
    has imported numpy already (tests) is left alone."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _unapplied_migrations() -> int:
    """How many migrations of the installed apps the database has not applied.

    Compares the migration files on disk with the database's record of applied migrations
    (one query) instead of building Django's migration graph, which imports every migration
    module (a noticeable part of a one-suggestion command's start)."""
    import pkgutil
    from importlib import import_module

    from django.apps import apps
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    applied = set(MigrationRecorder(connections[DEFAULT_DB_ALIAS]).applied_migrations())
    on_disk: set[tuple[str, str]] = set()
    for config in apps.get_app_configs():
        module_name, _ = MigrationLoader.migrations_module(config.label)
        if module_name is None:
            continue
        try:
            package = import_module(module_name)
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
            if not info.ispkg and info.name[0] not in "_~":
                on_disk.add((config.label, info.name))
    return len(on_disk - applied)


def _need_registry() -> None:
    from django.db import DatabaseError

    from citydiplomacy.web.cities.models import City

    try:
        pending = _unapplied_migrations()
    except DatabaseError as exc:
        raise click.ClickException(f"cannot open the database: {exc}") from None
    if pending:
        raise click.ClickException(
            f"the database is not set up ({pending} migration(s) to apply): run "
            "'citydiplomacy demo', or 'citydiplomacy manage migrate' then "
            "'citydiplomacy manage load_geonames', first"
        )
    if not City.objects.exists():
        raise click.ClickException(
            "the city registry is empty: run 'citydiplomacy demo' or "
            "'citydiplomacy manage load_geonames' first"
        )


@click.group("partners")
def partners() -> None:
    """City partnerships: partner suggestions (matchmaking)."""


def _place(city: str | None, country: str | None, geonames_id: int | None) -> int:
    """The registry id of the city asked about; a usage error that lists the candidates when
    a name is ambiguous, so that the user can choose one with --geonames-id."""
    from citydiplomacy.web.cities.models import City
    from citydiplomacy.web.cities.services import CityMatcher

    if geonames_id is not None:
        if not City.objects.filter(pk=geonames_id).exists():
            raise click.UsageError(f"GeoNames id {geonames_id} is not in the city registry")
        return geonames_id
    if not city or not country:
        raise click.UsageError("give CITY and --country, or --geonames-id")
    hits = CityMatcher().candidates(city, country)
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise click.UsageError(
            f"no city {city!r} in {country.upper()} in the registry (cities of 15,000 "
            "inhabitants or more); check the spelling or give --geonames-id"
        )
    found = City.objects.in_bulk(hits)
    lines = [
        f"  --geonames-id {i}  {found[i].name} ({found[i].country_id}), "
        f"{found[i].population:,} inhabitants, {found[i].latitude:.2f}, {found[i].longitude:.2f}"
        for i in hits[:20]
    ]
    raise click.UsageError(
        f"{city!r} ({country.upper()}) matches {len(hits)} registry cities; choose one:\n"
        + "\n".join(lines)
    )


@partners.command("suggest")
@click.argument("city", required=False)
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 code of the city's country.")
@click.option(
    "--geonames-id",
    type=int,
    default=None,
    help="The city's GeoNames id (instead of CITY and --country; any registry city).",
)
@click.option("--theme", default=None, help="A framework category code (e.g. EN-E-E).")
@click.option(
    "--mode",
    type=click.Choice(["peer", "reciprocal"]),
    default="peer",
    show_default=True,
    help="Peers to learn from, or reciprocal partners (each strong where the other is weak).",
)
@click.option(
    "-k", "k", type=click.IntRange(1, 100), default=10, show_default=True, help="How many."
)
@click.option("--include-partners", is_flag=True, help="Also suggest existing partners.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people, or JSON with every part of every score.",
)
def suggest(
    city: str | None,
    country: str | None,
    geonames_id: int | None,
    theme: str | None,
    mode: str,
    k: int,
    include_partners: bool,
    fmt: str,
) -> None:
    """Suggest partners for CITY: the cities most likely to twin with it.

    The likelihood is learned from the recorded twinnings (distance, borders, language,
    size, partners in common, the countries its country twins with); with a theme, only
    cities stronger on it are kept.

    Uses published profile scores only. Every suggestion says what carried it. An
    ambiguous name lists the registry cities it matches, to choose with --geonames-id.
    """
    _one_blas_thread()
    _setup()
    with user_errors():
        _need_registry()
        from django.contrib.auth.models import AnonymousUser

        from citydiplomacy.web.cities.models import City
        from citydiplomacy.web.partners import services

        city_id = _place(city, country, geonames_id)
        if theme is not None and theme not in dict(services.theme_choices()):
            raise click.UsageError(f"unknown theme {theme!r}: give a framework category code")
        target = City.objects.get(pk=city_id)
        user = AnonymousUser()
        recs = services.suggest_for(
            user,
            target,
            theme=theme,
            mode=mode,  # type: ignore[arg-type]
            k=k,
            exclude_partners=not include_partners,
        )
        notes = services.suggestion_limits(
            user,
            target,
            theme=theme,
            mode=mode,  # type: ignore[arg-type]
        ).notes
        found = City.objects.in_bulk([r.city_id for r in recs])
        rows: list[dict[str, Any]] = [
            {
                "rank": n,
                "geonames_id": r.city_id,
                "city": found[r.city_id].name,
                "country": found[r.city_id].country_id,
                "score": round(r.score, 6),
                "components": {s: round(v, 6) for s, v in r.components.items()},
                "factors": {f: round(v, 4) for f, v in r.factors.items()},
                "kpis": [
                    {
                        "code": e.code,
                        "name": e.name,
                        "own": e.own,
                        "theirs": e.theirs,
                        "change": e.change,
                    }
                    for e in r.kpis
                ],
                "reasons": list(r.reasons),
            }
            for n, r in enumerate(recs, start=1)
        ]
        if fmt == "json":
            doc: dict[str, Any] = {
                "city": {
                    "geonames_id": target.pk,
                    "name": target.name,
                    "country": target.country_id,
                },
                "theme": theme,
                "mode": mode,
                "notes": list(notes),
                "suggestions": rows,
            }
            click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
            return
        click.echo(
            f"Partners for {target.name} ({target.country_id}, {target.pk}), mode {mode}"
            + (f", theme {theme}" if theme else "")
        )
        for note in notes:
            click.echo(f"Note: {note}")
        if not rows:
            click.echo("No suggestion: no city meets the conditions.")
        for row in rows:
            click.echo(
                f"{row['rank']:>3}. {row['city']} ({row['country']}, "
                f"{row['geonames_id']})  score {row['score']:.3f}"
            )
            parts = ", ".join(f"{s} {v:.3f}" for s, v in row["components"].items())
            click.echo(f"     parts: {parts}")
            for reason in row["reasons"]:
                click.echo(f"     - {reason}")


@click.group("forum")
def forum() -> None:
    """Forums of cities: pair participants for peer learning."""


@forum.command("pair")
@click.argument("participants", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-k",
    "--max-partners",
    "k",
    type=click.IntRange(1, 10),
    default=1,
    show_default=True,
    help="Most partners per city (pairs only; 1 gives disjoint pairs).",
)
@click.option(
    "--group-size",
    type=click.Choice(["2", "3"]),
    default="2",
    show_default=True,
    help="Pairs (2), or groups of two or three (3).",
)
@click.option(
    "--geonames-id",
    "choices",
    multiple=True,
    metavar="'NAME,CC=ID'",
    help="The GeoNames id meant by a city name the registry holds more than once "
    "(repeatable), for rows without a geonames_id.",
)
@click.option("--allow-partners", is_flag=True, help="Allow cities that are already partners.")
@click.option("--any-language", is_flag=True, help="Do not require a shared working language.")
@click.option(
    "--time-limit",
    type=click.FloatRange(0.1, 600),
    default=10.0,
    show_default=True,
    help="Seconds the solver may take (triads).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people, or JSON.",
)
def pair(
    participants: Path,
    k: int,
    group_size: str,
    choices: tuple[str, ...],
    allow_partners: bool,
    any_language: bool,
    time_limit: float,
    fmt: str,
) -> None:
    """Pair the cities of PARTICIPANTS (CSV: city, country, themes, optional languages and
    geonames_id) to maximise the total learning benefit, with an exact solver (HiGHS)."""
    _setup()
    with user_errors():
        _need_registry()
        from citydiplomacy.web.partners import forum as web_forum

        chosen: dict[tuple[str, str], int] = {}
        for text in choices:
            where, _, number = text.rpartition("=")
            city_name, _, cc = where.rpartition(",")
            if not (
                city_name.strip()
                and len(cc.strip()) == 2
                and number.strip().isascii()
                and number.strip().isdigit()
            ):
                raise click.UsageError(
                    f"--geonames-id expects 'NAME,CC=ID' (e.g. 'Suzhou,CN=1886760'), got {text!r}"
                )
            chosen[(city_name.strip(), cc.strip().upper())] = int(number)
        people = web_forum.read_participants(participants.read_bytes(), participants.name, chosen)
        result = web_forum.pair(
            people,
            k=k,
            group_size=int(group_size),
            allow_partners=allow_partners,
            any_language=any_language,
            time_limit=time_limit,
        )
        a = result.assignment
        records = web_forum.result_records(result)
        unassigned: list[dict[str, Any]] = [
            {"geonames_id": people[i].city_id, "name": people[i].name} for i in a.unassigned
        ]
        if fmt == "json":
            doc = {
                "method": a.method,
                "optimal": a.optimal,
                "gap": a.gap,
                "total_benefit": round(a.total_benefit, 6),
                "groups": records,
                "unassigned": unassigned,
            }
            click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
            return
        click.echo(
            f"{len(records)} groups, total benefit {a.total_benefit:.3f} ({a.method}; "
            + ("optimal" if a.optimal else f"stopped at the time limit, gap {a.gap:.1%}")
            + ")"
        )
        for rec in records:
            names = " + ".join(f"{c['name']} ({c['country']})" for c in rec["cities"])
            click.echo(f"{rec['group']:>3}. {names}  benefit {rec['benefit']:.3f}")
            for lesson in rec["lessons"]:
                click.echo(f"     - {lesson}")
        if unassigned:
            click.echo("Without a group: " + ", ".join(u["name"] for u in unassigned))
