"""Benchmark the indicator engine against the figures of issue 2.

Run from the repository root (after ``bash scripts/test.sh`` or ``scripts/run.sh`` set up
``.venv``)::

    .venv/bin/python benchmarks/bench_engine.py [--cities 10000] [--years 10] [--repeat 3]
        [--only whole] [--case u4ssc-arrow]

Measures, each the median of ``--repeat`` runs:

1. whole process, validate and score a long file (Parquet, or CSV) of cities x 91 KPIs x
   years, with the U4SSC method and with the min-max / arithmetic composite pipeline
   (``citydiplomacy score ... --format arrow -o ...`` in a fresh process), wall time, CPU time
   (user + system, less sensitive than wall time on a shared machine) and peak memory (max
   RSS); ``--case u4ssc-csv`` (not run by default) writes CSV text instead; ``--case
   wide-u4ssc-arrow`` reads a *wide* Parquet file of ``--wide-rows`` rows (one city-year
   each) x 92 columns (city, country, year and 89 KPI or data-point columns, issue 14);
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
    ".ru_maxrss, 'cpu', resource.getrusage(resource.RUSAGE_SELF).ru_utime"
    " + resource.getrusage(resource.RUSAGE_SELF).ru_stime, file=sys.stderr))\n"
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


#: Columns of the wide benchmark file: city, country, year and this many value columns.
WIDE_VALUE_COLUMNS = 89


def wide_dataset(rows: int) -> Path:
    """The wide benchmark file: ``rows`` cities of one year x (3 + 89) columns, Parquet, the
    numbers typed as numbers (yes/no answers as 1/0), as a spreadsheet exports them."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"wide_{rows}x{3 + WIDE_VALUE_COLUMNS}.parquet"
    if not path.exists():
        t0 = time.perf_counter()
        fw = load_framework("u4ssc")
        long = synthetic_long(fw, n_cities=rows, years=[2024], coverage=1.0, yesno_text=False)
        kpi = long["kpi"].astype(str)
        part = long["data_point"].astype(str)
        long["column"] = kpi.where(part == "", kpi + ":" + part)
        wide = long.pivot_table(
            index=["city", "country", "year"],
            columns="column",
            values="value",
            aggfunc="first",
            observed=True,
            sort=False,
        ).reset_index()
        wide.columns.name = None
        wide = wide.iloc[:, : 3 + WIDE_VALUE_COLUMNS]
        wide.to_parquet(path, index=False)
        print(f"generated {path.name}: {wide.shape} in {time.perf_counter() - t0:.1f} s")
    return path


def read_in_process(path: Path, repeat: int) -> tuple[float, float]:
    """Fastest wall and CPU time (s) of reading and validating ``path`` in this process
    (``read_kpi_data``): the least disturbed of ``repeat`` runs on a shared machine."""
    from citydiplomacy.io.readers import read_kpi_data

    fw = load_framework("u4ssc")
    read_kpi_data(path, fw)  # warm: imports, the GeoNames cache
    walls, cpus = [], []
    for _ in range(max(repeat, 3)):
        w0, c0 = time.perf_counter(), time.process_time()
        read_kpi_data(path, fw)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def whole_process(path: Path, method: str, repeat: int, fmt: str) -> tuple[float, float]:
    """Median wall time and largest peak RSS (GiB) of ``citydiplomacy score``."""
    wall, peak, _ = whole_process_cpu(path, method, repeat, fmt)
    return wall, peak


def whole_process_cpu(path: Path, method: str, repeat: int, fmt: str) -> tuple[float, float, float]:
    """Median wall time, largest peak RSS (GiB) and median CPU time (user + system, s) of
    ``citydiplomacy score`` in a fresh process."""
    times: list[float] = []
    cpus: list[float] = []
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
            found = re.search(r"maxrss (\d+) cpu ([\d.]+)", proc.stderr + proc.stdout)
            rss_kib = int(found.group(1)) if found else 0
            cpus.append(float(found.group(2)) if found else float("nan"))
            peak = max(peak, rss_kib / 2**20)
    return statistics.median(times), peak, statistics.median(cpus)


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
        choices=[
            "u4ssc-arrow",
            "composite-arrow",
            "u4ssc-parquet",
            "csv-u4ssc-arrow",
            "u4ssc-csv",
            "wide-u4ssc-arrow",
        ],
        action="append",
        help="whole-process rows to run (repeatable; default: all but u4ssc-csv)",
    )
    parser.add_argument(
        "--wide-rows", type=int, default=10_000, help="rows of the wide case (one city-year each)"
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
    wanted = args.case or [*default, "wide-u4ssc-arrow"]
    cases = [whole[c] for c in wanted if c in whole] if "whole" in parts else []
    if "whole" in parts and "wide-u4ssc-arrow" in wanted:
        path = wide_dataset(args.wide_rows)
        t, peak, cpu = whole_process_cpu(path, "u4ssc", args.repeat, "arrow")
        label = (
            f"validate + score a wide table of {args.wide_rows:,} x {3 + WIDE_VALUE_COLUMNS}, "
            "u4ssc, parquet in, arrow out, whole process"
        )
        rows.append(f"| {label} | {t:.2f} s (CPU {cpu:.2f} s), peak RSS {peak:.2f} GiB | < 1.5 s |")
        read_wall, read_cpu = read_in_process(path, args.repeat)
        rows.append(
            f"| read and validate that wide table in process (fastest of {max(args.repeat, 3)}) "
            f"| {read_wall:.2f} s (CPU {read_cpu:.2f} s) | |"
        )
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
