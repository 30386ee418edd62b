"""The field's standard forecasters, each scored by its own library's ``cross_validation``.

statsforecast: seasonal naive, AutoETS, AutoTheta, AutoARIMA; mlforecast: LightGBM with the recipe a
practitioner would write first (recent lags and the seasonal lag, a rolling mean, calendar features,
LightGBM's defaults). Each returns ``unique_id, ds, cutoff, <method>``.
"""

from __future__ import annotations

import warnings

import pandas as pd

STATS_METHODS = ("SeasonalNaive", "AutoETS", "AutoTheta", "AutoARIMA")
ML_METHOD = "LightGBM"
PEERS = (*STATS_METHODS, ML_METHOD)
KEYS = ["unique_id", "ds", "cutoff"]


def week_of_year(dates: pd.DatetimeIndex):
    """ISO week number (an mlforecast date feature)."""
    return dates.isocalendar().week.to_numpy()


DATE_FEATURES = {"D": ["dayofweek", "month"], "W": ["month", week_of_year], "M": ["month"], "Q": ["quarter"]}
RECENT_LAGS = {"D": [1, 2, 3, 7, 14, 28], "W": [1, 2, 3, 4], "M": [1, 2, 3], "Q": [1, 2]}


def stats_model(method: str, season: int, freq: str):
    """One statsforecast model; AutoARIMA on daily/weekly data gets a smaller search budget."""
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, SeasonalNaive

    if method == "SeasonalNaive":
        return SeasonalNaive(season_length=season)
    if method == "AutoETS":
        return AutoETS(season_length=season)
    if method == "AutoTheta":
        return AutoTheta(season_length=season)
    if method == "AutoARIMA":
        if freq in ("D", "W"):
            return AutoARIMA(season_length=season, max_p=3, max_q=3, max_P=1, max_Q=1, nmodels=30)
        return AutoARIMA(season_length=season)
    raise ValueError(f"unknown statsforecast method {method!r}; choose from {', '.join(STATS_METHODS)}")


def stats_cv(
    df: pd.DataFrame, method: str, *, freq: str, alias: str, season: int, h: int, n_windows: int
) -> pd.DataFrame:
    """Rolling-origin CV of one statsforecast model (refit at every cutoff)."""
    from statsforecast import StatsForecast

    sf = StatsForecast(models=[stats_model(method, season, freq)], freq=alias, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = sf.cross_validation(df=df, h=h, n_windows=n_windows, step_size=h)
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    return cv[[*KEYS, method]]


def lightgbm_cv(
    df: pd.DataFrame,
    *,
    freq: str,
    alias: str,
    season: int,
    h: int,
    n_windows: int,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Rolling-origin CV of mlforecast + LightGBM (recursive, refit at every cutoff)."""
    from lightgbm import LGBMRegressor
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean

    shortest_train = int(df.groupby("unique_id").size().min()) - h * n_windows
    usable = max(1, shortest_train // 2)  # keep training rows for the shortest series
    lags = sorted({lag for lag in [*RECENT_LAGS[freq], season] if lag <= usable})
    window = min(season if season > 1 else 4, usable)
    fcst = MLForecast(
        models={ML_METHOD: LGBMRegressor(random_state=0, n_jobs=n_jobs, verbosity=-1)},
        freq=alias,
        lags=lags,
        lag_transforms={1: [RollingMean(window_size=window)]},
        date_features=DATE_FEATURES[freq],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cv = fcst.cross_validation(df=df, n_windows=n_windows, h=h, step_size=h)
    return cv[[*KEYS, ML_METHOD]]


def warm_up(methods: list[str]) -> None:
    """Compile and import everything once on a toy series, so no method's time includes start-up costs."""
    import numpy as np

    toy = pd.DataFrame(
        {
            "unique_id": "toy",
            "ds": pd.date_range("2020-01-01", periods=48, freq="MS"),
            "y": 10 + np.sin(np.arange(48)) + np.arange(48) / 10,
        }
    )
    shape = {"freq": "M", "alias": "MS", "season": 12, "h": 6, "n_windows": 2}
    for method in methods:
        if method in STATS_METHODS:
            stats_cv(toy, method, **shape)
        elif method == ML_METHOD:
            lightgbm_cv(toy, **shape)
