"""Train one level: rolling-origin grid search over the candidate families, pick the winner, refit, serve.

Each series gets a configuration by ``models.selection``; the combination candidate (median of the top
families' best configurations, ``models.candidates.combination``) costs no extra fits. The per-series
work runs on a ``models.compute`` backend (joblib here, or a Dask cluster).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.progress import Progress
from models.assembly import build_forecaster
from models.backtest import backtest, cross_validate, fit_predict, task_count
from models.candidates import (
    COMBINATION,
    FAMILIES,
    config_key,
    expand_grid,
    make_candidate,
)
from models.candidates.combination import combination_of, combine, held_out_combination, ranking_errors
from models.compute import CONNECT_SECONDS, Compute, compute_backend, release_memory
from models.evaluation import Folds, fold_truth, make_folds, score_predictions
from models.forecaster import LevelForecaster
from models.selection import (
    SELECTION,
    assemble,
    clearly_worse,
    horizon_weights,
    intermittent_series,
    local_scopes,
    mix,
    select_per_series,
)
from models.series import (
    SHORT_DAILY_HORIZON,
    Panel,
    Sales,
    check_level,
    default_horizon,
    default_max_horizon,
    sales_fingerprint,
    sales_panel,
    season_lengths,
)

BASELINE = {"family": "seasonal_naive"}


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
    holidays: str = "BR"  # country[-subdivision] of the holidays package, or "none"
    local_budget: float | None = None  # cost units of local fits per level (None: selection.LOCAL_BUDGETS)
    scored_horizons: tuple[int, ...] | None = None  # horizons the selection scores (None: per frequency)
    dask_address: str | None = None  # run the per-series work on this Dask cluster (None: joblib here)
    dask_connect_seconds: float = CONNECT_SECONDS  # how long to wait for that cluster's scheduler
    events: tuple[tuple[pd.Timestamp, str | None], ...] = ()  # (date, store or None): model features


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


DEFAULT_FAMILIES = (
    "seasonal_naive",
    "lgbm",
    "ets",
    "theta",
    "mstl",
    "arima",
    "intermittent",
    "simple",
)


def candidate_configs(config: TrainingConfig) -> list[dict]:
    """All configurations to score: seasonal naive first, then each family's grid.

    With ``fixed`` set, only that configuration and the baseline (refitting a MASTER's configuration).
    Which series a local family runs on is decided per level by ``selection.local_scopes``.
    """
    if config.fixed is not None:
        return (
            [dict(BASELINE)]
            if config.fixed.get("family") == "seasonal_naive"
            else [dict(BASELINE), dict(config.fixed)]
        )
    families = config.families if config.families is not None else DEFAULT_FAMILIES
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown famil(ies) {', '.join(unknown)}; expected some of {', '.join(FAMILIES)}")
    grids = config.grids or {}
    out = [dict(BASELINE)]
    for family in families:
        if family == "seasonal_naive":
            continue
        for params in expand_grid(family, grids.get(family)):
            out.append({"family": family, **params})
    return out


def _cv_rows(config: dict, folds: Folds, per_fold: list[dict], overall: dict, n_series: int) -> list[dict]:
    """CV table rows of one configuration (one per fold and one "all")."""
    family = config["family"]
    params = config_key({k: v for k, v in config.items() if k != "family"})
    rows = [
        {"family": family, "params": params, "fold": k, "cutoff": folds.cutoffs[k], "n_series": n_series, **m}
        for k, m in enumerate(per_fold)
    ]
    rows.append(
        {"family": family, "params": params, "fold": "all", "cutoff": pd.NaT, "n_series": n_series, **overall}
    )
    return rows


def _score_all(
    panel: Panel, configs: list[dict], preds: list[Sequence[np.ndarray]], folds: Folds, positions: list[int]
) -> tuple[list[dict], pd.DataFrame]:
    """Overall metrics per configuration and the CV table (adds the combination when it applies).

    Configurations run on a subset of the series (local families under the budget) are scored on
    that subset; their rows say so in ``n_series``.
    """
    m = season_lengths(panel.freq)[0]
    rows, overall = [], []
    for cfg, fold_preds in zip(configs, preds, strict=True):
        per_fold, total = score_predictions(panel.values, positions, folds.horizon, fold_preds, m)
        rows += _cv_rows(cfg, folds, per_fold, total, _n_scored(fold_preds))
        overall.append(total)
    full = [i for i, p in enumerate(preds) if _n_scored(p) == _n_scored(preds[0])]
    actual = [fold_truth(panel.values, pos, folds.horizon) for pos in positions]
    ranking = ranking_errors([preds[i] for i in full], actual, list(range(len(positions))))
    combo = combination_of([configs[i] for i in full], [{"wape": float(w)} for w in ranking])
    if combo is not None:
        members = [configs.index(mem) for mem in combo["members"]]
        combo_preds = [combine([preds[i][k] for i in members], combo) for k in range(len(positions))]
        per_fold, total = score_predictions(panel.values, positions, folds.horizon, combo_preds, m)
        rows += _cv_rows(combo, folds, per_fold, total, _n_scored(combo_preds))
        configs.append(combo)
        preds.append(combo_preds)
        overall.append(total)
    return overall, pd.DataFrame(rows)


def _n_scored(fold_preds: list[np.ndarray]) -> int:
    """Series with a prediction in at least one fold."""
    return int(np.any([np.isfinite(p).any(axis=1) for p in fold_preds], axis=0).sum())


def _select(
    panel: Panel,
    configs: list[dict],
    preds: list[Sequence[np.ndarray]],
    folds: Folds,
    positions: list[int],
    config: TrainingConfig,
) -> tuple[dict, list[np.ndarray]]:
    """The per-series selection as one configuration (or the single configuration every series chose)."""
    scored = config.scored_horizons or ((config.horizon,) if config.horizon else None)
    weights = horizon_weights(panel.freq, folds.horizon, scored)
    actual = [fold_truth(panel.values, pos, folds.horizon) for pos in positions]
    combo = next((i for i, c in enumerate(configs) if c.get("family") == COMBINATION), None)
    held_out = None
    if combo is not None:
        full = [
            i
            for i, c in enumerate(configs)
            if c.get("family") != COMBINATION and _n_scored(preds[i]) == _n_scored(preds[0])
        ]
        held_out = held_out_combination([configs[i] for i in full], [preds[i] for i in full], actual)
    choice, best = select_per_series(
        actual,
        preds,
        weights,
        intermittent_series(panel),
        combination=combo,
        combination_held_out=held_out,
    )
    used = sorted(set(int(c) for c in choice))
    if len(used) == 1:
        return configs[used[0]], list(preds[used[0]])  # dense folds (a scoped one's expanded)
    if best not in used:
        used.append(best)
    selection = {
        "family": SELECTION,
        "members": [configs[c] for c in used],
        "default": used.index(best),
        "mix": mix(configs, choice),
        "assignment": {sid: used.index(int(c)) for sid, c in zip(panel.ids, choice, strict=True)},
    }
    return selection, assemble(choice, preds)


def train_level(
    sales: Sales,
    level: str,
    *,
    freq: str,
    config: TrainingConfig = DEFAULT_CONFIG,
    progress: Progress | None = None,
) -> TrainedLevel:
    """Score the candidates by rolling-origin CV, choose a configuration per series, refit and serve.

    ``sales`` is a frame or a partitioned source (``models.partitions``); the per-series work runs on
    the backend of ``config`` (joblib here, or the Dask cluster at ``config.dask_address``).
    """
    check_level(level)
    with compute_backend(config.n_jobs, config.dask_address, config.dask_connect_seconds) as compute:
        return _train_level(sales, level, freq, config, progress, compute)


def _train_level(
    sales: Sales,
    level: str,
    freq: str,
    config: TrainingConfig,
    progress: Progress | None,
    compute: Compute,
) -> TrainedLevel:
    t0 = time.perf_counter()
    panel = sales_panel(sales, level, freq, config.holidays, config.events)
    horizon = config.horizon or fold_horizon(freq, len(panel.dates), config.n_folds)
    max_horizon = config.max_horizon or default_max_horizon(freq)
    if max_horizon < 1:
        raise ValueError(f"max_horizon must be >= 1, got {max_horizon}")
    folds = make_folds(panel.dates, freq, horizon, config.n_folds, min_train_steps(freq))
    positions = folds.positions(panel.dates)
    configs = candidate_configs(config)
    for cfg in configs:  # bad parameters fail here, before any fitting
        make_candidate(cfg, config.random_state) if cfg.get("family") != SELECTION else None
    scopes = (
        {}
        if config.fixed is not None
        else local_scopes(panel, configs, config.local_budget, config.families is not None, positions)
    )
    t_features = time.perf_counter() - t0

    tasks = (
        len(configs)
        if config.fixed is not None
        else task_count(panel, configs, scopes, len(positions), config, compute.workers)
    )
    total = tasks + 1
    step = [0]

    def report(label: str) -> None:
        step[0] += 1
        if progress is not None:
            progress(step[0], total, f"{level}: {label}")

    if config.fixed is None:
        preds = cross_validate(panel, configs, scopes, positions, folds, config, report, compute)
    else:
        preds = []
        for cfg in configs:
            preds.append(backtest(panel, cfg, positions, folds.horizon, config.random_state, None, compute))
            report(f"CV {cfg['family']}")
    release_memory()  # the fits' freed heap, before scoring's temporaries
    overall, cv_table = _score_all(panel, configs, preds, folds, positions)
    baseline = overall[0]
    m = season_lengths(freq)[0]
    if config.fixed is None:
        best, best_preds = _select(panel, configs, preds, folds, positions, config)
        _, best_metrics = score_predictions(panel.values, positions, folds.horizon, best_preds, m)
        if best.get("family") == SELECTION:
            per_fold, _ = score_predictions(panel.values, positions, folds.horizon, best_preds, m)
            cv_table = pd.concat(
                [cv_table, pd.DataFrame(_cv_rows(best, folds, per_fold, best_metrics, panel.n_series))],
                ignore_index=True,
            )
        actual = [fold_truth(panel.values, pos, folds.horizon) for pos in positions]
        if not best_metrics["wape"] <= baseline["wape"] and clearly_worse(actual, best_preds, preds[0]):
            best, best_preds, best_metrics = configs[0], preds[0], baseline  # the level's floor
    else:
        win = int(np.nanargmin([o["wape"] if np.isfinite(o["wape"]) else np.inf for o in overall]))
        if not overall[win]["wape"] < baseline["wape"]:
            win = 0
        best, best_preds, best_metrics = configs[win], preds[win], overall[win]
    t_cv = time.perf_counter() - t0 - t_features
    # Every candidate's back-test (configurations × folds × series × horizon × 8 bytes: ~0.5 GB at 37,550
    # series, 13 configurations, 42-day folds) is done with: freed before the refit's fit, not under it.
    del preds, overall
    release_memory()

    t1 = time.perf_counter()
    paths, labels = fit_predict(panel, best, max_horizon, config.random_state, compute)
    report(f"refit {best['family']}")
    forecaster = build_forecaster(
        panel, level, best, best_metrics, best_preds, positions, folds, paths, labels
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
        metrics=dict(best_metrics),
        baseline_metrics=dict(baseline),
        folds=folds,
        durations=durations,
        fingerprint=sales_fingerprint(sales, freq, panel.n_series),
        n_series=panel.n_series,
    )


def rescore(
    best_params: dict,
    sales: Sales,
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
    panel = sales_panel(sales, level, freq, config.holidays, config.events)
    positions = folds.positions(panel.dates)
    with compute_backend(config.n_jobs, config.dask_address, config.dask_connect_seconds) as compute:
        preds = backtest(
            panel, dict(best_params), positions, folds.horizon, config.random_state, None, compute
        )
    _, overall = score_predictions(panel.values, positions, folds.horizon, preds, season_lengths(freq)[0])
    return overall
