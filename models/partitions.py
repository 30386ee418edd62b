"""Sales read from the database in partitions of whole stores, never as one frame of every row.

A training run reads a level's series one partition at a time: each partition (a run of stores, in
sorted order, holding at most ``max_rows`` rows) becomes a small panel on the whole dataset's grid;
its stores' own series are kept and its all-stores totals are added to the running totals. Peak
memory is then the level's panel (series x grid dates, which every model reads) plus one partition,
whatever the number of rows. The data fingerprint is hashed part by part in the same store order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from data.queries import load_sales, sales_dates, store_reporting
from models.series import DataDigest, Panel, level_panel, sales_grid

DEFAULT_PARTITION_ROWS = 1_000_000


def store_partitions(row_counts: list[tuple[str, int]], max_rows: int) -> list[list[str]]:
    """Consecutive runs of stores (in the given order) of at most ``max_rows`` rows each.

    A store larger than ``max_rows`` is a partition of its own: a store's series are never split.
    """
    if max_rows < 1:
        raise ValueError(f"max_rows must be >= 1, got {max_rows}")
    parts: list[list[str]] = []
    size = 0
    for store, rows in row_counts:
        if parts and size + rows <= max_rows:
            parts[-1].append(store)
            size += rows
        else:
            parts.append([store])
            size = rows
    return parts


class PartitionedSales:
    """The sales up to ``through`` (all when None), read per partition of stores from ``engine``.

    Implements ``models.series.SalesSource``. The last panel built is kept, since a run asks for the
    same level's panel again when it re-scores the MASTER right after training.
    """

    def __init__(
        self, engine: Engine, *, through: dt.date | None = None, max_rows: int | None = None
    ) -> None:
        self.engine = engine
        self.through = through
        self.max_rows = max_rows or DEFAULT_PARTITION_ROWS
        counts = [(r.store, r.rows) for r in store_reporting(engine)]
        self.partitions = store_partitions(counts, self.max_rows)
        self._dates = pd.DatetimeIndex(sales_dates(engine, end=through))
        self._last: tuple[tuple[str, str, str], Panel] | None = None
        self._digest: DataDigest | None = None  # hashed during the first panel build

    @property
    def empty(self) -> bool:
        """True when there is no sales row to train on."""
        return len(self._dates) == 0

    def frames(self) -> Iterator[pd.DataFrame]:
        """Each partition's sales rows (``date, store, category, product, revenue``), stores in order."""
        for stores in self.partitions:
            frame = load_sales(self.engine, stores=stores, end=self.through)
            if len(frame):
                yield frame

    def panel(self, level: str, freq: str, holidays: str) -> Panel:
        """The level's panel (as ``level_panel`` of the whole frame), built partition by partition."""
        key = (level, freq, holidays)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        self._last = None  # release the previous level's panel before building this one
        if self.empty:
            raise ValueError("sales frame is empty: nothing to forecast")
        grid = sales_grid(freq, self._dates)
        own: list[Panel] = []
        totals: dict[str, np.ndarray] = {}
        digest = DataDigest(freq) if self._digest is None or self._digest.freq != freq else None
        for frame in self.frames():
            part = level_panel(frame, level, freq, holidays, grid=grid)
            if digest is not None:
                digest.add(frame)
            del frame
            mine = np.array([not sid.startswith("store=*") for sid in part.ids])
            own.append(part.take(np.flatnonzero(mine)))
            for i in np.flatnonzero(~mine):
                sid = part.ids[i]
                totals[sid] = part.values[i] if sid not in totals else _nan_add(totals[sid], part.values[i])
        ids = list(totals) + [sid for p in own for sid in p.ids]
        values = (
            np.vstack([*totals.values(), *(p.values for p in own)]) if ids else np.empty((0, len(grid[1])))
        )
        del own, totals
        order = np.argsort(np.array(ids, dtype=object))
        panel = Panel(tuple(ids[i] for i in order), grid[1], values[order], freq, grid[0], holidays)
        self._last = (key, panel)
        if digest is not None:
            self._digest = digest
        return panel

    def fingerprint(self, freq: str, n_series: int) -> dict:
        """Rows, date range and sha256 of every row (hashed while the first panel was built)."""
        digest = self._digest
        if digest is None or digest.freq != freq:
            digest = DataDigest(freq)
            for frame in self.frames():
                digest.add(frame)
            self._digest = digest
        return digest.result(n_series)


def _nan_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cell-wise sum where NaN (before a series started) counts as absent: NaN only where both are."""
    out = np.where(np.isnan(a), 0.0, a) + np.where(np.isnan(b), 0.0, b)
    out[np.isnan(a) & np.isnan(b)] = np.nan
    return out
