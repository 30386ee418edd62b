"""Keep freed memory inside the process while a bulk import runs, then give it back once.

An import of 1M rows allocates and frees hundreds of MB of short-lived arrays one after the other
(Arrow columns, NumPy codes, pandas frames, ``COPY`` blocks). glibc serves each large block by ``mmap``
and unmaps it when freed, so the next array's pages are faulted in and zeroed afresh. On a virtual
machine that reports freed guest memory to its host (free page reporting or a balloon: Firecracker, the
2-core machine of bench/README.md) such a page costs the host's fault as well: touching 200 MB of fresh
memory took 1.8 s there, against 0.05 s for memory the process had just freed. With large blocks taken
from the heap and freed ones kept for the next, reading and validating the 1M-row bench file in a fresh
process took 1.3-2.2 s instead of 2.4-3.8 s (six alternations, load 8).

glibc only (``mallopt``, ``malloc_trim``); elsewhere nothing changes. The setting is the process's: a
thread allocating during the import uses the heap too (harmless), and two imports overlapping in one
process end their retention at the first one's end (the second is then only slower).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from contextlib import contextmanager

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
_RETAINED = 1 << 30  # during an import: blocks up to 1 GiB from the heap, freed memory kept
# After it: what glibc's own rule settles on once a large block has been freed (its 64-bit maximum
# mmap threshold, trim threshold twice that); setting any threshold turns that rule off for good.
_AFTER_MMAP, _AFTER_TRIM = 32 << 20, 64 << 20


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has ``mallopt`` and ``malloc_trim``), else None."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt, libc.malloc_trim  # noqa: B018 - present on glibc only
    except (OSError, AttributeError):
        return None
    return libc


@contextmanager
def retained_heap() -> Iterator[bool]:
    """Within the block, freed memory stays in the process for the next allocation; at its end the free
    memory is returned to the system (``malloc_trim``). Yields whether this C library supports it."""
    libc = _glibc()
    if libc is None:
        yield False
        return
    try:
        yield bool(libc.mallopt(_M_MMAP_THRESHOLD, _RETAINED) & libc.mallopt(_M_TRIM_THRESHOLD, _RETAINED))
    finally:
        libc.mallopt(_M_MMAP_THRESHOLD, _AFTER_MMAP)
        libc.mallopt(_M_TRIM_THRESHOLD, _AFTER_TRIM)
        libc.malloc_trim(0)
