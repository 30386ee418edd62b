"""Events as a model feature: flags per series and grid period; a real mlforecast fit uses them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.candidates.mlf import MLForecastGlobal
from models.features import event_flags
from models.series import future_dates, level_panel

START = pd.Timestamp("2025-01-06")
DAYS = 210


def _promo_days() -> list[pd.Timestamp]:
    """Every 9th day is a promotion at store S01, in the history and in the 21 days after it."""
    return [START + pd.Timedelta(days=d) for d in range(4, DAYS + 21, 9)]


def _sales() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    dates = pd.date_range(START, periods=DAYS, freq="D")
    promo = dates.isin(_promo_days())
    frames = []
    for store in ("S01", "S02"):
        y = 100 * (1 + 0.2 * (dates.dayofweek >= 5)) * rng.gamma(50, 1 / 50, DAYS)
        if store == "S01":
            y = np.where(promo, 3 * y, y)
        frames.append(
            pd.DataFrame({"date": dates, "store": store, "category": "C", "product": "P", "revenue": y})
        )
    return pd.concat(frames, ignore_index=True)


def _events() -> tuple[tuple[pd.Timestamp, str | None], ...]:
    return (*((d, "S01") for d in _promo_days()), (START + pd.Timedelta(days=100), None))


def test_flags_follow_the_store_and_the_grid_period() -> None:
    sales = _sales()
    daily = level_panel(sales, "store", "D", "none", _events())
    flags = event_flags(daily, daily.dates)
    row = {sid: i for i, sid in enumerate(daily.ids)}
    day4 = daily.dates.get_loc(START + pd.Timedelta(days=4))
    assert flags[row["store=S01"], day4] == 1 and flags[row["store=*"], day4] == 1
    assert flags[row["store=S02"], day4] == 0  # another store's promotion
    day100 = daily.dates.get_loc(START + pd.Timedelta(days=100))
    assert flags[:, day100].tolist() == [1, 1, 1]  # a chain-wide event
    weekly_sales = sales.assign(date=sales["date"] - pd.to_timedelta(sales["date"].dt.dayofweek, unit="D"))
    weekly = level_panel(weekly_sales, "store", "W", "none", _events())
    wflags = event_flags(weekly, weekly.dates)
    assert wflags[row["store=S02"], weekly.dates.get_loc(START + pd.Timedelta(days=98))] == 1  # in that week
    assert event_flags(level_panel(sales, "store", "D", "none"), daily.dates).sum() == 0


def test_a_real_mlforecast_fit_learns_the_promotion_lift_from_the_calendar() -> None:
    sales = _sales()
    horizon = 21
    ahead = future_dates(pd.Timestamp(sales["date"].max()), "D", horizon)
    promo = ahead.isin(_promo_days())
    assert promo.sum() >= 2
    with_events = level_panel(sales, "store", "D", "none", _events())
    without = level_panel(sales, "store", "D", "none")
    s01 = with_events.ids.index("store=S01")
    s02 = with_events.ids.index("store=S02")
    paths = MLForecastGlobal().fit(with_events, horizon).predict()
    plain = MLForecastGlobal().fit(without, horizon).predict()
    lift = paths[s01, promo].mean() / paths[s01, ~promo].mean()
    assert lift > 1.8, lift  # promotions triple sales; the flag lets the model say so on the right days
    assert plain[s01, promo].mean() / plain[s01, ~promo].mean() < lift - 0.5
    assert paths[s02, promo].mean() / paths[s02, ~promo].mean() < 1.3  # S02 has no promotion


def test_the_back_test_scores_the_model_with_events_that_is_served() -> None:
    """The back-test fits and forecasts with the event flag as the served fit does: on the folds the
    promotion days of S01 are forecast with the lift (before, the back-test model had no event column,
    so CV judged a different model from the one served)."""
    sales = _sales()
    horizon = 21
    panel = level_panel(sales, "store", "D", "none", _events())
    positions = [panel.length - 1 - 3 * horizon, panel.length - 1 - 2 * horizon, panel.length - 1 - horizon]
    s01 = panel.ids.index("store=S01")
    promo = set(_promo_days())
    lifts = []
    for pos, path in zip(positions, MLForecastGlobal().backtest(panel, positions, horizon), strict=True):
        ahead = panel.dates[pos + 1 : pos + 1 + horizon]
        on = np.array([d in promo for d in ahead])
        assert on.any() and np.isfinite(path[s01]).all()
        lifts.append(path[s01, on].mean() / path[s01, ~on].mean())
    assert min(lifts) > 1.8, lifts
