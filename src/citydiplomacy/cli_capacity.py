"""``citydiplomacy capacity``: the competency framework, gap reports and cohort reports from
files (no database). :mod:`citydiplomacy.cli` loads them lazily."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from citydiplomacy.cli_common import user_errors
from citydiplomacy.core.capacity import change, gaps, plan
from citydiplomacy.core.capacity.framework import CompetencyFramework, role_label
from citydiplomacy.core.capacity.responses import Responses
from citydiplomacy.errors import ValidationError
from citydiplomacy.io import capacity as capacity_io
from citydiplomacy.io.safe_text import safe_frame

FRAMEWORK_HELP = "A framework table (CSV/XLSX) of your own; default: the packaged framework."
FORMATS = click.Choice(["table", "csv", "json"])


@click.group("capacity")
def capacity() -> None:
    """Diplomatic capacity: competency framework, gap and cohort reports."""


@capacity.group("framework")
def framework_group() -> None:
    """Show or check a competency framework."""


def _framework(path: Path | None) -> CompetencyFramework:
    return capacity_io.load_framework(path)


def _emit(frame: pd.DataFrame, fmt: str, output: Path | None) -> None:
    if fmt == "csv":
        text = safe_frame(frame).to_csv(index=False, lineterminator="\n")
    elif fmt == "json":
        text = frame.to_json(orient="records", force_ascii=False, indent=1) + "\n"
    else:
        text = frame.to_string(index=False, na_rep="-") + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}: {len(frame)} rows", err=True)


@framework_group.command("show")
@click.option("--framework", "path", type=click.Path(path_type=Path), help=FRAMEWORK_HELP)
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="table",
    show_default=True,
    help="table: domains and competencies with targets; csv: the whole table.",
)
def framework_show(path: Path | None, fmt: str) -> None:
    """The framework: domains (with their sources), competencies and role targets."""
    with user_errors():
        fw = _framework(path)
        if fmt != "table":
            _emit(fw.to_table(), fmt, None)
            return
        click.echo(
            f"{fw.name}: {len(fw.domains)} domains, {len(fw.competencies)} competencies; "
            f"roles: {', '.join(f'{r} ({role_label(r)})' for r in fw.roles)}"
        )
        for d in fw.domains:
            click.echo(f"\n{d.code} {d.name}\n  sources: {d.sources}")
            for c in fw.in_domain(d.code):
                targets = " ".join(f"{r}={c.targets[r]}" for r in fw.roles)
                click.echo(f"  {c.code:<7} {c.name}  [{targets}]")


@framework_group.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
def framework_validate(path: Path) -> None:
    """Check a framework table; exit 0 when valid, 1 with every problem as file:row:column."""
    try:
        fw = capacity_io.load_framework(path)
    except ValidationError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        click.echo(f"{len(exc.errors)} error(s)", err=True)
        sys.exit(1)
    for w in fw.warnings:
        click.echo(str(w), err=True)
    click.echo(
        f"{path}: valid, {len(fw.domains)} domains, {len(fw.competencies)} competencies, "
        f"roles {', '.join(fw.roles)}"
    )


@framework_group.command("case")
@click.option("--framework", "path", type=click.Path(path_type=Path), help=FRAMEWORK_HELP)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the package to this file (default: standard output).",
)
@click.option(
    "--base-uri",
    help="The framework page's address: item URIs become its anchors "
    "(default: urn:uuid: of each identifier).",
)
@click.option(
    "--changed",
    help="When the framework last changed, ISO 8601 in UTC (default: the table file's "
    "modification time; the packaged framework: now).",
)
@click.option("--version", "version", default="", help="The framework's version (CFDocument).")
def framework_case(
    path: Path | None, output: Path | None, base_uri: str | None, changed: str | None, version: str
) -> None:
    """The framework as a 1EdTech CASE 1.0 package (CFPackage JSON).

    Identifiers are UUID 5 of the framework's name and the codes: a later export of the same
    framework keeps them.
    """
    import datetime as dt
    import json

    from citydiplomacy.core.capacity.case import case_package

    with user_errors():
        fw = _framework(path)
        if changed:
            try:
                when = dt.datetime.fromisoformat(changed.replace("Z", "+00:00"))
            except ValueError:
                raise click.BadParameter(
                    f"expected an ISO 8601 date and time, got {changed!r}", param_hint="--changed"
                ) from None
            when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
        elif path is not None:
            when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        else:
            when = dt.datetime.now(dt.UTC)
        package = case_package(
            fw, framework_id=fw.name, last_change=when, version=version, base_uri=base_uri
        )
        text = json.dumps(package, ensure_ascii=False, indent=1) + "\n"
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            click.echo(
                f"wrote {output}: {len(package['CFItems'])} items, "
                f"{len(package['CFAssociations'])} associations",
                err=True,
            )


def _responses(path: Path, fw: CompetencyFramework) -> Responses:
    return capacity_io.load_responses(path, fw)


def _combined(r: Responses, rule: str, phase: str = "before") -> np.ndarray:
    return gaps.combine_ratings(r.get(phase, "self"), r.get(phase, "second"), rule)


def _targets(r: Responses, fw: CompetencyFramework) -> np.ndarray:
    return np.array([fw.targets(role) for role in r.roles])


RULE = click.Choice(list(gaps.COMBINE_RULES))


@capacity.command("gaps")
@click.argument("responses", type=click.Path(path_type=Path))
@click.option("--framework", "path", type=click.Path(path_type=Path), help=FRAMEWORK_HELP)
@click.option("--person", help="One person's gaps and learning plan (else: every person's).")
@click.option(
    "--rule",
    type=RULE,
    default="mean",
    show_default=True,
    help="How a self-rating and a second (manager or peer) rating combine.",
)
@click.option(
    "--modules",
    type=click.Path(path_type=Path),
    help="A module catalogue (CSV: code, title, hours, competencies) for --person; "
    "default: the packaged catalogue.",
)
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="table",
    show_default=True,
    help="table for reading, csv or json for other tools.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file.")
def gaps_command(
    responses: Path,
    path: Path | None,
    person: str | None,
    rule: str,
    modules: Path | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Gap report from a CSV/XLSX of responses: gap = target for the role - rating, the
    largest first. Columns: person, city, role, competency, level [, rater, phase]."""
    with user_errors():
        fw = _framework(path)
        r = _responses(responses, fw)
        combined = _combined(r, rule)
        targets = _targets(r, fw)
        rows: list[dict[str, Any]] = []
        people = range(len(r.people))
        if person is not None:
            if person not in r.people:
                raise click.UsageError(f"no person {person!r} in {responses}")
            people = range(r.people.index(person), r.people.index(person) + 1)
        for i in people:
            for g in gaps.person_gaps(fw.codes, targets[i], combined[i]):
                rows.append(
                    {
                        "person": r.people[i],
                        "city": r.cities[i],
                        "role": r.roles[i],
                        "competency": g.code,
                        "target": g.target,
                        "rating": g.rating,
                        "gap": g.gap,
                    }
                )
        frame = pd.DataFrame(rows)
        if person is None:
            frame = frame.sort_values(
                ["gap", "person"], ascending=[False, True], na_position="last", kind="stable"
            )
        _emit(frame, fmt, output)
        if person is not None:
            i = r.people.index(person)
            _print_plan(fw, np.maximum(np.nan_to_num(targets[i] - combined[i]), 0.0), modules)


def _print_plan(fw: CompetencyFramework, shortfall: np.ndarray, modules: Path | None) -> None:
    content = modules.read_bytes() if modules else capacity_io._packaged("modules.csv")
    table = capacity_io.read_table(content, modules.name if modules else "modules.csv")
    col = {c: k for k, c in enumerate(fw.codes)}
    covers = np.zeros((len(table), len(fw.codes)), dtype=bool)
    for m, text in enumerate(table["competencies"].astype(str)):
        for code in text.split():
            if code in col:
                covers[m, col[code]] = True
    hours = pd.to_numeric(table["hours"], errors="coerce").fillna(0).to_numpy(dtype=float)
    result = plan.learning_plan(shortfall, covers, hours)
    click.echo(f"\nlearning plan ({result.method}):", err=True)
    for s in result.steps:
        click.echo(
            f"  {table['code'].iloc[s.module]}: {table['title'].iloc[s.module]} "
            f"({hours[s.module]:g} h) covers {', '.join(fw.codes[k] for k in s.covers)}",
            err=True,
        )
    if result.uncovered:
        click.echo(
            f"  no module covers: {', '.join(fw.codes[k] for k in result.uncovered)}", err=True
        )


@capacity.command("cohort")
@click.argument("responses", type=click.Path(path_type=Path))
@click.option("--framework", "path", type=click.Path(path_type=Path), help=FRAMEWORK_HELP)
@click.option(
    "--rule",
    type=RULE,
    default="mean",
    show_default=True,
    help="How a self-rating and a second rating combine.",
)
@click.option(
    "--min-group",
    type=click.IntRange(gaps.MIN_GROUP),
    default=gaps.MIN_GROUP,
    show_default=True,
    help="Smallest group shown (never fewer than five).",
)
@click.option(
    "--format",
    "fmt",
    type=FORMATS,
    default="table",
    show_default=True,
    help="table for reading, csv or json for other tools.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file.")
def cohort_command(
    responses: Path, path: Path | None, rule: str, min_group: int, fmt: str, output: Path | None
) -> None:
    """Cohort report: mean gap per competency for the cohort and each city (groups under
    --min-group hidden), largest first, with the change after the programme (Wilcoxon
    signed-rank test) when the file has 'after' ratings. No individual rating is printed."""
    with user_errors():
        fw = _framework(path)
        r = _responses(responses, fw)
        before = _combined(r, rule)
        after = _combined(r, rule, "after")
        hm = gaps.heat_map(_targets(r, fw), before, list(r.cities), min_group=min_group)
        changes = change.change_by_competency(before, after, min_group)
        rows = []
        for k, col in enumerate(hm.columns):
            c = changes[col]
            row: dict[str, Any] = {
                "competency": fw.codes[col],
                "raters": int(hm.cohort.n_rated[col]),
                "cohort_gap": _round(hm.cohort.mean_gap[col]),
            }
            for g, city in enumerate(hm.groups):
                row[f"gap {city}"] = _round(hm.values[g, k])
            row.update({"pairs": c.n_pairs, "mean_change": c.mean_change, "p_value": c.p_value})
            rows.append(row)
        _emit(pd.DataFrame(rows), fmt, output)
        overall = change.overall_change(before, after, min_group)
        click.echo(
            f"{len(r.people)} people, {len(hm.groups)} cities; overall change: "
            + (
                f"mean {overall.mean_change:+.2f} levels over {overall.n_pairs} people, "
                f"Wilcoxon p = {overall.p_value:.4g}"
                if overall.p_value is not None
                else overall.note
            ),
            err=True,
        )


def _round(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 3)
