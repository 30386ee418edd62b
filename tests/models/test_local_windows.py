"""Local models' training windows: a weekly series is fitted on up to ten yearly (52-week) cycles."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsforecast.models import AutoTheta

from models.candidates.local import ThetaLocal, default_window
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
