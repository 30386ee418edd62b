"""One fixed-width float32 row per series in a file, read by the series' position.

A published snapshot's ``.arrays.f32`` companion (``data.forecast_store.ARRAYS_SUFFIX``) holds, per
series in the ids' order, what a serving worker needs of it (path, scale, history, back-test;
``models.stored`` knows the layout). Reading a row needs its position only (``SeriesIds.positions``):
no index per row group or per series is kept in memory, so a worker's memory does not grow with the
number of series published.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ARRAYS_DTYPE = np.dtype("<f4")  # little-endian float32, whatever the host


class ArrayRows:
    """The per-series serving rows of one snapshot (``ARRAYS_SUFFIX``): ``row(position)`` reads one
    series' float32 row with one positioned read (thread-safe, no lock).

    Why a read and not a memory map: a mapped page a worker touched counts in its RSS until the kernel
    takes it back, so a long-lived worker that visited many series would look as large as the file; a
    read leaves the file's pages in the host's page cache (shared by every worker) and the worker holds
    only the rows its LRU keeps. Nothing per series or per row group is held: the file handle only.
    """

    def __init__(self, path: str | os.PathLike[str], n_series: int, width: int) -> None:
        self.n_series, self.width = int(n_series), int(width)
        self._row_bytes = self.width * ARRAYS_DTYPE.itemsize
        self._file = open(path, "rb")  # noqa: SIM115 (held for the snapshot's life; closed by close/GC)
        size = os.fstat(self._file.fileno()).st_size
        if size != self.n_series * self._row_bytes:
            self._file.close()
            raise ValueError(
                f"{Path(path).name} holds {size} bytes, expected {self.n_series} series × {self._row_bytes}"
            )

    def row(self, position: int) -> np.ndarray:
        """The row of the series at ``position`` in the ids' order (a fresh array the caller owns)."""
        if not 0 <= position < self.n_series:
            raise IndexError(f"series position {position} outside 0..{self.n_series - 1}")
        data = os.pread(self._file.fileno(), self._row_bytes, position * self._row_bytes)
        if len(data) != self._row_bytes:
            raise OSError(f"short read of series row {position}: {len(data)} of {self._row_bytes} bytes")
        return np.frombuffer(bytearray(data), dtype=ARRAYS_DTYPE)

    def close(self) -> None:
        """Close the file (rows cannot be read after)."""
        self._file.close()
