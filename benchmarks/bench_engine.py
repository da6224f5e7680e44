"""Benchmark the indicator engine against the figures of issue 2.

Run from the repository root (after ``bash scripts/test.sh`` or ``scripts/run.sh`` set up
``.venv``)::

    .venv/bin/python benchmarks/bench_engine.py [--cities 10000] [--years 10] [--repeat 3]
        [--only whole] [--case u4ssc-arrow]

Measures, each the median of ``--repeat`` runs:

1. whole process, validate and score a long file (Parquet, or CSV) of cities x 91 KPIs x
   years, with the U4SSC method and with the min-max / arithmetic composite pipeline
   (``citydiplomacy score ... --format arrow -o ...`` in a fresh process), wall time and peak
   memory (max RSS); ``--case u4ssc-csv`` (not run by default) writes CSV text instead;
2. in process, scoring one year of cities x 91 KPIs (arrays only, then also the long table);
3. uncertainty analysis with 1,000 replications on 1,000 cities x 91 KPIs.

Prints a Markdown table for ``docs/performance.md``. Data are synthetic, generated once into
``benchmarks/_data/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from citydiplomacy.core.dataset import Panel
from citydiplomacy.core.frameworks import Framework
from citydiplomacy.core.score import score
from citydiplomacy.core.sensitivity import sensitivity
from citydiplomacy.core.spec import Spec
from citydiplomacy.core.validate import validate_long
from citydiplomacy.io.frameworks import load_framework
from citydiplomacy.io.readers import located_long
from citydiplomacy.synthetic import synthetic_long

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "benchmarks" / "_data"
# Runs the command line in this process and reports its own peak RSS (KiB) last on stderr.
MEASURE = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('maxrss', resource.getrusage(resource.RUSAGE_SELF)"
    ".ru_maxrss, file=sys.stderr))\n"
    "from citydiplomacy.cli import main\n"
    "main(prog_name='citydiplomacy')\n"
)
SPEC = "impute: none\ntreat: none\nnormalise: {method: minmax, range: [0, 100]}\n"
SPEC += "weights: equal\naggregate: {method: arithmetic}\n"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, numpy {np.__version__}"
    )


def dataset(n_cities: int, years: int, suffix: str) -> Path:
    """The benchmark's long file: yes/no answers as 1/0 so the value column is numeric."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"long_{n_cities}x{years}{suffix}"
    if not path.exists():
        t0 = time.perf_counter()
        fw = load_framework("u4ssc")
        frame = synthetic_long(
            fw,
            n_cities=n_cities,
            years=range(2025 - years, 2025),
            coverage=1.0,
            yesno_text=False,
        )
        if suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        print(f"generated {path.name}: {len(frame):,} rows in {time.perf_counter() - t0:.1f} s")
    return path


def whole_process(path: Path, method: str, repeat: int, fmt: str) -> tuple[float, float]:
    """Median wall time and largest peak RSS (GiB) of ``citydiplomacy score``."""
    times: list[float] = []
    peak = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.yaml"
        spec.write_text(SPEC, encoding="utf-8")
        for i in range(repeat):
            out = Path(tmp) / f"out{i}.{fmt}"
            cmd = [
                sys.executable,
                "-c",
                MEASURE,
                "score",
                str(path),
                "--method",
                method,
            ]
            cmd += ["--format", fmt, "-o", str(out)]
            if method == "composite":
                cmd += ["--spec", str(spec)]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            found = re.search(r"maxrss (\d+)", proc.stderr + proc.stdout)
            rss_kib = int(found.group(1)) if found else 0
            peak = max(peak, rss_kib / 2**20)
    return statistics.median(times), peak


def one_year_panel(fw: Framework, n_cities: int) -> Panel:
    """A validated synthetic cohort of one year, every value reported."""
    long = synthetic_long(fw, n_cities=n_cities, years=[2024], coverage=1.0)
    table, _ = located_long(long, "bench")
    return Panel.from_long(validate_long(table, fw).long, fw)


def in_process(n_cities: int, repeat: int) -> dict[str, float]:
    fw = load_framework("u4ssc")
    panel = one_year_panel(fw, n_cities)
    out: dict[str, float] = {}
    for method, spec in (
        ("u4ssc", Spec.from_data(None, method="u4ssc")),
        ("composite", Spec.from_data(None, method="composite")),
    ):
        score(panel, fw, spec)  # warm up
        times = []
        for _ in range(max(repeat, 5)):
            t0 = time.perf_counter()
            result = score(panel, fw, spec)
            times.append(time.perf_counter() - t0)
        out[f"score_{method}"] = statistics.median(times)
        t0 = time.perf_counter()
        result.table()
        out[f"table_{method}"] = time.perf_counter() - t0
    return out


def uncertainty(repeat: int) -> float:
    fw = load_framework("u4ssc")
    panel = one_year_panel(fw, 1000)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = sensitivity(panel, fw, runs=1000)
        times.append(time.perf_counter() - t0)
    print(f"uncertainty analysis made {result.runs} runs")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--only",
        choices=["whole", "in-process", "uncertainty"],
        action="append",
        help="run only these parts (repeatable; default: all)",
    )
    parser.add_argument(
        "--case",
        choices=["u4ssc-arrow", "composite-arrow", "u4ssc-parquet", "csv-u4ssc-arrow", "u4ssc-csv"],
        action="append",
        help="whole-process rows to run (repeatable; default: all but u4ssc-csv)",
    )
    args = parser.parse_args()
    parts = set(args.only or ["whole", "in-process", "uncertainty"])
    rows = [f"Machine: {machine()}", ""]
    rows.append("| measure | figure | target |")
    rows.append("|---|---|---|")
    whole = {
        "u4ssc-arrow": (".parquet", "u4ssc", "arrow"),
        "composite-arrow": (".parquet", "composite", "arrow"),
        "u4ssc-parquet": (".parquet", "u4ssc", "parquet"),
        "csv-u4ssc-arrow": (".csv", "u4ssc", "arrow"),
        "u4ssc-csv": (".parquet", "u4ssc", "csv"),  # 3.5 GB of text: only when asked for
    }
    default = [c for c in whole if c != "u4ssc-csv"]
    cases = [whole[c] for c in args.case or default] if "whole" in parts else []
    for suffix, method, fmt in cases:
        path = dataset(args.cities, args.years, suffix)
        t, peak = whole_process(path, method, args.repeat, fmt)
        label = (
            f"validate + score {args.cities:,} x 91 x {args.years} y, {method}, "
            f"{suffix[1:]} in, {fmt} out, whole process"
        )
        rows.append(f"| {label} | {t:.2f} s, peak RSS {peak:.2f} GiB | < 5 s, < 2 GiB |")
    ip = in_process(args.cities, args.repeat) if "in-process" in parts else {}
    for method in ("u4ssc", "composite") if ip else ():
        rows.append(
            f"| score one year of {args.cities:,} x 91 in process, {method} "
            f"| {ip[f'score_{method}'] * 1000:.0f} ms (+ {ip[f'table_{method}'] * 1000:.0f} ms "
            "to build the long table) | < 0.1 s |"
        )
    if "uncertainty" in parts:
        ua = uncertainty(args.repeat)
        rows.append(f"| uncertainty analysis, 1,000+ runs, 1,000 x 91 | {ua:.2f} s | < 10 s |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
