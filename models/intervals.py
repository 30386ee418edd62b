"""Prediction intervals: split-conformal on out-of-sample backtest residuals, scaled per series.

Residuals r = (actual - forecast) / s, with s the series' in-sample seasonal-naive MAE at the origin
(mean |y| when that is undefined), pooled over series and folds per horizon step. The interval at level
a is [f + s*q_lo(h), f + s*q_hi(h)] with q the (1-a)/2 and (1+a)/2 empirical quantiles (steps with
few residuals borrow from neighbouring steps). Beyond the calibrated horizon the last quantiles grow with
sqrt(h / H). Sums over several steps (weekly/monthly views) use sd_h = (q_hi - q_lo)/(2 z) and one
equicorrelation rho: sd(sum) = sqrt(sum sd_h^2 + rho * ((sum sd_h)^2 - sum sd_h^2)). The served rho of
each display frequency is calibrated on coverage (``display_rhos``: the smallest rho whose 80% bands hold
80% of the backtests' sums over that frequency's calendar periods); the moment estimate from each fold's
summed residuals is the fallback. A sum is centred on the summed point
forecasts shifted by the summed typical residual (the per-step mean of residuals winsorised to the 95%
band): a systematic error adds up over the days of a month, the skew of single days does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.frequency import coarser_or_equal, frequency

INTERVAL_LEVELS = (0.8, 0.95)  # the calibrated prediction-interval coverages (not hierarchy levels)
Z = {0.8: 1.2815515655446004, 0.95: 1.959963984540054}
_MIN_SAMPLES = 60


def check_interval(interval: float) -> float:
    """Return the calibrated level equal to ``interval``; ValueError naming the valid ones otherwise."""
    for level in INTERVAL_LEVELS:
        if abs(float(interval) - level) < 1e-9:
            return level
    choices = ", ".join(map(str, INTERVAL_LEVELS))
    raise ValueError(f"interval {interval!r} is not calibrated; choose one of {choices}")


@dataclass(frozen=True)
class Calibration:
    """Scaled residual quantiles per step for each level, plus the equicorrelation used for sums."""

    lo: dict[float, np.ndarray]
    hi: dict[float, np.ndarray]
    rho: float
    n_residuals: int
    center: np.ndarray | None = None  # per step: mean residual winsorised to the 95% band

    @property
    def horizon(self) -> int:
        """Number of calibrated steps."""
        return len(self.lo[INTERVAL_LEVELS[0]])

    def extended(self, horizon: int) -> Calibration:
        """Quantiles for ``horizon`` steps: calibrated ones, then the last ones grown with sqrt(h/H)."""
        h_cal = self.horizon
        if horizon <= h_cal:
            return Calibration(
                {k: v[:horizon] for k, v in self.lo.items()},
                {k: v[:horizon] for k, v in self.hi.items()},
                self.rho,
                self.n_residuals,
                None if self.center is None else self.center[:horizon],
            )
        tail = min(h_cal, 4)
        growth = np.sqrt(np.arange(h_cal + 1, horizon + 1) / h_cal)

        def grow(v: np.ndarray) -> np.ndarray:
            return np.concatenate([v, v[-tail:].mean() * growth])

        lo = {k: grow(v) for k, v in self.lo.items()}
        hi = {k: grow(v) for k, v in self.hi.items()}
        # The typical residual beyond the calibrated steps: their overall mean, not grown (a few noisy
        # last steps would otherwise set a bias for months ahead).
        center = None
        if self.center is not None:
            center = np.concatenate([self.center, np.full(horizon - h_cal, self.center.mean())])
        return Calibration(lo, hi, self.rho, self.n_residuals, center)


def calibrate(residuals: np.ndarray) -> Calibration:
    """Calibrate from scaled residuals (rows = series x folds, columns = horizon steps, NaN = missing)."""
    horizon = residuals.shape[1]
    finite = np.isfinite(residuals)
    n_total = int(finite.sum())
    lo: dict[float, np.ndarray] = {}
    hi: dict[float, np.ndarray] = {}
    if n_total == 0:
        for level in INTERVAL_LEVELS:
            lo[level] = np.zeros(horizon)
            hi[level] = np.zeros(horizon)
        return Calibration(lo, hi, 0.0, 0, np.zeros(horizon))
    per_step = finite.sum(axis=0)
    for level in INTERVAL_LEVELS:
        lo[level] = np.zeros(horizon)
        hi[level] = np.zeros(horizon)
    center = np.zeros(horizon)
    ordered = np.sort(residuals, axis=0)  # each step's residuals in order, NaN last
    for h in range(horizon):
        width = 0
        while per_step[max(0, h - width) : h + width + 1].sum() < _MIN_SAMPLES and width < horizon:
            width += 1
        block = residuals[:, max(0, h - width) : h + width + 1]
        sample = block[np.isfinite(block)]
        n = len(sample)
        # the quantiles are order statistics (numpy's "lower"/"higher": index floor/ceil((n-1)p)), read
        # from the step's sorted column when it alone holds the sample (saves thousands of quantile calls)
        column = ordered[:n, h] if width == 0 else np.sort(sample)
        for level in INTERVAL_LEVELS:  # split-conformal finite-sample ranks: floor/ceil((n + 1) * p) / n
            p_lo = np.floor((n + 1) * (1 - level) / 2) / n
            p_hi = min(np.ceil((n + 1) * (1 + level) / 2) / n, 1.0)
            lo[level][h] = min(column[int(np.floor((n - 1) * p_lo))], 0.0)
            hi[level][h] = max(column[int(np.ceil((n - 1) * p_hi))], 0.0)
        center[h] = float(np.clip(sample, lo[0.95][h], hi[0.95][h]).mean())
    return Calibration(lo, hi, _equicorrelation(residuals, hi[0.8] - lo[0.8]), n_total, center)


def _equicorrelation(residuals: np.ndarray, width80: np.ndarray) -> float:
    """Moment estimate of one common correlation of residuals within a fold, clipped to [0, 1]."""
    full = np.isfinite(residuals).all(axis=1)
    if full.sum() < 5 or residuals.shape[1] < 2:
        return 0.5
    sd = width80 / (2 * Z[0.8])
    var_sum = float(np.var(residuals[full].sum(axis=1)))
    ss = float((sd**2).sum())
    cross = float(sd.sum() ** 2 - ss)
    if cross <= 0:
        return 0.5
    return float(np.clip((var_sum - ss) / cross, 0.0, 1.0))


def bounds(
    points: np.ndarray, scales: np.ndarray, cal: Calibration, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds (series x steps) for point paths; lower clipped at zero."""
    horizon = points.shape[-1]
    c = cal.extended(horizon)
    s = np.asarray(scales)[..., None]
    lower = np.clip(points + s * c.lo[level], 0.0, None)
    upper = np.maximum(points + s * c.hi[level], lower)
    return lower, upper


def _correlated_sum(deviation: np.ndarray, rho: float) -> float:
    """Size of the sum of per-step deviations whose errors share the equicorrelation ``rho``.

    rho = 1 adds them up, rho = 0 gives the root-sum-of-squares; monotone in every deviation.
    """
    ss = float((deviation**2).sum())
    return float(np.sqrt(max(ss + rho * (float(deviation.sum()) ** 2 - ss), 0.0)))


def aggregate_bounds(
    points: np.ndarray,
    scale: float,
    lo_q: np.ndarray,
    hi_q: np.ndarray,
    rho: float,
    center_q: np.ndarray | None = None,
) -> tuple[float, float, float]:
    """(point, lower, upper) of the sum of consecutive steps of one series.

    Each step's band is split at a center (``center_q``: the step's typical residual, see ``calibrate``;
    the middle of the band when not given; shared by every level so that a 95% band always contains the
    80% one) into a lower and an upper deviation; each side is summed with the estimated error
    correlation, around the points shifted by the summed centers. Skewed residuals keep skewed bands.
    """
    center = (lo_q + hi_q) / 2 if center_q is None else center_q
    below = np.maximum(center - lo_q, 0.0) * scale
    above = np.maximum(hi_q - center, 0.0) * scale
    total = float(points.sum())
    middle = total + float(center.sum() * scale)
    lower = max(middle - _correlated_sum(below, rho), 0.0)
    upper = max(middle + _correlated_sum(above, rho), lower, total)
    return total, min(lower, total), upper


def _window_hits(
    sums: np.ndarray, lo_q: np.ndarray, hi_q: np.ndarray, center: np.ndarray, rho: float
) -> np.ndarray:
    """Which scaled window sums fall inside the band ``aggregate_bounds`` builds for that window."""
    below = np.maximum(center - lo_q, 0.0)
    above = np.maximum(hi_q - center, 0.0)
    middle = float(center.sum())
    lower = min(middle - _correlated_sum(below, rho), 0.0)  # the band always holds the point forecast
    upper = max(middle + _correlated_sum(above, rho), 0.0)
    return (sums >= lower) & (sums <= upper)


def calibrate_rho(
    residuals: np.ndarray,
    windows: list[tuple[np.ndarray, np.ndarray]],
    cal: Calibration,
    *,
    level: float = 0.8,
    fallback: float | None = None,
) -> float:
    """The smallest ρ whose aggregated ``level`` bands hold at least ``level`` of the backtest's window sums.

    ``windows`` are (rows, steps) of ``residuals`` that one display period covers (e.g. the days of
    each calendar month inside each fold). Why not the moment estimate: it compares the variance of
    sums with per-step spreads read off the quantiles, and for heavy-tailed daily residuals (noisy
    product series) the quantile spread understates each day's variance, so ρ absorbs the difference
    and monthly bands come out far too wide. Calibrating ρ on the coverage of the sums themselves is
    the conformal step applied to the aggregate. Falls back to ``fallback`` (else ``cal.rho``) with
    fewer than 30 complete window sums.
    """
    center = cal.center if cal.center is not None else (cal.lo[0.8] + cal.hi[0.8]) / 2
    prepared = []
    n = 0
    for rows, cols in windows:
        block = residuals[np.ix_(rows, cols)]
        full = np.isfinite(block).all(axis=1)
        if full.any():
            prepared.append((block[full].sum(axis=1), cols))
            n += int(full.sum())
    if n < 30:
        return float(cal.rho if fallback is None else fallback)
    for rho in np.linspace(0.0, 1.0, 51):
        hits = sum(
            int(_window_hits(sums, cal.lo[level][c], cal.hi[level][c], center[c], rho).sum())
            for sums, c in prepared
        )
        if hits >= level * n:
            return float(rho)
    return 1.0


def display_rhos(
    residuals: np.ndarray,
    dates: pd.DatetimeIndex,
    positions: list[int],
    freq: str,
    cal: Calibration,
) -> dict[str, float]:
    """``calibrate_rho`` for every display frequency coarser than ``freq`` (weekly, monthly, quarterly).

    ``residuals`` are ``scaled_residuals`` (fold-major blocks of series rows); a window is the steps of
    one fold inside one calendar period of the display, as the dashboard sums them.
    """
    horizon = residuals.shape[1]
    n_series = residuals.shape[0] // max(len(positions), 1)
    out: dict[str, float] = {}
    for display in coarser_or_equal(freq)[1:]:
        alias = frequency(display).display_alias
        windows = []
        for k, pos in enumerate(positions):
            periods = dates[pos + 1 : pos + 1 + horizon].to_period(alias)
            rows = np.arange(k * n_series, (k + 1) * n_series)
            for p in periods.unique():
                windows.append((rows, np.flatnonzero(periods == p)))
        out[display] = calibrate_rho(residuals, windows, cal)
    return out
