"""Display periods: how a forecaster's daily (or weekly…) steps add up to weeks, months and quarters.

One owner for the period maths that the forecaster, the dashboard, the API and the CLI share:

- the display period of every served step (``served_periods``): the first one usually began before
  the data ended, so its total also counts the actuals already observed in it ("this month so far +
  rest"), and the last one may be cut by the served range, so it is never offered;
- the longest horizon served per display frequency (``max_display_horizon``, ``max_horizons``);
- history and backtests summed per display period, partial periods left out (a week the data ends
  inside of would be drawn as a dip), the "History shown" window and last year's values;
- the display periods only some stores have reported (``partly_reported``), drawn apart from history.

Weeks run Monday to Sunday; periods are indexed by their start date.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from data.frequency import coarser_or_equal, frequency
from models.series import display_alias, future_dates, grid_alias


@lru_cache(maxsize=64)
def served_periods(last: pd.Timestamp, alias: str, steps: int, freq: str) -> pd.PeriodIndex:
    """Display period (of ``freq``) of each of the ``steps`` grid dates (``alias``) after ``last``.

    Cached: every series of a level shares it, and a breakdown asks for it once per series.
    """
    return future_dates(last, alias, steps).to_period(display_alias(freq))


def whole_periods(periods: pd.PeriodIndex) -> int:
    """Display periods the served steps cover completely: all but the last, which they may end inside of."""
    return len(pd.unique(periods)) - 1


def max_display_horizon(model: Any, freq: str) -> int:
    """Longest horizon the forecaster ``model`` serves at display frequency ``freq`` (whole periods)."""
    if freq == model.freq:
        return int(model.max_horizon)
    periods = served_periods(model.data_range[1], model.alias, model.max_horizon, freq)
    return max(whole_periods(periods), 1)


def max_horizons(model: Any) -> dict[str, int]:
    """``{display frequency: longest horizon}`` for each granularity ``model`` shows (its own and coarser)."""
    return {f: max_display_horizon(model, f) for f in coarser_or_equal(model.freq)}


def period_sums(series: pd.Series, freq: str) -> pd.Series:
    """``series`` summed per display period of ``freq``, indexed by period start (partial periods kept)."""
    if series.empty:
        return series
    sums = series.groupby(series.index.to_period(display_alias(freq))).sum()
    sums.index = sums.index.start_time
    return sums


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


def partly_reported(history: pd.Series, later: pd.Series, freq: str, data_freq: str) -> pd.Series:
    """Display periods holding ``later`` steps (reported by only some stores), summed with the
    ``history`` steps they share a period with; indexed by period start. Empty when ``later`` is."""
    if later.empty:
        return later.astype(float)
    if freq == data_freq:
        return later.astype(float)
    first = later.index[0].to_period(display_alias(freq)).start_time
    sums = period_sums(pd.concat([history[history.index >= first], later]), freq)
    return sums.astype(float)


def history_periods(days: int, freq: str) -> int:
    """Display periods a "History shown" choice names: 91 days are 3 months or 13 weeks, 365 are 52 weeks."""
    return max(1, round(days / frequency(freq).period_days))


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
    earlier = dates - frequency(freq).year_offset
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
