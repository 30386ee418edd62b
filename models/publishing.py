"""Publishing: the MASTER's forecasts of every series written to the forecast store, and served from it.

A published snapshot (``data.forecast_store``) is both the record of "what we said" (the monitoring
scores it against the actuals that arrive) and what the dashboard, the API and the CLI serve
(``models.stored.StoredForecaster`` reads it per series). It is written

- when a MASTER starts serving: after a training run promotes, after a manual promotion or rollback,
  and for a level whose MASTER has no snapshot yet (the first model);
- at every data change (import, undo): the origin moves to the newest complete data first
  (``models.origin.move_origin``: the MASTER's configuration refitted on the updated history, no
  selection, no CV);
- at least every ``forecast_publish_hours`` (the leader's scheduler, ``publish_due``).

Published numbers add up across levels. ``published_paths`` is the one place where the published point
paths are computed: it receives the forecasters of every level being published together, on their
newest origin, and reconciles them (``models.reconciliation.reconcile_masters``: hierarchicalforecast,
method chosen by CV on the forecasters' back-tests); everything else — the bounds, the archive the
monitoring scores, what workers and the CLI serve — derives from its result, and each snapshot records
how (``coherence`` in its serving meta). Because a level's reconciled numbers depend on the other
levels, publishing one level re-forecasts and re-publishes the other MASTERs with it (reason
``coherence``) whenever the set can be reconciled. (A level served from its artifact, before its first
publication, is reconciled by the holder when every level is.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from data.events import event_pairs
from data.forecast_store import (
    BACKTEST_KIND,
    HISTORY_KIND,
    SCALE_KIND,
    SERVING_FORMAT,
    SERVING_ROW_GROUP_ROWS,
    SnapshotInfo,
    StagedSnapshot,
    prune_snapshots,
    register_snapshots,
    servable,
    served_snapshots,
    stage_snapshot_parts,
)
from data.queries import list_products
from data.reporting import complete_sales, load_reporting
from data.schema import utc_now
from data.storage import load_sales
from models.artifacts import load_artifact
from models.forecaster import LevelForecaster
from models.intervals import INTERVAL_LEVELS
from models.reconciliation import Coherence, reconcile_masters
from models.registry import get_version, master_versions
from models.series import future_dates
from models.totals import standard_totals

logger = logging.getLogger(__name__)

REASONS = ("promotion", "data", "daily", "coherence")
# Series written per part of a snapshot (~400 steps each): the publishing process holds one part's
# frames, not a frame of every series × step (15M rows at 100× the demo's product level).
PUBLISH_PART_SERIES = 1_000


class PublishSettings(Protocol):
    """The settings publishing reads (``app.config.Settings`` has them)."""

    model_dir: str
    holidays: str
    store_silent_days: int
    forecast_retention_days: int
    forecast_publish_hours: float


@dataclass(frozen=True)
class Published:
    """One level published: the snapshot written, whether the origin moved, and how long it took."""

    level: str
    version: str
    snapshot_id: int
    origin: dt.date
    moved: bool
    seconds: float
    n_series: int


def published_paths(
    models: Mapping[str, LevelForecaster], categories: Mapping[str, str] | None = None
) -> tuple[dict[str, np.ndarray], Coherence | None]:
    """The point paths published and served, ``{level: series x max_horizon}``, for ``models`` (the
    forecasters of the levels published together, each on its newest origin), and how they add up.

    With ``categories`` (product → category) the levels are reconciled (``reconcile_masters``); when
    they cannot be (a level missing, different origins) each keeps its own paths and the coherence
    says why. Without ``categories`` (one level alone) each model's own paths, coherence None.
    Why one function: the bounds, the archive and the served forecasts all follow from its result.
    """
    if categories is None:
        own = {level: np.asarray(model.tables.points, dtype=np.float32) for level, model in models.items()}
        return own, None
    result = reconcile_masters(models, categories)
    paths = {
        level: np.asarray(model.tables.points, dtype=np.float32) for level, model in result.models.items()
    }
    return paths, result.coherence


def _bounds(paths: np.ndarray, scales: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    """Lower and upper bounds exactly as ``LevelForecaster.forecast`` computes them, for every series."""
    point = paths.astype(float)
    spread = scales.astype(float)[:, None]
    lower = np.clip(point + spread * lo.astype(float)[None, :], 0.0, None)
    upper = np.maximum(point + spread * hi.astype(float)[None, :], lower)
    return np.minimum(lower, point), upper


def published_points(
    model: LevelForecaster, paths: np.ndarray | None = None, rows: np.ndarray | None = None
) -> pd.DataFrame:
    """Every series' forecast (or the series at positions ``rows``) at the data's frequency for the
    longest served horizon, with 80/95% bounds.

    The frame has ``data.forecast_store.POINT_COLUMNS``; the bounds are the ones a request would be
    served for the same series and step.
    """
    paths = published_paths({model.level: model})[0][model.level] if paths is None else paths
    t = model.tables
    pick = slice(None) if rows is None else rows
    paths, scales = paths[pick], t.scales[pick]
    n, steps = paths.shape
    frame = {
        "series_id": pd.Categorical(np.repeat(np.asarray(model.series_ids, dtype=object)[pick], steps)),
        "date": np.tile(future_dates(model.data_range[1], model.alias, steps).to_numpy(), n),
        "forecast": paths.reshape(-1).astype(float),
    }
    for level, name in zip(INTERVAL_LEVELS, ("80", "95"), strict=True):
        lower, upper = _bounds(paths, scales, t.lo[level], t.hi[level])
        frame[f"lo{name}"], frame[f"hi{name}"] = lower.reshape(-1), upper.reshape(-1)
    return pd.DataFrame(frame)


def serving_rows(model: LevelForecaster, series: np.ndarray | None = None) -> pd.DataFrame:
    """Per-series companion rows (of every series, or those at positions ``series``): history (kind 0),
    scale (kind 1), back-test (kind 2 + fold)."""
    t = model.tables
    pick = slice(None) if series is None else series
    ids = np.asarray(model.series_ids, dtype=object)[pick]
    history, backtest, scales = t.history[pick], t.backtest[pick], t.scales[pick]
    parts = []
    rows, cols = np.nonzero(~np.isnan(history))
    parts.append((rows, HISTORY_KIND, t.history_dates[cols], history[rows, cols]))
    every = np.arange(len(ids))
    parts.append((every, SCALE_KIND, np.repeat(model.data_range[1], len(ids)), scales))
    rows, cols = np.nonzero(~np.isnan(backtest))
    parts.append((rows, BACKTEST_KIND + t.backtest_folds[cols], t.backtest_dates[cols], backtest[rows, cols]))
    frames = [
        pd.DataFrame(
            {
                "series_id": pd.Categorical.from_codes(r, categories=pd.Index(ids)),
                "kind": np.broadcast_to(np.asarray(k, dtype=np.int16), r.shape),
                "date": pd.DatetimeIndex(d),
                "value": np.asarray(v, dtype=np.float32),
            }
        )
        for r, k, d, v in parts
    ]
    return pd.concat(frames, ignore_index=True)


def serving_arrays(model: LevelForecaster, paths: np.ndarray, series: np.ndarray) -> np.ndarray:
    """The served per-series rows of the series at positions ``series`` (``ARRAYS_SUFFIX``): path
    (``paths``, max_horizon steps), scale, history and back-test on the level's grids, float32.

    The same numbers as the companion rows (``serving_rows``), laid out fixed-width so a worker reads a
    series by its position in a memory map (``models.stored``), with no per-row-group index in memory.
    """
    t = model.tables
    f32 = np.float32
    return np.concatenate(
        [
            np.asarray(paths[series], dtype=f32),
            np.asarray(t.scales[series], dtype=f32)[:, None],
            np.asarray(t.history[series], dtype=f32),
            np.asarray(t.backtest[series], dtype=f32),
        ],
        axis=1,
    )


def _finite(value: Any) -> Any:
    """JSON-safe copy: non-finite floats become None, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def serving_meta(model: LevelForecaster, coherence: Coherence | None = None) -> dict[str, Any]:
    """The level's tables a ``StoredForecaster`` needs: model facts, calibration, date grids, and how the
    published paths were made to add up across levels (``coherence``). The series ids are not listed
    here: ``stage_snapshot`` writes them as the ids companion that workers memory-map.

    The per-series choice of a selection (``params["assignment"]``) stays in the artifact: it grows
    with the series and only training and ``move_origin`` read it.
    """
    t = model.tables
    params = {k: v for k, v in (model.params or {}).items() if k != "assignment"}
    iso = [d.isoformat() for d in t.history_dates]
    return _finite(
        {
            "meta_format": SERVING_FORMAT,
            "level": model.level,
            "freq": model.freq,
            "alias": model.alias,
            "version": model.version,
            "params": params,
            "metrics": dict(model.metrics or {}),
            "fallbacks": dict(model.fallbacks or {}),
            "format_version": model.format_version,
            "data_range": [pd.Timestamp(d).isoformat() for d in model.data_range],
            "max_horizon": int(model.max_horizon),
            "lo": {str(lv): t.lo[lv].astype(float).tolist() for lv in INTERVAL_LEVELS},
            "hi": {str(lv): t.hi[lv].astype(float).tolist() for lv in INTERVAL_LEVELS},
            "center": None if t.center is None else t.center.astype(float).tolist(),
            "rho": float(t.rho),
            "rho_by": None if t.rho_by is None else {str(k): float(v) for k, v in t.rho_by.items()},
            "coherence": None if coherence is None else coherence.to_dict(),
            "history_dates": iso,
            "backtest_dates": [d.isoformat() for d in t.backtest_dates],
            "backtest_folds": [int(f) for f in t.backtest_folds],
        }
    )


def publish_forecaster(
    engine: Engine,
    folder: str,
    model: LevelForecaster,
    *,
    reason: str,
    paths: np.ndarray | None = None,
    coherence: Coherence | None = None,
) -> SnapshotInfo:
    """Write ``model``'s published forecasts (``paths``, default ``published_paths`` of the model alone)
    with their serving companions as a new snapshot; the served paths become ``paths`` (reconciled as
    ``coherence`` says).

    Registering the row is the pointer change every worker picks up (``served_snapshots``).
    """
    staged = stage_forecaster(folder, model, reason=reason, paths=paths, coherence=coherence)
    return register_snapshots(engine, [staged])[0]


def stage_forecaster(
    folder: str,
    model: LevelForecaster,
    *,
    reason: str,
    paths: np.ndarray | None = None,
    coherence: Coherence | None = None,
) -> StagedSnapshot:
    """The files of ``publish_forecaster``'s snapshot, written but not registered (levels published
    together are registered in one transaction: ``register_snapshots``)."""
    if reason not in REASONS:
        raise ValueError(f"unknown publishing reason {reason!r}; expected one of {', '.join(REASONS)}")
    if not model.version:
        raise ValueError("only a registered version can be published (the forecaster has no version id)")
    paths = published_paths({model.level: model})[0][model.level] if paths is None else paths
    served = dataclasses.replace(model, tables=dataclasses.replace(model.tables, points=paths))
    order = np.argsort(np.asarray(model.series_ids, dtype=object), kind="stable")  # the files' order
    chunks = [order[i : i + PUBLISH_PART_SERIES] for i in range(0, len(order), PUBLISH_PART_SERIES)]
    return stage_snapshot_parts(
        folder,
        level=model.level,
        model_version=model.version,
        origin=model.data_range[1],
        freq=model.freq,
        reason=reason,
        parts=(
            (
                published_points(model, paths, c),
                serving_rows(model, c),
                standard_totals(served, c),
                serving_arrays(model, paths, c),
            )
            for c in chunks or [order]
        ),
        serving=True,
        meta=serving_meta(model, coherence),
        row_group_rows=SERVING_ROW_GROUP_ROWS,
    )


class _CompleteSales:
    """The complete sales (``data.reporting``), loaded once per publishing run and only when needed."""

    def __init__(self, engine: Engine, silent_days: int) -> None:
        self._engine, self._silent, self._frame = engine, silent_days, None
        self._reporting = None
        self._events: tuple[tuple[pd.Timestamp, str | None], ...] | None = None

    def through(self) -> pd.Timestamp | None:
        """The newest complete date (one grouped query, no sales read); None without sales."""
        if self._reporting is None:
            self._reporting = load_reporting(self._engine, silent_days=self._silent)
        through = self._reporting.complete_through
        return None if through is None else pd.Timestamp(through)

    def events(self) -> tuple[tuple[pd.Timestamp, str | None], ...]:
        """The events calendar (the global models' feature), read once per publishing run."""
        if self._events is None:
            self._events = event_pairs(self._engine)
        return self._events

    def get(self) -> pd.DataFrame | None:
        """The sales up to the newest complete date (None without sales)."""
        if self._frame is None:
            sales = load_sales(self._engine)
            if sales is None or sales.empty:
                return None
            self.through()
            self._frame = complete_sales(sales, self._reporting)
        return self._frame


def publish_masters(
    engine: Engine,
    settings: PublishSettings,
    *,
    reason: str,
    levels: Iterable[str] | None = None,
) -> list[Published]:
    """Publish the MASTER of each of ``levels`` (default: every level with one) for ``reason``.

    The other MASTERs are re-published with them (reason ``coherence``) when the set can be
    reconciled, since their reconciled numbers change too. See ``publish_levels``.
    """
    versions = master_versions(engine)
    wanted = set(versions) if levels is None else set(levels) & set(versions)
    return publish_levels(engine, settings, {level: reason for level in wanted}, versions=versions)


def publish_levels(
    engine: Engine,
    settings: PublishSettings,
    reasons: Mapping[str, str],
    *,
    versions: Mapping[str, str] | None = None,
) -> list[Published]:
    """Publish the MASTER of each level of ``reasons`` (level → reason) reconciled with the other
    MASTERs, moving origins first, then apply the retention.

    Every MASTER is re-forecast (a level's reconciled numbers depend on the others): the origin moves
    (``move_origin``) for a data change or a daily run, and otherwise when the complete data ends after
    the model's last date (e.g. a rollback to an older version, or a level left on its training origin),
    so the levels share one origin. The paths are reconciled together (``published_paths``); the levels
    not asked for are published too (reason ``coherence``) when that succeeded, and left alone when the
    set cannot be reconciled. A level that fails is logged and skipped: the others still publish, and
    the level keeps serving its previous snapshot.
    """
    for why in reasons.values():
        if why not in REASONS:
            raise ValueError(f"unknown publishing reason {why!r}; expected one of {', '.join(REASONS)}")
    versions = master_versions(engine) if versions is None else versions
    if not any(level in versions for level in reasons):
        apply_retention(engine, settings)
        return []
    sales = _CompleteSales(engine, settings.store_silent_days)
    models: dict[str, tuple[LevelForecaster, bool, float]] = {}
    for level, version in sorted(versions.items()):
        started = time.perf_counter()
        try:
            info = get_version(engine, version)
            model = load_artifact(info.artifact_path, expected_level=level).with_version(version)
            moved = _should_move(model, sales.through(), reasons.get(level, "coherence"))
            frame = sales.get() if moved else None
            moved = frame is not None
            if moved:
                from models.origin import move_origin  # the training engine: only loaded to move an origin

                model = move_origin(model, frame, holidays=settings.holidays, events=sales.events())
        except Exception:
            logger.error(
                "re-forecasting level %s failed; it keeps its published forecasts", level, exc_info=True
            )
            continue
        models[level] = (model, moved, time.perf_counter() - started)
    paths, coherence = _reconciled_paths(engine, {level: m for level, (m, _, _) in models.items()})
    staged: dict[str, tuple[StagedSnapshot, float]] = {}
    for level, (model, _moved, spent) in models.items():
        if level not in reasons and (coherence is None or not coherence.coherent):
            continue  # its own numbers did not change: its snapshot stays
        started = time.perf_counter()
        try:
            one = stage_forecaster(
                settings.model_dir,
                model,
                reason=reasons.get(level, "coherence"),
                paths=paths[level],
                coherence=coherence,
            )
        except Exception:
            logger.error("publishing the forecasts of level %s failed", level, exc_info=True)
            continue
        staged[level] = (one, spent + time.perf_counter() - started)
    # One transaction: every worker swaps to the whole reconciled set at once, never to part of it.
    try:
        registered = register_snapshots(engine, [one for one, _ in staged.values()])
    except Exception:
        logger.error("registering the published forecasts of %s failed", ", ".join(staged), exc_info=True)
        registered = []
    done = []
    for snap in registered:
        model, moved, _ = models[snap.level]
        seconds = staged[snap.level][1]
        logger.info(
            "published %s %s (%s, origin %s) in %.1fs",
            snap.level,
            model.version,
            snap.reason,
            snap.origin,
            seconds,
        )
        done.append(
            Published(
                snap.level, str(model.version), snap.id, snap.origin, moved, round(seconds, 3), snap.n_series
            )
        )
    apply_retention(engine, settings)
    return done


def _reconciled_paths(
    engine: Engine, models: Mapping[str, LevelForecaster]
) -> tuple[dict[str, np.ndarray], Coherence | None]:
    """``published_paths`` reconciled with the catalogue's categories; each level's own paths (and
    the reason) when reconciling raises, so a reconciliation bug never stops publishing."""
    try:
        return published_paths(models, dict(list_products(engine)))
    except Exception as exc:
        logger.error("reconciling the published forecasts failed; publishing each level's own", exc_info=True)
        own, _ = published_paths(models)
        return own, Coherence(None, f"reconciliation failed: {type(exc).__name__}: {exc}")


def _should_move(model: LevelForecaster, through: pd.Timestamp | None, reason: str) -> bool:
    """Data changes and daily runs always re-forecast; a promotion (or a level re-published for
    coherence) only when the complete data ends after the model's last date (the sales are then read;
    otherwise they are not)."""
    if through is None:
        return False
    if reason in ("data", "daily"):
        return True
    return through > pd.Timestamp(model.data_range[1])


def publish_due(
    engine: Engine, settings: PublishSettings, *, now: dt.datetime | None = None
) -> list[Published]:
    """Publish the levels whose MASTER has no servable snapshot (reason ``promotion``) or only one older
    than ``forecast_publish_hours`` (reason ``daily``), in one reconciled run; the leader's scheduler
    calls this periodically."""
    now = now or utc_now()
    versions = master_versions(engine)
    served = served_snapshots(engine, versions)
    missing = [lv for lv in versions if lv not in served or not servable(served[lv])]
    max_age = dt.timedelta(hours=settings.forecast_publish_hours)
    stale = [lv for lv in versions if lv not in missing and now - served[lv].created_at >= max_age]
    reasons = {**{lv: "daily" for lv in stale}, **{lv: "promotion" for lv in missing}}
    if not reasons:
        return []
    return publish_levels(engine, settings, reasons, versions=versions)


def apply_retention(engine: Engine, settings: PublishSettings, *, now: dt.datetime | None = None) -> int:
    """Delete snapshots older than ``forecast_retention_days`` (each level's newest is kept); never raises."""
    cutoff = (now or utc_now()) - dt.timedelta(days=settings.forecast_retention_days)
    try:
        return prune_snapshots(engine, settings.model_dir, older_than=cutoff)
    except Exception:
        logger.warning("pruning archived forecasts failed", exc_info=True)
        return 0
