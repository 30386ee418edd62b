"""Global models through mlforecast: one regressor over all series, recursive multi-step forecasts.

Features (per frequency, see ``_FEATURES``): lags of the target, rolling means of lagged values, date
features of the target date and, for daily data, the holiday and holiday-eve flags of the configured
country, and an ``event`` flag from the events calendar when it has events in the data. Targets are
standardised per series (``LocalStandardScaler``) so one model serves large and small series; rows are
weighted by the series' mean level so the fit follows what WAPE counts.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from mlforecast import MLForecast
from mlforecast.lag_transforms import RollingMean
from mlforecast.target_transforms import Differences, LocalStandardScaler

from models.features import event_features, holiday_flags
from models.series import Panel

_FEATURES = {
    "D": {
        "lags": [1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 364],
        "lag_transforms": {1: [RollingMean(7), RollingMean(28)], 7: [RollingMean(4), RollingMean(13)]},
        "date_features": ["dayofweek", "month", "day", "dayofyear"],
    },
    "W": {
        "lags": [1, 2, 3, 4, 8, 13, 26, 52],
        "lag_transforms": {1: [RollingMean(4), RollingMean(13)]},
        "date_features": ["month", "week"],
    },
    "M": {
        "lags": [1, 2, 3, 6, 12],
        "lag_transforms": {1: [RollingMean(3), RollingMean(12)]},
        "date_features": ["month"],
    },
    "Q": {"lags": [1, 2, 3, 4, 8], "lag_transforms": {1: [RollingMean(4)]}, "date_features": ["quarter"]},
}


def make_regressor(name: str, random_state: int, threads: int = 1):
    """The regressor behind one configuration (LightGBM, or the scikit-learn ones the engine had)."""
    if name == "lightgbm":
        from lightgbm import LGBMRegressor

        return LGBMRegressor(
            n_estimators=150,
            learning_rate=0.05,
            num_leaves=31,
            min_child_samples=20,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=random_state,
            n_jobs=threads,
            verbosity=-1,
        )
    if name == "hgb":
        from sklearn.ensemble import HistGradientBoostingRegressor

        return HistGradientBoostingRegressor(max_iter=150, learning_rate=0.05, random_state=random_state)
    if name == "ridge":
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), Ridge(alpha=1.0))
    raise ValueError(f"unknown regressor {name!r}; expected one of lightgbm, hgb, ridge")


class MLForecastGlobal:
    """One mlforecast regressor over all series of a panel (``regressor``: lightgbm, hgb or ridge)."""

    family = "lgbm"

    def __init__(
        self,
        regressor: str = "lightgbm",
        differences: bool = False,
        threads: int = 1,
        random_state: int = 0,
    ) -> None:
        self.regressor = regressor
        self.differences = differences
        self.threads = threads
        self.random_state = random_state

    def _pipeline(self, panel: Panel) -> MLForecast:
        spec = _FEATURES[panel.freq]
        dates = list(spec["date_features"])
        if panel.freq == "D":
            dates += holiday_flags(panel.holidays)
        transforms = [LocalStandardScaler()]
        if self.differences:
            transforms = [Differences([1]), LocalStandardScaler()]
        lags = [lag for lag in spec["lags"] if lag < panel.length]
        return MLForecast(
            models={"model": make_regressor(self.regressor, self.random_state, self.threads)},
            freq=panel.alias,
            lags=lags or [1],
            lag_transforms={k: v for k, v in spec["lag_transforms"].items() if k < panel.length} or None,
            date_features=dates,
            target_transforms=transforms,
        )

    def fit(self, panel: Panel, horizon: int) -> MLForecastGlobal:
        """Fit the regressor on every series of the panel and forecast ``horizon`` steps recursively."""
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        long = panel.to_long()
        self.paths_ = np.full((panel.n_series, horizon), np.nan)
        if long.empty:
            return self
        # series whose values are all equal break the per-series standardisation: the fallbacks serve them
        spread = long.groupby("unique_id", sort=False)["y"].agg(["std", "mean", "size"])
        usable = spread.index[(spread["std"] > 0) & (spread["size"] >= 3)]
        long = long[long["unique_id"].isin(usable)]
        if long.empty:
            return self
        level = spread.loc[long["unique_id"], "mean"].to_numpy()
        long = long.assign(weight=np.maximum(level, 1e-9) / max(float(np.mean(level)), 1e-9))
        mlf = self._pipeline(panel)
        long, x_df = event_features(panel, long, horizon)  # the events calendar, when it has any
        with warnings.catch_warnings():  # lags longer than a young series are NaN on purpose
            warnings.simplefilter("ignore", UserWarning)
            mlf.fit(long, dropna=False, weight_col="weight", static_features=[])
            pred = mlf.predict(horizon, X_df=x_df)
        rows = pd.Index(panel.ids).get_indexer(pred["unique_id"])
        step = pred.groupby("unique_id", sort=False).cumcount().to_numpy()
        self.paths_[rows, step] = pred["model"].to_numpy(dtype=float)
        self.paths_ = np.clip(self.paths_, 0.0, None)
        return self

    def predict(self) -> np.ndarray:
        """Forecast paths (series x horizon)."""
        return self.paths_.copy()
