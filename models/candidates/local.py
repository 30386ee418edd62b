"""Local (one model per series) candidates from statsforecast, run on the rows of a panel.

One class wraps every statsforecast model the engine uses; ``model`` names it (``AutoETS``,
``AutoTheta``, ``AutoARIMA``, ``MSTL``, the intermittent-demand methods and the simple ones for very
short series). Each series is fitted on its own observations (at most the last ``window`` steps).
Seasonality needs two full seasons of history: below that a series gets the non-seasonal form
(season length 1), so short histories still get a fitted model.

Backtests on daily data fit once at the first fold's cutoff and roll the fitted model forward over the
later cutoffs (statsforecast's ``forward``, as its ``cross_validation(refit=False)`` does), so a fold
costs a filter pass instead of a new optimisation. On weekly, monthly and quarterly data every fold
refits at its cutoff, as serving does at its origin (``REFIT_FOLDS``); refitting young daily series too
was measured in engine v2.5 and not kept (bench/history/real-data-suite-v2.4-v2.7.md).
``fitted_observations`` counts the fits for the training budget.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from models.series import Panel, season_lengths

# Relative cost of one fit per observation, used by the training budget (AutoETS on daily data = 1).
COST = {
    "AutoETS": 1.0,
    "AutoTheta": 0.5,
    "AutoARIMA": 3.0,
    "MSTL": 1.0,
    "CrostonOptimized": 0.02,
    "TSB": 0.02,
    "ADIDA": 0.02,
    "IMAPA": 0.05,
    "Naive": 0.01,
    "HistoricAverage": 0.01,
    "RandomWalkWithDrift": 0.01,
}
INTERMITTENT = ("CrostonOptimized", "TSB", "ADIDA", "IMAPA")
SIMPLE = ("Naive", "HistoricAverage", "RandomWalkWithDrift")
# Default training window per frequency (steps): a year and a week of days (three years for MSTL's
# yearly season), ten years of weeks (ten cycles of the 52-week season: with five, AutoTheta's seasonal
# indices on the bench's us_gasoline were noisy enough to cost 3.1% vs 2.7% WAPE), 20 years of months,
# 30 of quarters.
_WINDOW = {"D": 371, "W": 520, "M": 240, "Q": 120}
# Frequencies whose backtests refit every fold. A fold there spans a season or more (13 weeks, 12 months,
# 8 quarters), so a fit rolled forward from the first cutoff is judged on parameters (and a season form
# chosen on a shorter history) one to two years older than the origin it forecasts from, and the
# selection then compares stale local models with the peers' and serving's fresh ones; the fits are
# cheap (at most a few hundred observations). Daily folds are a quarter of a year-long window and the
# fits the costly part: they keep the single fit rolled forward.
REFIT_FOLDS = ("W", "M", "Q")
# Refitting daily series with under a year of history at the first cutoff too was measured (engine v2.5):
# it helped the held-out pizza_daily (a first fold trained on 57 days; --quick WAPE 24.96% -> 23.08%) but
# on flights' full windows (50 daily series of one year) the level then fell back to seasonal naive in
# every window, 9.1% -> 10.8% WAPE. A rule that helps one suite and hurts the other is not kept.
_MSTL_WINDOW = 3 * 365


def fitted_observations(freq: str, n_obs: np.ndarray, at_cutoffs: np.ndarray, window: int) -> np.ndarray:
    """Observations a local back-test fits per series, summed over its fits: at every cutoff (capped at
    ``window``) where the frequency refits (``REFIT_FOLDS``), else one fit (its history, capped).

    ``n_obs``: each series' observations; ``at_cutoffs``: its observations at each cutoff (folds x series).
    A fit's cost grows with its observations, so this is what the local budget counts.
    """
    if freq in REFIT_FOLDS:
        return np.minimum(np.atleast_2d(np.asarray(at_cutoffs)), window).sum(axis=0)
    return np.minimum(np.asarray(n_obs), window)


def _season(freq: str, n_obs: int, model: str) -> int:
    """Season length for a series with ``n_obs`` observations: the primary one from two seasons on."""
    m = season_lengths(freq)[0]
    if n_obs < 2 * m:
        return 1
    if model == "AutoARIMA" and m > 12:  # seasonal ARIMA on 52 weeks is a very slow search
        return 1
    return m


def build_model(model: str, freq: str, n_obs: int, options: dict | None = None) -> Any:
    """A fresh statsforecast model for one series of ``n_obs`` observations (``options``: ETS/Theta form).

    statsforecast is imported here, not with the module: a serving worker never fits (and saves ~100 MB).
    """
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        MSTL,
        TSB,
        AutoARIMA,
        AutoETS,
        AutoTheta,
        CrostonOptimized,
        HistoricAverage,
        Naive,
        RandomWalkWithDrift,
    )

    options = options or {}
    m = _season(freq, n_obs, model)
    if model == "AutoETS":
        m = m if m <= 24 else 1  # statsforecast's ETS has no seasonal state beyond 24 steps
        spec = options.get("model", "ZZZ")
        if m == 1:
            spec = spec[:2] + "N"
        return AutoETS(season_length=m, model=spec, damped=options.get("damped"))
    if model == "AutoTheta":
        return AutoTheta(season_length=m, model=options.get("model"))
    if model == "AutoARIMA":
        # budgeted search: stepwise, approximate likelihood, small orders
        return AutoARIMA(season_length=m, approximation=True, max_p=3, max_q=3, max_P=1, max_Q=1, nmodels=30)
    if model == "MSTL":
        seasons = [7, 365] if freq == "D" and n_obs >= 2 * 365 else [m]
        if m == 1:
            return AutoETS(season_length=1, model="ZZN")
        return MSTL(season_length=seasons, trend_forecaster=AutoETS(model="ZZN"))
    if model == "TSB":
        return TSB(alpha_d=0.2, alpha_p=0.2)
    simple = {
        "CrostonOptimized": CrostonOptimized,
        "ADIDA": ADIDA,
        "IMAPA": IMAPA,
        "Naive": Naive,
        "HistoricAverage": HistoricAverage,
        "RandomWalkWithDrift": RandomWalkWithDrift,
    }
    if model not in simple:
        raise ValueError(f"unknown local model {model!r}; expected one of {', '.join(COST)}")
    return simple[model]()


def default_window(freq: str, model: str) -> int:
    """Steps of history a local model is fitted on by default."""
    return _MSTL_WINDOW if model == "MSTL" and freq == "D" else _WINDOW[freq]


def _observed(row: np.ndarray, end: int, window: int) -> np.ndarray:
    """Observed values of one series up to grid position ``end`` (inclusive), at most ``window`` of them."""
    y = row[: end + 1]
    y = y[~np.isnan(y)]
    return y[-window:]


class StatsForecastLocal:
    """A statsforecast model fitted per series (``model`` names it; see ``COST`` for the choices)."""

    family = "local"

    def __init__(self, model: str = "AutoETS", window: int | None = None, random_state: int = 0) -> None:
        self.model = model
        self.window = window
        self.random_state = random_state

    def _options(self, y: np.ndarray) -> dict:
        """Per-series options of the statsforecast model (subclasses map their parameters here)."""
        return {}

    def _window(self, freq: str) -> int:
        return int(self.window or default_window(freq, self.model))

    def _one(self, freq: str, y: np.ndarray, horizon: int) -> tuple[Any, np.ndarray]:
        """Fit one series and forecast; (fitted model or None, path). NaN path when the fit fails."""
        if len(y) < 2:
            return None, np.full(horizon, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                options = self._options(y)
                fitted = build_model(self.model, freq, len(y), options).fit(y=y.astype(float))
                return fitted, np.asarray(fitted.predict(h=horizon)["mean"], dtype=float)
            except Exception:  # a numerical failure on one series: the fallbacks fill it
                return None, np.full(horizon, np.nan)

    def fit(self, panel: Panel, horizon: int) -> StatsForecastLocal:
        """Fit every series of the panel on its own history and forecast ``horizon`` steps."""
        if self.model not in COST:
            raise ValueError(f"unknown local model {self.model!r}; expected one of {', '.join(COST)}")
        window = self._window(panel.freq)
        last = panel.length - 1
        self.paths_ = np.vstack(
            [self._one(panel.freq, _observed(row, last, window), horizon)[1] for row in panel.values]
        ).reshape(panel.n_series, horizon)
        return self

    def predict(self) -> np.ndarray:
        """Forecast paths (series x horizon)."""
        return self.paths_.copy()

    def backtest(self, panel: Panel, positions: list[int], horizon: int) -> list[np.ndarray]:
        """Out-of-sample paths per fold: a fit at every cutoff (``REFIT_FOLDS``: weekly, monthly,
        quarterly data), or one fit at the first cutoff rolled forward over the later ones (daily data)."""
        window = self._window(panel.freq)
        refit = panel.freq in REFIT_FOLDS
        out = [np.full((panel.n_series, horizon), np.nan) for _ in positions]
        for i, row in enumerate(panel.values):
            fitted, path = self._one(panel.freq, _observed(row, positions[0], window), horizon)
            out[0][i] = path
            for k, pos in enumerate(positions[1:], start=1):
                y = _observed(row, pos, window)
                if len(y) < 2:
                    continue
                if refit:
                    fitted, out[k][i] = self._one(panel.freq, y, horizon)
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        if fitted is not None and hasattr(fitted, "forward"):
                            res = fitted.forward(y=y.astype(float), h=horizon)
                            out[k][i] = np.asarray(res["mean"], dtype=float)
                        else:
                            fitted, out[k][i] = self._one(panel.freq, y, horizon)
                    except Exception:
                        fitted, out[k][i] = self._one(panel.freq, y, horizon)
        return out


class ETSLocal(StatsForecastLocal):
    """statsforecast AutoETS per series; ``trend``/``seasonal`` ("add", "mul") and ``damped`` fix its form.

    Unset components are chosen by AICc; multiplicative seasonality becomes additive on series with zeros.
    """

    family = "ets"

    def __init__(
        self,
        trend: str | None = None,
        damped: bool | None = None,
        seasonal: str | None = None,
        window: int | None = None,
        random_state: int = 0,
    ) -> None:
        super().__init__(model="AutoETS", window=window, random_state=random_state)
        self.trend = trend
        self.damped = damped
        self.seasonal = seasonal

    def _options(self, y: np.ndarray) -> dict:
        code = {None: "Z", "add": "A", "mul": "M", "none": "N"}
        season = code[self.seasonal]
        if season == "M" and (y <= 0).any():
            season = "A"
        return {"model": "Z" + code[self.trend] + season, "damped": self.damped}


class ThetaLocal(StatsForecastLocal):
    """statsforecast AutoTheta per series (standard, optimised and dynamic Theta chosen by fit).

    ``theta`` is kept for stored configurations: 2.0 is the standard Theta method, any other value the
    optimised one; ``seasonal=False`` switches the seasonal decomposition off.
    """

    family = "theta"

    def __init__(
        self,
        theta: float | None = None,
        seasonal: bool = True,
        window: int | None = None,
        random_state: int = 0,
    ) -> None:
        super().__init__(model="AutoTheta", window=window, random_state=random_state)
        self.theta = theta
        self.seasonal = seasonal

    def _options(self, y: np.ndarray) -> dict:
        if self.theta is None:
            return {}
        return {"model": "STM" if float(self.theta) == 2.0 else "OTM"}

    def _one(self, freq: str, y: np.ndarray, horizon: int) -> tuple[Any, np.ndarray]:
        if self.seasonal:
            return super()._one(freq, y, horizon)
        return _nonseasonal(self, y, horizon)


def _nonseasonal(model: ThetaLocal, y: np.ndarray, horizon: int) -> tuple[Any, np.ndarray]:
    """Theta without seasonal adjustment (season length 1)."""
    from statsforecast.models import AutoTheta

    if len(y) < 2:
        return None, np.full(horizon, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fitted = AutoTheta(season_length=1, **model._options(y)).fit(y=y.astype(float))
            return fitted, np.asarray(fitted.predict(h=horizon)["mean"], dtype=float)
        except Exception:
            return None, np.full(horizon, np.nan)


def _fixed(name: str, model: str, doc: str) -> type:
    """A family class running one statsforecast model with default settings."""

    def __init__(self, window: int | None = None, random_state: int = 0) -> None:
        StatsForecastLocal.__init__(self, model=model, window=window, random_state=random_state)

    return type(name, (StatsForecastLocal,), {"__init__": __init__, "__doc__": doc, "family": model})


ARIMALocal = _fixed("ARIMALocal", "AutoARIMA", "statsforecast AutoARIMA per series (budgeted search).")
MSTLLocal = _fixed("MSTLLocal", "MSTL", "statsforecast MSTL per series (weekly + yearly seasons on days).")
