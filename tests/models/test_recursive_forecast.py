"""The NumPy recursive forecast gives mlforecast's own predictions (real LightGBM fits, no mocks).

``models.candidates.recursive`` replaces ``MLForecast.predict``'s per-step pandas work; these tests fit
the same pipeline with mlforecast and compare its ``predict`` with the engine's paths: daily series of
different ages (lags and rolling windows longer than a young series' history), an events calendar
(an exogenous column), horizons past the panel's last date, weekly data (a pandas-attribute date
feature) and every back-test cutoff in one pass.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from models.candidates.mlf import MLForecastGlobal
from models.candidates.recursive import RecursiveSpec, forecast_rows, scaler_ok
from models.features import event_features
from models.series import Panel, level_panel

START = pd.Timestamp("2024-01-01")


def _sales(days: int = 460, freq: str = "D") -> pd.DataFrame:
    """Three stores with a weekly pattern; S03 opens late (a young series) and S04 sells one constant."""
    rng = np.random.default_rng(3)
    dates = pd.date_range(START, periods=days, freq="D" if freq == "D" else "W-MON")
    frames = []
    for i, store in enumerate(("S01", "S02", "S03", "S04")):
        y = (40 + 25 * i) * (1 + 0.4 * (dates.dayofweek >= 5)) * rng.gamma(15, 1 / 15, len(dates))
        keep = slice(None) if store != "S03" else slice(len(dates) - 20, None)  # 20 periods of history
        y = np.full(len(dates), 7.0) if store == "S04" else y
        frames.append(
            pd.DataFrame(
                {"date": dates[keep], "store": store, "category": "C", "product": "P", "revenue": y[keep]}
            )
        )
    return pd.concat(frames, ignore_index=True)


def _mlforecast_paths(model: MLForecastGlobal, panel: Panel, horizon: int) -> np.ndarray:
    """The same pipeline fitted and forecast by mlforecast alone (its ``predict``)."""
    long = model._long(panel)
    long, x_df = event_features(panel, long, horizon)
    mlf = model._pipeline(panel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mlf.fit(long, dropna=False, weight_col="weight", static_features=[], as_numpy=True)
        return np.clip(model._paths(panel, mlf.predict(horizon, X_df=x_df), horizon), 0.0, None)


def test_daily_paths_equal_mlforecast_predict_for_young_and_old_series() -> None:
    panel = level_panel(_sales(), "store", "D", "BR")
    horizon = 400  # the served daily horizon: far past the panel's dates (date features continue the grid)
    ours = MLForecastGlobal().fit(panel, horizon).predict()
    theirs = _mlforecast_paths(MLForecastGlobal(), panel, horizon)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)
    young = panel.ids.index("store=S03")
    assert np.isfinite(ours[young]).all()  # 20 days: its lag-21/28/364 features are NaN, as in mlforecast
    assert np.isnan(ours[panel.ids.index("store=S04")]).all()  # a constant series: left to the fallbacks


def test_event_flags_enter_the_forecast_as_mlforecast_passes_them() -> None:
    sales = _sales()
    promo = tuple((START + pd.Timedelta(days=d), "S01") for d in range(3, 460 + 60, 11))
    sales.loc[sales["store"].eq("S01") & sales["date"].isin([d for d, _ in promo]), "revenue"] *= 3
    panel = level_panel(sales, "store", "D", "none", promo)
    ours = MLForecastGlobal().fit(panel, 60).predict()
    theirs = _mlforecast_paths(MLForecastGlobal(), panel, 60)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)
    s01 = ours[panel.ids.index("store=S01")]
    days = pd.date_range(panel.dates[-1], periods=61, freq="D")[1:]
    on = days.isin([d for d, _ in promo])
    assert s01[on].mean() > 1.5 * s01[~on].mean()  # the lift was learned from the calendar


def test_weekly_paths_equal_mlforecast_predict() -> None:
    panel = level_panel(_sales(days=150, freq="W"), "store", "W", "none")
    ours = MLForecastGlobal().fit(panel, 104).predict()
    theirs = _mlforecast_paths(MLForecastGlobal(), panel, 104)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def test_one_pass_over_every_cutoff_equals_mlforecast_per_cutoff() -> None:
    panel = level_panel(_sales(), "store", "D", "BR")
    positions, horizon = [300, 380, 445], 14  # the young series has started only by the last cutoff
    model = MLForecastGlobal()
    folds = model.backtest(panel, positions, horizon)
    first = panel.truncate(positions[0])
    mlf = model._pipeline(first)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mlf.fit(model._long(first), dropna=False, weight_col="weight", static_features=[], as_numpy=True)
        for k, pos in enumerate(positions):
            own = model._paths(panel, mlf.predict(horizon, new_df=model._long(panel.truncate(pos))), horizon)
            np.testing.assert_allclose(folds[k], np.clip(own, 0.0, None), rtol=1e-9, atol=1e-9)
    young = panel.ids.index("store=S03")
    assert np.isnan(folds[0][young]).all() and np.isfinite(folds[2][young]).all()


def test_a_pipeline_it_cannot_express_is_forecast_by_mlforecast() -> None:
    assert RecursiveSpec.of(["lag1", "unknown_feature"], [1], {}, []) is None
    panel = level_panel(_sales(), "store", "D", "BR")
    model = MLForecastGlobal(differences=True)  # the differences' inverse stays mlforecast's
    paths = model.fit(panel, 30).predict()
    assert np.isfinite(paths[panel.ids.index("store=S01")]).all()
    folds = model.backtest(panel, [380, 410], 30)
    assert all(np.isfinite(f[panel.ids.index("store=S01")]).all() for f in folds)


def test_rows_are_standardised_on_their_own_history_only() -> None:
    """A row's forecast depends on nothing after its cutoff (the leakage guarantee of the back-test)."""
    panel = level_panel(_sales(), "store", "D", "BR")
    model = MLForecastGlobal().fit(panel, 5)
    spec = RecursiveSpec.of(["lag1", "lag7"], [1, 7], {}, [])
    assert spec is not None and spec.lookback == 7

    class Mean:  # a stand-in regressor (not one of ours): the mean of its two features
        def predict(self, x: np.ndarray) -> np.ndarray:
            return x.mean(axis=1)

    rows, ends = np.array([0, 0]), np.array([200, 300])
    base = forecast_rows(Mean(), spec, panel, rows, ends, 10)
    changed = dataclasses.replace(panel, values=panel.values.copy())
    changed.values[0, 201:] *= 5  # the future of the first row's cutoff
    again = forecast_rows(Mean(), spec, changed, rows, ends, 10)
    np.testing.assert_array_equal(again[0], base[0])
    assert not np.allclose(again[1], base[1])
    assert scaler_ok(panel, np.arange(panel.n_series), np.full(panel.n_series, 459)).tolist() == [
        sid != "store=S04" for sid in panel.ids
    ]
    assert model.paths_.shape == (panel.n_series, 5)


@pytest.mark.parametrize("rows", [0, 3])
def test_empty_and_small_requests(rows: int) -> None:
    panel = level_panel(_sales(), "store", "D", "BR")
    spec = RecursiveSpec.of(["lag1"], [1], {}, [])

    class Last:
        def predict(self, x: np.ndarray) -> np.ndarray:
            return x[:, 0]

    out = forecast_rows(Last(), spec, panel, np.arange(rows), np.full(rows, 459), 4)
    assert out.shape == (rows, 4)
    if rows:  # a forecast of the last value, in the series' own units
        np.testing.assert_allclose(out[:, 0], panel.values[:rows, 459])
