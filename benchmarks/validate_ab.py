"""Compare ``validate_long`` at an earlier commit with the current one, in one process.

    .venv/bin/python benchmarks/validate_ab.py --before bf5baa9 [--rounds 6]
        [--data benchmarks/_data/long_10000x10.parquet]

The earlier ``core/validate.py`` is taken from git (``git show REV:...``) and loaded beside the
current one; both are called on the same table in turn, the order swapped every round, and the
wall and CPU time (user + system, all threads) of every call are printed with the medians. On
a busy machine this cancels most of the load that makes whole-process timings swing; the two
outputs are also checked to be identical. Run ``benchmarks/bench_engine.py`` first: it
generates the data file.
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from citydiplomacy.core import validate as current
from citydiplomacy.io.frameworks import load_framework
from citydiplomacy.io.geonames import resolve_geonames_id
from citydiplomacy.io.readers import located_long, read_frame

ROOT = Path(__file__).resolve().parents[1]


def earlier(rev: str) -> ModuleType:
    """``core/validate.py`` as of ``rev``, loaded as a module of its own."""
    text = subprocess.run(
        ["git", "show", f"{rev}:src/citydiplomacy/core/validate.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(text)
    spec = importlib.util.spec_from_file_location("validate_before", f.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["validate_before"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Assert two validated tables are equal, column by column on their arrays (fast for
    millions of rows: categoricals by categories and codes)."""
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for name in a.columns:
        x, y = a[name], b[name]
        assert x.dtype == y.dtype, name
        if isinstance(x.dtype, pd.CategoricalDtype):
            assert list(x.cat.categories) == list(y.cat.categories), name
            assert np.array_equal(x.cat.codes.to_numpy(), y.cat.codes.to_numpy()), name
        elif isinstance(x.array, pd.arrays.IntegerArray):
            assert np.array_equal(x.isna().to_numpy(), y.isna().to_numpy()), name
            assert np.array_equal(x.fillna(0).to_numpy(), y.fillna(0).to_numpy()), name
        else:
            xs, ys = x.to_numpy(), y.to_numpy()
            equal_nan = xs.dtype.kind == "f"
            assert np.array_equal(xs, ys, equal_nan=equal_nan), name


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="git revision of the earlier code")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--data", default=str(ROOT / "benchmarks/_data/long_10000x10.parquet"))
    args = parser.parse_args()
    before = earlier(args.before)
    fw = load_framework("u4ssc")
    path = Path(args.data)
    frame = read_frame(path)
    # One call first, not timed: the GeoNames registry and numpy's code paths warm up for both.
    current.validate_long(
        located_long(frame, path.name)[0], fw, resolve_geonames=resolve_geonames_id
    )
    times: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    results = {}
    for rnd in range(args.rounds):
        pair = [("before", before), ("after", current)]
        for name, module in pair if rnd % 2 == 0 else pair[::-1]:
            table, _ = located_long(frame, path.name)
            wall, cpu = time.perf_counter(), cpu_seconds()
            result = module.validate_long(table, fw, resolve_geonames=resolve_geonames_id)
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            times[name].append((wall, cpu))
            load = Path("/proc/loadavg").read_text().split()[0]
            print(f"{name:6s} wall {wall:6.2f} s  CPU {cpu:5.2f} s  load {load}", flush=True)
            if rnd == 0:
                results[name] = result
        if rnd == 0:
            a, b = results.pop("before"), results.pop("after")
            assert [str(p) for p in a.warnings] == [str(p) for p in b.warnings]
            same_table(a.long, b.long)
            print("outputs identical", flush=True)
    for name, xs in times.items():
        print(
            f"{name}: median wall {statistics.median(w for w, _ in xs):.2f} s, "
            f"median CPU {statistics.median(c for _, c in xs):.2f} s ({len(xs)} calls)"
        )


if __name__ == "__main__":
    main()
