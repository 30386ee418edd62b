"""Global models through mlforecast: one regressor over all series, recursive multi-step forecasts.

Features (per frequency, see ``_FEATURES``): lags of the target, rolling means of lagged values, date
features of the target date and, for daily data, the holiday and holiday-eve flags of the configured
country, and an ``event`` flag from the events calendar when it has events in the data. Targets are
standardised per series (``LocalStandardScaler``) so one model serves large and small series; rows are
weighted by the series' mean level so the fit follows what WAPE counts.
"""

from __future__ import annotations

import warnings
from itertools import pairwise
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
# Observed values whose features mlforecast builds at once when a fit's training set is larger (see
# ``MLForecastGlobal._fit_pipeline``): its preprocessing holds the frame of every feature, the model's
# columns taken from it and their NumPy copy together, ~0.7 kB per value (+886 MB of RSS for the 1.25M-value
# sample of the 100x product level, 2026-12-01), where the feature matrix the regressor reads is ~0.2 kB.
FEATURE_PART_ROWS = 100_000

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
        # Column-wise histograms, always: left to itself LightGBM times row-wise against column-wise
        # on each fit and keeps the faster, and with 2+ threads row-wise sums in another order, so a
        # refit of the same data could differ from run to run (seen at 100x the demo). Column-wise
        # gives the same trees for any thread count and skips that timing (1.5M rows x 20 features,
        # 2 threads: 7.6 s against 9.4 s for the automatic choice).
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
            force_col_wise=True,
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
        feature_rows: int = FEATURE_PART_ROWS,
    ) -> None:
        self.regressor = regressor
        self.differences = differences
        self.threads = threads
        self.random_state = random_state
        self.max_rows = max_rows
        self.feature_rows = feature_rows

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

    def _fit_pipeline(
        self, train: Panel, panel: Panel, horizon: int
    ) -> tuple[Any, RecursiveSpec | None, pd.DataFrame | None] | None:
        """mlforecast fitted on ``train``'s usable series (``_long``; the pipeline, events calendar and
        features of ``panel``'s grid), how to forecast it (``_spec``) and the events' future frame;
        None when no series is usable.

        Same as ``mlf.fit``, but a training set of more than ``feature_rows`` values whose forecasts
        this module computes (``spec`` not None) gets its features built part by part of whole series
        (``feature_matrix``) and its long frame dropped before the regressor's fit: the same matrix,
        so the same fitted regressor. mlforecast's own series state is then the last part's, which
        only its ``predict`` would read, and that is not called.
        """
        long = self._long(train)
        if long.empty:
            return None
        mlf = self._pipeline(panel)
        long, x_df = event_features(panel, long, horizon)  # the events calendar, when it has any
        exog = ("event",) if x_df is not None else ()
        kwargs: dict[str, Any] = {"dropna": False, "weight_col": "weight", "static_features": []}
        with warnings.catch_warnings():  # lags longer than a young series are NaN on purpose
            warnings.simplefilter("ignore", UserWarning)
            bounds = _series_parts(long, self.feature_rows)
            if len(bounds) > 1 and not self.differences:
                X, y = feature_matrix(mlf, long, bounds, kwargs)
                spec = self._spec(mlf, panel, exog)
                if spec is not None:
                    del long
                    mlf.fit_models(X, y)
                    return mlf, spec, x_df
                del X, y
            mlf.fit(long, as_numpy=True, **kwargs)
        return mlf, self._spec(mlf, panel, exog), x_df

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
        parts = _row_parts(panel, self.max_rows)
        train = panel if len(parts) == 1 else panel.take(_sample(parts, self.random_state))
        fitted = self._fit_pipeline(train, panel, horizon)
        del train
        # allocated once the fit's feature matrix is freed (120 MB at 37,550 series x 400 days)
        self.paths_ = np.full((panel.n_series, horizon), np.nan)
        if fitted is None:
            return self
        mlf, spec, x_df = fitted
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
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
        np.clip(self.paths_, 0.0, None, out=self.paths_)  # in place: 120 MB at 37,550 series x 400 days
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
        # The events calendar as in ``fit``, so the back-test scores the model that is served (with the
        # event flag whenever events fall inside the first cutoff's history).
        parts = _row_parts(first, self.max_rows)
        fitted = self._fit_pipeline(
            first if len(parts) == 1 else first.take(_sample(parts, self.random_state)), first, horizon
        )
        if fitted is None:  # nothing to learn from at the first cutoff: fit at each cutoff instead
            return [self.fit(panel.truncate(pos), horizon).predict() for pos in positions]
        mlf, spec, x_df = fitted
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
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


def feature_matrix(
    mlf: Any, long: pd.DataFrame, bounds: list[tuple[int, int]], kwargs: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """The feature matrix and target ``mlf.preprocess(long, return_X_y=True, as_numpy=True)`` returns,
    built from the row ranges ``bounds`` of ``long`` (whole series each) one at a time.

    Each series' features (lags, rolling means and per-series standardisation of its own values, date
    and exogenous columns of its own rows) do not depend on the other series, so the parts' rows,
    stacked in order, are the one-shot matrix; it is laid out column-major as pandas returns it, so the
    regressor reads it without a copy.
    """
    X: np.ndarray | None = None
    y = np.empty(len(long))
    at = 0
    for lo, hi in bounds:
        x_part, y_part = mlf.preprocess(long.iloc[lo:hi], return_X_y=True, as_numpy=True, **kwargs)
        if X is None:
            X = np.empty((len(long), x_part.shape[1]), dtype=x_part.dtype, order="F")
        X[at : at + len(x_part)] = x_part
        y[at : at + len(y_part)] = y_part
        at += len(x_part)
        del x_part, y_part
    assert X is not None
    if at < len(long):  # rows mlforecast dropped (a missing target): none with this pipeline
        X, y = np.asfortranarray(X[:at]), y[:at].copy()
    return X, y


def _series_parts(long: pd.DataFrame, max_rows: int) -> list[tuple[int, int]]:
    """Row ranges of ``long`` holding whole series, about ``max_rows`` rows each (one range when the
    frame is small or a series' rows are not consecutive)."""
    if max_rows < 1:
        raise ValueError(f"feature_rows must be >= 1, got {max_rows}")
    if len(long) <= max_rows:
        return [(0, len(long))]
    codes, uniques = pd.factorize(long["unique_id"], sort=False)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    if len(starts) != len(uniques):  # a series split over several runs of rows
        return [(0, len(long))]
    at = np.searchsorted(starts, np.arange(0, len(long), max_rows))
    cuts = np.unique(starts[np.minimum(at, len(starts) - 1)])
    edges = [*cuts.tolist(), len(long)]
    return [(lo, hi) for lo, hi in pairwise(edges) if hi > lo]


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
