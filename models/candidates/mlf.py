"""Global models through mlforecast: one regressor over all series, recursive multi-step forecasts.

Features (per frequency, see ``_FEATURES``): lags of the target, rolling means of lagged values, date
features of the target date and, for daily data, the holiday and holiday-eve flags of the configured
country, and an ``event`` flag from the events calendar when it has events in the data. Targets are
standardised per series (``LocalStandardScaler``) so one model serves large and small series; rows are
weighted by the series' mean level so the fit follows what WAPE counts.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from models.candidates.recursive import RecursiveSpec, forecast_rows, scaler_ok
from models.features import date_features, event_features, event_flags, holiday_flags
from models.series import Panel, future_dates

# Observed values a fit reads at most (mlforecast's feature frame is ~25 columns per value): above it
# the regressor is fitted on a seeded sample of series and every series is forecast part by part.
# 1.5M: the fit's memory grows faster than its rows (measured, 2026-12-01: +205 MB at 0.63M values,
# +982 MB at 1.9M, +422 MB at 1.9M capped to 1.5M); at 3M the 100x chain's training passed 2 GB.
MAX_FIT_ROWS = 1_500_000

# Rolling means are given as {lag: window sizes} and become mlforecast ``RollingMean`` transforms in
# ``_pipeline`` (mlforecast is imported only when a model is built: a serving worker never loads it).
_FEATURES = {
    "D": {
        "lags": [1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 364],
        "lag_transforms": {1: [7, 28], 7: [4, 13]},
        "date_features": ["dayofweek", "month", "day", "dayofyear"],
    },
    "W": {
        "lags": [1, 2, 3, 4, 8, 13, 26, 52],
        "lag_transforms": {1: [4, 13]},
        "date_features": ["month", "week"],
    },
    "M": {
        "lags": [1, 2, 3, 6, 12],
        "lag_transforms": {1: [3, 12]},
        "date_features": ["month"],
    },
    "Q": {"lags": [1, 2, 3, 4, 8], "lag_transforms": {1: [4]}, "date_features": ["quarter"]},
}


def make_regressor(name: str, random_state: int, threads: int = 1):
    """The regressor behind one configuration (LightGBM, or the scikit-learn ones the engine had)."""
    if name == "lightgbm":
        # 100 trees, 63 bins, half the features per tree, no row bagging: LightGBM's bagging re-samples and
        # re-partitions the rows every tree and cost more than it saved (1.3x the fit CPU on the demo's
        # 436k product rows). Before (bagging 0.5, 80% of the features) -> after, demo raw CV WAPE of this
        # model: product 0.3392 -> 0.3409, store 0.0991 -> 0.0971; bench --quick geometric mean 0.906 ->
        # 0.908 (small sets move either way with the trees' randomness: tourism_m 8.8% -> 10.5%,
        # us_gasoline 3.5% -> 3.1%; bagging only small sets did not help: elecdaily 6.9% -> 9.5%).
        # Lags 4-6 stay: dropping them cost the bench's daily electricity series 7.0% -> 9.5% WAPE.
        # Bins from a 50k-row sample instead of 200k (only panels above 50k observed values differ):
        # LightGBM's binning was 0.7 of each 3.5 s fit on the demo's product level, 0.5 s after; demo CV
        # WAPE of this model, category 0.1895 -> 0.1890, product 0.3382 -> 0.3376 (2026-12-01).
        from models.candidates.fast_lgbm import FastPredictLGBM  # LightGBM loads only when a model is built

        return FastPredictLGBM(
            n_estimators=100,
            learning_rate=0.075,
            num_leaves=31,
            min_child_samples=20,
            colsample_bytree=0.5,
            max_bin=63,
            subsample_for_bin=50_000,
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
        max_rows: int = MAX_FIT_ROWS,
    ) -> None:
        self.regressor = regressor
        self.differences = differences
        self.threads = threads
        self.random_state = random_state
        self.max_rows = max_rows

    def _pipeline(self, panel: Panel) -> Any:
        from mlforecast import MLForecast
        from mlforecast.lag_transforms import RollingMean
        from mlforecast.target_transforms import Differences, LocalStandardScaler

        lags, rolling, dates = _features(panel)
        transforms = [LocalStandardScaler()]
        if self.differences:
            transforms = [Differences([1]), LocalStandardScaler()]
        return MLForecast(
            models={"model": make_regressor(self.regressor, self.random_state, self.threads)},
            freq=panel.alias,
            lags=lags,
            lag_transforms={k: [RollingMean(w) for w in windows] for k, windows in rolling.items()} or None,
            date_features=dates,
            target_transforms=transforms,
        )

    def _spec(self, mlf: Any, panel: Panel, exog: tuple[str, ...] = ()) -> RecursiveSpec | None:
        """How ``models.candidates.recursive`` forecasts the fitted ``mlf`` (None: mlforecast itself)."""
        if self.differences:  # the differences' inverse is mlforecast's
            return None
        lags, rolling, dates = _features(panel)
        return RecursiveSpec.of(list(mlf.ts.features_order_), lags, rolling, dates, exog)

    def _long(self, panel: Panel) -> pd.DataFrame:
        """The panel's long frame as mlforecast reads it: usable series only, rows weighted by level.

        Series whose values are all equal (or with fewer than 3 values) break the per-series
        standardisation: they are left out and the fallbacks serve them.
        """
        long = panel.to_long()
        if long.empty:
            return long
        spread = long.groupby("unique_id", sort=False)["y"].agg(["std", "mean", "size"])
        usable = spread.index[(spread["std"] > 0) & (spread["size"] >= 3)]
        long = long[long["unique_id"].isin(usable)]
        if long.empty:
            return long
        level = spread.loc[long["unique_id"], "mean"].to_numpy()
        return long.assign(weight=np.maximum(level, 1e-9) / max(float(np.mean(level)), 1e-9))

    def _paths(self, panel: Panel, pred: pd.DataFrame, horizon: int) -> np.ndarray:
        """mlforecast's long predictions as series x horizon paths (NaN for series it did not serve)."""
        paths = np.full((panel.n_series, horizon), np.nan)
        rows = pd.Index(panel.ids).get_indexer(pred["unique_id"])
        step = pred.groupby("unique_id", sort=False).cumcount().to_numpy()
        paths[rows, step] = pred["model"].to_numpy(dtype=float)
        return np.clip(paths, 0.0, None)

    def fit(self, panel: Panel, horizon: int) -> MLForecastGlobal:
        """Fit the regressor on every series of the panel and forecast ``horizon`` steps recursively."""
        if horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {horizon}")
        self.paths_ = np.full((panel.n_series, horizon), np.nan)
        parts = _row_parts(panel, self.max_rows)
        train = panel if len(parts) == 1 else panel.take(_sample(parts, self.random_state))
        long, level = _usable(train.to_long())
        if long.empty:
            return self
        long = long.assign(weight=np.maximum(level, 1e-9) / max(float(np.mean(level)), 1e-9))
        mlf = self._pipeline(panel)
        long, x_df = event_features(panel, long, horizon)  # the events calendar, when it has any
        with warnings.catch_warnings():  # lags longer than a young series are NaN on purpose
            warnings.simplefilter("ignore", UserWarning)
            mlf.fit(long, dropna=False, weight_col="weight", static_features=[], as_numpy=True)
            del long
            spec = self._spec(mlf, panel, ("event",) if x_df is not None else ())
            if spec is not None:  # every usable series, in bounded chunks of rows
                ends = np.full(panel.n_series, panel.length - 1)
                rows = np.flatnonzero(scaler_ok(panel, np.arange(panel.n_series), ends))
                ahead = future_dates(panel.dates[-1], panel.alias, horizon)
                exog = {"event": event_flags(panel, ahead)[rows]} if x_df is not None else None
                model = mlf.models_["model"]
                self.paths_[rows] = forecast_rows(model, spec, panel, rows, ends[rows], horizon, exog)
            elif len(parts) == 1:
                self._store(panel.ids, mlf.predict(horizon, X_df=x_df))
            for rows in parts if spec is None and len(parts) > 1 else []:  # one bounded part at a time
                new, _ = _usable(panel.take(rows).to_long())
                if len(new):
                    new, part_x = _part_events(panel.take(rows), new.assign(weight=1.0), horizon, x_df)
                    self._store(panel.ids, mlf.predict(horizon, new_df=new, X_df=part_x))
        self.paths_ = np.clip(self.paths_, 0.0, None)
        return self

    def _store(self, ids: tuple[str, ...], pred: pd.DataFrame) -> None:
        rows = pd.Index(ids).get_indexer(pred["unique_id"])
        step = pred.groupby("unique_id", sort=False).cumcount().to_numpy()
        self.paths_[rows, step] = pred["model"].to_numpy(dtype=float)

    def backtest(self, panel: Panel, positions: list[int], horizon: int) -> list[np.ndarray]:
        """Out-of-sample paths per fold: fit once at the first cutoff, then forecast from each later one.

        The later folds reuse the first fold's fitted regressor on the history up to their own cutoff
        (what mlforecast's ``cross_validation(refit=False)`` does), so a fold costs a forecast instead of
        a new fit; the local models are backtested the same way. Every cutoff's forecasts come from one
        recursive pass (``models.candidates.recursive``: each cutoff's history is a row of its own).
        """
        first = panel.truncate(positions[0])
        # Fitted, as in ``fit``, on a seeded sample of series when the first cutoff's history holds more
        # than ``max_rows`` observed values (every series is still forecast at every cutoff). Without
        # it the back-test's fit grew with the chain: at 100x the demo (37,550 series, 2.1M values) it
        # took the training process from 1.4 to 2.4 GB (2026-12-01).
        parts = _row_parts(first, self.max_rows)
        long = self._long(first if len(parts) == 1 else first.take(_sample(parts, self.random_state)))
        if long.empty:  # nothing to learn from at the first cutoff: fit at each cutoff instead
            return [self.fit(panel.truncate(pos), horizon).predict() for pos in positions]
        mlf = self._pipeline(first)
        # The events calendar as in ``fit``, so the back-test scores the model that is served (with the
        # event flag whenever events fall inside the first cutoff's history).
        long, x_df = event_features(first, long, horizon)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            mlf.fit(long, dropna=False, weight_col="weight", static_features=[], as_numpy=True)
            spec = self._spec(mlf, first, ("event",) if x_df is not None else ())
            if spec is None:
                return [self._mlforecast_fold(mlf, panel.truncate(pos), horizon, x_df) for pos in positions]
        every = np.arange(panel.n_series)
        rows = [every[scaler_ok(panel, every, np.full(panel.n_series, pos))] for pos in positions]
        ends = np.concatenate([np.full(len(r), pos) for r, pos in zip(rows, positions, strict=True)])
        exog = None
        if x_df is not None:  # each cutoff's own next periods
            flags = [
                event_flags(panel, future_dates(panel.dates[pos], panel.alias, horizon))[r]
                for r, pos in zip(rows, positions, strict=True)
            ]
            exog = {"event": np.concatenate(flags)}
        paths = forecast_rows(mlf.models_["model"], spec, panel, np.concatenate(rows), ends, horizon, exog)
        out, at = [], 0
        for mine in rows:
            fold = np.full((panel.n_series, horizon), np.nan)
            fold[mine] = np.clip(paths[at : at + len(mine)], 0.0, None)
            out.append(fold)
            at += len(mine)
        return out

    def _mlforecast_fold(
        self, mlf: Any, history: Panel, horizon: int, x_df: pd.DataFrame | None
    ) -> np.ndarray:
        """One back-test fold through mlforecast's own ``predict`` (pipelines the NumPy recursion cannot
        express), with the cutoff's event flags when the model was fitted with them."""
        new = self._long(history)
        if x_df is None:
            return self._paths(history, mlf.predict(horizon, new_df=new), horizon)
        new, fold_x = _part_events(history, new, horizon, x_df)
        return self._paths(history, mlf.predict(horizon, new_df=new, X_df=fold_x), horizon)

    def predict(self) -> np.ndarray:
        """Forecast paths (series x horizon)."""
        return self.paths_.copy()


def _usable(long: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of series the per-series standardisation can serve, and each row's series mean.

    Series whose values are all equal (or with under 3 values) are left to the fallbacks.
    """
    spread = long.groupby("unique_id", sort=False)["y"].agg(["std", "mean", "size"])
    usable = spread.index[(spread["std"] > 0) & (spread["size"] >= 3)]
    long = long[long["unique_id"].isin(usable)]
    return long, spread.loc[long["unique_id"], "mean"].to_numpy()


def _part_events(
    part: Panel, new: pd.DataFrame, horizon: int, x_df: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """A forecast part's ``new_df`` and ``X_df`` with the event feature when the model was fitted with it.

    A part whose own dates hold no event still needs the (all-zero) column the regressor was fitted on.
    """
    if x_df is None:
        return new, None
    new, part_x = event_features(part, new, horizon)
    if part_x is None:
        ahead = future_dates(part.dates[-1], part.alias, horizon)
        ids = new["unique_id"].unique()
        part_x = pd.DataFrame(
            {"unique_id": np.repeat(ids, horizon), "ds": np.tile(ahead, len(ids)), "event": 0.0}
        )
        new = new.assign(event=0.0)
    return new, part_x


def _row_parts(panel: Panel, max_rows: int) -> list[np.ndarray]:
    """The panel's series in consecutive parts of at most about ``max_rows`` observed values each."""
    observed = panel.n_obs()
    n_parts = max(1, int(np.ceil(observed.sum() / max(1, max_rows))))
    return [p for p in np.array_split(np.arange(panel.n_series), n_parts) if len(p)]


def _sample(parts: list[np.ndarray], random_state: int) -> np.ndarray:
    """A seeded sample of series the size of one part: the training set when the panel is too large."""
    rows = np.concatenate(parts)
    size = max(len(p) for p in parts)
    return np.sort(np.random.default_rng(random_state).choice(rows, size=size, replace=False))


def _features(panel: Panel) -> tuple[list[int], dict[int, list[int]], list]:
    """Lags, rolling means ({lag: windows}) and date features of the pipeline for ``panel``."""
    spec = _FEATURES[panel.freq]
    dates = date_features(list(spec["date_features"]))
    if panel.freq == "D":
        dates += holiday_flags(panel.holidays)
    lags = [lag for lag in spec["lags"] if lag < panel.length] or [1]
    rolling = {k: list(w) for k, w in spec["lag_transforms"].items() if k < panel.length}
    return lags, rolling, dates
