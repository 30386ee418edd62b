"""The LightGBM candidate's faster paths give the forecasts of the straightforward ones (real fits)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lightgbm import LGBMRegressor

from models.candidates.fast_lgbm import FastPredictLGBM
from models.candidates.mlf import MLForecastGlobal
from models.series import level_panel


def _sales() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    dates = pd.date_range("2024-01-01", periods=420, freq="D")
    frames = []
    for i, store in enumerate(("S01", "S02", "S03")):
        y = (50 + 20 * i) * (1 + 0.3 * (dates.dayofweek >= 5)) * rng.gamma(20, 1 / 20, len(dates))
        frames.append(
            pd.DataFrame({"date": dates, "store": store, "category": "C", "product": "P", "revenue": y})
        )
    return pd.concat(frames, ignore_index=True)


def test_booster_predict_equals_the_scikit_learn_predict() -> None:
    """The per-step shortcut to the booster returns what LightGBM's scikit-learn predict returns."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(500, 4)), rng.normal(size=500)
    fast = FastPredictLGBM(n_estimators=20, verbosity=-1, n_jobs=1).fit(x, y)
    plain = LGBMRegressor(n_estimators=20, verbosity=-1, n_jobs=1).fit(x, y)
    np.testing.assert_array_equal(fast.predict(x[:50]), plain.predict(x[:50]))
    np.testing.assert_array_equal(
        fast.predict(x[:50], num_iteration=5), plain.predict(x[:50], num_iteration=5)
    )


def test_one_pass_over_every_cutoff_equals_one_forecast_per_cutoff() -> None:
    """The backtest forecasts all folds in one recursive pass; each fold equals its own predict call."""
    panel = level_panel(_sales(), "store", "D", "BR")
    positions, horizon = [300, 340, 380], 28
    model = MLForecastGlobal()
    folds = model.backtest(panel, positions, horizon)
    first = panel.truncate(positions[0])
    mlf = model._pipeline(first)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mlf.fit(model._long(first), dropna=False, weight_col="weight", static_features=[], as_numpy=True)
        for k, pos in enumerate(positions):
            own = model._paths(panel, mlf.predict(horizon, new_df=model._long(panel.truncate(pos))), horizon)
            np.testing.assert_allclose(folds[k], own, rtol=1e-12, atol=1e-9)
    assert np.isfinite(folds[2]).all() and folds[2].shape == (panel.n_series, horizon)
