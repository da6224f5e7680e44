"""Command-line start-up benchmark: CPU time of whole ``citydiplomacy`` processes.

Runs ``citydiplomacy --help``, ``citydiplomacy score tests/data/sample_long.csv`` and
``citydiplomacy partners suggest --help`` ``--runs`` times each, in turn, and prints the median
CPU time (user + system, of the child process: the main figure on a shared, busy machine) and
wall time of each, with the load average before and after. ``--baseline SRC`` alternates every
run with the same command run on another source tree (e.g. an older commit unpacked by
``git archive OLD src | tar -x -C /tmp/old``, then ``--baseline /tmp/old/src``), so both see
the same load.

Usage::

    .venv/bin/python benchmarks/bench_cli_startup.py [--runs 5] [--baseline /tmp/old/src]

The figures go into docs/performance.md by hand, with the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_engine import machine  # the benchmarks' one description of the machine

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "--help": ["--help"],
    "score sample_long.csv": ["score", str(ROOT / "tests" / "data" / "sample_long.csv")],
    "partners suggest --help": ["partners", "suggest", "--help"],
}


def run_once(args: list[str], pythonpath: str | None) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one ``citydiplomacy`` process."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "citydiplomacy", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", help="another tree's src directory, run alternately")
    args = parser.parse_args()
    trees: dict[str, str | None] = {"this tree": None}
    if args.baseline:
        trees = {"baseline": args.baseline, **trees}
    print(machine())
    print(f"load average before: {os.getloadavg()}")
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.runs):
        for label, command in COMMANDS.items():
            for tree, path in trees.items():
                samples.setdefault((tree, label), []).append(run_once(command, path))
    print(f"load average after: {os.getloadavg()}")
    header = ("command", "tree", "CPU median s", "CPU min s", "wall median s")
    print(f"{header[0]:26} {header[1]:10} {header[2]:>12} {header[3]:>10} {header[4]:>14}")
    for (tree, label), values in samples.items():
        cpu = [c for c, _ in values]
        wall = [w for _, w in values]
        print(
            f"{label:26} {tree:10} {statistics.median(cpu):12.2f} {min(cpu):10.2f}"
            f" {statistics.median(wall):14.2f}"
        )


if __name__ == "__main__":
    main()
