"""Use case "forecast for a view": one series' forecast, and the dashboard view built around it.

The adapters parse their input into a level and a series id, call these functions and render the
result: the dashboard callbacks (chart, KPIs, breakdown, CSV/XLSX export), the JSON API
(``GET /api/forecast``) and the CLI ``forecast`` command (CSV). So all of them show the same numbers
for one series. The period maths (display periods, horizon limits, partial periods) belongs to the
forecaster, in ``models.periods``; this module chooses what a use case computes.

Where the models come from is a ``ModelSource``: a ``HolderSource`` reads this process's in-memory
MASTER snapshot (cached forecasts; one snapshot per request so one answer never mixes versions); a
``RegistrySource`` loads the MASTER artifacts recorded in the registry (the CLI, which serves nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from data import storage
from models.artifacts import load_artifact
from models.holder import ModelUnavailableError
from models.periods import (
    aggregate_backtest,
    aggregate_history,
    last_year_values,
    max_horizons,
    period_sums,
    window,
)
from models.registry import get_version, master_versions

VIEW_INTERVALS = (0.8, 0.95)  # the two bands the dashboard draws and exports


class ModelSource(Protocol):
    """Where a use case finds the MASTER forecaster of a level (see the module docstring)."""

    def model(self, level: str) -> Any:
        """The forecaster of ``level``; ``ModelUnavailableError`` when there is none."""

    def version(self, level: str) -> str | None:
        """The registry version id of the forecaster of ``level``."""

    def forecast(
        self, level: str, series_id: str, horizon: int, *, freq: str | None, interval: float
    ) -> pd.DataFrame:
        """``date, forecast, lower, upper`` of one series (the forecaster's ``forecast``)."""


@dataclass(frozen=True)
class HolderSource:
    """The MASTER models of one ``ModelHolder`` snapshot, with the holder's forecast cache."""

    holder: Any
    snapshot: Any

    @classmethod
    def of(cls, holder: Any) -> HolderSource:
        """A source on the holder's current snapshot (take one per request)."""
        return cls(holder, holder.snapshot())

    def model(self, level: str) -> Any:
        """The forecaster of ``level`` in this snapshot."""
        return self.snapshot.get(level)

    def version(self, level: str) -> str | None:
        """The version id of ``level`` in this snapshot."""
        return self.snapshot.versions.get(level)

    def forecast(
        self, level: str, series_id: str, horizon: int, *, freq: str | None, interval: float
    ) -> pd.DataFrame:
        """A cached forecast from this snapshot's forecaster."""
        return self.holder.forecast(
            level, series_id, horizon, freq=freq, interval=interval, snapshot=self.snapshot
        )


@dataclass
class RegistrySource:
    """The MASTER of each level as the registry records it now, loaded and validated from its artifact.

    Raises ``ModelUnavailableError`` when a level has no MASTER, ``RegistryError``/``ArtifactError``
    when its version or artifact cannot be read. Each level is loaded at most once.
    """

    engine: Engine
    _models: dict[str, Any] = field(default_factory=dict, repr=False)
    _versions: dict[str, str] = field(default_factory=dict, repr=False)

    def version(self, level: str) -> str | None:
        """The MASTER version id of ``level``."""
        if level not in self._versions:
            version = master_versions(self.engine).get(level)
            if version is None:
                raise ModelUnavailableError(
                    f"there is no MASTER model for level {level} yet: run `flask --app wsgi train` first"
                )
            self._versions[level] = version
        return self._versions[level]

    def model(self, level: str) -> Any:
        """The MASTER forecaster of ``level``, loaded from its artifact."""
        if level not in self._models:
            info = get_version(self.engine, self.version(level))
            self._models[level] = load_artifact(info.artifact_path, expected_level=level)
        return self._models[level]

    def forecast(
        self, level: str, series_id: str, horizon: int, *, freq: str | None, interval: float
    ) -> pd.DataFrame:
        """A forecast straight from the loaded forecaster (no cache: a CLI call forecasts once)."""
        return self.model(level).forecast(series_id, horizon, freq=freq, interval=interval)


@dataclass(frozen=True)
class SeriesForecast:
    """One series' forecast as served: which model version, at which frequency and interval."""

    level: str
    series_id: str
    version: str | None
    freq: str  # the display frequency (the data's own when none was asked for)
    interval: float
    frame: pd.DataFrame  # date, forecast, lower, upper


def forecast_series(
    source: ModelSource,
    level: str,
    series_id: str,
    horizon: int,
    *,
    freq: str | None = None,
    interval: float = 0.8,
) -> SeriesForecast:
    """Forecast ``horizon`` periods of ``freq`` of one series with the MASTER of ``level``.

    Raises ``ModelUnavailableError`` (no model), ``KeyError`` (unknown series, naming close matches) or
    ``ValueError`` (bad frequency, interval or horizon, with the limit).
    """
    frame = source.forecast(level, series_id, horizon, freq=freq, interval=interval)
    shown = freq or source.model(level).freq
    return SeriesForecast(level, series_id, source.version(level), shown, interval, frame)


@dataclass(frozen=True)
class ViewQuery:
    """What one dashboard view shows: a series at a display frequency, horizon and history window."""

    level: str
    series_id: str
    freq: str
    horizon: int
    history_days: int = 365  # 0 = all of it
    backtest: bool = False


@dataclass(frozen=True)
class ForecastView:
    """History, forecasts (80% and 95%), last year's values and backtest of one series at one granularity."""

    level: str
    series_id: str
    freq: str
    history: pd.Series  # complete display periods inside the chosen history window
    full_history: pd.Series  # every complete display period (for last-year comparisons)
    forecast80: pd.DataFrame  # date, forecast, lower, upper
    forecast95: pd.DataFrame
    last_year: pd.Series  # actuals one year before each forecast date (NaN when unknown)
    backtest: pd.DataFrame | None  # date, actual, forecast, fold (display periods) or None


def forecast_view(source: ModelSource, query: ViewQuery) -> ForecastView:
    """Compute the view of ``query`` from the source's forecaster (memory reads only, no SQL).

    A display period only partly covered by the data is left out of the history (the forecaster's
    first forecast period already includes the actuals observed in it) and of the backtest.
    Raises ``KeyError`` (from the forecaster, naming close matches) when the series is not served.
    """
    model = source.model(query.level)
    sid, freq = query.series_id, query.freq
    raw = model.history(sid)
    full = aggregate_history(raw, freq, model.freq, model.alias)
    f80, f95 = band_forecasts(source, query.level, sid, query.horizon, freq)
    backtest = None
    if query.backtest:
        backtest = aggregate_backtest(model.backtest(sid), raw, freq, model.freq, model.alias)
    return ForecastView(
        level=query.level,
        series_id=sid,
        freq=freq,
        history=window(full, query.history_days, model.data_range[1], freq),
        full_history=full,
        forecast80=f80,
        forecast95=f95,
        last_year=last_year_values(full, f80["date"], freq),
        backtest=backtest,
    )


def band_forecasts(
    source: ModelSource, level: str, series_id: str, horizon: int, freq: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 80% and 95% forecasts the dashboard draws and exports (same periods, same point forecast)."""
    f80, f95 = (source.forecast(level, series_id, horizon, freq=freq, interval=i) for i in VIEW_INTERVALS)
    return f80, f95


def breakdown_totals(
    source: ModelSource, level: str, series: Mapping[str, str], *, freq: str, horizon: int
) -> pd.Series:
    """Forecast revenue over the horizon for each ``label -> series id`` served, largest first.

    Each total equals the sum of that series' displayed periods (``LevelForecaster.horizon_total``).
    """
    model = source.model(level)
    served = set(model.series_ids)
    totals = {
        label: model.horizon_total(sid, horizon, freq=freq) for label, sid in series.items() if sid in served
    }
    return pd.Series(totals, dtype=float).sort_values(ascending=False)


def horizon_limits(source: ModelSource, level: str) -> dict[str, int]:
    """Longest horizon per display frequency served by the model of ``level`` (empty without one)."""
    try:
        return max_horizons(source.model(level))
    except ModelUnavailableError:
        return {}


def backtest_wape(backtest: pd.DataFrame | None) -> float | None:
    """Weighted absolute percentage error of a backtest (None when empty or without revenue)."""
    if backtest is None or backtest.empty:
        return None
    total = float(np.abs(backtest["actual"]).sum())
    if total <= 0:
        return None
    return float(np.abs(backtest["actual"] - backtest["forecast"]).sum()) / total


def recorded_history(
    engine: Engine,
    freq: str,
    *,
    store: str | None = None,
    category: str | None = None,
    product: str | None = None,
) -> pd.Series:
    """Recorded revenue of a selection straight from the database, per display period (no model needed).

    Shown when no model serves the selection yet; partial periods are kept (there is no forecast to
    continue them).
    """
    series = storage.load_revenue_series(engine, store=store, category=category, product=product)
    return period_sums(series, freq)
