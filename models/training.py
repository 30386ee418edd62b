"""Train one level: rolling-origin grid search over the candidate families, pick the winner, refit, serve.

Winner = best pooled CV WAPE; seasonal naive wins unless something beats it. A combination (mean of the
best configuration of the top families) is scored from the stored backtests at no extra fitting cost.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from data.progress import Progress
from models.candidates import (
    COMBINATION,
    FAMILIES,
    LOCAL_FIT_BUDGET,
    config_key,
    expand_grid,
    make_candidate,
)
from models.evaluation import (
    Folds,
    make_folds,
    residual_scale,
    scaled_residuals,
    score_predictions,
)
from models.fallbacks import apply_fallbacks
from models.forecaster import ForecastTables, LevelForecaster
from models.intervals import INTERVAL_LEVELS, calibrate
from models.series import (
    SHORT_DAILY_HORIZON,
    Panel,
    check_level,
    default_horizon,
    default_max_horizon,
    level_panel,
    season_lengths,
    validate_sales,
)

BASELINE = {"family": "seasonal_naive"}
_TOP_FOR_COMBINATION = 3


@dataclass(frozen=True)
class TrainingConfig:
    """Knobs of a training run (fold length and count, served horizon, grids, families, parallelism)."""

    horizon: int | None = None
    n_folds: int = 3
    max_horizon: int | None = None
    grids: dict[str, list[dict]] | None = None
    families: tuple[str, ...] | None = None
    n_jobs: int = 1
    random_state: int = 0
    fixed: dict | None = None  # score and refit only this configuration (and seasonal naive)


DEFAULT_CONFIG = TrainingConfig()


@dataclass
class TrainedLevel:
    """Everything a training run of one level produced (the registry stores it)."""

    level: str
    freq: str
    forecaster: LevelForecaster
    best_params: dict
    cv_table: pd.DataFrame
    metrics: dict
    baseline_metrics: dict
    folds: Folds
    durations: dict
    fingerprint: dict
    n_series: int


def min_train_steps(freq: str) -> int:
    """Fewest steps the oldest fold trains on (8 weeks of days, else 1.5 seasons)."""
    m = season_lengths(freq)[0]
    return 56 if freq == "D" else m + m // 2 + 1


def fold_horizon(freq: str, length: int, n_folds: int) -> int:
    """Default CV fold length for a panel of ``length`` dates.

    Daily data shortens its 13-week folds (down to 4 weeks) before giving up folds: on a short history,
    three 4-week windows say more about a model than one 13-week window.
    """
    preferred = default_horizon(freq)
    if freq != "D":
        return preferred
    room = (length - min_train_steps(freq)) // max(1, n_folds)
    return int(max(SHORT_DAILY_HORIZON, min(preferred, room)))


def candidate_configs(config: TrainingConfig, n_series: int = 0, n_folds: int = 0) -> list[dict]:
    """All configurations to score: seasonal naive first, then each family's grid.

    By default (``families=None``) a per-series family is skipped when its fits would exceed its budget.
    With ``fixed`` set, only that configuration and the baseline (refitting a MASTER's configuration).
    """
    if config.fixed is not None:
        return (
            [dict(BASELINE)]
            if config.fixed.get("family") == "seasonal_naive"
            else [dict(BASELINE), dict(config.fixed)]
        )
    families = config.families if config.families is not None else tuple(FAMILIES)
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown famil(ies) {', '.join(unknown)}; expected some of {', '.join(FAMILIES)}")
    grids = config.grids or {}
    out = [dict(BASELINE)]
    for family in families:
        if family == "seasonal_naive":
            continue
        grid = expand_grid(family, grids.get(family))
        budget = LOCAL_FIT_BUDGET.get(family)
        if config.families is None and budget is not None and n_series * (n_folds + 1) * len(grid) > budget:
            continue
        for params in grid:
            out.append({"family": family, **params})
    return out


def fit_predict(panel: Panel, config: dict, horizon: int, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """Fit one configuration on the panel, forecast ``horizon`` steps, apply fallbacks (paths, labels)."""
    if config.get("family") == COMBINATION:
        parts = [fit_predict(panel, member, horizon, random_state) for member in config["members"]]
        # Members already carry their fallbacks; averaging keeps them (re-applying would blend twice).
        return np.mean([p for p, _ in parts], axis=0), parts[0][1]
    model = make_candidate(config, random_state).fit(panel, horizon)
    return apply_fallbacks(panel, model.predict())


def _threads(n_jobs: int) -> int:
    """BLAS/OpenMP threads per worker: the cores shared among joblib workers (nested threads contend)."""
    cores = os.cpu_count() or 1
    workers = cores if n_jobs < 0 else max(1, n_jobs)
    return max(1, cores // workers)


def _fold_predict(
    panel: Panel, config: dict, pos: int, horizon: int, random_state: int, threads: int = 1
) -> np.ndarray:
    """Out-of-sample predictions of one fold (NaN rows for series that had not started by the cutoff)."""
    train = panel.truncate(pos)
    with threadpool_limits(threads):
        paths, _ = fit_predict(train, config, horizon, random_state)
    paths[train.n_obs() == 0] = np.nan
    return paths


def _cv_rows(config: dict, folds: Folds, per_fold: list[dict], overall: dict) -> list[dict]:
    """CV table rows of one configuration (one per fold and one "all")."""
    family = config["family"]
    params = config_key({k: v for k, v in config.items() if k != "family"})
    rows = [
        {"family": family, "params": params, "fold": k, "cutoff": folds.cutoffs[k], **m}
        for k, m in enumerate(per_fold)
    ]
    rows.append({"family": family, "params": params, "fold": "all", "cutoff": pd.NaT, **overall})
    return rows


def _combination(configs: list[dict], overall: list[dict]) -> dict | None:
    """Mean of the best configuration of each of the top families (None when fewer than two)."""
    best: dict[str, tuple[float, int]] = {}
    for i, (cfg, met) in enumerate(zip(configs, overall, strict=True)):
        fam, w = cfg["family"], met["wape"]
        if fam in ("seasonal_naive", COMBINATION) or not np.isfinite(w):
            continue
        if fam not in best or w < best[fam][0]:
            best[fam] = (w, i)
    ranked = sorted(best.values())[:_TOP_FOR_COMBINATION]
    if len(ranked) < 2:
        return None
    return {"family": COMBINATION, "method": "mean", "members": [configs[i] for _, i in ranked]}


def fingerprint(sales: pd.DataFrame, freq: str, n_series: int) -> dict:
    """Rows, series, date range and a sha256 of the sorted sales used (detects changed data)."""
    clean = validate_sales(sales, freq).sort_values(["date", "store", "product", "category"], kind="stable")
    digest = hashlib.sha256(pd.util.hash_pandas_object(clean, index=False).to_numpy().tobytes()).hexdigest()
    return {
        "rows": len(clean),
        "series": n_series,
        "date_min": clean["date"].min().date().isoformat(),
        "date_max": clean["date"].max().date().isoformat(),
        "sha256": digest,
    }


def _run_cv(
    panel: Panel,
    configs: list[dict],
    positions: list[int],
    horizon: int,
    config: TrainingConfig,
    report: Callable[[str], None],
) -> list[list[np.ndarray]]:
    """Backtest predictions per configuration and fold (parallel over configuration x fold)."""
    tasks = [(ci, k) for ci in range(len(configs)) for k in range(len(positions))]
    threads = _threads(config.n_jobs)
    jobs = (
        delayed(_fold_predict)(panel, configs[ci], positions[k], horizon, config.random_state, threads)
        for ci, k in tasks
    )
    preds: list[list[np.ndarray]] = [[None] * len(positions) for _ in configs]  # type: ignore[list-item]
    results = Parallel(n_jobs=config.n_jobs, return_as="generator")(jobs)
    for (ci, k), result in zip(tasks, results, strict=True):
        preds[ci][k] = result
        report(f"CV {configs[ci]['family']} fold {k + 1}/{len(positions)}")
    return preds


def _score_all(
    panel: Panel, configs: list[dict], preds: list[list[np.ndarray]], folds: Folds, positions: list[int]
) -> tuple[list[dict], pd.DataFrame]:
    """Overall metrics per configuration and the CV table (adds the combination when it applies)."""
    m = season_lengths(panel.freq)[0]
    rows, overall = [], []
    for cfg, fold_preds in zip(configs, preds, strict=True):
        per_fold, total = score_predictions(panel.values, positions, folds.horizon, fold_preds, m)
        rows += _cv_rows(cfg, folds, per_fold, total)
        overall.append(total)
    combo = _combination(configs, overall)
    if combo is not None:
        members = [configs.index(mem) for mem in combo["members"]]
        combo_preds = [np.mean([preds[i][k] for i in members], axis=0) for k in range(len(positions))]
        per_fold, total = score_predictions(panel.values, positions, folds.horizon, combo_preds, m)
        rows += _cv_rows(combo, folds, per_fold, total)
        configs.append(combo)
        preds.append(combo_preds)
        overall.append(total)
    return overall, pd.DataFrame(rows)


def train_level(
    sales: pd.DataFrame,
    level: str,
    *,
    freq: str,
    config: TrainingConfig = DEFAULT_CONFIG,
    progress: Progress | None = None,
) -> TrainedLevel:
    """Grid-search all families by rolling-origin CV, pick the winner, refit it on all data and serve it."""
    check_level(level)
    t0 = time.perf_counter()
    panel = level_panel(sales, level, freq)
    horizon = config.horizon or fold_horizon(freq, len(panel.dates), config.n_folds)
    max_horizon = config.max_horizon or default_max_horizon(freq)
    if max_horizon < 1:
        raise ValueError(f"max_horizon must be >= 1, got {max_horizon}")
    folds = make_folds(panel.dates, freq, horizon, config.n_folds, min_train_steps(freq))
    positions = folds.positions(panel.dates)
    configs = candidate_configs(config, panel.n_series, len(positions))
    t_features = time.perf_counter() - t0

    total = len(configs) * len(positions) + 1
    step = [0]

    def report(label: str) -> None:
        step[0] += 1
        if progress is not None:
            progress(step[0], total, f"{level}: {label}")

    preds = _run_cv(panel, configs, positions, folds.horizon, config, report)
    overall, cv_table = _score_all(panel, configs, preds, folds, positions)
    t_cv = time.perf_counter() - t0 - t_features

    baseline = overall[0]
    win = int(np.nanargmin([o["wape"] if np.isfinite(o["wape"]) else np.inf for o in overall]))
    if not overall[win]["wape"] < baseline["wape"]:
        win = 0
    best = configs[win]
    t1 = time.perf_counter()
    with threadpool_limits(_threads(1)):
        paths, labels = fit_predict(panel, best, max_horizon, config.random_state)
    report(f"refit {best['family']}")
    forecaster = _build_forecaster(
        panel, level, best, overall[win], preds[win], positions, folds, paths, labels
    )
    t_refit = time.perf_counter() - t1
    durations = {
        "features": round(t_features, 3),
        "cv": round(t_cv, 3),
        "refit": round(t_refit, 3),
        "total": round(time.perf_counter() - t0, 3),
    }
    return TrainedLevel(
        level=level,
        freq=freq,
        forecaster=forecaster,
        best_params=json.loads(config_key(best)),
        cv_table=cv_table,
        metrics=dict(overall[win]),
        baseline_metrics=dict(baseline),
        folds=folds,
        durations=durations,
        fingerprint=fingerprint(sales, freq, panel.n_series),
        n_series=panel.n_series,
    )


def _build_forecaster(
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
    cal = calibrate(scaled_residuals(panel.values, positions, folds.horizon, fold_preds, m)).extended(
        max_horizon
    )
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


def rescore(
    best_params: dict,
    sales: pd.DataFrame,
    level: str,
    *,
    freq: str,
    folds: Folds,
    config: TrainingConfig = DEFAULT_CONFIG,
) -> dict:
    """Overall CV metrics of one configuration on exactly ``folds`` (for the MASTER-vs-candidate rule)."""
    check_level(level)
    if "family" not in best_params:
        raise ValueError("best_params lacks 'family'")
    panel = level_panel(sales, level, freq)
    positions = folds.positions(panel.dates)
    preds = [
        _fold_predict(panel, dict(best_params), p, folds.horizon, config.random_state) for p in positions
    ]
    _, overall = score_predictions(panel.values, positions, folds.horizon, preds, season_lengths(freq)[0])
    return overall
