"""Rolling-origin folds and the accuracy metrics every candidate is scored with.

Metrics are pooled over all series and steps of a level: WAPE = sum|e| / sum|y|, so large series weigh
more, which matches what a manager's total plan loses. Errors are ``e = forecast - actual``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.intervals import bounds, calibrate

METRIC_KEYS = ("wape", "mase", "smape", "bias", "coverage_80", "coverage_95", "width_80")


@dataclass(frozen=True)
class Folds:
    """Rolling-origin CV folds: each trains up to its cutoff and is scored on the next ``horizon`` steps."""

    cutoffs: tuple[pd.Timestamp, ...]
    horizon: int
    freq: str

    def to_dict(self) -> dict:
        """JSON-able form (ISO dates)."""
        return {
            "cutoffs": [pd.Timestamp(c).isoformat() for c in self.cutoffs],
            "horizon": int(self.horizon),
            "freq": self.freq,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Folds:
        """Inverse of ``to_dict``."""
        return cls(tuple(pd.Timestamp(c) for c in d["cutoffs"]), int(d["horizon"]), str(d["freq"]))

    def positions(self, dates: pd.DatetimeIndex) -> list[int]:
        """Grid positions of the cutoffs in ``dates``; ValueError when a cutoff is not on the grid."""
        pos = dates.get_indexer(pd.DatetimeIndex(self.cutoffs))
        if (pos < 0).any():
            raise ValueError("fold cutoffs are not dates of this dataset's grid (was the data changed?)")
        if (pos + self.horizon >= len(dates)).any():
            raise ValueError("a fold runs past the last date of the data")
        return [int(p) for p in pos]


def make_folds(dates: pd.DatetimeIndex, freq: str, horizon: int, n_folds: int, min_train: int) -> Folds:
    """Back-to-back folds ending at the last date; fewer folds (then a shorter horizon) when data is short.

    ``min_train`` is the fewest steps the oldest fold must train on.
    """
    if horizon < 1 or n_folds < 1:
        raise ValueError(f"horizon and n_folds must be >= 1 (got {horizon}, {n_folds})")
    length = len(dates)
    while n_folds > 1 and length - n_folds * horizon < min_train:
        n_folds -= 1
    while horizon > 1 and length - n_folds * horizon < min(min_train, max(2, length // 2)):
        horizon -= 1
    if length - n_folds * horizon < 1:
        raise ValueError(f"only {length} dates: too short for even one backtest fold")
    last = length - 1
    cutoffs = tuple(dates[last - k * horizon] for k in range(n_folds, 0, -1))
    return Folds(cutoffs, horizon, freq)


def seasonal_scale(train: np.ndarray, m: int) -> np.ndarray:
    """Per-series in-sample seasonal-naive MAE (lag ``m``, lag 1 when too short); NaN when undefined."""
    n = train.shape[1]
    lag = m if n > m else 1
    if n <= lag:
        return np.full(train.shape[0], np.nan)
    diff = np.abs(train[:, lag:] - train[:, :-lag])
    with np.errstate(invalid="ignore"), np.errstate(all="ignore"):
        cnt = np.sum(~np.isnan(diff), axis=1)
        mae = np.where(cnt > 0, np.nansum(diff, axis=1) / np.maximum(cnt, 1), np.nan)
    return np.where(mae > 0, mae, np.nan)


def point_metrics(
    actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray, *, owned: bool = False
) -> dict[str, float]:
    """WAPE, MASE, sMAPE and bias of forecasts vs actuals (series x steps; NaN actuals are skipped).

    MASE averages each series' MAE / ``scale`` over series with a defined scale; bias is
    sum(e) / sum|y|; sMAPE counts 0/0 as a perfect 0. ``owned``: ``forecast`` is the caller's
    temporary and may be overwritten (one array of that size less).
    """
    # In place where it changes nothing (a chain's level scores series x folds x steps at once: the
    # temporaries were ~10 arrays of that size, the peak of a 100x training).
    mask = ~np.isnan(actual)
    a = np.where(mask, actual, 0.0)
    if owned:
        f = forecast
        f[~mask] = 0.0
    else:
        f = np.where(mask, forecast, 0.0)
    err = f - a
    err_sum = err.sum()
    abs_err = np.abs(err, out=err)
    denom = np.abs(a).sum()
    wape = float(abs_err.sum() / denom) if denom > 0 else float("nan")
    bias = float(err_sum / denom) if denom > 0 else float("nan")
    sum_abs = np.abs(a, out=a)
    sum_abs += np.abs(f, out=f)
    del f
    positive = sum_abs > 0
    sum_abs[~positive] = 1.0
    sm = np.multiply(abs_err, 2)
    sm /= sum_abs
    sm[~positive] = 0.0
    del sum_abs, positive
    smape = float(sm[mask].mean()) if mask.any() else float("nan")
    del sm
    cnt = mask.sum(axis=1)
    mae = abs_err.sum(axis=1) / np.maximum(cnt, 1)
    ok = (cnt > 0) & np.isfinite(scale) & (scale > 0)
    mase = float(np.mean(mae[ok] / scale[ok])) if ok.any() else float("nan")
    return {"wape": wape, "mase": mase, "smape": smape, "bias": bias}


def interval_metrics(
    actual: np.ndarray, lower80: np.ndarray, upper80: np.ndarray, lower95: np.ndarray, upper95: np.ndarray
) -> dict[str, float]:
    """Empirical coverage of the 80% and 95% intervals and the 80% width relative to sum|y|."""
    mask = ~np.isnan(actual)
    if not mask.any():
        return {"coverage_80": float("nan"), "coverage_95": float("nan"), "width_80": float("nan")}
    a = actual[mask]
    cov80 = float(np.mean((a >= lower80[mask]) & (a <= upper80[mask])))
    cov95 = float(np.mean((a >= lower95[mask]) & (a <= upper95[mask])))
    denom = np.abs(a).sum()
    width = float((upper80[mask] - lower80[mask]).sum() / denom) if denom > 0 else float("nan")
    return {"coverage_80": cov80, "coverage_95": cov95, "width_80": width}


def fold_truth(values: np.ndarray, pos: int, horizon: int) -> np.ndarray:
    """Actuals of the fold after grid position ``pos`` (series x horizon); NaN for series not yet started."""
    actual = values[:, pos + 1 : pos + 1 + horizon].copy()
    started = ~np.isnan(values[:, : pos + 1]).all(axis=1)
    actual[~started] = np.nan
    return actual


def residual_scale(train: np.ndarray, m: int, window: int) -> np.ndarray:
    """Per-series scale of errors: in-sample seasonal-naive MAE, else recent mean |y|."""
    mae = seasonal_scale(train, m)
    recent = train[:, -window:]
    cnt = np.sum(~np.isnan(recent), axis=1)
    level = np.nansum(np.abs(recent), axis=1) / np.maximum(cnt, 1)
    return np.where(np.isfinite(mae) & (mae > 0), mae, level)


def score_predictions(
    values: np.ndarray, positions: list[int], horizon: int, preds: list[np.ndarray], m: int
) -> tuple[list[dict[str, float]], dict[str, float]]:
    """Per-fold and overall metrics of out-of-sample predictions (one series x horizon array per fold).

    Intervals for fold k are calibrated on the residuals of the other folds (all folds when there is
    only one, which is then optimistic), so reported coverage is honest.
    """
    actuals, mase_scales, res_scales, resid = [], [], [], []
    for pos, pred in zip(positions, preds, strict=True):
        train = values[:, : pos + 1]
        actual = fold_truth(values, pos, horizon)
        actual[np.isnan(pred)] = np.nan
        rs = residual_scale(train, m, 4 * m)
        with np.errstate(all="ignore"):
            r = (actual - pred) / np.where(rs > 0, rs, np.nan)[:, None]
        actuals.append(actual)
        mase_scales.append(seasonal_scale(train, m))
        res_scales.append(rs)
        resid.append(r)
    # The pooled point metrics first, before the folds' bounds exist (fewer large arrays held at once);
    # the folds' actuals are then views of the stacked ones.
    actual_all = np.vstack(actuals)
    n = len(values)
    actuals = [actual_all[k * n : (k + 1) * n] for k in range(len(positions))]
    pred_all = np.nan_to_num(np.vstack(preds), nan=0.0, copy=False)
    overall = point_metrics(actual_all, pred_all, np.concatenate(mase_scales), owned=True)
    del pred_all
    per_fold = []
    pooled: dict[str, list[np.ndarray]] = {"in80": [], "in95": [], "width80": []}
    for k in range(len(positions)):
        others = [resid[j] for j in range(len(positions)) if j != k] or [resid[k]]
        cal = calibrate(np.vstack(others))
        pred = np.nan_to_num(preds[k], nan=0.0)
        lo80, hi80 = bounds(pred, res_scales[k], cal, 0.8)
        lo95, hi95 = bounds(pred, res_scales[k], cal, 0.95)
        metrics = point_metrics(actuals[k], pred, mase_scales[k], owned=True)
        metrics.update(interval_metrics(actuals[k], lo80, hi80, lo95, hi95))
        per_fold.append(metrics)
        # What the pooled interval metrics read of this fold's bounds (its observed cells, in order),
        # instead of the four bounds of every fold.
        mask = ~np.isnan(actuals[k])
        a = actuals[k][mask]
        pooled["in80"].append((a >= lo80[mask]) & (a <= hi80[mask]))
        pooled["in95"].append((a >= lo95[mask]) & (a <= hi95[mask]))
        pooled["width80"].append(hi80[mask] - lo80[mask])
        del lo80, hi80, lo95, hi95, pred
    del resid, actuals
    overall.update(pooled_interval_metrics(actual_all, pooled))
    return per_fold, overall


def pooled_interval_metrics(actual_all: np.ndarray, pooled: dict[str, list[np.ndarray]]) -> dict[str, float]:
    """``interval_metrics`` of the stacked folds from each fold's cells (the same arrays, concatenated).

    The stacked bounds' observed cells, in C order, are the folds' observed cells one fold after the
    other, so the coverage flags and widths concatenated are the very arrays ``interval_metrics`` forms
    from the stacked bounds: the same means and sums to the bit, without four stacked bound arrays.
    """
    mask = ~np.isnan(actual_all)
    if not mask.any():
        return {"coverage_80": float("nan"), "coverage_95": float("nan"), "width_80": float("nan")}
    denom = np.abs(actual_all[mask]).sum()
    cov80 = float(np.mean(np.concatenate(pooled["in80"])))
    cov95 = float(np.mean(np.concatenate(pooled["in95"])))
    width = float(np.concatenate(pooled["width80"]).sum() / denom) if denom > 0 else float("nan")
    return {"coverage_80": cov80, "coverage_95": cov95, "width_80": width}


def scaled_residuals(
    values: np.ndarray, positions: list[int], horizon: int, preds: list[np.ndarray], m: int
) -> np.ndarray:
    """All folds' residuals (actual - forecast) / residual scale, stacked (series x folds, horizon)."""
    out = []
    for pos, pred in zip(positions, preds, strict=True):
        actual = fold_truth(values, pos, horizon)
        rs = residual_scale(values[:, : pos + 1], m, 4 * m)
        with np.errstate(all="ignore"):
            out.append((actual - pred) / np.where(rs > 0, rs, np.nan)[:, None])
    return np.vstack(out)


def series_scale(den: np.ndarray) -> np.ndarray:
    """Per-series factor 1/sqrt(sum|y|) on the errors of the level's pooled decisions (folds x series in).

    Pooled WAPE weighs each series by its volume, so at the store level the all-stores total (half
    the volume) and one or two large stores decide alone which configuration anchors the shrinkage,
    how strongly to shrink and whether the combination serves: a decision resting on the few folds of
    one or two series. Rescaled, each series weighs the square root of its volume: larger series
    still count more, but the decision pools the evidence of every series (with equal weights a
    handful of tiny, noisy series would decide for the large ones). Each series' own choice is a
    ratio of its own errors and does not change.
    """
    total = den.sum(axis=0)
    with np.errstate(all="ignore"):
        return np.where(total > 0, 1.0 / np.sqrt(total), 0.0)
