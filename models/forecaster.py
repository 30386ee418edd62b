"""The served model of one level: precomputed forecast paths, interval tables, history and backtests.

Training refits the winner on all data and stores every series' point path up to ``max_horizon``
(float32) with per-series scales and per-step conformal quantiles, so ``forecast`` is a lookup plus
an aggregation. Coarser display frequencies sum the dataset's steps per display period; the first
period also counts the actuals already observed in it (a "this week/month so far + rest" total).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data.frequency import coarser_or_equal
from models.intervals import INTERVAL_LEVELS, Calibration, aggregate_bounds, check_interval
from models.periods import served_periods, whole_periods
from models.series import check_freq, display_alias, future_dates

# Artifact format: 1 = before engine v2 (no version field; same tables, loads as is), 2 = engine v2
# (per-series selection in ``params``). ``models.artifacts.load_artifact`` refuses newer formats.
FORMAT_VERSION = 2


@dataclass(frozen=True, eq=False)
class ForecastTables:
    """Arrays behind a LevelForecaster (float32): paths, scales, quantiles, history and backtests."""

    points: np.ndarray  # series x max_horizon
    scales: np.ndarray  # series
    lo: dict[float, np.ndarray]  # level -> max_horizon
    hi: dict[float, np.ndarray]
    rho: float
    history: np.ndarray  # series x dates (NaN before a series starts)
    history_dates: pd.DatetimeIndex
    backtest: np.ndarray  # series x (folds * fold horizon), NaN where a series was not scored
    backtest_dates: pd.DatetimeIndex
    backtest_folds: np.ndarray  # fold number per backtest column
    center: np.ndarray | None = None  # max_horizon: typical scaled residual (None in older artifacts)
    rho_by: dict[str, float] | None = None  # display freq -> ρ calibrated on window sums (None: use rho)


@dataclass(frozen=True, eq=False)
class LevelForecaster:
    """Serves forecasts of every series of one level; immutable, picklable, deterministic."""

    level: str
    freq: str
    alias: str
    series_ids: tuple[str, ...]
    params: dict
    metrics: dict
    data_range: tuple[pd.Timestamp, pd.Timestamp]
    max_horizon: int
    tables: ForecastTables = field(repr=False)
    version: str | None = None
    fallbacks: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {sid: i for i, sid in enumerate(self.series_ids)})

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_index", None)
        return state

    def __setstate__(self, state: dict) -> None:
        state.setdefault("format_version", 1)  # pickled before the field existed
        self.__dict__.update(state)
        object.__setattr__(self, "_index", {sid: i for i, sid in enumerate(self.series_ids)})

    def with_version(self, version: str) -> LevelForecaster:
        """A copy carrying the registry's version id."""
        return dataclasses.replace(self, version=version)

    def _row(self, series_id: str) -> int:
        """Row of a series; KeyError with the count of valid ids and close matches otherwise."""
        try:
            return self._index[series_id]
        except KeyError:
            close = difflib.get_close_matches(str(series_id), self.series_ids, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KeyError(
                f"unknown series {series_id!r} for level {self.level!r} "
                f"({len(self.series_ids)} valid ids, e.g. {self.series_ids[0]!r}){hint}"
            ) from None

    def _check_display(self, freq: str | None) -> str:
        """Display frequency: the data's own or coarser."""
        if freq is None:
            return self.freq
        check_freq(freq)
        if freq not in coarser_or_equal(self.freq):
            raise ValueError(f"cannot show {self.freq!r} data at the finer frequency {freq!r}")
        return freq

    def forecast(
        self, series_id: str, horizon: int, *, freq: str | None = None, interval: float = 0.8
    ) -> pd.DataFrame:
        """Forecast ``horizon`` periods of ``freq`` (default: the data's) with a calibrated interval.

        Returns columns date, forecast, lower, upper (never below zero).
        """
        level = check_interval(interval)
        display = self._check_display(freq)
        if not isinstance(horizon, int | np.integer) or horizon < 1:
            raise ValueError(f"horizon must be a positive integer, got {horizon!r}")
        row = self._row(series_id)
        t = self.tables
        if display == self.freq:
            if horizon > self.max_horizon:
                raise ValueError(
                    f"horizon {horizon} exceeds the longest served forecast ({self.max_horizon} steps)"
                )
            point = t.points[row, :horizon].astype(float)
            scale = float(t.scales[row])
            lower = np.clip(point + scale * t.lo[level][:horizon], 0.0, None)
            upper = np.maximum(point + scale * t.hi[level][:horizon], lower)
            dates = future_dates(self.data_range[1], self.alias, horizon)
            return pd.DataFrame(
                {"date": dates, "forecast": point, "lower": np.minimum(lower, point), "upper": upper}
            )
        return self._aggregated(row, horizon, display, level)

    def _aggregated(self, row: int, horizon: int, display: str, level: float) -> pd.DataFrame:
        """Sum steps per display period (first period includes its observed actuals)."""
        t = self.tables
        alias = display_alias(display)
        periods = served_periods(self.data_range[1], self.alias, self.max_horizon, display)
        first = periods[0]
        wanted = pd.period_range(first, periods=horizon, freq=alias)
        last_needed = wanted[-1]
        # The last wanted period must be complete: some step after it must exist in the served range.
        if not (periods > last_needed).any():
            n_full = whole_periods(periods)
            raise ValueError(
                f"horizon {horizon} at {display!r} exceeds the longest served forecast "
                f"({self.max_horizon} {self.freq} steps, about {n_full} whole {display} periods)"
            )
        observed = self._observed_in(row, first)
        scale = float(t.scales[row])
        # One center for every level keeps the bands nested; artifacts from before it use the 80% middle.
        center = t.center if t.center is not None else (t.lo[0.8] + t.hi[0.8]) / 2
        rho = (t.rho_by or {}).get(display, t.rho)  # artifacts before the calibrated ρ use the moment one
        rows = []
        for p in wanted:
            sel = np.flatnonzero(periods == p)
            total, lower, upper = aggregate_bounds(
                t.points[row, sel].astype(float),
                scale,
                t.lo[level][sel],
                t.hi[level][sel],
                rho,
                center[sel],
            )
            extra = observed if p == first else 0.0
            rows.append((p.start_time, total + extra, lower + extra, upper + extra))
        return pd.DataFrame(rows, columns=["date", "forecast", "lower", "upper"])

    def _observed_in(self, row: int, period: pd.Period) -> float:
        """Actuals of series ``row`` already recorded inside display ``period`` (the first forecast one)."""
        return float(self._observed_rows(np.asarray([row]), period)[0])

    def _observed_rows(self, rows: np.ndarray, period: pd.Period) -> np.ndarray:
        """``_observed_in`` of each series at positions ``rows`` (one period mask for all of them; each
        row summed on its own, so every total is the one-series figure to the last bit)."""
        t = self.tables
        dates = t.history_dates.to_period(period.freq) == period
        out = np.empty(len(rows), dtype=float)
        for i, row in enumerate(rows):
            in_period = dates & ~np.isnan(t.history[row])
            out[i] = float(np.nansum(t.history[row][in_period]))
        return out

    def horizon_total(self, series_id: str, horizon: int, *, freq: str | None = None) -> float:
        """Point forecast over ``horizon`` periods of ``freq``: the sum of ``forecast(...)["forecast"]``.

        Why a second path: a breakdown needs the totals of many series, and aggregating each one's
        intervals per period is the costly part of ``forecast``; this is an array slice plus, at a
        coarser display frequency, the actuals already observed in the first period.
        """
        display = self._check_display(freq)
        if not isinstance(horizon, int | np.integer) or horizon < 1:
            raise ValueError(f"horizon must be a positive integer, got {horizon!r}")
        row = self._row(series_id)
        points = self.tables.points[row]
        if display == self.freq:
            if horizon > self.max_horizon:
                raise ValueError(
                    f"horizon {horizon} exceeds the longest served forecast ({self.max_horizon} steps)"
                )
            return float(points[:horizon].astype(float).sum())
        periods = served_periods(self.data_range[1], self.alias, self.max_horizon, display)
        steps = int(np.count_nonzero(periods <= periods[0] + (horizon - 1)))
        return float(points[:steps].astype(float).sum()) + self._observed_in(row, periods[0])

    def horizon_totals(
        self, series_ids: Iterable[str], horizon: int, *, freq: str | None = None
    ) -> pd.Series:
        """``horizon_total`` of many series at once: a Series indexed by the ids among ``series_ids``
        this forecaster serves (the others are left out), in the order given.

        Why: a breakdown asks for the totals of every category of a store or every store of a product;
        one array operation over their rows, not a call per series.
        """
        wanted = [s for s in series_ids if s in self._index]
        rows = np.fromiter((self._index[s] for s in wanted), dtype=np.int64, count=len(wanted))
        values = self.row_totals(rows, horizon, freq=freq)
        return pd.Series(values, index=pd.Index(wanted, dtype=object), dtype=float)

    def row_totals(self, rows: np.ndarray, horizon: int, *, freq: str | None = None) -> np.ndarray:
        """``horizon_total`` of the series at positions ``rows`` (same maths and errors, same bits: each
        row's steps summed along the row, float64, plus its observed actuals)."""
        display = self._check_display(freq)
        if not isinstance(horizon, int | np.integer) or horizon < 1:
            raise ValueError(f"horizon must be a positive integer, got {horizon!r}")
        points = self.tables.points[np.asarray(rows, dtype=np.int64)]
        if display == self.freq:
            if horizon > self.max_horizon:
                raise ValueError(
                    f"horizon {horizon} exceeds the longest served forecast ({self.max_horizon} steps)"
                )
            return points[:, :horizon].astype(float).sum(axis=1)
        periods = served_periods(self.data_range[1], self.alias, self.max_horizon, display)
        steps = int(np.count_nonzero(periods <= periods[0] + (horizon - 1)))
        return points[:, :steps].astype(float).sum(axis=1) + self._observed_rows(rows, periods[0])

    def history(self, series_id: str) -> pd.Series:
        """Actuals used for training, from the series' first date to the last date of the data."""
        row = self._row(series_id)
        values = self.tables.history[row].astype(float)
        keep = ~np.isnan(values)
        return pd.Series(values[keep], index=self.tables.history_dates[keep], name=series_id)

    def backtest(self, series_id: str) -> pd.DataFrame:
        """Out-of-sample CV predictions of the served configuration: date, actual, forecast, fold."""
        row = self._row(series_id)
        t = self.tables
        pred = t.backtest[row].astype(float)
        keep = ~np.isnan(pred)
        pos = t.history_dates.get_indexer(t.backtest_dates)
        actual = t.history[row][pos].astype(float)
        return pd.DataFrame(
            {
                "date": t.backtest_dates[keep],
                "actual": actual[keep],
                "forecast": pred[keep],
                "fold": t.backtest_folds[keep].astype(int),
            }
        )

    def calibration(self) -> Calibration:
        """The interval calibration served (per-step quantiles up to max_horizon)."""
        return Calibration(self.tables.lo, self.tables.hi, self.tables.rho, 0, self.tables.center)

    def validate(self) -> None:
        """Raise ValueError when the forecaster is internally inconsistent (checked before a hot swap)."""
        t = self.tables
        n = len(self.series_ids)
        problems = []
        check_freq(self.freq)
        if n == 0:
            problems.append("no series")
        if len(set(self.series_ids)) != n:
            problems.append("duplicate series ids")
        if t.points.shape != (n, self.max_horizon):
            problems.append(f"points shape {t.points.shape} != ({n}, {self.max_horizon})")
        if not np.isfinite(t.points).all() or (t.points < 0).any():
            problems.append("point forecasts must be finite and non-negative")
        if t.scales.shape != (n,) or not np.isfinite(t.scales).all() or (t.scales < 0).any():
            problems.append("scales must be finite, non-negative, one per series")
        for level in INTERVAL_LEVELS:
            lo, hi = t.lo.get(level), t.hi.get(level)
            if lo is None or hi is None or lo.shape != (self.max_horizon,) or hi.shape != (self.max_horizon,):
                problems.append(f"interval table {level} missing or of the wrong length")
            elif not (np.isfinite(lo).all() and np.isfinite(hi).all() and (lo <= hi).all()):
                problems.append(f"interval table {level} not finite or lower above upper")
        if t.center is not None and (
            t.center.shape != (self.max_horizon,) or not np.isfinite(t.center).all()
        ):
            problems.append("interval center table not finite or of the wrong length")
        if t.history.shape != (n, len(t.history_dates)):
            problems.append("history shape does not match series and dates")
        if len(t.history_dates) and (t.history_dates[0], t.history_dates[-1]) != tuple(self.data_range):
            problems.append("data_range does not match the history dates")
        if not 0.0 <= t.rho <= 1.0:
            problems.append(f"correlation {t.rho} outside [0, 1]")
        if t.rho_by is not None and not all(0.0 <= r <= 1.0 for r in t.rho_by.values()):
            problems.append(f"calibrated correlations {t.rho_by} outside [0, 1]")
        if problems:
            raise ValueError("inconsistent forecaster: " + "; ".join(problems))
