"""Assemble a trained level's served forecaster from the winner's refit and its backtests.

Paths come from the refit; interval tables are calibrated on the winner's scaled backtest residuals;
history and backtests travel with the forecaster so the dashboard shows them without the database.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from models.candidates import config_key
from models.evaluation import Folds, residual_scale, scaled_residuals
from models.forecaster import ForecastTables, LevelForecaster
from models.intervals import INTERVAL_LEVELS, calibrate, display_rhos
from models.series import Panel, season_lengths


def build_forecaster(
    panel: Panel,
    level: str,
    best: dict,
    metrics: dict,
    fold_preds: list[np.ndarray],
    positions: list[int],
    folds: Folds,
    paths: np.ndarray,
    labels: np.ndarray,
) -> LevelForecaster:
    """Assemble the served forecaster: paths, interval tables from the winner's backtests, history."""
    m = season_lengths(panel.freq)[0]
    max_horizon = paths.shape[1]
    residuals = scaled_residuals(panel.values, positions, folds.horizon, fold_preds, m)
    fitted = calibrate(residuals)
    cal = fitted.extended(max_horizon)
    f32 = np.float32
    bt_dates = pd.DatetimeIndex(
        np.concatenate([panel.dates[p + 1 : p + 1 + folds.horizon] for p in positions])
    )
    tables = ForecastTables(
        points=paths.astype(f32),
        scales=np.nan_to_num(residual_scale(panel.values, m, 4 * m), nan=0.0).astype(f32),
        lo={lv: cal.lo[lv].astype(f32) for lv in INTERVAL_LEVELS},
        hi={lv: cal.hi[lv].astype(f32) for lv in INTERVAL_LEVELS},
        rho=float(cal.rho),
        history=panel.values.astype(f32),
        history_dates=panel.dates,
        backtest=np.hstack(fold_preds).astype(f32),
        backtest_dates=bt_dates,
        backtest_folds=np.repeat(np.arange(len(positions)), folds.horizon),
        center=cal.center.astype(f32),
        rho_by=display_rhos(residuals, panel.dates, positions, panel.freq, fitted),
    )
    counts = {lab: int((labels == lab).sum()) for lab in sorted(set(labels))}
    return LevelForecaster(
        level=level,
        freq=panel.freq,
        alias=panel.alias,
        series_ids=panel.ids,
        params=json.loads(config_key(best)),
        metrics={k: float(v) for k, v in metrics.items()},
        data_range=(panel.dates[0], panel.dates[-1]),
        max_horizon=max_horizon,
        tables=tables,
        fallbacks=counts,
    )
