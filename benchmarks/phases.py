"""Time each phase of ``citydiplomacy score`` on the benchmark data, with peak memory so far.

    .venv/bin/python benchmarks/phases.py [--data benchmarks/_data/long_10000x10.parquet]

Run ``benchmarks/bench_engine.py`` first: it generates the data file.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

START = time.perf_counter()


def mark(label: str) -> None:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{label:44s} {time.perf_counter() - START:6.2f} s   peak RSS {rss:.2f} GiB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="benchmarks/_data/long_10000x10.parquet")
    parser.add_argument("--method", default="u4ssc")
    args = parser.parse_args()

    from citydiplomacy.core.dataset import Panel
    from citydiplomacy.core.score import score
    from citydiplomacy.core.spec import Spec
    from citydiplomacy.core.validate import validate_long
    from citydiplomacy.io.frameworks import load_framework
    from citydiplomacy.io.geonames import resolve_geonames_id
    from citydiplomacy.io.readers import located_long, read_frame
    from citydiplomacy.io.writers import write_chunks

    mark("start-up and imports")
    fw = load_framework("u4ssc")
    resolve_geonames_id(1)
    mark("framework and GeoNames registry")
    frame = read_frame(Path(args.data))
    mark("read")
    table, _ = located_long(frame, Path(args.data).name)
    mark("locate (values split from text)")
    validated = validate_long(table, fw, resolve_geonames=resolve_geonames_id)
    mark("validate")
    del table, frame
    panel = Panel.from_long(validated.long, fw)
    del validated
    mark("cube")
    result = score(panel, fw, Spec.from_data(None, method=args.method))
    mark(f"score ({args.method})")
    _ = result.ranks
    mark("ranks")
    rows = write_chunks(
        (result.table(years=[y]) for y in panel.years), Path("/tmp/phases_out.arrow"), "arrow"
    )
    mark(f"table + write ({rows:,} rows, Arrow IPC)")


if __name__ == "__main__":
    main()
