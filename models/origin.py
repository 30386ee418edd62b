"""Move a MASTER's forecast origin to the newest complete data without retraining.

After new sales arrive, the served forecasts must start the day after the newest complete data, not
after the model's training date. ``move_origin`` keeps everything training decided — the
configuration of every series (a per-series selection keeps its assignment), the metrics, the
interval calibration and the back-tests — and refits that configuration on the updated history to
get new paths: the local statsforecast models and the LightGBM of a selection are fitted once each,
with no cross-validation and no selection (the nightly training still re-selects and re-fits).

Why a refit and not ``forward``/``predict(new_df)`` of the fitted objects: the artifact keeps the
paths, not the fitted statsforecast/mlforecast objects (keeping them would make every artifact, and
the training's peak memory, grow with the models' internal state), and one fit of the chosen
configuration costs what the training's own final refit costs — measured in ``bench/README.md``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from models.evaluation import residual_scale
from models.forecaster import ForecastTables, LevelForecaster
from models.series import level_panel, season_lengths
from models.training import fit_predict


def move_origin(
    model: LevelForecaster,
    sales: pd.DataFrame,
    *,
    holidays: str,
    random_state: int = 0,
    events: tuple[tuple[pd.Timestamp, str | None], ...] = (),
) -> LevelForecaster:
    """``model`` re-forecast from the history in ``sales`` (the complete sales of every level), with the
    events calendar ``events`` as the global models' feature (as in training).

    The result has the same version, parameters, metrics and calibration; its history, scales,
    paths and ``data_range`` come from ``sales``. Series new since training get the selection's
    default configuration; series that disappeared are no longer served. Raises ``ValueError`` when
    ``sales`` is at another frequency than the model.
    """
    panel = level_panel(sales, model.level, model.freq, holidays, events)
    if panel.alias != model.alias:
        raise ValueError(f"the sales are on the {panel.alias!r} grid, the model on {model.alias!r}")
    with threadpool_limits(1):
        paths, labels = fit_predict(panel, dict(model.params), model.max_horizon, random_state)
    m = season_lengths(model.freq)[0]
    old = model.tables
    f32 = np.float32
    tables = dataclasses.replace(
        old,
        points=paths.astype(f32),
        scales=np.nan_to_num(residual_scale(panel.values, m, 4 * m), nan=0.0).astype(f32),
        history=panel.values.astype(f32),
        history_dates=panel.dates,
        **_backtest_on(model, panel.ids, panel.dates),
    )
    counts = {lab: int((labels == lab).sum()) for lab in sorted(set(labels))}
    return dataclasses.replace(
        model,
        alias=panel.alias,
        series_ids=panel.ids,
        data_range=(panel.dates[0], panel.dates[-1]),
        tables=tables,
        fallbacks=counts,
    )


def _backtest_on(model: LevelForecaster, ids: tuple[str, ...], dates: pd.DatetimeIndex) -> dict:
    """The training back-tests realigned to the new series and dates (what ``ForecastTables`` needs).

    A back-test column whose date is no longer in the history (an undo shortened it) is dropped; a
    new series has no back-test (NaN).
    """
    old: ForecastTables = model.tables
    keep = np.flatnonzero(old.backtest_dates.isin(dates))
    rows = {sid: i for i, sid in enumerate(model.series_ids)}
    backtest = np.full((len(ids), len(keep)), np.nan, dtype=np.float32)
    for i, sid in enumerate(ids):
        j = rows.get(sid)
        if j is not None:
            backtest[i] = old.backtest[j, keep]
    return {
        "backtest": backtest,
        "backtest_dates": old.backtest_dates[keep],
        "backtest_folds": old.backtest_folds[keep],
    }
