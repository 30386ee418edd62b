"""History windows of whole display periods, and backtests counted on the calendar's period length."""

from __future__ import annotations

import pandas as pd
import pytest

from callbacks.forecast import view_query
from components.state import HISTORY_CHOICES, ViewState
from models.periods import aggregate_backtest, aggregate_history, window
from services.forecast_view import HolderSource, forecast_view

END = pd.Timestamp("2026-10-31")  # the demo data ends on Saturday 31 Oct 2026


def daily(start: str, end: str, value: float = 1.0) -> pd.Series:
    return pd.Series(value, index=pd.date_range(start, end, freq="D"), dtype=float)


@pytest.mark.parametrize(
    ("freq", "days", "periods"),
    [
        ("M", 91, 3),  # "3 months" drew 2 monthly points
        ("M", 182, 6),
        ("M", 365, 12),
        ("M", 730, 24),
        ("W", 91, 13),
        ("W", 182, 26),
        ("W", 365, 52),  # "1 year" drew 51 weeks
        ("W", 730, 104),
        ("D", 91, 91),
        ("D", 365, 365),
    ],
)
def test_history_shown_is_the_last_whole_periods_it_names(freq, days, periods):
    assert days in HISTORY_CHOICES
    full = aggregate_history(daily("2023-01-01", END), freq, "D", "D")
    shown = window(full, days, END, freq)
    assert len(shown) == periods
    assert shown.index[-1] == full.index[-1]  # ends with the last whole period


def test_monthly_three_months_are_august_to_october():
    full = aggregate_history(daily("2025-01-01", END), "M", "D", "D")
    shown = window(full, 91, END, "M")
    assert list(shown.index) == list(pd.to_datetime(["2026-08-01", "2026-09-01", "2026-10-01"]))


def test_quarters_and_all_history():
    full = aggregate_history(daily("2023-01-01", "2026-09-30"), "Q", "D", "D")
    assert len(window(full, 365, pd.Timestamp("2026-09-30"), "Q")) == 4
    assert window(full, 0, END, "Q").equals(full)


def test_weekly_backtest_leaves_out_the_partial_last_week():
    # History and the last fold end on Saturday 31 Oct 2026: that week has 6 of its 7 days.
    history = daily("2026-09-07", END)
    dates = pd.date_range("2026-10-12", END, freq="D")
    backtest = pd.DataFrame({"date": dates, "actual": 10.0, "forecast": 10.0, "fold": 0})
    weekly = aggregate_backtest(backtest, history, "W", "D")
    assert list(weekly["date"]) == list(pd.to_datetime(["2026-10-12", "2026-10-19"]))
    assert (weekly["actual"] == 70.0).all()  # no week of 6 days dragging the line down


def test_monthly_backtest_needs_every_day_of_the_month():
    history = daily("2026-01-01", "2026-10-30")  # October misses its last day
    dates = pd.date_range("2026-08-01", "2026-10-30", freq="D")
    backtest = pd.DataFrame({"date": dates, "actual": 1.0, "forecast": 1.0, "fold": 0})
    monthly = aggregate_backtest(backtest, history, "M", "D")
    assert list(monthly["date"]) == list(pd.to_datetime(["2026-08-01", "2026-09-01"]))
    assert list(monthly["actual"]) == [31.0, 30.0]


def test_weekly_data_shown_monthly_counts_the_weeks_of_each_month():
    # Weekly data on Sundays: October 2026 has four Sundays, November five.
    history = pd.Series(1.0, index=pd.date_range("2026-09-06", "2026-11-29", freq="W-SUN"))
    backtest = pd.DataFrame({"date": history.index, "actual": 1.0, "forecast": 1.0, "fold": 0})
    monthly = aggregate_backtest(backtest, history, "M", "W")
    assert list(monthly["actual"]) == [4.0, 4.0, 5.0]


def test_real_view_shows_as_many_periods_as_it_says(holder):
    snapshot = holder.snapshot()
    for freq, days, periods in (("M", 91, 3), ("W", 365, 52), ("M", 365, 12)):
        state = ViewState("store", freq=freq, horizon=1, history=days)
        view = forecast_view(HolderSource(holder, snapshot), view_query(state))
        assert len(view.history) == periods, (freq, days)
