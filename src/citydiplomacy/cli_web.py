"""Web platform commands: ``demo``, ``serve``, ``rescore`` and ``manage`` (Django's manage.py).

Thin like the rest of the CLI; Django is imported only when one of these runs.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from citydiplomacy.cli_common import UserError, user_errors


def setup_django() -> None:
    """Configure Django with the project's settings (``CITYDIPLOMACY_*`` environment).

    A setting missing or wrong (no secret key in production, a data directory that cannot be
    created) is one message and exit status 2, not a traceback.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydiplomacy.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise UserError(str(exc)) from None


def _check_writable(path: Path, what: str) -> None:
    """Refuse to start, in one message, when ``path`` cannot be written."""
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserError(
            f"the data directory {path} is not writable by this user ({what} go there); "
            "fix its permissions or set CITYDIPLOMACY_DATA_DIR"
        )


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


@click.command("manage", context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (migrate, createsuperuser, load_geonames, ...)."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["citydiplomacy manage", *args])


@click.command("demo")
@click.option("--skip-registry", is_flag=True, help="Do not (re)load the GeoNames registry.")
def demo(skip_registry: bool) -> None:
    """Migrate, load the city registry, the demo accounts and the demo data (idempotent).

    The KPI values are SYNTHETIC demo data for real cities and are labelled so on every page.
    """
    setup_django()
    from django.conf import settings

    if settings.PRODUCTION:
        raise click.UsageError("the demo creates accounts with a known password: not in production")
    with user_errors():
        _migrate()
        if not skip_registry:
            from citydiplomacy.web.cities.services import seed_registry

            started = time.perf_counter()
            counts = seed_registry()
            click.echo(f"registry: {counts} ({time.perf_counter() - started:.1f} s)")
        from citydiplomacy.web.indicators.demo import PASSWORD, load_demo
        from citydiplomacy.web.indicators.scoring import current_snapshot

        report = load_demo(progress=lambda m: click.echo(m))
        click.echo(
            f"demo data: {report.cities} cities, {report.created} values created, "
            f"{report.updated} updated, {report.unchanged} unchanged (synthetic demo data)"
        )
        started = time.perf_counter()
        snap = current_snapshot()
        if snap is not None:
            click.echo(f"profiles scored in {time.perf_counter() - started:.1f} s")
        # Later apps (partners, engagement, ...) load their demo data through a ``load_demo``
        # method on their AppConfig, called with a progress callback, in INSTALLED_APPS order.
        from django.apps import apps

        for config in apps.get_app_configs():
            app_demo = getattr(config, "load_demo", None)
            if callable(app_demo):
                app_demo(progress=lambda m: click.echo(m))
        click.echo(f"demo accounts (password {PASSWORD!r}): {', '.join(report.accounts)}")


@click.command("rescore")
def rescore() -> None:
    """Score the cohort now (pages otherwise do it on the first request after a change)."""
    setup_django()
    from citydiplomacy.web.indicators.scoring import current_snapshot

    started = time.perf_counter()
    snap = current_snapshot()
    if snap is None:
        click.echo("no KPI data to score")
        return
    click.echo(
        f"snapshot of data version {snap.data_version}: {snap.n_cities} cities, "
        f"years {snap.years[0]}-{snap.years[-1]} ({time.perf_counter() - started:.1f} s)"
    )


@click.command("worker")
@click.option(
    "--concurrency",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (tasks run at once on this host).",
)
@click.option(
    "--loglevel",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="Log level of the worker.",
)
def worker(concurrency: int, loglevel: str) -> None:
    """Run background work (rescoring, mail) queued by the web servers, on this host.

    Needs the broker the web servers use (CITYDIPLOMACY_BROKER_URL or REDIS_URL) and their
    database (DATABASE_URL); start as many workers, on as many hosts, as the work needs.
    """
    setup_django()
    from django.conf import settings

    if not settings.CITYDIPLOMACY_BROKER_URL:
        raise UserError(
            "no broker: set CITYDIPLOMACY_BROKER_URL or REDIS_URL (e.g. "
            "redis://127.0.0.1:6379/0) here and on the web servers; without one the web "
            "servers do the background work themselves and need no worker"
        )
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    click.echo(f"citydiplomacy worker on queue {queue!r} ({concurrency} processes)", err=True)
    sys.stdout.flush()
    args = [
        sys.executable,
        "-m",
        "celery",
        "--app",
        "citydiplomacy.web.celery_app",
        "worker",
        "--queues",
        queue,
        "--concurrency",
        str(concurrency),
        "--loglevel",
        loglevel.upper(),
        "--hostname",
        f"citydiplomacy-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    os.execv(sys.executable, args)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="gunicorn worker processes.",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per worker.",
)
@click.option("--access-log", is_flag=True, help="Log every request to standard output.")
@click.option(
    "--no-migrate",
    is_flag=True,
    help="Do not migrate the database first (several app servers: migrate once, separately).",
)
def serve(
    host: str, port: int, workers: int, threads: int, access_log: bool, no_migrate: bool
) -> None:
    """Migrate the database, then serve the platform with gunicorn (a production server)."""
    # Pages answer at once after a data change while the cohort is re-scored in a thread.
    os.environ.setdefault("CITYDIPLOMACY_BACKGROUND_SCORING", "1")
    setup_django()
    from django.conf import settings

    _check_writable(Path(settings.DATA_DIR), "the collected static files and any SQLite database")
    with user_errors():
        if not no_migrate:
            _migrate()
        if settings.PRODUCTION:
            from django.core.management import call_command

            call_command("collectstatic", interactive=False, verbosity=0)
    # The worker processes share the kept public pages through files (web/pagecache), unless
    # Redis is configured (then every app server shares them there).
    os.environ.setdefault(
        "CITYDIPLOMACY_PAGE_CACHE_DIR", str(Path(settings.DATA_DIR) / "cache" / "pages")
    )
    click.echo(f"citydiplomacy serving on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    sys.stdout.flush()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "citydiplomacy.web.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--config",
        "python:citydiplomacy.web.gunicorn_conf",
        *(["--access-logfile", "-"] if access_log else []),
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]
    os.execv(sys.executable, args)
