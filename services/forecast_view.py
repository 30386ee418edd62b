"""Use case "forecast for a view": one series' forecast, and the dashboard view built around it.

The adapters parse their input into a level and a series id, call these functions and render the
result: the dashboard callbacks (chart, KPIs, breakdown, CSV/XLSX export), the JSON API
(``GET /api/forecast``) and the CLI ``forecast`` command (CSV). So all of them show the same numbers
for one series. The period maths (display periods, horizon limits, partial periods) belongs to the
forecaster, in ``models.periods``; this module chooses what a use case computes.

Unreported days are unknown, not zero (``data.reporting``): a view's history stops at the newest date
every store of the view has reported (one store: its last report), continued from the database when
the model was trained on less; days reported by only some stores are returned apart, as partly
reported periods, and count in no KPI.

Where the models come from is a ``ModelSource``: a ``HolderSource`` reads this process's in-memory
MASTER snapshot (cached forecasts; one snapshot per request so one answer never mixes versions); a
``RegistrySource`` loads the MASTER artifacts recorded in the registry (the CLI, which serves nothing).
A scoped manager's adapters wrap the source with ``services.scoping.scoped`` (their stores only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from data import storage
from data.queries import list_products
from data.reporting import Reporting
from models.artifacts import ArtifactError
from models.holder import ModelUnavailableError
from models.periods import (
    aggregate_backtest,
    aggregate_history,
    last_year_values,
    max_horizons,
    partly_reported,
    period_sums,
    window,
)
from models.reconciliation import coherent_served, reconcile_masters
from models.registry import master_versions
from models.stored import StoredForecaster, load_served
from services.scoping import ALL_STORES, StoreScope

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

    def refused_version(self, level: str) -> str | None:
        """The MASTER version of ``level`` that could not be loaded (broken artifact), if any."""
        return self.holder.refused_version(level)

    def remember(self, key: tuple, compute: Any) -> Any:
        """A value derived from this snapshot's models, computed once per served state (the holder's)."""
        return self.holder.remember(key, compute, snapshot=self.snapshot)

    def forecast(
        self, level: str, series_id: str, horizon: int, *, freq: str | None, interval: float
    ) -> pd.DataFrame:
        """A cached forecast from this snapshot's forecaster."""
        return self.holder.forecast(
            level, series_id, horizon, freq=freq, interval=interval, snapshot=self.snapshot
        )


@dataclass
class RegistrySource:
    """The MASTER of each level as the registry records it now, as workers serve it: its newest
    published snapshot (``models.stored.load_served``, reconciled when published), else loaded from
    its artifact and reconciled here when every level is (``coherent_served``, the holder's rule).

    Raises ``ModelUnavailableError`` when a level has no MASTER, ``RegistryError``/``ArtifactError``
    when its version or artifact cannot be read. Each level is loaded at most once.
    """

    engine: Engine
    _models: dict[str, Any] = field(default_factory=dict, repr=False)
    _versions: dict[str, str] = field(default_factory=dict, repr=False)
    coherence: Any = field(default=None, repr=False)  # how the served levels add up (after ``model``)

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
        """The MASTER forecaster of ``level`` as served: loaded and reconciled with the other levels'
        MASTERs (``models.reconciliation``), so the CLI prints the numbers the dashboard shows."""
        if level not in self._models:
            self.version(level)  # ModelUnavailableError when the level has no MASTER
            base = {}
            for lv, version in master_versions(self.engine).items():
                try:
                    base[lv] = load_served(self.engine, lv, version)
                except ArtifactError:
                    if lv == level:
                        raise  # another level's broken artifact only costs coherence, not this forecast
            from_store = {lv for lv, m in base.items() if isinstance(m, StoredForecaster)}
            served, self.coherence = coherent_served(
                base, from_store, lambda ms: reconcile_masters(ms, dict(list_products(self.engine)))
            )
            self._models.update(served)
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
class ReportedSales:
    """How far the stores of one view have reported, and the recorded sales the model's history lacks.

    The view's history stops at ``through``. ``recorded`` is the database's revenue of the view's
    selection per date after ``since`` (the earlier of ``through`` and the model's last date): its
    dates up to ``through`` continue the history, later ones were reported only by the stores in
    ``ahead``.
    """

    through: pd.Timestamp
    since: pd.Timestamp
    recorded: pd.Series
    ahead: tuple[str, ...] = ()


def scope_stores(store: str | None, scope: StoreScope) -> str | list[str] | None:
    """The stores a selection of ``store`` reads for a user of ``scope`` (None = every store); refuses
    a store outside the scope with ``StoreNotAllowed``."""
    scope.check(store)
    return store if store is not None or scope.stores is None else sorted(scope.stores)


def _no_sales() -> pd.Series:
    return pd.Series(dtype=float, index=pd.DatetimeIndex([], name="date"), name="revenue")


def reported_sales(
    engine: Engine,
    reporting: Reporting,
    model_end: Any,
    *,
    store: str | None = None,
    category: str | None = None,
    product: str | None = None,
    scope: StoreScope = ALL_STORES,
) -> ReportedSales | None:
    """What ``reporting`` says of the selection (``store`` None = all stores of ``scope``) next to a
    model trained to ``model_end``; reads the database only when it holds sales of the view the model
    lacks. None when the store is unknown or there are no sales. ``reporting`` must cover the stores
    of ``scope`` only (``Catalogue.within``)."""
    through = reporting.reported_through(store)
    if through is None:
        return None
    through = pd.Timestamp(through)
    since = min(through, pd.Timestamp(model_end).normalize())
    newest = pd.Timestamp(reporting.newest if store is None else through)
    recorded = _no_sales()
    if newest > since:
        recorded = storage.load_revenue_series(
            engine,
            store=scope_stores(store, scope),
            category=category,
            product=product,
            start=since + pd.Timedelta(days=1),
        )
    ahead = tuple(r.store for r in reporting.ahead) if store is None else ()
    return ReportedSales(through=through, since=since, recorded=recorded, ahead=ahead)


def split_reported(history: pd.Series, reported: ReportedSales, alias: str) -> tuple[pd.Series, pd.Series]:
    """The history up to ``reported.through`` (the model's steps to ``since``, then the recorded ones)
    and the steps after it, reported only by some stores; a grid step without rows is a zero."""
    recorded = reported.recorded

    def steps(after: pd.Timestamp, until: pd.Timestamp) -> pd.Series:
        grid = pd.date_range(after, until, freq=alias) if until > after else pd.DatetimeIndex([])
        return recorded.reindex(grid[grid > after], fill_value=0.0).astype(float)

    known = history[history.index <= reported.since]
    filled = steps(reported.since, reported.through)
    later = steps(reported.through, recorded.index.max()) if len(recorded) else _no_sales()
    return (pd.concat([known, filled]) if len(filled) else known), later


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
    partial: pd.Series = field(default_factory=_no_sales)  # display periods only some stores reported
    reported_through: pd.Timestamp | None = None  # the history's last known date (None: the model's)
    ahead: tuple[str, ...] = ()  # the stores that reported the ``partial`` days


def forecast_view(
    source: ModelSource, query: ViewQuery, reported: ReportedSales | None = None
) -> ForecastView:
    """Compute the view of ``query`` from the source's forecaster and ``reported`` (no SQL here).

    A display period only partly covered by the data is left out of the history (the forecaster's
    first forecast period already includes the actuals observed in it) and of the backtest. With
    ``reported``, the history stops where every store of the view has reported and the later days
    are summed into ``partial`` (display periods only some stores reported; none of them is "full").
    Raises ``KeyError`` (from the forecaster, naming close matches) when the series is not served.
    """
    model = source.model(query.level)
    sid, freq = query.series_id, query.freq
    raw = model.history(sid)
    later = _no_sales()
    if reported is not None:
        raw, later = split_reported(raw, reported, model.alias)
    full = aggregate_history(raw, freq, model.freq, model.alias)
    f80, f95 = band_forecasts(source, query.level, sid, query.horizon, freq)
    backtest = None
    if query.backtest:
        backtest = aggregate_backtest(model.backtest(sid), raw, freq, model.freq, model.alias)
    end = raw.index[-1] if len(raw) else model.data_range[1]
    return ForecastView(
        level=query.level,
        series_id=sid,
        freq=freq,
        history=window(full, query.history_days, end, freq),
        full_history=full,
        forecast80=f80,
        forecast95=f95,
        last_year=last_year_values(full, f80["date"], freq),
        backtest=backtest,
        partial=partly_reported(raw, later, freq, model.freq),
        reported_through=reported.through if reported is not None else None,
        ahead=reported.ahead if reported is not None and len(later) else (),
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

    Each total equals the sum of that series' displayed periods (``LevelForecaster.horizon_total``);
    they are asked for in one batch (``horizon_totals``: a published snapshot answers a standard
    horizon from its totals companion, whatever the number of series).
    """
    model = source.model(level)
    label_of = {sid: label for label, sid in series.items()}
    found = model.horizon_totals(list(label_of), horizon, freq=freq)  # served ids, in the order asked
    totals = pd.Series(found.to_numpy(dtype=float), index=[label_of[sid] for sid in found.index], dtype=float)
    return totals.sort_values(ascending=False)


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
    through: Any = None,
    scope: StoreScope = ALL_STORES,
) -> pd.Series:
    """Recorded revenue of a selection straight from the database, per display period (no model needed).

    Shown when no model serves the selection yet; partial periods are kept (there is no forecast to
    continue them). ``through``: the last date every store of the selection has reported (None = all).
    A scoped user's "all stores" is the sum of their stores; another store is refused
    (``StoreNotAllowed``).
    """
    stores = scope_stores(store, scope)
    series = storage.load_revenue_series(
        engine, store=stores, category=category, product=product, end=through
    )
    return period_sums(series, freq)
