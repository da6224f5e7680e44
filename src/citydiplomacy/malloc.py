"""Keep freed memory for reuse in the long batch commands.

The engine works on arrays of millions of rows, a slice at a time: each slice's temporaries
are a few megabytes, freed and allocated again for the next slice. glibc's allocator hands
blocks of that size back to the operating system when they are freed (``mmap`` above a
threshold that starts at 128 KiB, and trimming the top of the heap), so every slice faults
its pages in afresh: on a virtual machine that costs about a second per gigabyte. Raising the
``mmap`` threshold to its maximum (32 MiB) and the trim threshold keeps such blocks in the
heap, where the next slice reuses them. Arrays larger than 32 MiB are still returned at once.

Only the command line calls :func:`keep_freed_memory`; a long-running web server keeps the
allocator's defaults.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

#: ``mallopt`` parameters (glibc ``malloc.h``).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: glibc's largest ``mmap`` threshold on 64-bit systems.
MMAP_THRESHOLD = 32 * 2**20
#: Free memory at the top of the heap kept before any is given back.
TRIM_THRESHOLD = 1024 * 2**20


def keep_freed_memory() -> bool:
    """Tune glibc's allocator for slice-by-slice array work; ``False`` where it cannot.

    Returns
    -------
    bool
        Whether both settings were applied (``False`` off Linux, or with another C library).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
