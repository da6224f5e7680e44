"""The command line keeps freed memory for reuse: slices of work stop faulting pages in."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Twenty rounds of a slice's work: four 8 MiB temporaries alive at once, then all freed;
# prints the minor page faults.
PROBE = """
import resource, sys
import numpy as np
if sys.argv[1] == "tuned":
    from citydiplomacy.malloc import keep_freed_memory
    assert keep_freed_memory()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    temporaries = [np.ones(2**20) for _ in range(4)]
    del temporaries
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_freed_slices_are_reused_instead_of_faulted_in_again() -> None:
    default, tuned = faults("default"), faults("tuned")
    # Without tuning the freed top of the heap is given back and rounds fault their pages in
    # again (about 40,000 faults here); with it, only the first round does (about 2,000).
    assert tuned <= 8192
    assert default > 4 * tuned
