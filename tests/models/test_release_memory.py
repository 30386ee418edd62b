"""Giving freed memory back between training steps only where there is something to give back."""

from __future__ import annotations

import numpy as np

from models.compute import release_memory, resident_bytes


def test_a_small_process_skips_the_collection_and_a_large_one_trims():
    resident = resident_bytes()
    assert resident is not None and resident > 10 * 2**20  # this interpreter with numpy loaded
    assert release_memory(above=resident * 4) is False  # small: a full collection would cost for nothing
    block = np.ones(64 * 2**20 // 8)  # 64 MB touched, then freed
    assert resident_bytes() >= resident + 32 * 2**20
    del block
    assert release_memory(above=0) is True
    assert resident_bytes() < resident + 32 * 2**20  # the freed block left the process
