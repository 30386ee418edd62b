"""Serve a level from a published snapshot: per-series reads with a bounded LRU, not every path in memory.

A ``StoredForecaster`` answers like a ``LevelForecaster`` (``forecast``, ``horizon_total``,
``history``, ``backtest``, ``calibration``, ``series_ids``, ``params``, ``metrics``, ``data_range`` …)
so ``services.forecast_view`` and every adapter work unchanged. It keeps only the level's small
tables (interval calibration, date grids, model facts: ``META_SUFFIX``) and the sorted series ids;
a series' path, scale, history and back-test are read from the snapshot's files when first asked
for (one row of its ``.arrays.f32`` file, by the series' position; the Parquet row groups for a
snapshot published before that file) and kept in an LRU of ``cache_series`` one-series
``LevelForecaster`` objects. The series ids are
a ``data.series_ids.SeriesIds`` memory-mapped from the snapshot's ids file (no Python string per
series; the pages are the host's file cache, shared by its workers). So a worker's memory grows with
the cache, not with the number of series, and the numbers served are computed by the very same code
as before (the one-series forecaster's methods).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from data.forecast_store import (
    BACKTEST_KIND,
    HISTORY_KIND,
    SCALE_KIND,
    SERIES_SUFFIX,
    SERVING_FORMAT,
    SeriesReader,
    SnapshotInfo,
    companion,
    open_arrays,
    open_series_ids,
    open_totals,
    read_meta,
    servable,
    served_snapshots,
)
from data.series_ids import SeriesIds
from models.artifacts import load_artifact
from models.forecaster import ForecastTables, LevelForecaster
from models.intervals import INTERVAL_LEVELS, Calibration
from models.reconciliation import Coherence
from models.registry import get_version
from models.totals import totals_column

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SERIES = 1024
DEFAULT_CACHE_BYTES = 16 * 2**20  # per level; the entry count binds first at the demo's history lengths
ENTRY_OVERHEAD = 2_048  # bytes of Python objects per cached one-series forecaster (traced: ~2 kB)
WARM_SLICE = 128  # series read per pass when warming the LRU


class StoredForecaster:
    """The MASTER of one level as published in ``snapshot`` (see the module docstring); thread-safe."""

    def __init__(
        self,
        snapshot: SnapshotInfo,
        meta: dict,
        series_ids: SeriesIds,
        cache_series: int,
        totals: pa.Table | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        if meta.get("meta_format") != SERVING_FORMAT:
            raise ValueError(f"snapshot {snapshot.id} has serving format {meta.get('meta_format')!r}")
        self.snapshot = snapshot
        self.level: str = meta["level"]
        self.freq: str = meta["freq"]
        self.alias: str = meta["alias"]
        self.version: str = snapshot.model_version
        self.params: dict = meta["params"]
        self.metrics: dict = {k: (np.nan if v is None else v) for k, v in meta["metrics"].items()}
        self.fallbacks: dict = meta["fallbacks"]
        self.format_version: int = meta["format_version"]
        self.data_range = tuple(pd.Timestamp(d) for d in meta["data_range"])
        self.max_horizon: int = int(meta["max_horizon"])
        self.series_ids = series_ids
        f32 = np.float32
        self._lo = {lv: np.asarray(meta["lo"][str(lv)], dtype=f32) for lv in INTERVAL_LEVELS}
        self._hi = {lv: np.asarray(meta["hi"][str(lv)], dtype=f32) for lv in INTERVAL_LEVELS}
        self._center = None if meta["center"] is None else np.asarray(meta["center"], dtype=f32)
        self._rho = float(meta["rho"])
        rho_by = meta.get("rho_by")  # snapshots published before the calibrated ρ have none
        self._rho_by = None if rho_by is None else {str(k): float(v) for k, v in rho_by.items()}
        # How the published numbers were made to add up across levels (None: published unreconciled
        # by an older version, not checked).
        self.coherence = Coherence.from_dict(meta.get("coherence"))
        self._history_dates = _grid(meta["history_dates"], self.alias)
        self._backtest_dates = pd.DatetimeIndex(pd.to_datetime(meta["backtest_dates"]))
        self._backtest_folds = np.asarray(meta["backtest_folds"], dtype=int)
        # Back-test columns by (fold, date) as one sorted int64 key, so a series' back-test rows find
        # their columns with one searchsorted (no Python object per row: those per-row objects, freed
        # between long-lived cache entries, left the worker's small-object heap fragmented).
        keys = _backtest_keys(self._backtest_folds, self._backtest_dates.asi8)
        self._bt_order = np.argsort(keys, kind="stable")
        self._bt_keys = keys[self._bt_order]
        self._history_ns = self._history_dates.asi8
        # Each series' served row (path, scale, history, back-test), read by position (``ArrayRows``): no
        # per-row-group index in memory. A snapshot published without that file is read per row group
        # of its Parquet files (their parsed footers cost ~1.2 kB per series in every worker).
        self._widths = (self.max_horizon, 1, len(self._history_dates), len(self._backtest_dates))
        self._arrays = open_arrays(snapshot, len(series_ids), sum(self._widths))
        if self._arrays is None:
            self._points = SeriesReader(snapshot.path)
            self._rows = SeriesReader(companion(snapshot, SERIES_SUFFIX))
        self._totals = totals  # per-series totals over the standard horizons (models.totals), mapped
        self._cache_size = max(1, int(cache_series))
        self._cache_bytes = max(1, int(cache_bytes))
        self._cache: OrderedDict[str, LevelForecaster] = OrderedDict()
        self._sizes: dict[str, int] = {}  # bytes of each cached forecaster (``_entry_bytes``)
        self._held = 0  # their sum
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        snapshot: SnapshotInfo,
        *,
        cache_series: int = DEFAULT_CACHE_SERIES,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> StoredForecaster:
        """Open ``snapshot`` for serving, validated and proven by a one-step trial forecast; its LRU
        holds at most ``cache_series`` series and ``cache_bytes`` bytes of them."""
        meta = read_meta(snapshot)
        ids = open_series_ids(snapshot, meta)
        meta.pop("series_ids", None)  # an older snapshot's list: the SeriesIds replaces it
        model = cls(snapshot, meta, ids, cache_series, open_totals(snapshot), cache_bytes)
        model.validate()
        if not model.series_ids:
            raise ValueError(f"snapshot {snapshot.id} serves no series")
        model.warm()
        trial = model.forecast(model.series_ids[0], 1)
        if len(trial) != 1:
            raise ValueError(f"snapshot {snapshot.id} returned {len(trial)} rows for a 1-step trial")
        return model

    def warm(self) -> int:
        """Fill the LRU with the first series (up to its bounds), ``WARM_SLICE`` at a time; returns how many.

        Why: a swap happens in the holder's poller, before requests use the snapshot, so a level that
        fits in the cache (the demo's) serves as fast as from memory from its first request; in a larger
        level the first series in sort order are the all-stores series ("store=*…"), the default views.
        """
        ids = self.series_ids[: self._cache_size]
        built: dict[str, LevelForecaster] = {}
        held = 0
        for start in range(0, len(ids), WARM_SLICE):  # a slice at a time: bounded read buffers
            part = ids[start : start + WARM_SLICE]
            if self._arrays is not None:
                fresh = {sid: self._from_row(sid, start + i) for i, sid in enumerate(part)}
            else:
                first, last = part[0], part[-1]
                tables = (self._points.between(first, last), self._rows.between(first, last))
                fresh = self._build_all(*tables, only=set(part))
            built.update(fresh)
            held += sum(_entry_bytes(m) for m in fresh.values())
            if held >= self._cache_bytes:
                break
        with self._lock:
            for sid, model in reversed(built.items()):  # the first ids end as the most recent
                self._admit(sid, model)
        release_unused_buffers()
        return len(self._cache)

    def _admit(self, series_id: str, model: LevelForecaster) -> None:
        """Put ``model`` in the LRU as the most recent; evict the least recent ones beyond the bounds
        (entries and bytes; the newest always stays). Call with the lock held."""
        if series_id in self._cache:
            self._cache.move_to_end(series_id)
            return
        size = _entry_bytes(model)
        self._cache[series_id] = model
        self._sizes[series_id] = size
        self._held += size
        while len(self._cache) > 1 and (
            len(self._cache) > self._cache_size or self._held > self._cache_bytes
        ):
            old, _ = self._cache.popitem(last=False)
            self._held -= self._sizes.pop(old)

    # ----- the per-series forecasters ----------------------------------------------------------
    def _check(self, series_id: str) -> None:
        """KeyError naming the count of valid ids and close matches when ``series_id`` is not served."""
        if series_id in self.series_ids:
            return
        close = self.series_ids.close_matches(str(series_id))
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(
            f"unknown series {series_id!r} for level {self.level!r} "
            f"({len(self.series_ids)} valid ids, e.g. {self.series_ids[0]!r}){hint}"
        )

    def _one(self, series_id: str) -> LevelForecaster:
        """The one-series forecaster of ``series_id`` (from the LRU, else read from the snapshot).

        A read decodes whole row groups; the complete neighbours it holds enter the LRU too, so a
        breakdown over adjacent series (one store's products) costs a few reads, not one per series.
        """
        with self._lock:
            hit = self._cache.get(series_id)
            if hit is not None:
                self._cache.move_to_end(series_id)
                return hit
        self._check(series_id)
        if self._arrays is not None:
            model = self._from_row(series_id, self.series_ids.index(series_id))
            with self._lock:
                self._admit(series_id, model)
            return model
        batch = self._read(series_id)
        release_unused_buffers()
        with self._lock:
            for sid, model in batch.items():
                if sid != series_id:
                    self._admit(sid, model)
            self._admit(series_id, batch[series_id])
            self._cache.move_to_end(series_id)
        return batch[series_id]

    def _read(self, series_id: str) -> dict[str, LevelForecaster]:
        """The forecasters of ``series_id`` and of its complete neighbours in the row groups read."""
        points, rows = self._points.groups(series_id), self._rows.groups(series_id)
        edges = set()  # a table's first and last series may continue in a row group not read
        for table in (points, rows):
            if len(table):
                edges |= {table["series_id"][0].as_py(), table["series_id"][-1].as_py()}
        built = self._build_all(points, rows, skip=edges - {series_id})
        if series_id not in built:
            raise ValueError(f"snapshot {self.snapshot.id} holds no rows of {series_id!r}")
        return built

    def _build_all(
        self, points: pa.Table, rows: pa.Table, skip: set[str] = frozenset(), only: set[str] | None = None
    ) -> dict:
        """One-series forecasters of every series in both tables (minus ``skip``; only those of ``only``
        when given: the others may be incomplete), from numpy slices of
        the Arrow columns: no pandas frame per series (a warm-up of 1,024 series built ~1,000 small
        frames whose garbage stayed in the worker's heap: +133 MB at 10x, measured)."""
        forecast = points["forecast"].to_numpy().astype(np.float32)
        kind = rows["kind"].to_numpy()
        dates = rows["date"].to_numpy().astype("datetime64[ns]").view(np.int64)
        values = rows["value"].to_numpy().astype(np.float32)
        by_rows = dict(_runs(rows["series_id"]))
        built = {}
        for sid, (a, b) in _runs(points["series_id"]):
            if sid in skip or sid not in by_rows or (only is not None and sid not in only):
                continue
            c, d = by_rows[sid]
            built[sid] = self._build(sid, forecast[a:b], kind[c:d], dates[c:d], values[c:d])
        return built

    def _build(
        self, series_id: str, points: np.ndarray, kind: np.ndarray, dates: np.ndarray, values: np.ndarray
    ) -> LevelForecaster:
        """One series' forecaster from its rows of the points file and of the companion (dates as ns)."""
        f32 = np.float32
        if len(points) != self.max_horizon:
            raise ValueError(f"snapshot {self.snapshot.id} holds {len(points)} steps of {series_id!r}")
        history = np.full(len(self._history_dates), np.nan, dtype=f32)
        mine = kind == HISTORY_KIND
        at = np.searchsorted(self._history_ns, dates[mine])
        if len(at) and (at.max() >= len(self._history_ns) or (self._history_ns[at] != dates[mine]).any()):
            raise ValueError(f"snapshot {self.snapshot.id} has history of {series_id!r} off its date grid")
        history[at] = values[mine]
        scale = values[kind == SCALE_KIND]
        backtest = np.full(len(self._backtest_dates), np.nan, dtype=f32)
        scored = kind >= BACKTEST_KIND
        if scored.any():
            keys = _backtest_keys(kind[scored].astype(np.int64) - BACKTEST_KIND, dates[scored])
            at = np.minimum(np.searchsorted(self._bt_keys, keys), max(len(self._bt_keys) - 1, 0))
            if not len(self._bt_keys) or (self._bt_keys[at] != keys).any():
                raise ValueError(
                    f"snapshot {self.snapshot.id} has back-test rows of {series_id!r} off its grid"
                )
            backtest[self._bt_order[at]] = values[scored]
        scale = np.asarray(scale[:1] if len(scale) else [0.0], dtype=np.float32)
        return self._forecaster(series_id, points, scale, history, backtest)

    def _from_row(self, series_id: str, position: int) -> LevelForecaster:
        """One series' forecaster from its row of the serving arrays (read into a fresh array the LRU
        entry owns)."""
        row = self._arrays.row(position)
        cuts = np.cumsum(self._widths)
        points, scale, history, backtest = np.split(row, cuts[:-1])
        return self._forecaster(series_id, points, scale, history, backtest)

    def _forecaster(
        self, series_id: str, points: np.ndarray, scale: np.ndarray, history: np.ndarray, backtest: np.ndarray
    ) -> LevelForecaster:
        """The one-series ``LevelForecaster`` over its arrays and the level's shared tables."""
        tables = ForecastTables(
            points=points[None, :],
            scales=scale,
            lo=self._lo,
            hi=self._hi,
            rho=self._rho,
            history=history[None, :],
            history_dates=self._history_dates,
            backtest=backtest[None, :],
            backtest_dates=self._backtest_dates,
            backtest_folds=self._backtest_folds,
            center=self._center,
            rho_by=self._rho_by,
        )
        return LevelForecaster(
            level=self.level,
            freq=self.freq,
            alias=self.alias,
            series_ids=(series_id,),
            params=self.params,
            metrics=self.metrics,
            data_range=self.data_range,
            max_horizon=self.max_horizon,
            tables=tables,
            version=self.version,
            fallbacks=self.fallbacks,
            format_version=self.format_version,
        )

    # ----- the LevelForecaster interface ---------------------------------------------------------
    def forecast(
        self, series_id: str, horizon: int, *, freq: str | None = None, interval: float = 0.8
    ) -> pd.DataFrame:
        """As ``LevelForecaster.forecast`` (date, forecast, lower, upper) for one series."""
        return self._one(series_id).forecast(series_id, horizon, freq=freq, interval=interval)

    def horizon_total(self, series_id: str, horizon: int, *, freq: str | None = None) -> float:
        """As ``LevelForecaster.horizon_total``."""
        return self._one(series_id).horizon_total(series_id, horizon, freq=freq)

    def horizon_totals(
        self, series_ids: Iterable[str], horizon: int, *, freq: str | None = None
    ) -> pd.Series:
        """As ``LevelForecaster.horizon_totals`` (the served ids among ``series_ids``, in that order).

        Over a standard horizon the totals are the snapshot's published ones (``models.totals``): one
        vectorised id lookup and a ``take`` from the memory-mapped companion, whatever the number of
        series; another horizon (or a snapshot published without totals) reads each series.
        """
        wanted = list(series_ids)
        at = self.series_ids.positions(wanted)
        keep = at >= 0
        served = pd.Index([s for s, k in zip(wanted, keep.tolist(), strict=True) if k], dtype=object)
        name = totals_column(freq or self.freq, horizon) if isinstance(horizon, int | np.integer) else None
        if self._totals is not None and name in self._totals.column_names:
            values = self._totals.column(name).take(pa.array(at[keep])).to_numpy()
        else:
            values = [self.horizon_total(s, horizon, freq=freq) for s in served]
        return pd.Series(values, index=served, dtype=float)

    def history(self, series_id: str) -> pd.Series:
        """As ``LevelForecaster.history``: the actuals the published forecast saw."""
        return self._one(series_id).history(series_id)

    def backtest(self, series_id: str) -> pd.DataFrame:
        """As ``LevelForecaster.backtest``: the training's out-of-sample predictions."""
        return self._one(series_id).backtest(series_id)

    def calibration(self) -> Calibration:
        """The interval calibration served."""
        return Calibration(self._lo, self._hi, self._rho, 0, self._center)

    def cached_series(self) -> int:
        """How many series are held in memory now (at most ``cache_series``)."""
        return len(self._cache)

    def cached_bytes(self) -> int:
        """Bytes of the series held now (``_entry_bytes``; at most ``cache_bytes`` beyond the newest)."""
        return self._held

    def validate(self) -> None:
        """Raise ValueError when the level's tables are inconsistent (checked before a hot swap)."""
        problems = []
        if not self.series_ids.is_sorted():
            problems.append("series ids not sorted")
        for lv in INTERVAL_LEVELS:
            lo, hi = self._lo[lv], self._hi[lv]
            if lo.shape != (self.max_horizon,) or hi.shape != (self.max_horizon,) or not (lo <= hi).all():
                problems.append(f"interval table {lv} of the wrong length or lower above upper")
        if len(self._history_dates) and (self._history_dates[0], self._history_dates[-1]) != self.data_range:
            problems.append("data_range does not match the history dates")
        if len(self._backtest_dates) != len(self._backtest_folds):
            problems.append("back-test dates and folds differ in length")
        if self._totals is not None and self._totals.num_rows != len(self.series_ids):
            problems.append(f"totals of {self._totals.num_rows} series for {len(self.series_ids)} ids")
        if problems:
            raise ValueError(f"inconsistent snapshot {self.snapshot.id}: " + "; ".join(problems))

    def __repr__(self) -> str:
        return (
            f"StoredForecaster(level={self.level!r}, version={self.version!r}, snapshot={self.snapshot.id})"
        )


def _backtest_keys(folds: np.ndarray, dates_ns: np.ndarray) -> np.ndarray:
    """One int64 per (fold, date): the fold in the high bits, the day number in the low 32."""
    days = np.asarray(dates_ns, dtype=np.int64) // 86_400_000_000_000
    return np.asarray(folds, dtype=np.int64) * 2**32 + days


def _entry_bytes(model: LevelForecaster) -> int:
    """What one cached one-series forecaster costs: its own arrays plus ``ENTRY_OVERHEAD`` (the level's
    shared tables are not counted; a daily series with a long history weighs more than a short one)."""
    t = model.tables
    return int(t.points.nbytes + t.history.nbytes + t.backtest.nbytes + t.scales.nbytes) + ENTRY_OVERHEAD


def release_unused_buffers() -> None:
    """Give the memory Arrow's allocator kept after the decoded row groups were dropped back to the
    system. Why: its allocator (mimalloc) keeps freed pages for reuse; a worker that warmed three
    levels held ~47 MB of them (10× the demo, measured) with ~3 MB in use. Microseconds per call."""
    pa.default_memory_pool().release_unused()


def _runs(column: pa.ChunkedArray | pa.Array) -> list[tuple[str, tuple[int, int]]]:
    """``(series id, (start, stop))`` of each run of equal ids in a series-sorted column (one Python
    string per series, not per row)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if len(column) == 0:
        return []
    encoded = pc.dictionary_encode(column)
    codes = encoded.indices.to_numpy()
    cuts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    starts = np.concatenate([[0], cuts])
    stops = np.concatenate([cuts, [len(codes)]])
    names = encoded.dictionary.to_pylist()
    return [(names[codes[a]], (int(a), int(b))) for a, b in zip(starts, stops, strict=True)]


def _grid(dates: list[str], alias: str) -> pd.DatetimeIndex:
    """The history grid with its frequency set (as training's ``pd.date_range`` had it)."""
    index = pd.DatetimeIndex(pd.to_datetime(dates))
    try:
        return pd.DatetimeIndex(index, freq=alias)
    except ValueError:
        return index


def load_served(engine: Engine, level: str, version_id: str) -> Any:
    """The forecaster of ``version_id`` as workers serve it: its newest published snapshot, else its
    artifact (``ArtifactError`` when that cannot be loaded). Used where no holder runs (the CLI)."""
    pointer = served_snapshots(engine, {level: version_id}).get(level)
    if pointer is not None and servable(pointer):
        try:
            return StoredForecaster.open(pointer)
        except Exception:
            logger.warning("cannot serve snapshot %s; loading the artifact", pointer.id, exc_info=True)
    info = get_version(engine, version_id)
    return load_artifact(info.artifact_path, expected_level=level)
