"""Every shell example of README.md and docs/ runs as written (issue 19, item 8).

Each line of every ```sh block is either run here, on the synthetic demo data in a temporary
directory, or listed in :data:`NOT_RUNNABLE` with the reason; a new example that is neither
fails :func:`test_every_example_is_classified`, so the documentation cannot drift unnoticed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CLI = Path(sys.executable).with_name("citydiplomacy")

#: Examples that are not run here, by a pattern on the command, with the reason.
NOT_RUNNABLE: tuple[tuple[str, str], ...] = (
    (r"^bash scripts/(run|test)\.sh", "sets up the whole project / serves / runs the whole suite"),
    (r"^(\S+=\S+\s+)*\.?\.?/?\.venv/bin/python (benchmarks/|bench_)", "a benchmark (minutes)"),
    (r"^cd benchmarks && ", "a benchmark (minutes)"),
    (r"^PYTHONPATH=", "a benchmark against another checkout"),
    (r"^DATABASE_URL=postgres", "needs a PostgreSQL server"),
    (r"^CITYDIPLOMACY_[A-Z_]+=|^DATABASE_URL=|^REDIS_URL=", "environment settings, not a command"),
    (r"^citydiplomacy (serve|worker)\b", "starts a server that does not return"),
    (
        r"^citydiplomacy (demo|rescore|manage)(\s|$)",
        "sets up the web database (web tests cover it)",
    ),
    (r"^citydiplomacy recognition import\b", "writes into the web database"),
    (
        r"\[|\b(DATA|FILE|NAME|CITY|CC|OUT|DIR|OLD|NEW|RESULT\.json|RESPONSES\.csv|PARTICIPANTS"
        r"\.csv|MODULES\.csv)\b",
        "a synopsis with placeholders",
    ),
)


def examples() -> list[tuple[str, str]]:
    """(document, command) of every line of every ```sh block, continuations joined and
    comments dropped."""
    found = []
    for path in DOCUMENTS:
        for block in re.findall(r"```sh\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
            text = re.sub(r"\\\n\s*", " ", block)
            lines: list[str] = []
            for raw in text.splitlines():
                line = re.sub(r"\s+#.*$", "", raw).strip()
                if not line:
                    continue
                if raw.startswith(" ") and lines:  # a synopsis continued on the next line
                    lines[-1] += " " + line
                else:
                    lines.append(line)
            found += [(path.name, line) for line in lines]
    return found


def reason_not_run(command: str) -> str | None:
    for pattern, reason in NOT_RUNNABLE:
        if re.search(pattern, command):
            return reason
    return None


RUNNABLE = [(doc, cmd) for doc, cmd in examples() if reason_not_run(cmd) is None]


def test_every_example_is_classified() -> None:
    for doc, command in RUNNABLE:
        assert command.startswith("citydiplomacy "), (doc, command, "runnable or give a reason")
    # The README's own example (issue 19) is among those run.
    assert any("--city Geneva --country CH" in cmd for _, cmd in RUNNABLE)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary directory with the docs' example files, where the examples run in order."""
    path = tmp_path_factory.mktemp("examples")
    shutil.copytree(ROOT / "docs" / "examples", path / "docs" / "examples")
    return path


@pytest.mark.slow
@pytest.mark.parametrize(("doc", "command"), RUNNABLE, ids=[f"{d}: {c}" for d, c in RUNNABLE])
def test_example_runs_as_written(workdir: Path, doc: str, command: str) -> None:
    argv = shlex.split(command)
    if argv[1] != "demo-data" and "demo.csv" in argv and not (workdir / "demo.csv").exists():
        _run(workdir, ["citydiplomacy", "demo-data", "-o", "demo.csv"])
    if "scores.json" in argv and argv[1] == "regenerate" and not (workdir / "scores.json").exists():
        _run(workdir, shlex.split("citydiplomacy score demo.csv --format json -o scores.json"))
    result = _run(workdir, argv)
    assert result.returncode == 0, (
        f"{doc}: {command}\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
    )


def _run(workdir: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CITYDIPLOMACY_DATA_DIR": str(workdir / "var")}
    return subprocess.run(
        [str(CLI), *argv[1:]], cwd=workdir, env=env, capture_output=True, text=True, timeout=600
    )
