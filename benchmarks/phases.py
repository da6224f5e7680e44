"""Time each phase of ``citydiplomacy score`` on the benchmark data, with peak memory so far.

    .venv/bin/python benchmarks/phases.py [--data benchmarks/_data/long_10000x10.parquet]

Run ``benchmarks/bench_engine.py`` first: it generates the data file.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

START = time.perf_counter()
LAST = [START, 0.0, 0.0]


def mark(label: str) -> None:
    """Time since start, this phase's wall and CPU time (CPU > wall: threads), peak RSS.

    System time is mostly the kernel handing out fresh memory pages and writing files.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss = usage.ru_maxrss / 2**20
    now, sys_cpu = time.perf_counter(), usage.ru_stime
    cpu = usage.ru_utime + sys_cpu
    print(
        f"{label:44s} {now - START:6.2f} s  (phase {now - LAST[0]:5.2f} s, "
        f"CPU {cpu - LAST[1]:5.2f} s of which system {sys_cpu - LAST[2]:4.2f} s)  "
        f"peak RSS {rss:.2f} GiB",
        flush=True,
    )
    LAST[:] = [now, cpu, sys_cpu]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="benchmarks/_data/long_10000x10.parquet")
    parser.add_argument("--method", default="u4ssc")
    parser.add_argument("--format", default="arrow", choices=["arrow", "parquet", "csv"])
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")

    from citydiplomacy.core.dataset import Panel
    from citydiplomacy.core.score import score
    from citydiplomacy.core.spec import Spec
    from citydiplomacy.core.validate import validate_long
    from citydiplomacy.io.frameworks import load_framework
    from citydiplomacy.io.geonames import resolve_geonames_id
    from citydiplomacy.io.readers import _blank_lines, located_long, read_frame, record_rows
    from citydiplomacy.io.writers import write_chunks
    from citydiplomacy.malloc import keep_freed_memory

    keep_freed_memory()  # as the command line does for its batch commands

    mark("start-up and imports")
    fw = load_framework("u4ssc")
    resolve_geonames_id(1)
    mark("framework and GeoNames registry")
    data = Path(args.data)
    frame = read_frame(data)
    rows = None
    if data.suffix.lower() in (".csv", ".txt", ".tsv"):
        rows = record_rows(len(frame), _blank_lines(data))
    mark("read")
    table, _ = located_long(frame, data.name, rows)
    del frame, rows
    mark("locate (values split from text)")
    validated = validate_long(table, fw, resolve_geonames=resolve_geonames_id)
    mark("validate")
    del table
    panel = Panel.from_long(validated.long, fw)
    del validated
    mark("cube")
    result = score(panel, fw, Spec.from_data(None, method=args.method))
    mark(f"score ({args.method})")
    out = Path(f"/tmp/phases_out.{args.format}")
    out.unlink(missing_ok=True)  # truncating a big file is slow: not part of the timing
    mark("(remove the previous output)")
    # As the command line does: year by year, ranks computed per year.
    # Arrow and Parquet get the narrow integer columns, as the command line writes them.
    compact = args.format != "csv"
    chunks = (result.columns(years=[y], compact=compact) for y in panel.years)
    n_rows = write_chunks(chunks, out, args.format)
    mark(f"ranks + table + write ({n_rows:,} rows, {args.format})")


if __name__ == "__main__":
    main()
