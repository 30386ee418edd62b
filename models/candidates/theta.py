"""Theta method, vectorised over all series of a level (no Python loop over series).

Standard Theta (Assimakopoulos & Nikolopoulos 2000, in Hyndman & Billah's SES-with-drift form): a
classical multiplicative seasonal adjustment when the series' autocorrelation at the season lag is
significant (90%), simple exponential smoothing of the adjusted series with alpha picked per series by
in-sample one-step error, plus (theta-1)/theta of the OLS trend slope, then re-seasonalised.
"""

from __future__ import annotations

import numpy as np

from models.series import Panel, season_lengths

_ALPHAS = np.array([0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9])


def _centered_ma(values: np.ndarray, m: int) -> np.ndarray:
    """Centred moving average of order m (2 x m for even m); NaN where the window is incomplete."""
    w = m + 1 if m % 2 == 0 else m
    weights = np.ones(w)
    if m % 2 == 0:
        weights[0] = weights[-1] = 0.5
    weights /= m
    n, length = values.shape
    out = np.full((n, length), np.nan)
    if length < w:
        return out
    half = w // 2
    acc = np.zeros((n, length - w + 1))
    for k in range(w):
        acc += weights[k] * values[:, k : length - w + 1 + k]
    out[:, half : length - half] = acc
    return out


def _acf_seasonal_test(values: np.ndarray, m: int) -> np.ndarray:
    """True where the autocorrelation at lag m is significant at 90% (Bartlett bands), per series."""
    n_series = values.shape[0]
    obs = ~np.isnan(values)
    counts = obs.sum(axis=1)
    mean = np.nansum(values, axis=1) / np.maximum(counts, 1)
    centred = np.where(obs, values - mean[:, None], 0.0)
    var = (centred**2).sum(axis=1)
    acf = np.zeros((n_series, m + 1))
    for lag in range(1, m + 1):
        acf[:, lag] = (centred[:, lag:] * centred[:, :-lag]).sum(axis=1) / np.where(var > 0, var, 1)
    bound = 1.645 * np.sqrt((1 + 2 * (acf[:, 1:m] ** 2).sum(axis=1)) / np.maximum(counts, 1))
    result = (counts >= 3 * m) & (var > 0) & (np.abs(acf[:, m]) > bound)
    return result


def seasonal_indices(values: np.ndarray, m: int) -> np.ndarray:
    """Multiplicative seasonal index per series and phase (grid position mod m); 1 where not seasonal."""
    n_series, length = values.shape
    index = np.ones((n_series, m))
    if m <= 1 or length < 2 * m:
        return index
    seasonal = _acf_seasonal_test(values, m)
    cma = _centered_ma(values, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(cma > 0, values / cma, np.nan)
    phase = np.arange(length) % m
    for p in range(m):
        col = ratio[:, phase == p]
        cnt = np.sum(~np.isnan(col), axis=1)
        index[:, p] = np.where(cnt > 0, np.nansum(col, axis=1) / np.maximum(cnt, 1), 1.0)
    index = np.where(np.isfinite(index) & (index > 0), index, 1.0)
    index /= index.mean(axis=1, keepdims=True)
    index[~seasonal] = 1.0
    return index


def ses_levels(x: np.ndarray, alphas: np.ndarray = _ALPHAS) -> tuple[np.ndarray, np.ndarray]:
    """Final SES level and chosen alpha per series (alpha minimising in-sample one-step squared error)."""
    n_series, length = x.shape
    level = np.full((n_series, len(alphas)), np.nan)
    sse = np.zeros((n_series, len(alphas)))
    a = alphas[None, :]
    for t in range(length):
        xt = x[:, t : t + 1]
        err = xt - level
        has = ~np.isnan(err)
        sse += np.where(has, err**2, 0.0)
        updated = np.where(np.isnan(level), xt, level + a * err)
        level = np.where(np.isnan(xt), level, updated)
    best = np.argmin(sse, axis=1)
    rows = np.arange(n_series)
    return level[rows, best], alphas[best]


def ols_slope(x: np.ndarray) -> np.ndarray:
    """Least-squares slope per series over its observed points (0 when fewer than 2)."""
    obs = ~np.isnan(x)
    t = np.arange(x.shape[1], dtype=float)[None, :]
    cnt = obs.sum(axis=1)
    tm = np.where(obs, t, 0).sum(axis=1) / np.maximum(cnt, 1)
    xm = np.where(obs, x, 0).sum(axis=1) / np.maximum(cnt, 1)
    dt = np.where(obs, t - tm[:, None], 0.0)
    dx = np.where(obs, x - xm[:, None], 0.0)
    var = (dt**2).sum(axis=1)
    return np.where((cnt >= 2) & (var > 0), (dt * dx).sum(axis=1) / np.where(var > 0, var, 1), 0.0)


class Theta:
    """Theta forecaster for all series of a panel.

    ``theta`` = 1 is SES, 2 the classic method, 3 a steeper trend.
    """

    family = "theta"

    def __init__(self, theta: float = 2.0, seasonal: bool = True, random_state: int = 0) -> None:
        self.theta = theta
        self.seasonal = seasonal
        self.random_state = random_state

    def fit(self, panel: Panel, horizon: int) -> Theta:
        """Fit every series and compute its forecast path up to ``horizon``."""
        if self.theta < 1:
            raise ValueError(f"theta must be >= 1, got {self.theta}")
        m = season_lengths(panel.freq)[0]
        values = panel.values
        length = values.shape[1]
        index = seasonal_indices(values, m) if self.seasonal else np.ones((values.shape[0], max(m, 1)))
        phase = np.arange(length) % m
        adjusted = values / index[:, phase]
        level, alpha = ses_levels(adjusted)
        slope = ols_slope(adjusted)
        n_obs = panel.n_obs()
        h = np.arange(1, horizon + 1)[None, :]
        drift_steps = h - 1 + 1 / alpha[:, None] - ((1 - alpha[:, None]) ** n_obs[:, None]) / alpha[:, None]
        path = level[:, None] + (1 - 1 / self.theta) * slope[:, None] * drift_steps
        future_phase = (length - 1 + h[0]) % m
        self.paths_ = path * index[:, future_phase]
        self.alpha_ = alpha
        return self

    def predict(self) -> np.ndarray:
        """Forecast paths (series x horizon)."""
        return self.paths_.copy()
