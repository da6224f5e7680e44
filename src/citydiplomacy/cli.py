"""The ``citydiplomacy`` command line: thin; parse, call, print.

Domain errors become one clean message on standard error and a non-zero exit status (1 for
invalid data or a failed check, 2 for a wrong option, spec or framework), never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from citydiplomacy import __version__
from citydiplomacy.cli_common import (  # noqa: F401  (re-exported: the CLI's shared helpers)
    FRAMEWORK_HELP,
    LazyGroup,
    UserError,
    _spec,
    framework_option,
    output_option,
    user_errors,
)
from citydiplomacy.core.spec import METHODS
from citydiplomacy.errors import DataError
from citydiplomacy.malloc import keep_freed_memory

if TYPE_CHECKING:  # the heavy modules load inside the commands that need them (start-up time)
    import pandas as pd

    from citydiplomacy.core.dataset import Panel
    from citydiplomacy.core.frameworks import Framework
    from citydiplomacy.core.score import ScoreResult


def _load(data: Path, framework: str, quiet: bool = False) -> tuple[Framework, Panel]:
    from citydiplomacy.core.dataset import Panel
    from citydiplomacy.io.frameworks import load_framework
    from citydiplomacy.io.readers import read_kpi_data

    fw = load_framework(framework)
    validated = read_kpi_data(data, fw)
    if not quiet:
        for w in validated.warnings:
            click.echo(str(w), err=True)
    return fw, Panel.from_long(validated.long, fw)


def _jsonable(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if value is pd.NA:
        return None
    return value


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _jsonable(v) for k, v in r.items()} for r in df.to_dict("records")]


def _echo_or_write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


def _progress(label: str) -> Callable[[int, int], None]:
    """A click progress bar on standard error, driven by (done, total) callbacks."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"] = bar.__enter__()
            state["done"] = 0
        state["bar"].update(done - state["done"])
        state["done"] = done
        if done >= total:
            state["bar"].__exit__(None, None, None)

    return update


# ----------------------------------------------------------------------------- commands
#: Commands that work slice by slice on large arrays: they keep freed memory for reuse
#: (:mod:`citydiplomacy.malloc`); the web commands keep the allocator's defaults.
BATCH_COMMANDS = frozenset(
    {"validate", "score", "regenerate", "audit", "sensitivity", "demo-data", "profile", "profiles"}
)


#: The command groups of the other parts of the project, loaded only when run: name ->
#: ("module:attribute", one-line help for ``citydiplomacy --help``). The help must match the
#: command's own (tests/cli/test_cli_startup.py checks it), so listing commands imports nothing.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "capacity": (
        "citydiplomacy.cli_capacity:capacity",
        "Diplomatic capacity: competency framework, gap and cohort reports.",
    ),
    "partners": (
        "citydiplomacy.cli_partners:partners",
        "City partnerships: partner suggestions (matchmaking).",
    ),
    "forum": (
        "citydiplomacy.cli_partners:forum",
        "Forums of cities: pair participants for peer learning.",
    ),
    "recognition": (
        "citydiplomacy.cli_recognition:recognition",
        "How multilateral texts recognise cities and local governments (six UN languages).",
    ),
    "profile": (
        "citydiplomacy.cli_reports:profile_cmd",
        "Write the Smart City Profile of one city of DATA: results, benchmarking wheel, trends,"
        " peers, data gaps and evidence-based recommendations.",
    ),
    "profiles": (
        "citydiplomacy.cli_reports:profiles_cmd",
        "Write the Smart City Profile of every city of DATA into OUT_DIR, with a progress bar.",
    ),
    "manage": (
        "citydiplomacy.cli_web:manage",
        "Run a Django management command (migrate, createsuperuser, load_geonames, ...).",
    ),
    "demo": (
        "citydiplomacy.cli_web:demo",
        "Migrate, load the city registry, the demo accounts and the demo data (idempotent).",
    ),
    "rescore": (
        "citydiplomacy.cli_web:rescore",
        "Score the cohort now (pages otherwise do it on the first request after a change).",
    ),
    "worker": (
        "citydiplomacy.cli_web:worker",
        "Run background work (rescoring, mail) queued by the web servers, on this host.",
    ),
    "serve": (
        "citydiplomacy.cli_web:serve",
        "Migrate the database, then serve the platform with gunicorn (a production server).",
    ),
}


@click.group(
    cls=LazyGroup,
    lazy_subcommands=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="citydiplomacy")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Evidence-based city diplomacy: score cities on the U4SSC KPIs and other frameworks."""
    if ctx.invoked_subcommand in BATCH_COMMANDS:
        keep_freed_memory()


@main.group(invoke_without_command=True)
@click.pass_context
def frameworks(ctx: click.Context) -> None:
    """List the packaged indicator frameworks (``frameworks show NAME`` prints one)."""
    from citydiplomacy.io.frameworks import PACKAGED, load_framework

    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        for name in PACKAGED:
            fw = load_framework(name)
            n_agg = len(fw.aggregates()) - sum(1 for k in fw.kpis if fw.children[k])
            click.echo(
                f"{name:8} {fw.title} - {len(fw.kpis)} indicators, {len(fw.measures)} measures, "
                f"{n_agg} aggregates, {fw.max_level} levels"
            )


@frameworks.command("show")
@click.argument("framework")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["tree", "csv"]),
    default="tree",
    show_default=True,
    help="A tree with every code, or the framework table as CSV.",
)
def frameworks_show(framework: str, fmt: str) -> None:
    """Print FRAMEWORK (a packaged name or a table file) as a tree with every code."""
    from citydiplomacy.io.frameworks import load_framework
    from citydiplomacy.io.safe_text import safe_frame

    with user_errors():
        fw = load_framework(framework)
        if fmt == "csv":
            click.echo(safe_frame(fw.to_table()).to_csv(index=False), nl=False)
            return
        nodes = fw.nodes

        def walk(code: str, depth: int) -> None:
            row = nodes.loc[code]
            extra = []
            if fw.level(code) <= 1:
                d = {1: "higher is better", -1: "lower is better", 0: "closest to target"}[
                    int(fw.num(code, "direction"))
                ]
                extra.append(d)
                if row["unit"]:
                    extra.append(str(row["unit"]))
                if math.isfinite(fw.num(code, "target")):
                    extra.append(f"target {fw.num(code, 'target'):g}")
                if row["core_or_advanced"]:
                    extra.append(str(row["core_or_advanced"]))
                if not row["verified"]:
                    extra.append(f"unverified: {row['unverified'] or 'yes'}")
            info = f"  [{'; '.join(extra)}]" if extra else ""
            click.echo(f"{'  ' * depth}{code}  {row['name']}{info}")
            for child in fw.children[code]:
                walk(child, depth + 1)

        walk(fw.root, 0)


@main.command()
@click.argument("data", type=click.Path(path_type=Path))
@framework_option
def validate(data: Path, framework: str) -> None:
    """Check DATA (CSV, XLSX or Parquet; long or wide) and list every problem.

    Each problem is printed on its own line as file:row:column: message. Exit status 0 when
    the data are valid (warnings allowed), 1 when not.
    """
    from citydiplomacy.io.frameworks import load_framework
    from citydiplomacy.io.readers import read_kpi_data

    with user_errors():
        fw = load_framework(framework)
        result = read_kpi_data(data, fw)
        for w in result.warnings:
            click.echo(str(w))
        long = result.long
        click.echo(
            f"{data.name}: valid - {len(long)} observations, {long['unit'].nunique()} cities, "
            f"years {long['year'].min()}-{long['year'].max()}, {len(result.warnings)} warning(s)"
        )


@main.command("score")
@click.argument("data", type=click.Path(path_type=Path))
@framework_option
@click.option(
    "--method",
    "-m",
    type=click.Choice(METHODS),
    default=None,
    help="Scoring method; default: the spec's, else composite.",
)
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML or JSON spec (see docs/spec.md).",
)
@click.option(
    "--year",
    type=int,
    default=None,
    help="Only this year (all years are still used for imputation and trends).",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="CODE=VALUE",
    help="Override a target; repeatable.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "table", "parquet", "arrow"]),
    default="csv",
    show_default=True,
    help="Output format; parquet and arrow (Arrow IPC / Feather, the fastest) need -o.",
)
@output_option
@click.option("--all-rows", is_flag=True, help="Keep rows of unreported measures.")
@click.option(
    "--level",
    "levels",
    multiple=True,
    type=click.IntRange(0, 20),
    help="Only nodes of this framework level (0 data point, 1 KPI, 2+ aggregates); repeatable.",
)
def score_cmd(
    data: Path, framework: str, method: str | None, spec_path: Path | None, year: int | None,
    targets: tuple[str, ...], fmt: str, output: Path | None, all_rows: bool,
    levels: tuple[int, ...],
) -> None:  # fmt: skip
    """Score DATA: one row per city, year and framework node.

    Columns: city, country, year, level, code, value, score, points, band, rank, then name,
    max_points, target, target_source, change, progress (and trend with --method sdsn).
    """
    import pandas as pd

    from citydiplomacy.core.score import score
    from citydiplomacy.io.writers import write_chunks, write_csv

    with user_errors():
        spec = _spec(spec_path, method, targets)
        fw, panel = _load(data, framework)
        if year is not None:
            panel.year_index(year)  # refuse an absent year before scoring everything
        result = score(panel, fw, spec)
        years = list(panel.years) if year is None else [year]

        # CSV (to a file or standard output), Parquet and Arrow are written year by year.
        streamed = fmt == "csv" or (fmt in ("parquet", "arrow") and output is not None)

        def chunk(ys: list[int]) -> dict[str, Any]:
            # Arrays, not a data frame: writers convert them to Arrow without copies. Files
            # written by Arrow get the narrow integer types: the same CSV text (Arrow writes
            # whole numbers without a decimal point either way), formatted faster.
            return result.columns(
                keep_empty=all_rows, years=ys, levels=levels or None, compact=streamed
            )

        source = str(Path(framework).resolve()) if Path(framework).is_file() else framework
        prov = {
            **result.provenance(),
            "framework_source": source,
            "table": {"levels": sorted(set(levels)), "keep_empty": all_rows},
        }
        if streamed:
            chunks = (chunk([y]) for y in years)
            if output is None:  # CSV on standard output: the same text as in a file
                write_csv(chunks, sys.stdout.buffer)
                return
            rows = write_chunks(chunks, output, fmt, metadata={"provenance": prov})
            click.echo(f"wrote {output} ({rows} rows)", err=True)
            return
        _write_result(pd.DataFrame(chunk(years)), result, fmt, output, prov)


def _write_result(
    table: pd.DataFrame,
    result: ScoreResult,
    fmt: str,
    output: Path | None,
    provenance: dict[str, Any] | None = None,
) -> None:
    from citydiplomacy.io.safe_text import safe_frame
    from citydiplomacy.io.writers import write_table

    prov = provenance or result.provenance()
    if fmt == "json":
        payload = {
            "provenance": prov,
            "targets": _records(result.targets.reset_index()),
            "rows": _records(table),
        }
        _echo_or_write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", output)
    elif fmt == "table":
        shown = table[
            ["city", "country", "year", "level", "code", "score", "points", "band", "rank"]
        ]
        _echo_or_write(
            shown.to_string(index=False, na_rep="", float_format=lambda v: f"{v:.1f}") + "\n",
            output,
        )
    else:
        if fmt in ("parquet", "arrow") and output is None:
            raise UserError(f"--format {fmt} needs -o FILE")
        if output is None:
            _echo_or_write(safe_frame(table).to_csv(index=False), None)
        else:
            write_table(table, output, fmt, metadata={"provenance": prov})
            click.echo(f"wrote {output} ({len(table)} rows)", err=True)


@main.command("regenerate")
@click.argument("result_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the regenerated result (JSON) here.",
)
@click.option(
    "--framework",
    "-f",
    default=None,
    help="Framework name or table file, when it is no longer where the result says.",
)
def regenerate_cmd(
    result_json: Path, data: Path, output: Path | None, framework: str | None
) -> None:
    """Rebuild a JSON result from its stored spec and DATA, and check it matches.

    Exit status 0 when every row is reproduced, 1 when the data or the rows differ.
    """
    from citydiplomacy.core.score import regenerate

    with user_errors():
        try:
            stored = json.loads(result_json.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            stored = None
        prov = stored.get("provenance") if isinstance(stored, dict) else None
        rows = stored.get("rows") if isinstance(stored, dict) else None
        if not isinstance(prov, dict) or "spec" not in prov or not isinstance(rows, list):
            raise UserError(
                f"{result_json.name} is not a result of 'score --format json' (no provenance)"
            )
        source = framework or str(prov.get("framework_source") or prov.get("framework"))
        fw, panel = _load(data, source, quiet=True)
        try:
            result = regenerate(prov, panel, fw)
        except DataError as exc:
            click.echo(f"not regenerated: {exc}", err=True)
            sys.exit(1)
        shape = prov.get("table", {}) if isinstance(prov.get("table"), dict) else {}
        levels = set(shape.get("levels") or [])
        table = result.table(keep_empty=bool(shape.get("keep_empty", False)))
        if levels:
            table = table[table["level"].isin(levels)]
        new = _records(table)
        years = {r.get("year") for r in rows if isinstance(r, dict)}
        new = [r for r in new if r["year"] in years]
        same = len(new) == len(rows) and all(_close(a, b) for a, b in zip(new, rows, strict=True))
        if output is not None:
            _write_result(result.table(), result, "json", output)
        if not same:
            click.echo("regenerated result differs from the stored one", err=True)
            sys.exit(1)
        click.echo(f"regenerated {len(new)} rows: identical to {result_json.name}")


def _close(a: dict[str, Any], b: dict[str, Any]) -> bool:
    for k, v in b.items():
        w = a.get(k)
        if isinstance(v, float) and isinstance(w, float):
            if not math.isclose(v, w, rel_tol=1e-9, abs_tol=1e-9):
                return False
        elif v != w:
            return False
    return True


@main.command()
@click.argument("data", type=click.Path(path_type=Path))
@framework_option
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Spec whose normalised scores feed the group statistics.",
)
@click.option("--year", type=int, default=None, help="Year to audit (default: the latest).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A readable report, or every table as JSON.",
)
@output_option
def audit(
    data: Path,
    framework: str,
    spec_path: Path | None,
    year: int | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Statistical audit of DATA: coverage, outliers, correlations, Cronbach's alpha, PCA."""
    import pandas as pd

    from citydiplomacy.core.audit import audit as run_audit
    from citydiplomacy.core.score import score

    with user_errors():
        spec = _spec(spec_path, "composite")
        fw, panel = _load(data, framework)
        t = panel.year_index(year if year is not None else panel.years[-1])
        result = score(panel, fw, spec)
        values = pd.DataFrame(panel.values[t], index=panel.units["unit"], columns=list(fw.measures))
        scores = pd.DataFrame(
            result.scores[t], index=panel.units["unit"], columns=list(result.tree.codes)
        )
        report = run_audit(values, fw, scores=scores)
        # Units are keys (a GeoNames id or name|country): show readers the city and country.
        names = panel.units.set_index("unit")[["city", "country"]]
        coverage = report.unit_coverage.join(names, on="unit")
        report = dataclasses.replace(
            report,
            unit_coverage=coverage[["city", "country", *[c for c in coverage if c not in names]]],
        )
        if fmt == "json":
            payload = {"year": panel.years[t], **report.to_dict()}
            _echo_or_write(
                json.dumps(payload, ensure_ascii=False, indent=1, default=_jsonable) + "\n", output
            )
            return
        parts = [f"Statistical audit - {fw.name}, {panel.years[t]}, {len(panel.units)} cities"]
        for title, frame in (
            ("Coverage by city (flagged)", report.unit_coverage[report.unit_coverage["flag"]]),
            (
                "Coverage by indicator (flagged)",
                report.measure_coverage[report.measure_coverage["flag"]],
            ),
            (
                "Outliers (abs(skew) and kurtosis over thresholds)",
                report.distribution[report.distribution["outlier_flag"]],
            ),
            ("Correlations flagged", report.correlations[report.correlations["flag"] != ""]),
            (
                "Weak or negative correlation with parent",
                report.parent_correlations[report.parent_correlations["flag"] != ""],
            ),
            ("Cronbach's alpha", report.cronbach),
            ("PCA per group", report.pca),
        ):
            body = (
                frame.to_string(index=False, float_format=lambda v: f"{v:.3f}")
                if len(frame)
                else "(none)"
            )
            parts.append(f"\n== {title} ==\n{body}")
        _echo_or_write("\n".join(parts) + "\n", output)


@main.command()
@click.argument("data", type=click.Path(path_type=Path))
@framework_option
@click.option(
    "--spec",
    "spec_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The nominal composite spec.",
)
@click.option(
    "--runs",
    type=click.IntRange(16, 200_000),
    default=1000,
    show_default=True,
    help="Least number of replications (rounded up to a Saltelli design).",
)
@click.option(
    "--factor",
    "factors",
    multiple=True,
    type=click.Choice(["weights", "normalise", "aggregate", "impute", "exclude"]),
    help="Assumption to vary; repeatable (default: all).",
)
@click.option(
    "--noise",
    type=click.FloatRange(0, 0.99),
    default=0.25,
    show_default=True,
    help="Weight noise half-width.",
)
@click.option("--year", type=int, default=None, help="Year to analyse (default: the latest).")
@click.option("--node", default=None, help="Aggregate to rank (default: the index).")
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of the noisy weights and the scrambled Sobol' sequence.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="A readable report, everything as JSON, or the rank table as CSV.",
)
@output_option
def sensitivity(
    data: Path, framework: str, spec_path: Path | None, runs: int, factors: tuple[str, ...],
    noise: float, year: int | None, node: str | None, seed: int, fmt: str, output: Path | None,
) -> None:  # fmt: skip
    """Uncertainty and sensitivity analysis: rank intervals and Sobol' indices."""
    from citydiplomacy.core.sensitivity import FACTORS
    from citydiplomacy.core.sensitivity import sensitivity as run
    from citydiplomacy.io.safe_text import safe_frame

    with user_errors():
        spec = _spec(spec_path, "composite")
        fw, panel = _load(data, framework)
        result = run(
            panel, fw, spec, runs=runs, factors=list(factors) or list(FACTORS), weight_noise=noise,
            year=year, node=node, seed=seed, progress=_progress("replications"),
        )  # fmt: skip
        if fmt == "json":
            _echo_or_write(
                json.dumps(result.to_data(), ensure_ascii=False, indent=1) + "\n", output
            )
        elif fmt == "csv":
            _echo_or_write(safe_frame(result.ranks).to_csv(index=False), output)
        else:
            text = (
                f"Uncertainty analysis - {result.node}, {result.year}, {result.runs} runs\n\n"
                + result.ranks.drop(columns=["unit"]).to_string(
                    index=False, float_format=lambda v: f"{v:.1f}"
                )
                + "\n\nSensitivity indices (mean absolute rank shift)\n"
                + result.indices.to_string(index=False, float_format=lambda v: f"{v:.3f}")
                + "\n\nMost influential indicators when left out\n"
                + result.leave_one_out.head(10).to_string(
                    index=False, float_format=lambda v: f"{v:.2f}"
                )
                + "\n"
            )
            _echo_or_write(text, output)


def _years(text: str) -> list[int]:
    first, _, last = text.partition("-")
    try:
        years = list(range(int(first), int(last or first) + 1))
    except ValueError:
        raise UserError(f"--years expects YEAR or FIRST-LAST, got {text!r}") from None
    if not years:
        raise UserError(f"--years {text!r} names no year")
    return years


@main.command("demo-data")
@framework_option
@click.option(
    "--cities",
    type=click.IntRange(1, 1_000_000),
    default=60,
    show_default=True,
    help="Number of cities (the largest GeoNames cities first, then a sample).",
)
@click.option("--years", default="2015-2024", show_default=True, help="YEAR or FIRST-LAST.")
@click.option(
    "--coverage",
    type=click.FloatRange(0.05, 1.0),
    default=0.85,
    show_default=True,
    help="Share of values reported.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of the random generator.",
)
@click.option("--wide", is_flag=True, help="One row per city and year instead of one per value.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help=".csv, .xlsx or .parquet",
)
def demo_data(
    framework: str, cities: int, years: str, coverage: float, seed: int, wide: bool, output: Path
) -> None:
    """Write reproducible SYNTHETIC demo data: real city names, invented values.

    Every row says "synthetic demo data" in its source column; never present these values as
    facts about a city.
    """
    from citydiplomacy.io.frameworks import load_framework
    from citydiplomacy.io.writers import write_table
    from citydiplomacy.synthetic import synthetic_long, synthetic_wide

    with user_errors():
        fw = load_framework(framework)
        make = synthetic_wide if wide else synthetic_long
        # Parquet keeps a numeric value column: yes/no answers as 1/0 (accepted by validate).
        frame = make(
            fw,
            n_cities=cities,
            years=_years(years),
            seed=seed,
            coverage=coverage,
            yesno_text=output.suffix.lower() != ".parquet",
        )
        suffix = output.suffix.lower()
        if suffix == ".xlsx":
            write_table(frame, output, "xlsx")
        elif suffix == ".parquet":
            write_table(frame, output, "parquet")
        else:
            frame.to_csv(output, index=False)
        click.echo(f"wrote {output}: {len(frame)} rows of synthetic demo data", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
