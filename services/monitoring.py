"""Use case "how good were our forecasts": live accuracy, drift flags, forecast vs actual per series.

- ``accuracy_report``: every archived snapshot of a level scored against the complete actuals, per
  store, model version and horizon band, next to that version's back-test for the same bands (the
  ``monitor`` command).
- ``drift_flags``: the stored verdict per level (tab badges, Admin › Models); ``refresh_drift`` judges
  again now (the nightly gate does it every night).
- ``forecast_vs_actual``: one series' forecasts made at past origins (e.g. 1 and 4 weeks ago) over its
  actuals, and the live error of its short-horizon forecasts (the dashboard card and its export).
The maths is ``models.monitoring``; the gathering ``models.live``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from data import storage
from data.drift import DriftState, drift_states
from data.forecast_store import list_snapshots, read_points
from data.frequency import frequency
from data.queries import dataset_frequency, list_stores
from data.reporting import Reporting, load_reporting
from data.schema import LEVELS
from models.live import BacktestCache, check_drift, distinct_origins, level_actuals, score_snapshots
from models.monitoring import (
    HorizonBand,
    accuracy_table,
    backtest_table,
    drift_window,
    horizon_bands,
    horizon_steps,
    pooled_metrics,
)
from models.series import check_level
from services.scoping import ALL_STORES, StoreScope

ALL = "*"  # the store part of the all-stores series
PAST_ORIGIN_WEEKS = (1, 4)  # the dashboard draws the forecasts made about 1 and 4 weeks ago
EXPORT_COLUMNS = ("origin", "date", "actual", "forecast", "lower_80", "upper_80", "lower_95", "upper_95")


class MonitorServices(Protocol):
    """What these use cases read from ``app.services.Services``."""

    config: Any  # app.config.Settings
    engine: Engine


@dataclass(frozen=True)
class AccuracyRow:
    """Live accuracy of one (level, store, version, band) next to the back-test's expectation."""

    level: str
    store: str  # "*" = all stores together
    version: str
    band: str
    points: int
    wape: float
    bias: float
    coverage_80: float
    coverage_95: float
    bt_wape: float
    bt_bias: float
    bt_coverage_80: float  # the version's CV coverage over all bands (the back-test keeps no bounds)
    bt_coverage_95: float


@dataclass(frozen=True)
class AccuracyReport:
    """The live-accuracy table of the levels asked for, through the last complete date."""

    through: dt.date | None
    freq: str | None
    bands: tuple[HorizonBand, ...]
    rows: tuple[AccuracyRow, ...]
    snapshots: int  # distinct archived origins scored


def _nan(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def accuracy_report(
    services: MonitorServices, *, level: str | None = None, store: str | None = None, each_store: bool = False
) -> AccuracyReport:
    """Score every archived snapshot of ``level`` (None: all levels) against the complete actuals.

    ``store`` None: the all-stores series; a store: its series; ``each_store``: one row set per store
    and the all-stores one. Raises ValueError for an unknown level or store (naming the stores).
    """
    if level is not None:
        check_level(level)
    engine, config = services.engine, services.config
    if store is not None and store != ALL:
        stores = list_stores(engine)
        if store not in stores:
            raise ValueError(f"unknown store {store!r}; stores: {', '.join(stores) or 'none yet'}")
    freq = dataset_frequency(engine)
    rows: list[AccuracyRow] = []
    through, origins = None, 0
    backtests = BacktestCache(engine)
    for lv in [level] if level else list(LEVELS):
        snapshots = list_snapshots(engine, level=lv)
        if not snapshots:
            continue
        start = min(s.origin for s in snapshots)
        actuals = level_actuals(engine, lv, silent_days=config.store_silent_days, start=start)
        through = actuals.through.date() if actuals.through is not None else through
        scored = score_snapshots(snapshots, actuals)
        origins += len(distinct_origins(snapshots))
        rows += _level_rows(lv, scored, backtests, store=store, each_store=each_store)
    bands = horizon_bands(freq) if freq else ()
    return AccuracyReport(through, freq, bands, tuple(rows), origins)


def _level_rows(
    level: str, scored: pd.DataFrame, backtests: BacktestCache, *, store: str | None, each_store: bool
) -> list[AccuracyRow]:
    """The rows of one level: live metrics joined with each version's back-test per (store, band)."""
    if scored.empty:
        return []
    if not each_store:
        scored = scored.loc[scored["store"] == (store or ALL)]
    live = accuracy_table(scored, ["store", "model_version", "band"])
    out = []
    for version, group in live.groupby("model_version", sort=True):
        bt = backtest_table(backtests.points(str(version)), ["store", "band"])
        merged = group.merge(bt, on=["store", "band"], how="left")
        metrics = backtests.metrics(str(version))
        for rec in merged.to_dict("records"):
            out.append(
                AccuracyRow(
                    level=level,
                    store=str(rec["store"]),
                    version=str(version),
                    band=str(rec["band"]),
                    points=int(rec["points"]),
                    wape=_nan(rec["wape"]),
                    bias=_nan(rec["bias"]),
                    coverage_80=_nan(rec["coverage_80"]),
                    coverage_95=_nan(rec["coverage_95"]),
                    bt_wape=_nan(rec.get("bt_wape")),
                    bt_bias=_nan(rec.get("bt_bias")),
                    bt_coverage_80=_nan(metrics.get("coverage_80")),
                    bt_coverage_95=_nan(metrics.get("coverage_95")),
                )
            )
    order = {b: i for i, b in enumerate(dict.fromkeys(r.band for r in out))}
    return sorted(out, key=lambda r: (r.store != ALL, r.store, r.version, _band_key(r.band, order)))


def _band_key(label: str, order: dict[str, int]) -> tuple[int, int]:
    head = label.split("-", 1)[0]
    return (int(head) if head.isdigit() else 0, order.get(label, 0))


def drift_flags(services: MonitorServices) -> dict[str, DriftState]:
    """The stored drift verdict of each level checked so far (one query; {} when monitoring is off)."""
    if not getattr(services.config, "monitoring_enabled", True):
        return {}
    return drift_states(services.engine)


def flagged_levels(services: MonitorServices) -> tuple[str, ...]:
    """The levels whose serving version is flagged as drifted (tab badges)."""
    return tuple(level for level, state in drift_flags(services).items() if state.flagged)


def refresh_drift(services: MonitorServices) -> dict[str, DriftState]:
    """Judge every level's MASTER now, store the verdicts (audited when they change) and return them."""
    check_drift(services.engine, services.config)
    return drift_states(services.engine)


@dataclass(frozen=True)
class PastForecast:
    """What one archived snapshot forecast for a series: ``date, forecast, lo80, hi80, lo95, hi95``."""

    origin: dt.date
    version: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class LiveError:
    """The live error of one series' short-horizon forecasts over the last complete weeks."""

    weeks: int
    band: HorizonBand
    bias: float  # Σ(f−a)/Σa: +0.031 = forecast 3.1% above actual
    wape: float
    coverage_80: float
    periods: int  # distinct dates scored


@dataclass(frozen=True)
class ForecastVsActual:
    """One series' actuals and the forecasts made at past origins, at the data's own frequency."""

    level: str
    series_id: str
    freq: str
    through: dt.date
    actuals: pd.Series  # per date, from before the oldest origin drawn to ``through``
    past: tuple[PastForecast, ...]  # newest origin first
    live: LiveError | None


def _series_ids(level: str, series_id: str, store: str | None, scope: StoreScope) -> list[str]:
    """The archived series that make up the view: the series itself, or for a scoped user's "all
    stores" the series of each of their stores (summed)."""
    if store is not None or scope.everything:
        return [series_id]
    rest = series_id.split("|", 1)[1] if "|" in series_id else None
    return [f"store={s}" + (f"|{rest}" if rest else "") for s in sorted(scope.stores or ())]


def _summed(points: pd.DataFrame, parts: int) -> pd.DataFrame:
    """Points of one or several series summed per date (bounds only for a single series)."""
    if parts == 1:
        return points.drop(columns="series_id").sort_values("date").reset_index(drop=True)
    summed = points.groupby("date", as_index=False)["forecast"].sum()
    for column in ("lo80", "hi80", "lo95", "hi95"):
        summed[column] = np.nan  # a sum of ranges is not a range of the sum
    return summed


def forecast_vs_actual(
    services: MonitorServices,
    level: str,
    series_id: str,
    *,
    store: str | None = None,
    category: str | None = None,
    product: str | None = None,
    scope: StoreScope = ALL_STORES,
    reporting: Reporting | None = None,
    weeks_ago: Sequence[int] = PAST_ORIGIN_WEEKS,
) -> ForecastVsActual | None:
    """The forecasts archived about ``weeks_ago`` weeks before the last complete date, over the actuals.

    The live error pools the forecasts made each of the last ``DRIFT_WINDOW_WEEKS`` weeks for their
    first band (daily: the 7 days after the origin), so each recent date is counted about once and a
    view reads a handful of snapshots however often they are archived. ``reporting``: the reporting
    facts the caller already holds (the dashboard's catalogue cache); read when None. None when nothing
    is archived for the level or no complete data exists. Raises ``StoreNotAllowed`` for a store
    outside ``scope``.
    """
    check_level(level)
    scope.check(store)
    engine, config = services.engine, services.config
    if reporting is None:
        reporting = load_reporting(engine, silent_days=config.store_silent_days)
    if not scope.everything:
        reporting = reporting.within(frozenset(scope.stores or ()))
    through = reporting.reported_through(store)
    snapshots = distinct_origins(list_snapshots(engine, level=level))
    snapshots = [s for s in snapshots if through is not None and s.origin < through]
    if through is None or not snapshots:
        return None
    freq = snapshots[-1].freq
    spec = frequency(freq)
    weekly = _weekly_origins(snapshots, through, max(*weeks_ago, config.drift_window_weeks))
    ids = _series_ids(level, series_id, store, scope)
    frames = {}
    for info in dict.fromkeys(weekly.values()):
        first = (pd.Timestamp(info.origin) + pd.Timedelta(days=1)).date()
        points = read_points(info, ids, dates=(first, through))
        if not points.empty:
            frames[info] = _summed(points, len(ids))
    past = [
        PastForecast(info.origin, info.model_version, frames[info])
        for info in dict.fromkeys(weekly[k] for k in weeks_ago if k in weekly)
        if info in frames
    ]
    start = min([i.origin for i in frames], default=through - dt.timedelta(weeks=max(weeks_ago)))
    start = start - dt.timedelta(days=max(7, int(spec.period_days)) * 2)
    stores = store if store is not None or scope.stores is None else sorted(scope.stores)
    recorded = storage.load_revenue_series(
        engine, store=stores, category=category, product=product, start=start, end=through
    )
    grid = pd.date_range(pd.Timestamp(start), pd.Timestamp(through), freq=spec.pandas_alias)
    actuals = recorded.reindex(grid, fill_value=0.0).astype(float)
    live = _live_error(frames, actuals, pd.Timestamp(through), freq, config.drift_window_weeks)
    return ForecastVsActual(level, series_id, freq, through, actuals, tuple(past), live)


def _weekly_origins(snapshots: list[Any], through: dt.date, weeks: int) -> dict[int, Any]:
    """``{k: newest snapshot with origin at least k weeks before through}`` for k = 1..weeks."""
    out = {}
    for k in range(1, weeks + 1):
        limit = through - dt.timedelta(weeks=k)
        before = [s for s in snapshots if s.origin <= limit]
        if before:
            out[k] = before[-1]
    return out


def _live_error(
    frames: dict[Any, pd.DataFrame], actuals: pd.Series, through: pd.Timestamp, freq: str, weeks: int
) -> LiveError | None:
    """Pooled error of each weekly origin's first-band forecasts dated in the last ``weeks`` weeks."""
    band = horizon_bands(freq)[0]
    first, last, _ = drift_window(through, freq, weeks)
    scored = []
    for info, frame in frames.items():
        horizons = horizon_steps(pd.Timestamp(info.origin), frame["date"], freq)
        dates = pd.DatetimeIndex(frame["date"])
        keep = (horizons >= band.first) & (horizons <= band.last) & (dates >= first) & (dates <= last)
        if keep.any():
            part = frame.loc[keep].copy()
            part["actual"] = actuals.reindex(dates[keep]).fillna(0.0).to_numpy()
            scored.append(part)
    if not scored:
        return None
    pooled = pd.concat(scored, ignore_index=True)
    metrics = pooled_metrics(pooled)
    if pooled["lo80"].isna().all():  # a sum of stores' series carries no range
        metrics["coverage_80"] = float("nan")
    return LiveError(
        weeks=weeks,
        band=band,
        bias=metrics["bias"],
        wape=metrics["wape"],
        coverage_80=metrics["coverage_80"],
        periods=int(pooled["date"].nunique()),
    )


def export_frame(view: ForecastVsActual) -> pd.DataFrame:
    """The forecast-vs-actual table: one row per origin and date up to the last complete date."""
    rows = []
    for past in view.past:
        frame = past.frame.loc[past.frame["date"] <= pd.Timestamp(view.through)]
        actual = view.actuals.reindex(pd.DatetimeIndex(frame["date"]))
        rows.append(
            pd.DataFrame(
                {
                    "origin": pd.Timestamp(past.origin).strftime("%Y-%m-%d"),
                    "date": pd.DatetimeIndex(frame["date"]).strftime("%Y-%m-%d"),
                    "actual": actual.to_numpy(),
                    "forecast": frame["forecast"].to_numpy(),
                    "lower_80": frame["lo80"].to_numpy(),
                    "upper_80": frame["hi80"].to_numpy(),
                    "lower_95": frame["lo95"].to_numpy(),
                    "upper_95": frame["hi95"].to_numpy(),
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=list(EXPORT_COLUMNS))
    out = pd.concat(rows, ignore_index=True)
    numbers = list(EXPORT_COLUMNS[2:])
    out[numbers] = out[numbers].astype(float).round(2)
    return out
