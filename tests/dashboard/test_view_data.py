"""Aggregation of history and backtests to display periods, and views built from a real trained model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from callbacks.forecast import view_query, view_series_id
from components.state import ViewState
from models.periods import aggregate_backtest, aggregate_history, last_year_values, max_horizons, window
from services.forecast_view import HolderSource, backtest_wape, forecast_view


def daily(start: str, end: str, value: float = 1.0) -> pd.Series:
    index = pd.date_range(start, end, freq="D")
    return pd.Series(value, index=index, dtype=float)


def test_weekly_history_drops_partial_first_and_last_weeks():
    # Wed 2025-01-01 .. Tue 2025-01-21: whole weeks are Mon 6-12 and Mon 13-19 only.
    weekly = aggregate_history(daily("2025-01-01", "2025-01-21"), "W", "D", "D")
    assert list(weekly.index) == [pd.Timestamp("2025-01-06"), pd.Timestamp("2025-01-13")]
    assert list(weekly) == [7.0, 7.0]


def test_monthly_history_sums_whole_months():
    monthly = aggregate_history(daily("2025-01-01", "2025-03-31", 2.0), "M", "D", "D")
    assert list(monthly) == [62.0, 56.0, 62.0]
    assert monthly.index[0] == pd.Timestamp("2025-01-01")


def test_same_granularity_is_unchanged_and_window_cuts_by_days():
    series = daily("2025-01-01", "2025-12-31")
    assert aggregate_history(series, "D", "D", "D").equals(series)
    assert len(window(series, 91, series.index[-1])) == 91
    assert window(series, 0, series.index[-1]).equals(series)


def test_last_year_values_align_weekdays_and_months():
    history = daily("2024-01-01", "2024-12-31")
    history[:] = np.arange(len(history))
    dates = pd.DatetimeIndex(["2024-12-30", "2026-06-01"])
    values = last_year_values(history, dates, "D")
    assert values.iloc[0] == history[pd.Timestamp("2024-01-01")]  # 364 days earlier, same weekday
    assert np.isnan(values.iloc[1])
    months = pd.Series([10.0, 20.0], index=pd.DatetimeIndex(["2024-07-01", "2024-08-01"]))
    assert list(last_year_values(months, pd.DatetimeIndex(["2025-07-01", "2025-08-01"]), "M")) == [10.0, 20.0]


def test_backtest_keeps_only_periods_a_fold_covers_completely():
    history = daily("2025-01-06", "2025-02-02")  # four whole weeks
    dates = pd.date_range("2025-01-08", "2025-01-26", freq="D")  # partial week, two whole weeks
    backtest = pd.DataFrame({"date": dates, "actual": 1.0, "forecast": 2.0, "fold": 0})
    weekly = aggregate_backtest(backtest, history, "W", "D")
    assert list(weekly["date"]) == [pd.Timestamp("2025-01-13"), pd.Timestamp("2025-01-20")]
    assert list(weekly["actual"]) == [7.0, 7.0] and list(weekly["forecast"]) == [14.0, 14.0]
    assert backtest_wape(weekly) == pytest.approx(1.0)
    assert backtest_wape(None) is None


def test_view_of_a_real_model(holder):
    snapshot = holder.snapshot()
    state = ViewState("store", freq="W", horizon=8, history=182, backtest=True)
    view = forecast_view(HolderSource(holder, snapshot), view_query(state))
    model = snapshot.get("store")
    assert view.series_id == "store=*"
    assert len(view.forecast80) == 8 and len(view.forecast95) == 8
    assert (view.forecast95["upper"] >= view.forecast80["upper"] - 1e-6).all()
    assert (view.forecast95["lower"] <= view.forecast80["lower"] + 1e-6).all()
    # Whole weeks only, all Mondays, ending before the first forecast week.
    assert (view.history.index.day_of_week == 0).all()
    assert view.history.index[-1] < view.forecast80["date"].iloc[0]
    # "6 months" of weeks are the last 26 whole weeks (the data ends on a Monday: that week is partial).
    assert len(view.history) == 26 and view.history.index[0] >= model.data_range[1] - pd.Timedelta(days=182)
    # A week sums seven days of the model's own history.
    week = view.history.index[-1]
    raw = model.history("store=*")
    assert view.history.iloc[-1] == pytest.approx(raw[week : week + pd.Timedelta(days=6)].sum())
    assert view.backtest is not None and not view.backtest.empty
    assert np.isfinite(view.last_year.to_numpy()).all()


def test_max_horizons_and_series_ids(holder):
    limits = max_horizons(holder.get("product"))
    assert limits["D"] == holder.get("product").max_horizon
    assert limits["D"] > limits["W"] > limits["M"] >= 12
    assert view_series_id(ViewState("product", store="Loja X", product="P")) == "store=Loja X|product=P"
    assert view_series_id(ViewState("category", category="C")) == "store=*|category=C"


@pytest.mark.parametrize(("freq", "horizon"), [("D", 10), ("W", 5), ("M", 3)])
def test_breakdown_total_equals_the_sum_of_the_displayed_periods(holder, freq, horizon):
    snapshot = holder.snapshot()
    sid = holder.get("category").series_ids[-1]
    shown = holder.forecast("category", sid, horizon, freq=freq, interval=0.8, snapshot=snapshot)
    total = snapshot.get("category").horizon_total(sid, horizon, freq=freq)
    assert total == pytest.approx(float(shown["forecast"].sum()), rel=1e-5)
