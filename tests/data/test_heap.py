"""An import keeps freed memory for its next arrays, and gives it back to the system when it ends."""

from __future__ import annotations

import psutil

from data.heap import retained_heap

BLOCK = 256 << 20


def rss() -> int:
    return psutil.Process().memory_info().rss


def touched_and_freed() -> None:
    """Allocate a large block, write every page of it, free it."""
    block = bytearray(BLOCK)  # calloc: pages are touched only when written
    block[::4096] = b"\x01" * len(range(0, BLOCK, 4096))
    del block


def test_freed_memory_stays_for_the_next_allocation_then_goes_back():
    base = rss()
    touched_and_freed()
    assert rss() - base < BLOCK // 4  # by default a freed large block goes straight back (munmap)
    with retained_heap() as retained:
        assert retained  # glibc (Debian): supported
        touched_and_freed()
        kept = rss() - base
        assert kept > BLOCK // 2  # still mapped in the process, ready for the next array
        touched_and_freed()
        assert rss() - base < kept + BLOCK // 4  # the second block reused the first one's pages
    assert rss() - base < BLOCK // 4  # returned once the import ended (malloc_trim)
    touched_and_freed()
    assert rss() - base < BLOCK // 4  # large blocks are unmapped again when freed
