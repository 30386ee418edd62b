"""Local models' training windows: a weekly series is fitted on up to ten yearly (52-week) cycles."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsforecast.models import AutoTheta

from models.candidates.local import (
    ETSLocal,
    ThetaLocal,
    default_window,
    fitted_observations,
)
from models.series import Panel


def _weekly(n: int, seed: int = 5) -> Panel:
    """One weekly series of ``n`` weeks: a 52-week season, a slow trend and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 100 + 0.05 * t + 15 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 2, n)
    dates = pd.date_range("2010-01-04", periods=n, freq="W-MON")
    return Panel(("s",), dates, y[None, :], "W", "W-MON")


def test_weekly_local_models_fit_on_ten_years_of_weeks() -> None:
    """Eight years of weeks: AutoTheta is fitted on all of them (not only the last five years), so the
    forecast equals statsforecast's AutoTheta on the whole series; only beyond ten years is it cut."""
    assert default_window("W", "AutoTheta") == 520
    panel = _weekly(416)
    ours = ThetaLocal().fit(panel, 13).predict()[0]
    y = panel.values[0]
    whole = AutoTheta(season_length=52).fit(y).predict(h=13)["mean"]
    last_five = AutoTheta(season_length=52).fit(y[-260:]).predict(h=13)["mean"]
    np.testing.assert_allclose(ours, whole, rtol=1e-9)
    assert not np.allclose(ours, last_five, rtol=1e-6)
    long = _weekly(600)
    cut = AutoTheta(season_length=52).fit(long.values[0][-520:]).predict(h=13)["mean"]
    np.testing.assert_allclose(ThetaLocal().fit(long, 13).predict()[0], cut, rtol=1e-9)


def _monthly(n: int, seed: int = 3) -> Panel:
    """One monthly series of ``n`` months: a 12-month season, a trend that bends halfway, and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    bend = 1.5 * np.maximum(t - n // 2, 0)
    y = 200 + 0.5 * t + bend + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, n)
    return Panel(("s",), pd.date_range("2005-01-01", periods=n, freq="MS"), y[None, :], "M", "MS")


def test_monthly_backtests_refit_at_every_fold_daily_ones_roll_forward() -> None:
    """Monthly folds forecast from a fit on the data up to their own cutoff (as serving does), so fold k's
    path equals a fresh fit on the history to that cutoff; daily folds after the first roll the first
    cutoff's fit forward when the series has a year of history there, so their paths differ from a
    fresh fit's."""
    panel = _monthly(120)
    positions = [83, 95, 107]
    folds = ETSLocal().backtest(panel, positions, 12)
    for k, pos in enumerate(positions):
        fresh = ETSLocal().fit(panel.truncate(pos), 12).predict()[0]
        np.testing.assert_allclose(folds[k][0], fresh, rtol=1e-9)
    daily = _daily(500)
    days = [399, 427, 455]
    rolled = ETSLocal().backtest(daily, days, 28)
    fresh = [ETSLocal().fit(daily.truncate(pos), 28).predict()[0] for pos in days]
    np.testing.assert_allclose(rolled[0][0], fresh[0], rtol=1e-9)
    assert not np.allclose(rolled[2][0], fresh[2], rtol=1e-6)


def _daily(n: int, start: int = 0, seed: int = 4) -> Panel:
    """One daily series on a grid of ``n`` days, observed from day ``start``: a weekly peak and a trend."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = 50 + 0.05 * t + 10 * (t % 7 == 5) + rng.normal(0, 2, n)
    y[:start] = np.nan
    return Panel(("d",), pd.date_range("2023-01-02", periods=n, freq="D"), y[None, :], "D", "D")


def test_daily_series_keep_one_rolled_forward_fit_and_the_budget_counts_each_fit() -> None:
    """Daily local back-tests fit once at the first cutoff and roll forward, young series too
    (refitting them cost flights' full windows, bench/history/real-data-suite-v2.4-v2.7.md v2.5);
    ``fitted_observations`` counts that one fit per daily series on its (capped) history, and every
    fold's fit on weekly/monthly/quarterly data."""
    old, young = _daily(500), _daily(500, start=150, seed=7)
    panel = Panel(("old", "young"), old.dates, np.vstack([old.values, young.values]), "D", "D")
    days = [399, 427, 455]  # the young series has 250 days at the first cutoff
    folds = ETSLocal().backtest(panel, days, 28)
    for k, pos in enumerate(days):
        fresh = ETSLocal().fit(panel.truncate(pos), 28).predict()
        if k:  # both rolled forward from the first cutoff's fit
            assert not np.allclose(folds[k][0], fresh[0], rtol=1e-6)
            assert not np.allclose(folds[k][1], fresh[1], rtol=1e-6)
        else:
            np.testing.assert_allclose(folds[0], fresh, rtol=1e-9)
    at_cutoffs = np.clip(np.array(days)[:, None] + 1 - panel.starts[None, :], 0, None)
    assert at_cutoffs[0].tolist() == [400, 250]
    fitted = fitted_observations("D", panel.n_obs(), at_cutoffs, 371)
    np.testing.assert_array_equal(fitted, [371, 350])
    monthly = fitted_observations("M", panel.n_obs(), at_cutoffs, 240)  # every fold refits there
    np.testing.assert_array_equal(monthly, [3 * 240, 3 * 240])
