"""Backtests of candidate configurations: the rolling-origin CV that training runs, fold by fold.

``cross_validate`` drives every configuration over the folds on one dense panel; ``local_backtest`` is
the task that fits one batch of series with a local (statsforecast) configuration over every fold;
every task runs on a ``models.compute`` backend (joblib here, or a Dask cluster). Global configurations
that can (LightGBM) fit once at the first cutoff and forecast from each later one; the others fit at
every cutoff. Every path passes
through the fallbacks, and a model only ever sees the panel truncated at its cutoff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

from models.candidates import COMBINATION, FAMILIES, LOCAL_FAMILIES, make_candidate
from models.candidates.combination import combine
from models.compute import Compute, LocalCompute
from models.evaluation import Folds, fold_truth
from models.fallbacks import Fallbacks, apply_fallbacks
from models.scoped import ScopedFolds, merge_folds
from models.selection import SELECTION, horizon_weights, pays_off, screen_split
from models.series import Panel

if TYPE_CHECKING:
    from models.training import TrainingConfig


def raw_predict(
    panel: Panel,
    config: dict,
    horizon: int,
    random_state: int,
    rows: np.ndarray,
    compute: Compute | None = None,
) -> np.ndarray:
    """Paths of ``config`` for the series at ``rows`` (before fallbacks).

    Local families fit only those series; global ones fit on every series of the panel (their training
    set) and return the rows asked for. A per-series selection runs each member on its own series.
    With ``compute``, local fits run as chunks of series and global fits as one task on that backend.
    """
    family = config.get("family")
    if family == COMBINATION:
        parts = [raw_predict(panel, m, horizon, random_state, rows, compute) for m in config["members"]]
        return combine(parts, config)
    if family == SELECTION:
        members = config["members"]
        assignment = config.get("assignment", {})
        default = int(config.get("default", 0))
        pick = np.array([int(assignment.get(panel.ids[i], default)) for i in rows], dtype=int)
        out = np.full((len(rows), horizon), np.nan)
        for j, member in enumerate(members):
            mine = np.flatnonzero(pick == j)
            if len(mine):
                out[mine] = raw_predict(panel, member, horizon, random_state, rows[mine], compute)
        return out
    if len(rows) == 0:
        return np.full((0, horizon), np.nan)
    if compute is None:
        if family in LOCAL_FAMILIES:
            return fit_paths(panel.take(rows), config, horizon, random_state)
        return fit_paths(panel, config, horizon, random_state)[rows]
    if family in LOCAL_FAMILIES:
        calls = [
            (fit_paths, (panel.take(chunk), config, horizon, random_state, compute.threads))
            for chunk in chunks(rows, compute.workers)
        ]
        return np.vstack(list(compute.run(calls)))
    (paths,) = compute.run([(fit_paths, (panel, config, horizon, random_state, compute.threads))])
    return paths[rows]


def fit_paths(
    panel: Panel, config: dict, horizon: int, random_state: int, threads: int | None = None
) -> np.ndarray:
    """Fit one (non-composite) configuration on the panel and return its raw paths (a compute task)."""
    with threadpool_limits(threads) if threads else nullcontext():
        return make_candidate(config, random_state).fit(panel, horizon).predict()


def chunks(rows: np.ndarray, workers: int) -> list[np.ndarray]:
    """``rows`` split into up to two chunks per worker (enough to balance uneven series)."""
    return [c for c in np.array_split(rows, min(len(rows), 2 * workers)) if len(c)] if len(rows) else []


def fit_predict(
    panel: Panel, config: dict, horizon: int, random_state: int, compute: Compute | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Fit one configuration on the panel, forecast ``horizon`` steps, apply fallbacks (paths, labels).

    ``compute`` spreads the fits over a backend (``models.compute``); None fits here, sequentially.
    """
    rows = np.arange(panel.n_series)
    return apply_fallbacks(panel, raw_predict(panel, config, horizon, random_state, rows, compute))


def fold_predict(
    panel: Panel, config: dict, pos: int, horizon: int, random_state: int, threads: int = 1
) -> np.ndarray:
    """Out-of-sample predictions of one fold (NaN rows for series that had not started by the cutoff)."""
    train = panel.truncate(pos)
    with threadpool_limits(threads):
        paths, _ = fit_predict(train, config, horizon, random_state)
    paths[train.n_obs() == 0] = np.nan
    return paths


def local_backtest(
    panel: Panel, config: dict, positions: list[int], horizon: int, random_state: int, threads: int = 1
) -> list[np.ndarray]:
    """Raw fold paths of a local configuration on the panel's series (statsforecast fit + forward)."""
    with threadpool_limits(threads):
        return make_candidate(config, random_state).backtest(panel, positions, horizon)


def refit_free(config: dict) -> bool:
    """Whether a global configuration backtests by fitting once and forecasting from every cutoff."""
    family = config.get("family")
    return family not in LOCAL_FAMILIES and hasattr(FAMILIES.get(family), "backtest")


def global_backtest(
    panel: Panel, config: dict, positions: list[int], horizon: int, random_state: int, threads: int = 1
) -> list[np.ndarray]:
    """Fold paths of a global configuration fitted once at the first cutoff (fallbacks applied)."""
    with threadpool_limits(threads):
        raw = make_candidate(config, random_state).backtest(panel, positions, horizon)
    return scoped_folds(panel, np.arange(panel.n_series), raw, positions)


def backtest(
    panel: Panel,
    config: dict,
    positions: list[int],
    horizon: int,
    random_state: int,
    rows: np.ndarray | None = None,
    compute: Compute | None = None,
) -> list[np.ndarray]:
    """Fold paths of one configuration exactly as the CV computes them (NaN off ``rows``).

    Local families fit at the first cutoff and roll forward; a per-series selection backtests each
    member on its own series; a combination averages its members. Used to re-score a configuration.
    ``compute`` runs the fits on a backend (chunks of series, one task per global fold).
    """
    compute = compute or LocalCompute(1)
    rows = np.arange(panel.n_series) if rows is None else np.asarray(rows, dtype=int)
    family = config.get("family")
    if family == SELECTION:
        default = int(config.get("default", 0))
        pick = np.array([int(config["assignment"].get(sid, default)) for sid in panel.ids])
        out = [np.full((panel.n_series, horizon), np.nan) for _ in positions]
        for j, member in enumerate(config["members"]):
            mine = np.intersect1d(np.flatnonzero(pick == j), rows)
            if len(mine):
                parts = backtest(panel, member, positions, horizon, random_state, mine, compute)
                for k, part in enumerate(parts):
                    out[k][mine] = part[mine]
        return out
    if family == COMBINATION:
        parts = [
            backtest(panel, m, positions, horizon, random_state, rows, compute) for m in config["members"]
        ]
        return [combine([p[k] for p in parts], config) for k in range(len(positions))]
    threads = compute.threads
    if family in LOCAL_FAMILIES:
        calls = [
            (local_backtest, (panel.take(c), config, positions, horizon, random_state, threads))
            for c in chunks(rows, compute.workers)
        ]
        results = list(compute.run(calls)) or [[np.full((0, horizon), np.nan) for _ in positions]]
        raw = [np.vstack([r[k] for r in results]) for k in range(len(positions))]
        return scoped_folds(panel, rows, raw, positions)
    if refit_free(config):
        return global_backtest(panel, config, positions, horizon, random_state, threads)
    calls = [(fold_predict, (panel, config, pos, horizon, random_state, threads)) for pos in positions]
    return list(compute.run(calls))


def scoped_folds(
    panel: Panel,
    rows: np.ndarray,
    raw: list[np.ndarray],
    positions: list[int],
    fallbacks: list[Fallbacks] | None = None,
    compact: bool = False,
) -> list[np.ndarray]:
    """Fold paths of a local configuration over the whole panel: fallbacks applied, NaN off its rows.

    ``fallbacks``: each cutoff's ``Fallbacks`` when the caller has them (one per cutoff for every
    configuration of a CV run); built here otherwise. ``compact``: a ``ScopedFolds`` (the same dense
    arrays when read, only ``rows`` held), built fold by fold.
    """
    out = []
    outside = np.ones(panel.n_series, dtype=bool)
    outside[rows] = False
    plans = fallbacks or [Fallbacks(panel.truncate(pos)) for pos in positions]
    for plan, part in zip(plans, raw, strict=True):
        full = np.full((panel.n_series, part.shape[1]), np.nan)
        full[rows] = part
        paths, _ = plan.apply(full)
        del full
        paths[outside | (plan.n_obs == 0)] = np.nan
        out.append(paths[rows] if compact else paths)
    return ScopedFolds(panel.n_series, rows, out) if compact else out


def run_cv(
    panel: Panel,
    configs: list[dict],
    scopes: dict[int, np.ndarray],
    positions: list[int],
    horizon: int,
    config: TrainingConfig,
    report: Callable[[str], None],
    compute: Compute,
    only_scoped: bool = False,
) -> list[Sequence[np.ndarray]]:
    """Backtest predictions per configuration and fold (``only_scoped``: the local ones in ``scopes``).

    Global configurations: one task (fit once) or one per fold. Local ones: one task per chunk of their
    series, covering every fold (``local_backtest``, a batch of series). Tasks run on ``compute``
    (joblib here, or a Dask cluster).
    """
    threads = compute.threads
    seed = config.random_state
    tasks: list[tuple[int, object]] = []
    calls = []
    for ci, cfg in enumerate(configs):
        if ci in scopes:
            for chunk in chunks(scopes[ci], compute.workers):
                tasks.append((ci, chunk))
                calls.append((local_backtest, (panel.take(chunk), cfg, positions, horizon, seed, threads)))
        elif only_scoped:
            continue
        elif refit_free(cfg):
            tasks.append((ci, None))
            calls.append((global_backtest, (panel, cfg, positions, horizon, seed, threads)))
        else:
            for k, pos in enumerate(positions):
                tasks.append((ci, k))
                calls.append((fold_predict, (panel, cfg, pos, horizon, seed, threads)))
    preds: list[Sequence[np.ndarray]] = [[None] * len(positions) for _ in configs]  # type: ignore[list-item]
    # A local configuration's raw paths for its own rows only (chunks are consecutive runs of them).
    raw: dict[int, list[np.ndarray]] = {
        ci: [np.full((len(rows), horizon), np.nan) for _ in positions] for ci, rows in scopes.items()
    }
    filled = dict.fromkeys(scopes, 0)
    for (ci, key), result in zip(tasks, compute.run(calls), strict=True):
        if ci in scopes:
            start = filled[ci]
            for k, part in enumerate(result):
                raw[ci][k][start : start + len(key)] = part
            filled[ci] = start + len(key)
            report(f"CV {configs[ci]['family']} ({len(key)} series)")
        elif key is None:
            preds[ci] = result
            report(f"CV {configs[ci]['family']} (fitted once, {len(positions)} folds)")
        else:
            preds[ci][key] = result
            report(f"CV {configs[ci]['family']} fold {key + 1}/{len(positions)}")
    plans = [Fallbacks(panel.truncate(pos)) for pos in positions] if scopes else None
    for ci, rows in scopes.items():  # kept for their rows only (``ScopedFolds``), read as dense folds
        preds[ci] = scoped_folds(panel, rows, raw.pop(ci), positions, plans, compact=True)
    return preds


# A screened family whose error on the largest part of its sample (``screen_split`` applied to the
# sample itself: its SCREEN_MIN largest series) is this far above the best full configuration's stops
# there; closer, the rest of the sample runs and decides as before (``pays_off``'s 2% margin).
EARLY_STOP = 1.10


def _screening_stages(
    panel: Panel, configs: list[dict], scopes: dict[int, np.ndarray], named: bool
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Rows of the first pass, the rest of each screening sample, and the rows left after the samples."""
    if named:  # families named explicitly run on every series, unscreened
        return scopes, {}, {}
    first, rest = screen_split(panel, configs, scopes)
    head, tail = screen_split(panel, configs, {ci: first[ci] for ci in rest}, whole=False)
    return {**first, **head}, tail, rest


def _merge(preds: list[Sequence[np.ndarray]], more: list[Sequence[np.ndarray]], cis: Iterable[int]) -> None:
    """Fill configuration ``ci``'s NaN fold paths in ``preds`` from ``more`` (a pass on other rows)."""
    for ci in cis:
        preds[ci] = merge_folds(preds[ci], more[ci])


def cross_validate(
    panel: Panel,
    configs: list[dict],
    scopes: dict[int, np.ndarray],
    positions: list[int],
    folds: Folds,
    config: TrainingConfig,
    report: Callable[[str], None],
    compute: Compute | None = None,
) -> list[Sequence[np.ndarray]]:
    """CV in passes: expensive local families first on a sample of their series, on the rest only where
    the sample shows they can pay for themselves (``selection.screen_split``, ``pays_off``).

    The sample itself runs in two parts, largest series first: a family clearly worse there than the
    best configuration that covers every series (``EARLY_STOP``) stops before the rest of its sample
    (on the demo's product level AutoETS had 1.16x LightGBM's error on its 8 largest series, 1.19x on the
    whole 17-series sample: 9 of its 17 fits saved, and the same decision).
    """
    compute = compute or LocalCompute(config.n_jobs)
    first, tail, rest = _screening_stages(panel, configs, scopes, config.families is not None)
    preds = run_cv(panel, configs, first, positions, folds.horizon, config, report, compute)
    if not rest:
        return preds
    scored = config.scored_horizons or ((config.horizon,) if config.horizon else None)
    weights = horizon_weights(panel.freq, folds.horizon, scored)
    actual = [fold_truth(panel.values, pos, folds.horizon) for pos in positions]
    full = [c for c in range(len(configs)) if c not in scopes]
    go_on = {
        ci: rows for ci, rows in tail.items() if pays_off(actual, preds, weights, ci, full, margin=EARLY_STOP)
    }

    def run_on(more: dict[int, np.ndarray]) -> None:  # CV of these configurations on these rows, merged in
        if more:
            found = run_cv(
                panel, configs, more, positions, folds.horizon, config, report, compute, only_scoped=True
            )
            _merge(preds, found, more)

    run_on(go_on)
    run_on(
        {
            ci: rows
            for ci, rows in rest.items()
            if (ci in go_on or ci not in tail) and pays_off(actual, preds, weights, ci, full)
        }
    )
    return preds


def task_count(
    panel: Panel,
    configs: list[dict],
    scopes: dict[int, np.ndarray],
    n_folds: int,
    config: TrainingConfig,
    workers: int,
) -> int:
    """Most CV tasks ``cross_validate`` reports (for the progress total; screened-out rows report none)."""
    first, tail, rest = _screening_stages(panel, configs, scopes, config.families is not None)
    total = sum(len(chunks(rows, workers)) for part in (tail, rest) for rows in part.values())
    for ci in range(len(configs)):
        if ci in first:
            total += len(chunks(first[ci], workers))
        else:
            total += 1 if refit_free(configs[ci]) else n_folds
    return total
