"""Recursive multi-step forecasts of a fitted mlforecast pipeline, computed on dense NumPy arrays.

Why own code: mlforecast's recursive ``predict`` rebuilds a pandas frame of every feature at every step
(offset the dates, compute each transform, concatenate, reorder the columns, convert to NumPy). On the
demo's product level that per-step overhead was about twice the regressor's own prediction time, over
the 91 back-test steps and the 400 served steps of every training. Here the same features — lags and
rolling means of the per-series standardised target, the date features, an exogenous ``event`` flag —
are read from one array per forecast (series x (lookback + horizon)), the same fitted regressor is
called once per step, and the standardisation is inverted as mlforecast's ``LocalStandardScaler`` does.
The values are mlforecast's own (``tests/models/test_recursive_forecast.py`` compares them with
``MLForecast.predict``); a pipeline this module cannot express (``RecursiveSpec.of`` returns None,
e.g. with ``Differences``) is forecast by mlforecast itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from models.series import Panel, future_dates

# Forecast rows handled at once (bounds the lookback array and the per-step feature matrix).
CHUNK_ROWS = 4096


@dataclass(frozen=True)
class RecursiveSpec:
    """The features of a fitted pipeline, in the regressor's column order.

    ``columns`` holds one entry per model column: ``("lag", k)``, ``("rolling", (k, w))`` (mean of the
    ``w`` values ending ``k`` steps back, NaN unless all ``w`` exist), ``("date", feature)`` or
    ``("exog", name)``.
    """

    columns: tuple[tuple[str, Any], ...]
    lookback: int

    @classmethod
    def of(
        cls,
        order: Sequence[str],
        lags: Sequence[int],
        rolling: dict[int, Sequence[int]],
        dates: Sequence[Any],
        exog: Sequence[str] = (),
    ) -> RecursiveSpec | None:
        """The spec of a pipeline with these features, or None if ``order`` names anything else.

        ``order`` is mlforecast's ``ts.features_order_``: the names it gave each column of the fit.
        """
        known: dict[str, tuple[str, Any]] = {f"lag{k}": ("lag", int(k)) for k in lags}
        for k, windows in rolling.items():
            for w in windows:
                known[f"rolling_mean_lag{k}_window_size{w}"] = ("rolling", (int(k), int(w)))
        for feature in dates:
            known[feature.__name__ if callable(feature) else str(feature)] = ("date", feature)
        for name in exog:
            known[name] = ("exog", name)
        if not order or any(name not in known for name in order):
            return None
        columns = tuple(known[name] for name in order)
        reach = [k for kind, k in columns if kind == "lag"]
        reach += [k + w - 1 for kind, (k, w) in _pairs(columns, "rolling")]
        return cls(columns=columns, lookback=max(reach, default=1))


def _pairs(columns: tuple[tuple[str, Any], ...], kind: str) -> list[tuple[str, Any]]:
    return [(c, v) for c, v in columns if c == kind]


def date_values(dates: pd.DatetimeIndex, feature: Any) -> np.ndarray:
    """One date feature over ``dates``, as mlforecast computes it (a function, or a pandas attribute)."""
    if callable(feature):
        return np.asarray(feature(dates))
    from mlforecast.core import date_features_dtypes

    source = dates.isocalendar() if feature in ("week", "weekofyear") else dates
    values = np.asarray(getattr(source, feature))
    dtype = date_features_dtypes.get(feature)
    return values.astype(dtype) if dtype is not None else values


def forecast_rows(
    model: Any,
    spec: RecursiveSpec,
    panel: Panel,
    rows: np.ndarray,
    ends: np.ndarray,
    horizon: int,
    exog: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Recursive ``horizon``-step forecasts (rows x horizon) of series ``rows`` from grid positions ``ends``.

    Row r forecasts series ``rows[r]`` from its history up to and including ``panel.dates[ends[r]]``
    (several cutoffs of one series may be rows of the same call). ``exog[name]`` holds the future
    values of an exogenous column, rows x horizon. Each row is standardised by the mean and population
    standard deviation of its own history (mlforecast's ``LocalStandardScaler``); every row needs at
    least one observation and a positive spread.
    """
    rows, ends = np.asarray(rows, dtype=int), np.asarray(ends, dtype=int)
    out = np.empty((len(rows), horizon))
    if not len(rows):
        return out
    table, offset = _date_table(spec, panel, int(ends.min()), int(ends.max()), horizon)
    for lo in range(0, len(rows), CHUNK_ROWS):
        part = slice(lo, lo + CHUNK_ROWS)
        future = {k: v[part] for k, v in (exog or {}).items()}
        out[part] = _forecast(model, spec, panel, rows[part], ends[part], horizon, table, offset, future)
    return out


def _date_table(
    spec: RecursiveSpec, panel: Panel, first_end: int, last_end: int, horizon: int
) -> tuple[dict[Any, np.ndarray], int]:
    """Each date feature's values on the grid positions ``first_end + 1 .. last_end + horizon``, and the
    first of those positions (dates past the panel's last one continue its grid)."""
    stop = last_end + horizon + 1
    dates = panel.dates[first_end + 1 : stop]
    if stop > panel.length:
        dates = dates.append(future_dates(panel.dates[-1], panel.alias, stop - panel.length))
    table = {feature: date_values(dates, feature) for kind, feature in spec.columns if kind == "date"}
    return table, first_end + 1


def _forecast(
    model: Any,
    spec: RecursiveSpec,
    panel: Panel,
    rows: np.ndarray,
    ends: np.ndarray,
    horizon: int,
    table: dict[Any, np.ndarray],
    offset: int,
    exog: dict[str, np.ndarray],
) -> np.ndarray:
    """One chunk of ``forecast_rows``: scaled lookback, one regressor call per step, scale inverted."""
    width = spec.lookback
    observed = _full_history(panel, rows, ends)  # the scaler's statistics use the whole history
    mean = np.nanmean(observed, axis=1)[:, None]
    std = np.nanstd(observed, axis=1)[:, None]
    back = ends[:, None] - width + 1 + np.arange(width)[None, :]  # positions of the lookback
    buffer = np.full((len(rows), width + horizon), np.nan)
    buffer[:, :width] = np.where(back >= 0, panel.values[rows[:, None], np.clip(back, 0, None)], np.nan)
    buffer[:, :width] = (buffer[:, :width] - mean) / std
    first_date = ends + 1 - offset  # each row's first forecast date in ``table``
    x = np.empty((len(rows), len(spec.columns)))
    for s in range(horizon):
        t = width + s
        for j, (kind, value) in enumerate(spec.columns):
            if kind == "lag":
                x[:, j] = buffer[:, t - value]
            elif kind == "rolling":
                k, w = value
                x[:, j] = buffer[:, t - k - w + 1 : t - k + 1].mean(axis=1)
            elif kind == "date":
                x[:, j] = table[value][first_date + s]
            else:
                x[:, j] = exog[value][:, s]
        buffer[:, t] = model.predict(x)
    return buffer[:, width:] * std + mean


def _full_history(panel: Panel, rows: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The rows' values up to their own cutoffs (NaN after), for the scaler statistics."""
    values = panel.values[rows, : int(ends.max()) + 1]  # a copy (fancy indexing)
    values[np.arange(values.shape[1])[None, :] > ends[:, None]] = np.nan
    return values


def scaler_ok(panel: Panel, rows: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which rows the per-series standardisation can serve (≥ 3 observations, a positive spread)."""
    rows, ends = np.asarray(rows, dtype=int), np.asarray(ends, dtype=int)
    out = np.zeros(len(rows), dtype=bool)
    for lo in range(0, len(rows), CHUNK_ROWS):  # bounded copies of the histories on large levels
        part = slice(lo, lo + CHUNK_ROWS)
        values = _full_history(panel, rows[part], ends[part])
        n = np.isfinite(values).sum(axis=1)
        with np.errstate(invalid="ignore"):
            spread = np.nanstd(np.where(n[:, None] > 0, values, 0.0), axis=1)
        out[part] = (n >= 3) & (spread > 0)
    return out
