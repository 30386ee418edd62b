"""The forecast store: published snapshots of every series' forecast, kept as Parquet + one row each.

A snapshot is "what we said" for one level at one instant: the model version, the origin (last
actual date the forecast saw) and, per series and date at the data's own frequency, the forecast and
its 80%/95% bounds. The monitoring compares archived snapshots with the actuals that arrive later;
serving can read the latest snapshot per series instead of holding every path in memory.

Why Parquet files and not rows in the database: a product level of a chain is 10^5–10^6 series ×
~100–400 dates per snapshot, and snapshots are taken at least daily; a columnar file sorted by series
is written in one pass, is ~10× smaller than rows and is read per series by row-group pruning. The
database row (``forecast_snapshots``) is what makes a snapshot exist: the file is written atomically
first, then registered; a file without a row is an orphan that ``prune_snapshots`` removes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from sqlalchemy import Engine, delete, func, insert, select

from data.array_rows import ARRAYS_DTYPE, ArrayRows
from data.files import fsync_dir
from data.schema import ForecastSnapshot, utc_now
from data.series_ids import SeriesIds

POINT_COLUMNS = ("series_id", "date", "forecast", "lo80", "hi80", "lo95", "hi95")
_VALUE_COLUMNS = POINT_COLUMNS[2:]
_SCHEMA = pa.schema(
    [("series_id", pa.string()), ("date", pa.date32())] + [(c, pa.float32()) for c in _VALUE_COLUMNS]
)
ROW_GROUP_ROWS = 65_536
SERVING_ROW_GROUP_ROWS = 4_096  # a served series is read one row group at a time: ~10 series per group
SERIES_COLUMNS = ("series_id", "kind", "date", "value")
_SERIES_SCHEMA = pa.schema(
    [("series_id", pa.string()), ("kind", pa.int16()), ("date", pa.date32()), ("value", pa.float32())]
)
HISTORY_KIND, SCALE_KIND, BACKTEST_KIND = (
    0,
    1,
    2,
)  # companion row kinds; a back-test row is BACKTEST_KIND + fold
SERVING_FORMAT = 1  # version of the companions' layout (``meta_format`` in the meta file)
SERIES_SUFFIX = ".series.parquet"
META_SUFFIX = ".meta.json"
IDS_SUFFIX = ".ids.arrow"  # the sorted series ids, memory-mapped by serving workers (data.series_ids)
# Row-group statistics are written for the series id only: readers prune row groups by series (each row
# group holds whole series over every date, so date or value ranges prune nothing). The footer of the 100×
# product points file: 2.75 -> 2.12 MB. (What a serving worker holds parsed per file is dominated by every
# row group's column metadata, ~6 kB per row group either way: see bench/history/scale.md.)
STATISTICS_COLUMNS = ["series_id"]
TOTALS_SUFFIX = ".totals.arrow"  # per-series totals over the standard horizons (models.totals), mapped too
# What a worker reads per series, as one fixed-width row of little-endian float32 per series in the ids'
# order (path, scale, history, back-test: ``models.stored`` knows the layout from the meta file):
# memory-mapped and addressed by the series' position, so a worker holds no per-row-group index (the
# parsed Parquet footers cost ~1.2 kB per series in every worker). Written by ``models.publishing``.
ARRAYS_SUFFIX = ".arrays.f32"


@dataclass(frozen=True)
class SnapshotInfo:
    """The registered metadata of one snapshot."""

    id: int
    level: str
    model_version: str
    origin: dt.date
    freq: str
    reason: str
    created_at: dt.datetime
    path: str
    n_series: int
    n_rows: int


def _info(row: ForecastSnapshot | object) -> SnapshotInfo:
    return SnapshotInfo(
        id=row.id,
        level=row.level,
        model_version=row.model_version,
        origin=row.origin,
        freq=row.freq,
        reason=row.reason,
        created_at=row.created_at,
        path=row.path,
        n_series=row.n_series,
        n_rows=row.n_rows,
    )


def _table(points: pd.DataFrame) -> pa.Table:
    """Validated, series-sorted Arrow table of ``points``; ValueError naming what is wrong."""
    missing = [c for c in POINT_COLUMNS if c not in points.columns]
    if missing:
        raise ValueError(f"forecast points lack column(s) {', '.join(missing)}")
    frame = points.loc[:, list(POINT_COLUMNS)].copy()
    frame["series_id"] = frame["series_id"].astype(str)
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    if frame.duplicated(["series_id", "date"]).any():
        raise ValueError("forecast points repeat a (series_id, date) pair")
    frame = frame.sort_values(["series_id", "date"], kind="stable")
    return pa.Table.from_pandas(frame, schema=_SCHEMA, preserve_index=False)


def _series_table(rows: pd.DataFrame) -> pa.Table:
    """Validated Arrow table of companion ``rows`` (``SERIES_COLUMNS``), sorted by series, kind, date."""
    missing = [c for c in SERIES_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"series rows lack column(s) {', '.join(missing)}")
    frame = rows.loc[:, list(SERIES_COLUMNS)].copy()
    frame["series_id"] = frame["series_id"].astype(str)
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    frame = frame.sort_values(["series_id", "kind", "date"], kind="stable")
    return pa.Table.from_pandas(frame, schema=_SERIES_SCHEMA, preserve_index=False)


def companion(snapshot: SnapshotInfo | str | os.PathLike[str], suffix: str) -> Path:
    """Path of a snapshot's companion file (``SERIES_SUFFIX``, ``META_SUFFIX``, ``IDS_SUFFIX`` or
    ``TOTALS_SUFFIX``)."""
    path = Path(snapshot.path if isinstance(snapshot, SnapshotInfo) else snapshot)
    return path.with_name(path.name.removesuffix(".parquet") + suffix)


def _files(path: Path) -> list[Path]:
    """The points file of a snapshot and its companions."""
    suffixes = (SERIES_SUFFIX, META_SUFFIX, IDS_SUFFIX, TOTALS_SUFFIX, ARRAYS_SUFFIX)
    return [path, *(companion(path, suffix) for suffix in suffixes)]


def write_snapshot(engine: Engine, folder: str | os.PathLike[str], **snapshot: Any) -> SnapshotInfo:
    """Write a new snapshot (the keywords of ``stage_snapshot``: level, model_version, origin, freq,
    reason, points, ...) and register it.

    ``series_rows`` (``SERIES_COLUMNS``) and ``meta`` (JSON-able), when given, are written as the
    serving companions (see the module docstring); ``row_group_rows`` is the Parquet row-group size
    (smaller groups make a single series cheaper to read: ``SERVING_ROW_GROUP_ROWS``).

    Why this order: every file is complete before the row exists, so a reader that sees the row can
    always read them; if a write or the insert fails the files are removed and nothing is registered.
    """
    return register_snapshots(engine, [stage_snapshot(folder, **snapshot)])[0]


@dataclass(frozen=True)
class StagedSnapshot:
    """A snapshot's files written completely but not registered yet (``register_snapshots``)."""

    values: dict


def stage_snapshot(
    folder: str | os.PathLike[str],
    *,
    level: str,
    model_version: str,
    origin: dt.date | pd.Timestamp,
    freq: str,
    reason: str,
    points: pd.DataFrame,
    series_rows: pd.DataFrame | None = None,
    meta: Mapping | None = None,
    row_group_rows: int = ROW_GROUP_ROWS,
) -> StagedSnapshot:
    """The files of a snapshot (as ``write_snapshot``) written, the row not inserted yet.

    Why separate: snapshots of several levels that belong together (reconciled with each other) are
    registered in one transaction, so a reader never sees some levels' new numbers with the others' old.
    A failed write removes its files.
    """
    return stage_snapshot_parts(
        folder,
        level=level,
        model_version=model_version,
        origin=origin,
        freq=freq,
        reason=reason,
        parts=[(points, series_rows)],
        serving=series_rows is not None or meta is not None,
        meta=meta,
        row_group_rows=row_group_rows,
    )


def stage_snapshot_parts(
    folder: str | os.PathLike[str],
    *,
    level: str,
    model_version: str,
    origin: dt.date | pd.Timestamp,
    freq: str,
    reason: str,
    parts: Iterable[tuple[pd.DataFrame, pd.DataFrame | None] | tuple[pd.DataFrame, pd.DataFrame | None, Any]],
    serving: bool,
    meta: Mapping | None = None,
    row_group_rows: int = ROW_GROUP_ROWS,
) -> StagedSnapshot:
    """As ``stage_snapshot``, with the points (and companion rows, or None) given as ``parts`` of whole
    series in increasing series order, written one part at a time (``serving``: also write the
    companions and the ids file). A part may carry a third item, an Arrow table with one row per
    series of the part in series order (``models.totals``): written as the ``TOTALS_SUFFIX``
    companion (every part then carries one, with the same columns); and a fourth, a float32 matrix with
    one row per series of the part in series order (every part then carries one, of the same width):
    appended to the ``ARRAYS_SUFFIX`` companion.

    Why: a level's points are series × up to 400 steps (15M rows at 37,550 series); one frame of them
    with its sorted and Arrow copies was the training process's peak. Here one part is in memory at a
    time. A part repeating or going back on a series of an earlier part is a ValueError.
    """
    payload = None if meta is None else json.dumps(dict(meta), allow_nan=False).encode("utf-8")
    created = utc_now()
    path = Path(folder) / "forecasts" / level / f"{created:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = {p: p.with_name(f".{p.name}.{uuid.uuid4().hex[:8]}.tmp") for p in _files(path)}
    n_rows, chunks, last = 0, [], None
    widths: list[int] = []  # the serving arrays' row width, set by the first part
    try:
        with contextlib.ExitStack() as stack:
            writers: dict[Path, Any] = {}  # Parquet, the totals' Arrow IPC and the arrays' files

            def writer(target: Path, schema: pa.Schema) -> pq.ParquetWriter:
                if target not in writers:
                    writers[target] = stack.enter_context(
                        pq.ParquetWriter(temporary[target], schema, write_statistics=STATISTICS_COLUMNS)
                    )
                return writers[target]

            for points, rows, *extra in parts:
                table = _table(points)
                ids = pc.unique(table["series_id"])
                if len(table):
                    if last is not None and ids[0].as_py() <= last:
                        raise ValueError("snapshot parts must hold whole series in increasing series order")
                    last = ids[-1].as_py()
                    chunks.append(ids)
                    n_rows += len(table)
                totals = extra[0] if extra else None
                arrays = extra[1] if len(extra) > 1 else None
                if serving and arrays is not None:
                    block = _array_rows(arrays, len(ids), widths[0] if widths else None)
                    target = companion(path, ARRAYS_SUFFIX)
                    if target not in writers:
                        writers[target] = stack.enter_context(open(temporary[target], "wb"))
                        widths.append(block.shape[1])
                    writers[target].write(block.tobytes())
                if serving and totals is not None:
                    if totals.num_rows != len(ids):
                        raise ValueError(f"totals of {totals.num_rows} series for a part of {len(ids)}")
                    target = companion(path, TOTALS_SUFFIX)
                    if target not in writers:
                        writers[target] = stack.enter_context(
                            pa.ipc.new_file(str(temporary[target]), totals.schema)
                        )
                    writers[target].write_table(totals)
                writer(path, _SCHEMA).write_table(table, row_group_size=row_group_rows)
                if serving and rows is not None:
                    series = companion(path, SERIES_SUFFIX)
                    writer(series, _SERIES_SCHEMA).write_table(
                        _series_table(rows), row_group_size=row_group_rows
                    )
            writer(path, _SCHEMA)  # an empty snapshot is still a (0-row) file
        ids = SeriesIds(pa.concat_arrays(chunks) if chunks else pa.array([], type=pa.string()))
        if serving:
            ids.write(temporary[companion(path, IDS_SUFFIX)])
        if payload is not None:
            temporary[companion(path, META_SUFFIX)].write_bytes(payload)
        for final, tmp in temporary.items():
            if tmp.exists():
                with open(tmp, "rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(tmp, final)
        fsync_dir(path.parent)
    except BaseException:
        for file in [*_files(path), *temporary.values()]:
            file.unlink(missing_ok=True)
        raise
    return StagedSnapshot(
        {
            "level": level,
            "model_version": str(model_version),
            "origin": pd.Timestamp(origin).date(),
            "freq": freq,
            "reason": reason,
            "created_at": created,
            "path": str(path),
            "n_series": len(ids),
            "n_rows": n_rows,
        }
    )


def _array_rows(rows: np.ndarray, n: int, width: int | None) -> np.ndarray:
    """A part's per-series serving rows as contiguous float32; ValueError when their count is not the
    part's series count or their width not the earlier parts' (``width``; None for the first part)."""
    block = np.ascontiguousarray(rows, dtype=ARRAYS_DTYPE)
    if block.ndim != 2 or block.shape[0] != n:
        raise ValueError(f"serving arrays of shape {block.shape} for a part of {n} series")
    if width is not None and block.shape[1] != width:
        raise ValueError(f"serving arrays {block.shape[1]} wide after parts {width} wide")
    return block


def open_arrays(snapshot: SnapshotInfo, n_series: int, width: int) -> ArrayRows | None:
    """The snapshot's serving rows (``ArrayRows``); None for a snapshot published without them;
    ValueError when the file's size is not ``n_series × width`` float32."""
    path = companion(snapshot, ARRAYS_SUFFIX)
    if not path.exists():
        return None
    return ArrayRows(path, n_series, width)


def discard_staged(staged: Iterable[StagedSnapshot]) -> None:
    """Remove the files of snapshots that will not be registered."""
    for one in staged:
        for file in _files(Path(one.values["path"])):
            file.unlink(missing_ok=True)


def register_snapshots(engine: Engine, staged: Sequence[StagedSnapshot]) -> list[SnapshotInfo]:
    """Register ``staged`` snapshots in one transaction (all or none; the files are removed on failure)."""
    try:
        with engine.begin() as conn:
            ids = [
                conn.execute(insert(ForecastSnapshot).values(**one.values)).inserted_primary_key[0]
                for one in staged
            ]
    except BaseException:
        discard_staged(staged)
        raise
    return [SnapshotInfo(id=int(i), **one.values) for i, one in zip(ids, staged, strict=True)]


def list_snapshots(
    engine: Engine,
    *,
    level: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[SnapshotInfo]:
    """Registered snapshots, oldest first, optionally of one level and created in [since, until]."""
    query = select(ForecastSnapshot).order_by(ForecastSnapshot.created_at, ForecastSnapshot.id)
    if level is not None:
        query = query.where(ForecastSnapshot.level == level)
    if since is not None:
        query = query.where(ForecastSnapshot.created_at >= since)
    if until is not None:
        query = query.where(ForecastSnapshot.created_at <= until)
    with engine.connect() as conn:
        return [_info(row) for row in conn.execute(query)]


def latest_snapshot(engine: Engine, level: str) -> SnapshotInfo | None:
    """The newest registered snapshot of ``level`` (the one to serve), or None."""
    query = (
        select(ForecastSnapshot)
        .where(ForecastSnapshot.level == level)
        .order_by(ForecastSnapshot.created_at.desc(), ForecastSnapshot.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return _info(row) if row is not None else None


def _both(first: pads.Expression | None, second: pads.Expression) -> pads.Expression:
    return second if first is None else first & second


def read_points(
    snapshot: SnapshotInfo | str | os.PathLike[str],
    series_ids: Iterable[str] | None = None,
    *,
    dates: tuple[dt.date | None, dt.date | None] | None = None,
) -> pd.DataFrame:
    """The points of a snapshot (all series, or only ``series_ids``) as a frame of ``POINT_COLUMNS``.

    ``date`` comes back as datetime64; values as float64. Reading a few series touches only the row
    groups whose series range holds them. ``dates=(first, last)`` (either may be None) keeps only the
    points dated in that range, filtered while reading: scoring reads the few weeks that have
    actuals out of a path of hundreds of days.
    """
    path = snapshot.path if isinstance(snapshot, SnapshotInfo) else os.fspath(snapshot)
    dataset = pads.dataset(path, format="parquet")
    wanted = None if series_ids is None else list(dict.fromkeys(str(s) for s in series_ids))
    expression = None if wanted is None else pads.field("series_id").isin(wanted)
    first, last = dates or (None, None)
    if first is not None:
        expression = _both(expression, pads.field("date") >= pd.Timestamp(first).date())
    if last is not None:
        expression = _both(expression, pads.field("date") <= pd.Timestamp(last).date())
    frame = dataset.to_table(filter=expression).to_pandas()
    frame["date"] = pd.to_datetime(frame["date"])
    for column in _VALUE_COLUMNS:
        frame[column] = frame[column].astype("float64")
    return frame.loc[:, list(POINT_COLUMNS)].reset_index(drop=True)


def prune_snapshots(engine: Engine, folder: str | os.PathLike[str], *, older_than: dt.datetime) -> int:
    """Delete snapshots created before ``older_than`` (the newest of each level is always kept).

    Also removes orphan files under ``folder/forecasts`` (written but never registered, e.g. after a
    crash between write and insert). Returns the number of snapshots deleted. Why keep the newest:
    it is what is being served; retention must never leave a level without forecasts.
    """
    newest = {}
    for info in list_snapshots(engine):
        newest[info.level] = info.id
    doomed = [
        i
        for i in list_snapshots(engine, until=older_than)
        if i.id not in newest.values() and i.created_at < older_than
    ]
    if doomed:
        with engine.begin() as conn:
            conn.execute(delete(ForecastSnapshot).where(ForecastSnapshot.id.in_([i.id for i in doomed])))
        for info in doomed:
            for file in _files(Path(info.path)):
                file.unlink(missing_ok=True)
    registered = {Path(i.path).resolve() for i in list_snapshots(engine)}
    root = Path(folder) / "forecasts"
    cutoff = older_than.replace(tzinfo=dt.UTC).timestamp()
    if root.is_dir():
        for file in root.glob("*/*"):
            main = file.with_name(file.name.split(".", 1)[0] + ".parquet")
            if file.is_file() and file.stat().st_mtime < cutoff and main.resolve() not in registered:
                file.unlink(missing_ok=True)
    return len(doomed)


def servable(snapshot: SnapshotInfo) -> bool:
    """True when the snapshot has its serving companions (written by ``models.publishing``)."""
    return companion(snapshot, SERIES_SUFFIX).is_file() and companion(snapshot, META_SUFFIX).is_file()


def served_snapshots(engine: Engine, versions: Mapping[str, str]) -> dict[str, SnapshotInfo]:
    """``{level: newest registered snapshot of versions[level]}`` — the serving pointer of each level.

    One query (the highest id per level among rows of that level's version); every worker polls it
    with the MASTER versions. Levels without a snapshot of their version are absent.
    """
    if not versions:
        return {}
    pairs = [
        (ForecastSnapshot.level == lv) & (ForecastSnapshot.model_version == v) for lv, v in versions.items()
    ]
    condition = pairs[0]
    for pair in pairs[1:]:
        condition = condition | pair
    newest = (
        select(func.max(ForecastSnapshot.id))
        .where(condition)
        .group_by(ForecastSnapshot.level)
        .scalar_subquery()
    )
    query = select(ForecastSnapshot).where(ForecastSnapshot.id.in_(newest))
    with engine.connect() as conn:
        return {row.level: _info(row) for row in conn.execute(query)}


def read_meta(snapshot: SnapshotInfo) -> dict:
    """The serving metadata of a snapshot (``META_SUFFIX`` companion); OSError/ValueError when unreadable."""
    return json.loads(companion(snapshot, META_SUFFIX).read_text(encoding="utf-8"))


def read_series_rows(snapshot: SnapshotInfo, series_ids: Iterable[str]) -> pd.DataFrame:
    """Companion rows (``SERIES_COLUMNS``) of ``series_ids``; reads only the row groups that hold them."""
    wanted = list(dict.fromkeys(str(s) for s in series_ids))
    dataset = pads.dataset(companion(snapshot, SERIES_SUFFIX), format="parquet")
    frame = dataset.to_table(filter=pads.field("series_id").isin(wanted)).to_pandas()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.loc[:, list(SERIES_COLUMNS)].reset_index(drop=True)


class SeriesReader:
    """Reads the rows of one series from one snapshot file, for serving (thread-safe).

    Why not ``read_points``: a worker answers many single-series reads; this keeps the file's footer
    and the series range of each row group, and reads only the row groups that can hold the series,
    single-threaded (no dataset scanner and its thread pools and buffers in every worker).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._file = pq.ParquetFile(path)
        meta = self._file.metadata
        column = meta.schema.names.index("series_id")
        self._ranges = []
        for i in range(meta.num_row_groups):
            stats = meta.row_group(i).column(column).statistics
            self._ranges.append((stats.min, stats.max) if stats is not None and stats.has_min_max else None)
        self._lock = threading.Lock()

    def groups(self, series_id: str) -> pa.Table:
        """Every row of the row groups that can hold ``series_id`` (its neighbours come along: a
        caller may keep them, as their rows are complete unless they are the table's first or last)."""
        groups = [i for i, r in enumerate(self._ranges) if r is None or r[0] <= series_id <= r[1]]
        if not groups:
            return self._file.schema_arrow.empty_table()
        with self._lock:
            return self._file.read_row_groups(groups, use_threads=False)

    def up_to(self, series_id: str) -> pa.Table:
        """Every row of the row groups that can hold series sorting at or before ``series_id`` (all of
        those series' rows, complete; used to warm a cache in one pass)."""
        groups = [i for i, r in enumerate(self._ranges) if r is None or r[0] <= series_id]
        if not groups:
            return self._file.schema_arrow.empty_table()
        with self._lock:
            return self._file.read_row_groups(groups, use_threads=False)

    def between(self, first: str, last: str) -> pa.Table:
        """Every row of the row groups that can hold series sorting from ``first`` to ``last`` (those
        series' rows complete; used to warm a cache a slice of series at a time)."""
        groups = [i for i, r in enumerate(self._ranges) if r is None or (r[0] <= last and r[1] >= first)]
        if not groups:
            return self._file.schema_arrow.empty_table()
        with self._lock:
            return self._file.read_row_groups(groups, use_threads=False)

    def rows(self, series_id: str) -> pa.Table:
        """The rows of ``series_id`` (in file order; empty when the series is absent)."""
        table = self.groups(series_id)
        return table.filter(pc.equal(table["series_id"], series_id))


def open_series_ids(snapshot: SnapshotInfo, meta: Mapping | None = None) -> SeriesIds:
    """The snapshot's sorted series ids as served: its ``IDS_SUFFIX`` file memory-mapped; for a snapshot
    published before that file existed, the ids listed in ``meta`` or read from the points file."""
    path = companion(snapshot, IDS_SUFFIX)
    if path.exists():
        return SeriesIds.open(path)
    if meta is not None and "series_ids" in meta:
        return SeriesIds.from_values(meta["series_ids"])
    return SeriesIds.from_arrow(pq.read_table(snapshot.path, columns=["series_id"])["series_id"])


def open_totals(snapshot: SnapshotInfo) -> pa.Table | None:
    """The snapshot's per-series totals (``TOTALS_SUFFIX``), memory-mapped (zero copy: the pages are
    the host's file cache); None for a snapshot published without them."""
    path = companion(snapshot, TOTALS_SUFFIX)
    if not path.exists():
        return None
    return pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()


def read_series_ids(snapshot: SnapshotInfo) -> tuple[str, ...]:
    """The sorted distinct series ids of a snapshot (reads the points file's id column only)."""
    column = pq.read_table(snapshot.path, columns=["series_id"])["series_id"]
    return tuple(pc.unique(column).to_pylist())
