"""Write docs/cli.md from the command line's own help texts.

    .venv/bin/python scripts/cli_doc.py          # rewrite docs/cli.md
    .venv/bin/python scripts/cli_doc.py --check  # exit 1 if docs/cli.md is out of date

tests/test_docs.py runs the check, so the page cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from citydiplomacy.cli import main

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"

INTRO = """\
# Command line

`citydiplomacy` is installed into `.venv/bin` by `scripts/run.sh` or `scripts/test.sh`. It is the
contract other tools rely on; `tests/cli/` runs every command end to end. This page is written
by `scripts/cli_doc.py` from the commands' own help, and `tests/test_docs.py` fails when it is
out of date.

Exit status: 0 success; 1 invalid data (every problem listed on standard error, one per line,
as `file:row:column: message`) or a failed check (`regenerate`); 2 a user error (wrong option,
spec, framework, year or city), printed as one `error: ...` line. No user mistake prints a
traceback.

Data files are long (`city, country, year, kpi, value`, optionally `geonames_id, data_point,
unit, source, note, verified`) or wide (one row per city and year, one column per KPI code,
`KPI:data point` for one part of a multi-part KPI), as `.csv`, `.tsv`, `.xlsx` or `.parquet`.
Rows are counted as a spreadsheet shows them (the header is row 1) and columns from 1.

Long work (`sensitivity`) shows a progress bar on standard error.
"""

EXAMPLES = """\
## Examples

```sh
citydiplomacy demo-data --cities 60 -o demo.csv          # synthetic demo data, labelled so
citydiplomacy validate demo.csv
citydiplomacy score demo.csv --method u4ssc --year 2024 --level 4 --format table
citydiplomacy score demo.csv --spec docs/examples/minmax.yaml --format json -o scores.json
citydiplomacy regenerate scores.json demo.csv            # same rows from the stored spec?
citydiplomacy score demo.csv --method u4ssc --target EC-ICT-ICT-2C=60
citydiplomacy score demo.csv --format arrow -o scores.arrow   # fastest for large cohorts
citydiplomacy audit demo.csv --format json -o audit.json
citydiplomacy sensitivity demo.csv --runs 1000 --factor weights --factor normalise
```
"""


def commands(group: click.Group, prefix: str = "") -> list[str]:
    out: list[str] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # lists and loads the lazily loaded groups too
        cmd = group.get_command(ctx, name)
        out.append(f"{prefix}{name}")
        if isinstance(cmd, click.Group):
            out.extend(commands(cmd, f"{prefix}{name} "))
    return out


def render() -> str:
    parts = [INTRO]
    runner = CliRunner()
    for name in commands(main):
        result = runner.invoke(main, [*name.split(), "--help"], terminal_width=100)
        text = result.output.replace("Usage: main", "Usage: citydiplomacy").rstrip()
        parts.append(f"## `citydiplomacy {name}`\n\n```text\n{text}\n```\n")
    parts.append(EXAMPLES)
    return "\n".join(parts)


if __name__ == "__main__":
    page = render()
    if "--check" in sys.argv:
        sys.exit(0 if DOC.read_text(encoding="utf-8") == page else 1)
    DOC.write_text(page, encoding="utf-8")
    print(f"wrote {DOC}")
