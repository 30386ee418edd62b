"""Live accuracy from the archive: archived snapshots scored against the complete actuals, and drift.

Gathers what ``models.monitoring`` scores: the level's snapshots (``data.forecast_store``), the
actuals of every series of the level up to the last complete date (``data.reporting`` rule, series
ids of ``models.series``), and each model version's back-test (its artifact). Used by the monitoring
use case (``services.monitoring``: the ``monitor`` command, the dashboard) and by the nightly gate
(``scheduler.jobs``), which must not import ``services``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import Engine

from data.drift import record_drift
from data.forecast_store import SnapshotInfo, list_snapshots, read_points
from data.frequency import frequency
from data.queries import dataset_frequency, load_sales
from data.reporting import complete_sales, load_reporting
from models.artifacts import load_artifact
from models.monitoring import (
    SCORED_COLUMNS,
    DriftCheck,
    DriftRule,
    backtest_points,
    drift_window,
    judge_drift,
    score_points,
)
from models.registry import get_version, master_versions
from models.series import build_level_series


class MonitorSettings(Protocol):
    """The settings live accuracy reads (``app.config.Settings``)."""

    store_silent_days: int
    drift_factor: float
    drift_min_coverage_80: float
    drift_window_weeks: int


def drift_rule(settings: MonitorSettings) -> DriftRule:
    """The drift rule of ``settings``."""
    return DriftRule(
        factor=settings.drift_factor,
        min_coverage_80=settings.drift_min_coverage_80,
        window_weeks=settings.drift_window_weeks,
    )


def distinct_origins(snapshots: Iterable[SnapshotInfo]) -> list[SnapshotInfo]:
    """One snapshot per (model version, origin): the newest. Why: a promotion, a data change and the
    daily run can archive the same forecast twice; counting it twice would weigh that origin double."""
    newest: dict[tuple[str, dt.date], SnapshotInfo] = {}
    for info in snapshots:  # list_snapshots is oldest first
        newest[(info.model_version, info.origin)] = info
    return sorted(newest.values(), key=lambda i: (i.origin, i.created_at))


@dataclass(frozen=True)
class Actuals:
    """Complete actuals of every series of a level: ``series_id, date, actual``, up to ``through``."""

    frame: pd.DataFrame
    through: pd.Timestamp | None
    freq: str | None


def level_actuals(engine: Engine, level: str, *, silent_days: int, start: dt.date | None = None) -> Actuals:
    """The complete actuals of ``level`` from ``start`` (None: all), per series of the level."""
    freq = dataset_frequency(engine)
    reporting = load_reporting(engine, silent_days=silent_days)
    through = reporting.complete_through
    empty = pd.DataFrame(columns=["series_id", "date", "actual"])
    if freq is None or through is None:
        return Actuals(empty, None, freq)
    sales = complete_sales(load_sales(engine, start=start, end=through), reporting)
    if sales.empty:
        return Actuals(empty, pd.Timestamp(through), freq)
    long = build_level_series(sales, level, freq)
    frame = long.rename(columns={"unique_id": "series_id", "ds": "date", "y": "actual"})
    return Actuals(frame, pd.Timestamp(through), freq)


def score_snapshots(
    snapshots: Iterable[SnapshotInfo],
    actuals: Actuals,
    *,
    series_ids: Iterable[str] | None = None,
    since: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Every archived point of ``snapshots`` (one per origin) that has a complete actual, scored;
    ``SCORED_COLUMNS`` plus ``model_version``. ``series_ids`` limits the read to those series and
    ``since`` to points dated from then on (only dates up to the last complete one are read)."""
    parts = []
    if actuals.through is None:
        return pd.DataFrame(columns=[*SCORED_COLUMNS, "model_version"])
    wanted = None if series_ids is None else list(series_ids)
    for info in distinct_origins(snapshots):
        if pd.Timestamp(info.origin) >= actuals.through:
            continue
        first = pd.Timestamp(info.origin) + pd.Timedelta(days=1)
        first = max(first, pd.Timestamp(since)) if since is not None else first
        points = read_points(info, wanted, dates=(first.date(), actuals.through.date()))
        scored = score_points(
            points, actuals.frame, origin=pd.Timestamp(info.origin), freq=info.freq, through=actuals.through
        )
        if not scored.empty:
            parts.append(scored.assign(model_version=info.model_version))
    if not parts:
        return pd.DataFrame(columns=[*SCORED_COLUMNS, "model_version"])
    return pd.concat(parts, ignore_index=True)


@dataclass
class BacktestCache:
    """Back-test points per model version, each artifact loaded once per use (artifacts are large)."""

    engine: Engine
    _points: dict[str, pd.DataFrame] = field(default_factory=dict)
    _metrics: dict[str, dict[str, Any]] = field(default_factory=dict)

    def points(self, version: str) -> pd.DataFrame:
        """``backtest_points`` of ``version`` (empty when its artifact cannot be read)."""
        if version not in self._points:
            self._load(version)
        return self._points[version]

    def metrics(self, version: str) -> dict[str, Any]:
        """The CV metrics the registry stores for ``version`` (coverage expectations come from here)."""
        if version not in self._metrics:
            self._load(version)
        return self._metrics[version]

    def _load(self, version: str) -> None:
        try:
            info = get_version(self.engine, version)
            model = load_artifact(info.artifact_path, expected_level=info.level)
        except Exception:  # an archived version whose files were pruned: no expectation, still scored
            self._points[version] = pd.DataFrame(columns=["series_id", "store", "horizon", "band"])
            self._metrics[version] = {}
            return
        t = model.tables
        pos = t.history_dates.get_indexer(t.backtest_dates)
        actual = t.history[:, pos].astype(float)
        self._points[version] = backtest_points(
            actual, t.backtest.astype(float), t.backtest_folds, model.series_ids, model.freq
        )
        self._metrics[version] = dict(info.metrics or {})


def check_level_drift(
    engine: Engine, settings: MonitorSettings, level: str, version: str, backtests: BacktestCache
) -> DriftCheck | None:
    """The drift verdict of ``version`` serving ``level`` over the last complete weeks (None: no data)."""
    freq = dataset_frequency(engine)
    if freq is None:
        return None
    through = load_reporting(engine, silent_days=settings.store_silent_days).complete_through
    if through is None:
        return None
    rule = drift_rule(settings)
    first, _, _ = drift_window(pd.Timestamp(through), freq, rule.window_weeks)
    spec = frequency(freq)
    oldest = (first - pd.Timedelta(days=spec.cv_horizon * spec.period_days)).date()
    snapshots = [
        s for s in list_snapshots(engine, level=level) if s.model_version == version and s.origin >= oldest
    ]
    if not snapshots:
        return judge_drift(
            pd.DataFrame(columns=[*SCORED_COLUMNS]),
            backtests.points(version),
            level=level,
            version=version,
            freq=freq,
            through=pd.Timestamp(through),
            rule=rule,
        )
    start = min(s.origin for s in snapshots)
    actuals = level_actuals(engine, level, silent_days=settings.store_silent_days, start=start)
    scored = score_snapshots(snapshots, actuals, since=first)
    return judge_drift(
        scored,
        backtests.points(version),
        level=level,
        version=version,
        freq=freq,
        through=pd.Timestamp(through),
        rule=rule,
    )


def check_drift(
    engine: Engine, settings: MonitorSettings, *, now: dt.datetime | None = None
) -> dict[str, tuple[DriftCheck, str | None]]:
    """Judge every level's MASTER and store the verdicts (``data.drift``, audited when they change).

    Returns ``{level: (check, change)}`` with change ``"flagged"``, ``"cleared"`` or None.
    """
    backtests = BacktestCache(engine)
    out = {}
    for level, version in master_versions(engine).items():
        check = check_level_drift(engine, settings, level, version, backtests)
        if check is None:
            continue
        detail = {
            "live_wape": _finite(check.live_wape),
            "expected_wape": _finite(check.expected_wape),
            "coverage_80": _finite(check.coverage_80),
            "periods": check.periods,
            "judged": check.judged,
            "window": [check.window[0].date().isoformat(), check.window[1].date().isoformat()],
        }
        change = record_drift(
            engine,
            level=level,
            version=version,
            flagged=check.flagged,
            reason=check.describe(),
            detail=detail,
            now=now,
        )
        out[level] = (check, change)
    return out


def _finite(value: float) -> float | None:
    """JSON-safe number (None for NaN)."""
    return None if value != value else round(float(value), 6)
