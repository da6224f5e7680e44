"""Benchmark the Smart City Profile reports against the figures of issue 4.

Run from the repository root::

    .venv/bin/python benchmarks/bench_reports.py [--cities 100] [--years 3] [--repeat 5]
        [--jobs N]

Measures:

1. one PDF profile in process: assembling the report from a scored cohort (peers, guidance)
   and printing the tagged A4 PDF with a running Chromium (as ``profiles`` does), for
   ``--repeat`` cities: median and worst; and with a browser started for the one PDF (as a
   download from the web platform does);
2. one PDF profile as a user runs it: ``citydiplomacy profile DATA --city X -o x.pdf`` in a
   fresh process (start-up, reading and validating the data, scoring the cohort, the
   robustness analysis, the report), wall time;
3. a cohort of PDF profiles: ``citydiplomacy profiles DATA --format pdf --out-dir DIR``, wall
   time for ``--cities`` profiles.

Prints a Markdown table for ``docs/performance.md`` (issue 4 section). Data are synthetic,
generated once into ``benchmarks/_data/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_engine import machine

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "benchmarks" / "_data"
CLI = str(ROOT / ".venv" / "bin" / "citydiplomacy")


def dataset(n_cities: int, n_years: int) -> Path:
    from citydiplomacy.io.frameworks import load_framework
    from citydiplomacy.synthetic import synthetic_long

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / f"reports_{n_cities}x{n_years}.csv"
    if not path.exists():
        years = range(2024 - n_years + 1, 2025)
        frame = synthetic_long(load_framework("u4ssc"), n_cities=n_cities, years=years, seed=0)
        frame.to_csv(path, index=False)
    return path


def in_process(path: Path, repeat: int) -> tuple[float, list[float], list[float], list[float]]:
    """Cohort time; per city: report assembly, report + PDF with a running browser, and report
    + PDF with a browser started for it."""
    from citydiplomacy.core.spec import Spec
    from citydiplomacy.io.frameworks import load_framework
    from citydiplomacy.io.readers import read_kpi_data
    from citydiplomacy.reports import build_report, render_pdf
    from citydiplomacy.reports.engine import cohort_from_long
    from citydiplomacy.reports.pdf import PdfPrinter
    from citydiplomacy.reports.reference import rules_for

    fw = load_framework("u4ssc")
    t0 = time.perf_counter()
    long = read_kpi_data(path, fw).long
    cohort = cohort_from_long(fw, long, Spec(method="u4ssc"), years=[2024])
    cohort_s = time.perf_counter() - t0
    rules = rules_for(fw)
    build, warm, cold = [], [], []
    keys = [str(k) for k in list(cohort.units.index)[1 : repeat + 1]]
    with PdfPrinter() as printer:
        render_pdf(build_report(cohort, str(cohort.units.index[0]), rules=rules), printer=printer)
        for key in keys:
            t0 = time.perf_counter()
            report = build_report(cohort, key, rules=rules)
            t1 = time.perf_counter()
            pdf = render_pdf(report, printer=printer)
            t2 = time.perf_counter()
            assert pdf.startswith(b"%PDF")
            build.append(t1 - t0)
            warm.append(t2 - t0)
    for key in keys:
        t0 = time.perf_counter()
        assert render_pdf(build_report(cohort, key, rules=rules)).startswith(b"%PDF")
        cold.append(time.perf_counter() - t0)
    return cohort_s, build, warm, cold


def timed(args: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (the command and its children) of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", type=int, default=100)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None, help="profiles --jobs (default: CPUs)")
    a = parser.parse_args()
    path = dataset(a.cities, a.years)
    from citydiplomacy.reports.pdf import chromium_executable

    load_start = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {machine()}; Chromium: {chromium_executable()}", flush=True)
    cohort_s, build, warm, cold = in_process(path, a.repeat)
    import pandas as pd

    city = str(pd.read_csv(path, usecols=["city"])["city"].iloc[0])
    with tempfile.TemporaryDirectory() as tmp:
        one, one_cpu = timed([CLI, "profile", str(path), "--city", city, "-o", f"{tmp}/one.pdf"])
        jobs = [] if a.jobs is None else ["--jobs", str(a.jobs)]
        many, many_cpu = timed(
            [CLI, "profiles", str(path), "--format", "pdf", "--out-dir", f"{tmp}/all", *jobs]
        )
        n = len(list(Path(tmp, "all").glob("*.pdf")))
    rows = [
        ("scoring the cohort + robustness (256 runs), in process", f"{cohort_s:.2f} s", ""),
        (
            "one PDF profile, in process, browser running (report + PDF): median / worst",
            f"{statistics.median(warm):.2f} / {max(warm):.2f} s",
            "< 3 s",
        ),
        ("  of which assembling the report", f"{statistics.median(build):.3f} s", ""),
        (
            "one PDF profile, in process, browser started for it (a web download): median / worst",
            f"{statistics.median(cold):.2f} / {max(cold):.2f} s",
            "< 3 s",
        ),
        (
            "one PDF profile, `citydiplomacy profile` in a fresh process: wall; CPU",
            f"{one:.2f} s; CPU {one_cpu:.2f} s",
            "< 3 s",
        ),
        (
            f"{n} PDF profiles, `citydiplomacy profiles`: wall; CPU (all processes)",
            f"{many:.1f} s; CPU {many_cpu:.1f} s",
            "< 120 s",
        ),
    ]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nData: {a.cities} cities x {a.years} years, synthetic ({path.name}); load average "
          f"at the start {load_start}, at the end {load} (the machine is shared)\n")  # fmt: skip
    print("| measure | result | target |\n|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
