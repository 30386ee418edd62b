"""Exponential smoothing per series (statsmodels Holt-Winters): damped additive trend, seasonal when possible.

Local and comparatively slow (tens of ms per fit), so by default training only scores it when the
level is small enough (see ``models.training.ETS_FIT_BUDGET``). Multiplicative seasonality needs
strictly positive data; otherwise the additive form is used. A fit that fails or explodes yields NaN
for that series, which the fallbacks replace.
"""

from __future__ import annotations

import warnings

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from models.series import Panel, season_lengths

_EXPLODE = 10.0


def _fit_one(
    y: np.ndarray, horizon: int, m: int, trend: str | None, damped: bool, seasonal: str | None
) -> np.ndarray:
    """Forecast of one series (NaN path when statsmodels fails or the path explodes)."""
    use_season = seasonal if (seasonal and m > 1 and len(y) >= 2 * m + 2) else None
    if use_season == "mul" and not (y > 0).all():
        use_season = "add"
    use_trend = trend if len(y) >= 4 else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ExponentialSmoothing(
                y,
                trend=use_trend,
                damped_trend=bool(damped and use_trend),
                seasonal=use_season,
                seasonal_periods=m if use_season else None,
                initialization_method="estimated",
            ).fit()
            path = np.asarray(model.forecast(horizon), dtype=float)
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
        return np.full(horizon, np.nan)
    if not np.isfinite(path).all() or path.max(initial=0) > _EXPLODE * max(y.max(), 1e-9):
        return np.full(horizon, np.nan)
    return path


class ExponentialSmoothingLocal:
    """Holt-Winters exponential smoothing fitted to each series separately."""

    family = "ets"

    def __init__(
        self,
        trend: str | None = "add",
        damped: bool = True,
        seasonal: str | None = "mul",
        random_state: int = 0,
    ) -> None:
        self.trend = trend
        self.damped = damped
        self.seasonal = seasonal
        self.random_state = random_state

    def fit(self, panel: Panel, horizon: int) -> ExponentialSmoothingLocal:
        """Fit every series (from its first observation) and forecast ``horizon`` steps."""
        if self.trend not in (None, "add") or self.seasonal not in (None, "add", "mul"):
            raise ValueError(
                f"trend must be None or 'add', seasonal None, 'add' or 'mul' (got {self.trend!r}, "
                f"{self.seasonal!r})"
            )
        m = season_lengths(panel.freq)[0]
        starts = panel.starts
        paths = np.full((panel.n_series, horizon), np.nan)
        for i in range(panel.n_series):  # one statsmodels fit per series (local model)
            y = panel.values[i, starts[i] :]
            if len(y) >= max(m, 4) and np.ptp(y) > 0:
                paths[i] = _fit_one(y, horizon, m, self.trend, self.damped, self.seasonal)
        self.paths_ = paths
        return self

    def predict(self) -> np.ndarray:
        """Forecast paths (series x horizon)."""
        return self.paths_.copy()
