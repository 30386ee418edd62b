"""The LightGBM candidate's faster paths give the forecasts of the straightforward ones (real fits)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from lightgbm import LGBMRegressor

from models.candidates.fast_lgbm import FastPredictLGBM


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
