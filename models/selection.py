"""Per-series model selection: which series run the local models, and which configuration serves each.

* ``local_scopes``: local (per-series) families cost one statsforecast fit per series, so each runs on
  the series it can help within a budget of cost units (observations x the model's relative cost):
  intermittent models on series with many zero periods, the simple ones on short series, the others on
  the series with the largest recent sales first (they weigh most in the level's WAPE).
* ``horizon_weights``: the CV score weighs each step so that the horizons people read (daily: the next
  7, 28 and 91 days) count equally, whatever their length.
* ``select_per_series``: each series takes the configuration with the lowest CV error on its own folds,
  shrunk toward the level's best configuration (a short or noisy CV moves a series away from the
  level's choice only when the gain is clear), and never one worse than seasonal naive on its folds.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from models.candidates.local import COST, default_window
from models.series import Panel, season_lengths
from models.vocabulary import family_name

SELECTION = "per_series"
LOCAL_BUDGET = 30_000.0  # cost units per level (AutoETS on one observation = 1)
SHRINK_FOLDS = 2.0  # pseudo-folds of the level's best configuration in each series' score
INTERMITTENT_ZEROS = 0.3  # share of zero periods that makes a series intermittent
_SCORED = {"D": (7, 28, 91), "W": (4, 13), "M": (3, 12), "Q": (4, 8)}
_LOCAL_MODEL = {"ets": "AutoETS", "theta": "AutoTheta", "mstl": "MSTL", "arima": "AutoARIMA"}


def member_label(config: dict) -> str:
    """Readable name of a configuration for the mix, in the one family vocabulary
    (``Exponential smoothing``, ``Gradient boosting``; the method for ``CrostonOptimized``-like ones)."""
    family = config.get("family", "")
    if family in ("intermittent", "simple"):
        return str(config.get("model"))
    if family == "lgbm" and config.get("regressor", "lightgbm") != "lightgbm":
        return f"{family_name(family)} ({config['regressor']})"
    return family_name(family)


def horizon_weights(freq: str, horizon: int, scored: tuple[int, ...] | None = None) -> np.ndarray:
    """Per-step weights (sum = horizon) giving each scored horizon h the same say: mean of WAPE@h."""
    marks = sorted({min(int(h), horizon) for h in (scored or _SCORED[freq]) if h >= 1}) or [horizon]
    steps = np.arange(1, horizon + 1)
    w = sum((steps <= h) / h for h in marks) / len(marks)
    return w * horizon / w.sum()


def _model_cost(config: dict, freq: str, n_obs: np.ndarray) -> np.ndarray:
    """Cost units of fitting one local configuration on series with ``n_obs`` observations."""
    model = _LOCAL_MODEL.get(config["family"], config.get("model", ""))
    window = config.get("window") or default_window(freq, model)
    factor = COST.get(model, 1.0)
    if model == "MSTL" and freq == "D":
        factor *= np.where(n_obs >= 730, 6.0, 1.0)  # the yearly season's STL is the costly part
    return factor * np.minimum(n_obs, window)


def local_scopes(
    panel: Panel, configs: list[dict], budget: float | None, named: bool
) -> dict[int, np.ndarray]:
    """Rows each local configuration runs on (index into ``configs`` -> row positions).

    ``named`` (the families were chosen explicitly): every series, no budget.
    """
    m = season_lengths(panel.freq)[0]
    n_obs = panel.n_obs()
    sparse = intermittent_series(panel)
    volume = np.nansum(np.abs(panel.values[:, -min(panel.length, 2 * max(m, 26)) :]), axis=1)
    by_volume = np.argsort(-volume, kind="stable")
    left = LOCAL_BUDGET if budget is None else float(budget)
    scopes: dict[int, np.ndarray] = {}
    for ci, cfg in enumerate(configs):
        family = cfg.get("family")
        if family not in ("ets", "theta", "mstl", "arima", "intermittent", "simple"):
            continue
        has_data = n_obs >= 2
        if named:
            scopes[ci] = np.flatnonzero(has_data)
            continue
        if family == "intermittent":
            rows = np.flatnonzero(has_data & sparse)
        elif family == "simple":
            rows = np.flatnonzero(has_data & (n_obs < 2 * m))
        elif (family == "mstl") != (panel.freq == "D") and family in ("mstl", "arima"):
            rows = np.array([], dtype=int)  # MSTL for daily data; AutoARIMA's search is too slow there
        else:
            rows = by_volume[has_data[by_volume]]
        cost = _model_cost(cfg, panel.freq, n_obs[rows])
        if family in ("intermittent", "simple"):
            scopes[ci] = rows  # cheap: always run where they apply
            left -= float(cost.sum())
            continue
        fits = int(np.searchsorted(np.cumsum(cost), max(left, 0.0), side="right"))
        scopes[ci] = np.sort(rows[:fits])
        left -= float(cost[:fits].sum())
    return scopes


def _errors(
    actual: list[np.ndarray], preds: list[np.ndarray], weights: np.ndarray, power: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-series weighted |error|**power, weighted |actual|**power and folds scored (NaN: not scored)."""
    err = np.zeros(actual[0].shape[0])
    den = np.zeros_like(err)
    n = np.zeros_like(err)
    missing = np.zeros(err.shape, dtype=bool)
    p_ = power[:, None]
    for a, p in zip(actual, preds, strict=True):
        scored = ~np.isnan(a)
        has = scored.any(axis=1)
        missing |= has & (np.isnan(p) & scored).any(axis=1)
        e = np.where(scored, np.abs(np.nan_to_num(p) - np.nan_to_num(a)) ** p_, 0.0) * weights
        err += e.sum(axis=1)
        den += (np.where(scored, np.abs(np.nan_to_num(a)) ** p_, 0.0) * weights).sum(axis=1)
        n += has
    err[missing] = np.nan
    return err, den, n


def select_per_series(
    actual: list[np.ndarray],
    preds: list[list[np.ndarray]],
    weights: np.ndarray,
    intermittent: np.ndarray | None = None,
    shrink: float = SHRINK_FOLDS,
) -> tuple[np.ndarray, int]:
    """Index of the configuration serving each series, and the level's best (full-coverage) configuration.

    ``preds[c][k]``: configuration c's fold-k paths (NaN rows: not run on that series); configuration 0
    is seasonal naive. Score of c on series i: (n_i E_i(c) + s r_c E_i(best)) / (n_i + s), with n_i the
    folds scored and r_c = c's error over the level's best error on the (regular) series both ran on.
    E is the weighted absolute error relative to sum|y| (WAPE); on ``intermittent`` series it is the
    squared error relative to sum y^2, because absolute error rewards forecasting zero on sparse demand
    (the median is 0), which plans nothing: the rate forecasts of the intermittent models win there.
    """
    n_series = actual[0].shape[0]
    sparse = np.zeros(n_series, dtype=bool) if intermittent is None else np.asarray(intermittent, bool)
    power = np.where(sparse, 2.0, 1.0)
    stats = [_errors(actual, p, weights, power) for p in preds]
    err = np.vstack([e for e, _, _ in stats])  # configs x series
    den, n = stats[0][1], stats[0][2]
    full = [c for c in range(len(preds)) if np.isfinite(err[c]).all()]
    pooled = [np.nansum(err[c][~sparse]) if c in full else np.inf for c in range(len(preds))]
    best = int(np.argmin(pooled))
    score = np.full(err.shape, np.inf)
    for kind in (~sparse, sparse):  # regular and intermittent series are shrunk toward their own best
        if not kind.any():
            continue
        cover = [c for c in range(len(preds)) if np.isfinite(err[c][kind]).all()]
        anchor = min(cover, key=lambda c: np.nansum(err[c][kind])) if cover else best
        with np.errstate(all="ignore"):
            wape = err[:, kind] / den[kind][None, :]
            ratio = np.ones(len(preds))
            for c in range(len(preds)):
                both = np.isfinite(err[c][kind])
                base = np.nansum(err[anchor][kind][both])
                if both.any() and base > 0:
                    ratio[c] = np.nansum(err[c][kind][both]) / base
            nk = n[kind][None, :]
            score[:, kind] = (nk * wape + shrink * ratio[:, None] * wape[anchor][None, :]) / (nk + shrink)
    score = np.where(np.isfinite(score), score, np.inf)
    # the seasonal-naive floor, per series: only what did at least as well on the series' own folds
    floor = np.where(np.isfinite(err[0]), err[0], np.inf)
    score = np.where(err <= floor[None, :], score, np.inf)
    score[0] = np.where(np.isfinite(score[0]), score[0], 0.0)
    choice = np.argmin(score, axis=0)
    choice[~(den > 0)] = best
    return choice, best


def intermittent_series(panel: Panel) -> np.ndarray:
    """Series whose recent history (4 seasons, at least 28 steps) has many zero periods."""
    m = season_lengths(panel.freq)[0]
    recent = panel.values[:, -max(4 * m, 28) :]
    observed = ~np.isnan(recent)
    zeros = ((np.nan_to_num(recent, nan=1.0) == 0) & observed).sum(axis=1)
    return (zeros / np.maximum(observed.sum(axis=1), 1) >= INTERMITTENT_ZEROS) & (observed.sum(axis=1) >= 2)


def mix(configs: list[dict], choice: np.ndarray) -> dict[str, int]:
    """How many series each model serves, largest first (``{"Exponential smoothing": 212, …}``)."""
    counts = Counter(member_label(configs[c]) for c in choice)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def assemble(choice: np.ndarray, preds: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Per fold, each series' row from its chosen configuration."""
    rows = np.arange(len(choice))
    return [np.stack([preds[c][k] for c in range(len(preds))])[choice, rows] for k in range(len(preds[0]))]
