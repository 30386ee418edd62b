"""Combination candidate: the mean (or median) of the best configuration of the top families.

No extra fits: its backtests are combined from the members' stored backtests, and serving it refits
only its members. Own code because it is a few lines over the members' paths.
"""

from __future__ import annotations

import numpy as np

from models.evaluation import series_scale

COMBINATION = "combination"
TOP_FOR_COMBINATION = 3
# A member whose path lies further than this from the members' median (L1 distance over the path,
# relative to the median's L1 size) has broken on that series: the series takes the median instead.
DIVERGED = 0.25


def combine(parts: list[np.ndarray], config: dict) -> np.ndarray:
    """Combined paths of a combination's members, per ``method``: "guarded_mean" (each series the
    members' mean, or their median where one member diverges from it), "median" or "mean".

    Why the guarded mean for three members: the mean of ETS, Theta and ARIMA is the M4 benchmark
    combination and beat the median on the folds of 23 of the 31 real-data sets; the median is kept
    for the series where one member has broken (a refit that runs away), which the mean would follow.
    Models saved with "median" still combine by it.
    """
    method = config.get("method")
    if method == "median":
        return np.median(parts, axis=0)
    if method != "guarded_mean":
        return np.mean(parts, axis=0)
    stacked = np.asarray(parts, dtype=float)
    median = np.median(stacked, axis=0)
    distance = np.abs(stacked - median).sum(axis=-1)  # members x series (x ...): L1 over the path
    diverged = (distance > DIVERGED * np.abs(median).sum(axis=-1)).any(axis=0)
    return np.where(diverged[..., None], median, stacked.mean(axis=0))


def combination_of(configs: list[dict], overall: list[dict]) -> dict | None:
    """Combination of the best configuration of each of the top families (None when fewer than two).

    Three members combine by their guarded mean (``combine``: the M4 lesson that the mean of ETS,
    Theta and ARIMA beats each, with the median where one member breaks on a series, so a diverging
    member cannot drag the mean); two members by their mean.
    """
    best: dict[str, tuple[float, int]] = {}
    for i, (cfg, met) in enumerate(zip(configs, overall, strict=True)):
        fam, w = cfg["family"], met["wape"]
        if fam in ("seasonal_naive", COMBINATION, "per_series") or not np.isfinite(w):
            continue
        if fam not in best or w < best[fam][0]:
            best[fam] = (w, i)
    ranked = sorted(best.values())[:TOP_FOR_COMBINATION]
    if len(ranked) < 2:
        return None
    method = "guarded_mean" if len(ranked) >= 3 else "mean"
    return {"family": COMBINATION, "method": method, "members": [configs[i] for _, i in ranked]}


def ranking_errors(preds: list[list[np.ndarray]], actual: list[np.ndarray], folds: list[int]) -> np.ndarray:
    """Each configuration's error on ``folds`` as the combination ranks its members: WAPE with every
    series weighted by the square root of its volume (``evaluation.series_scale``).

    Why not pooled WAPE: pooled, each series weighs its volume, so at the store level the all-stores
    total (half the volume) ranked the members nearly alone, on the folds of one series (the bench's
    ``tourism_m``: the total's folds chose other members than the stores'; WAPE 9.98% -> 9.78%). The
    level's other decisions (the shrinkage anchor, its strength, whether the combination serves) already
    pool the series this way, for the same reason (``evaluation.series_scale``).
    """
    n_series = actual[0].shape[0]
    err = np.zeros((len(preds), n_series))
    den = np.zeros((len(preds), n_series))
    for k in folds:
        a = actual[k]
        for c, fold_preds in enumerate(preds):
            mask = ~np.isnan(a) & ~np.isnan(fold_preds[k])  # cells both observed and forecast
            err[c] += np.where(mask, np.abs(fold_preds[k] - a), 0.0).sum(axis=1)
            den[c] += np.where(mask, np.abs(a), 0.0).sum(axis=1)
    volume = np.array([np.nansum(np.abs(actual[k]), axis=1) for k in folds]).reshape(-1, n_series)
    scale = series_scale(volume)  # folds x series in, as the level's other pooled decisions
    with np.errstate(all="ignore"):
        return (err * scale).sum(axis=1) / (den * scale).sum(axis=1)


def held_out_combination(
    configs: list[dict], preds: list[list[np.ndarray]], actual: list[np.ndarray]
) -> list[np.ndarray] | None:
    """Fold paths of the combination rule with its members chosen without the fold they forecast.

    For each fold k the members are ranked by their error on the other folds (``ranking_errors``, as
    training ranks them on all folds for the combination it serves) and their fold-k paths combined.
    Why: the selection compares the combination with the per-series rule by leave-one-fold-out
    error; a combination whose members were picked on every fold, the held-out one included, would win
    that comparison on hindsight (e.g. a weekly series where one family was best by 20% on all three
    folds got the combination). None with fewer than two folds.
    """
    n_folds = len(actual)
    if n_folds < 2:
        return None
    out = []
    for k in range(n_folds):
        rest = [j for j in range(n_folds) if j != k]
        wape = ranking_errors(preds, actual, rest)
        combo = combination_of(configs, [{"wape": float(w)} for w in wape])
        if combo is None:
            return None
        members = [configs.index(m) for m in combo["members"]]
        out.append(combine([preds[i][k] for i in members], combo))
    return out
