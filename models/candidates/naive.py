"""Seasonal naive: repeat the last observed season. The baseline of every level and its floor."""

from __future__ import annotations

import numpy as np

from models.series import Panel, season_lengths


def seasonal_naive_paths(values: np.ndarray, m: int, horizon: int) -> np.ndarray:
    """y[T+h] = y[T+h-m*ceil(h/m)] for every series; NaN where the series is shorter than one season."""
    length = values.shape[1]
    h = np.arange(1, horizon + 1)
    src = length - 1 + h - m * np.ceil(h / m).astype(int)
    out = np.full((values.shape[0], horizon), np.nan)
    ok = src >= 0
    out[:, ok] = values[:, src[ok]]
    return out


class SeasonalNaive:
    """Seasonal naive on the primary season of the dataset's frequency (7 days, 52 weeks, 12 months, 4 q.)."""

    family = "seasonal_naive"

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, panel: Panel, horizon: int) -> SeasonalNaive:
        """Remember the last season of every series."""
        m = season_lengths(panel.freq)[0]
        self.paths_ = seasonal_naive_paths(panel.values, m, horizon)
        return self

    def predict(self) -> np.ndarray:
        """Forecast paths (series x horizon); NaN for series shorter than a season (fallbacks fill them)."""
        return self.paths_.copy()
