"""The numbers behind one forecast view, computed from the MASTER forecaster of a level.

Everything is read from the forecaster in memory (its stored history, forecasts and backtests), so
an interaction costs no SQL. History is aggregated to the display granularity with vectorised
group-bys; a display period only partly covered by the data is left out of the history (the
forecaster's first forecast period already includes the actuals observed in it) and of the backtest.
"History shown" counts whole display periods: "3 months" is the last three whole months.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from components.state import FREQ_ORDER, ViewState
from models.series import display_alias, future_dates, grid_alias, series_id

YEAR_OFFSETS = {
    "D": pd.DateOffset(days=364),
    "W": pd.DateOffset(weeks=52),
    "M": pd.DateOffset(months=12),
    "Q": pd.DateOffset(months=12),
}
PERIOD_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Q": 365.25 / 4}


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


def view_series_id(state: ViewState) -> str:
    """The model series id that the view ``state`` shows (store omitted = all stores together)."""
    if state.tab == "store":
        return series_id("store", store=state.store)
    if state.tab == "category":
        return series_id("category", store=state.store, category=state.category)
    return series_id("product", store=state.store, product=state.product)


def max_display_horizon(model: Any, freq: str) -> int:
    """Longest horizon the forecaster serves at display granularity ``freq`` (whole periods)."""
    if freq == model.freq:
        return int(model.max_horizon)
    steps = future_dates(model.data_range[1], model.alias, model.max_horizon)
    return max(len(pd.unique(steps.to_period(display_alias(freq)))) - 1, 1)


def max_horizons(model: Any) -> dict[str, int]:
    """``{display frequency: longest horizon}`` for every granularity the model can show."""
    start = FREQ_ORDER.index(model.freq)
    return {f: max_display_horizon(model, f) for f in FREQ_ORDER[start:]}


def aggregate_history(history: pd.Series, freq: str, data_freq: str, grid_alias: str) -> pd.Series:
    """Actuals summed per display period (indexed by period start), partial first/last periods dropped."""
    if history.empty or freq == data_freq:
        return history.astype(float)
    alias = display_alias(freq)
    periods = history.index.to_period(alias)
    sums = history.groupby(periods).sum()
    index = history.index
    before = pd.date_range(end=index[0], periods=2, freq=grid_alias)[0]
    after = future_dates(index[-1], grid_alias, 1)[0]
    drop = []
    if before.to_period(alias) == periods[0]:
        drop.append(periods[0])
    if after.to_period(alias) == periods[-1]:
        drop.append(periods[-1])
    sums = sums.drop(drop)
    sums.index = sums.index.start_time
    return sums.astype(float)


def history_periods(days: int, freq: str) -> int:
    """Display periods a "History shown" choice names: 91 days are 3 months or 13 weeks, 365 are 52 weeks."""
    return max(1, round(days / PERIOD_DAYS[freq]))


def window(history: pd.Series, days: int, end: pd.Timestamp, freq: str = "D") -> pd.Series:
    """The last whole display periods of ``history`` that ``days`` names, up to ``end`` (0 = all of it).

    ``history`` holds whole periods only (indexed by period start), so the last one shown is the last
    whole period even when the data ends inside a period; counting periods instead of comparing
    period starts with ``end - days`` keeps "3 months" three months long whatever the month lengths.
    """
    if days <= 0 or history.empty:
        return history
    shown = history[history.index <= end]
    if shown.empty:
        return shown
    alias = display_alias(freq)
    first = (shown.index[-1].to_period(alias) - (history_periods(days, freq) - 1)).start_time
    return shown[shown.index >= first]


def last_year_values(full_history: pd.Series, dates: pd.Series | pd.DatetimeIndex, freq: str) -> pd.Series:
    """Actuals of the same period one year earlier for each of ``dates`` (NaN when not recorded)."""
    dates = pd.DatetimeIndex(dates)
    earlier = dates - YEAR_OFFSETS[freq]
    values = full_history.reindex(earlier).to_numpy(dtype=float)
    return pd.Series(values, index=dates, name="last_year")


def aggregate_backtest(
    backtest: pd.DataFrame, history: pd.Series, freq: str, data_freq: str, data_alias: str | None = None
) -> pd.DataFrame:
    """Backtest predictions and actuals per display period; only periods a fold covers completely.

    A period is complete when the fold has every step of the data's grid inside it on the calendar
    (7 days of a week, 31 of October): a week the data ends inside of is left out, as in the history,
    instead of being drawn as a dip. ``data_alias`` is the grid's alias (inferred from ``history``).
    """
    if backtest.empty or freq == data_freq:
        return backtest.reset_index(drop=True)
    alias = display_alias(freq)
    periods = pd.DatetimeIndex(backtest["date"]).to_period(alias)
    keys = pd.MultiIndex.from_arrays([backtest["fold"].to_numpy(), periods])
    codes, uniques = pd.factorize(keys, sort=True)
    n = len(uniques)
    actual = np.bincount(codes, weights=backtest["actual"].to_numpy(dtype=float), minlength=n)
    forecast = np.bincount(codes, weights=backtest["forecast"].to_numpy(dtype=float), minlength=n)
    steps = np.bincount(codes, minlength=n)
    unique_periods = uniques.get_level_values(1)
    step_alias = data_alias or grid_alias(data_freq, history.index if len(history) else backtest["date"])
    calendar = pd.date_range(periods.min().start_time, periods.max().end_time, freq=step_alias)
    expected = calendar.to_period(alias).value_counts()
    complete = steps == expected.reindex(unique_periods, fill_value=0).to_numpy()
    return pd.DataFrame(
        {
            "date": unique_periods[complete].start_time,
            "actual": actual[complete],
            "forecast": forecast[complete],
            "fold": uniques.get_level_values(0)[complete].astype(int),
        }
    )


def backtest_wape(backtest: pd.DataFrame | None) -> float | None:
    """Weighted absolute percentage error of a backtest (None when empty or without revenue)."""
    if backtest is None or backtest.empty:
        return None
    total = float(np.abs(backtest["actual"]).sum())
    if total <= 0:
        return None
    return float(np.abs(backtest["actual"] - backtest["forecast"]).sum()) / total


def build_view(holder: Any, snapshot: Any, state: ViewState) -> ForecastView:
    """Compute the view of ``state`` from one model snapshot (so one response never mixes versions).

    Raises ``KeyError`` (from the forecaster, naming close matches) when the series is not served.
    """
    level = state.tab
    model = snapshot.get(level)
    sid = view_series_id(state)
    raw = model.history(sid)
    end = model.data_range[1]
    full = aggregate_history(raw, state.freq, model.freq, model.alias)
    f80 = holder.forecast(level, sid, state.horizon, freq=state.freq, interval=0.8, snapshot=snapshot)
    f95 = holder.forecast(level, sid, state.horizon, freq=state.freq, interval=0.95, snapshot=snapshot)
    backtest = None
    if state.backtest:
        backtest = aggregate_backtest(model.backtest(sid), raw, state.freq, model.freq, model.alias)
    return ForecastView(
        level=level,
        series_id=sid,
        freq=state.freq,
        history=window(full, state.history, end, state.freq),
        full_history=full,
        forecast80=f80,
        forecast95=f95,
        last_year=last_year_values(full, f80["date"], state.freq),
        backtest=backtest,
    )


def horizon_steps(model: Any, freq: str, horizon: int) -> tuple[int, pd.Timestamp | None]:
    """Dataset steps that cover ``horizon`` display periods, and the start of the first display period.

    The start is None when the display granularity is the data's own (no observed part to add).
    """
    if freq == model.freq:
        return horizon, None
    steps = future_dates(model.data_range[1], model.alias, model.max_horizon)
    periods = steps.to_period(display_alias(freq))
    last = periods[0] + (horizon - 1)
    return int(np.count_nonzero(periods <= last)), periods[0].start_time


def horizon_total(
    holder: Any,
    snapshot: Any,
    level: str,
    sid: str,
    state: ViewState,
    steps: tuple[int, pd.Timestamp | None] | None = None,
) -> float:
    """Forecast revenue of one series over the view's horizon, equal to the sum of the displayed periods.

    Why not sum the display-granularity forecast: aggregating every series' intervals per period is
    the costly part of a forecast, and a breakdown only needs point totals. The data-granularity path
    is a cached array slice; the first display period also counts the actuals already observed in it,
    as the forecaster's own aggregation does. ``steps`` (from ``horizon_steps``) may be passed once
    for many series of one level.
    """
    model = snapshot.get(level)
    n_steps, first_start = steps or horizon_steps(model, state.freq, state.horizon)
    frame = holder.forecast(level, sid, n_steps, interval=0.8, snapshot=snapshot)
    total = float(frame["forecast"].sum())
    if first_start is not None:
        history = model.history(sid)
        total += float(history[history.index >= first_start].sum())
    return total


def breakdown_totals(
    holder: Any, snapshot: Any, level: str, series: dict[str, str], state: ViewState
) -> pd.Series:
    """Forecast revenue over the view's horizon for each ``label -> series id`` served, largest first."""
    model = snapshot.get(level)
    served = set(model.series_ids)
    totals = {
        label: horizon_total(holder, snapshot, level, sid, state)
        for label, sid in series.items()
        if sid in served
    }
    return pd.Series(totals, dtype=float).sort_values(ascending=False)
