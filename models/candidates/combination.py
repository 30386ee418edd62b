"""Combination candidate: the median (or mean) of the best configuration of the top families.

No extra fits: its backtests are combined from the members' stored backtests, and serving it refits
only its members. Own code because it is a few lines over the members' paths.
"""

from __future__ import annotations

import numpy as np

COMBINATION = "combination"
TOP_FOR_COMBINATION = 3


def combine(parts: list[np.ndarray], config: dict) -> np.ndarray:
    """Combined paths of a combination's members: their median (``method`` "median") or mean."""
    if config.get("method") == "median":
        return np.median(parts, axis=0)
    return np.mean(parts, axis=0)


def combination_of(configs: list[dict], overall: list[dict]) -> dict | None:
    """Combination of the best configuration of each of the top families (None when fewer than two).

    Three or more members combine by their median (robust to one member that breaks on a series: the
    M4 lesson that a combination of ETS, Theta and ARIMA beats each, without the failure mode where
    one diverging member drags the mean); two members by their mean.
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
    method = "median" if len(ranked) >= 3 else "mean"
    return {"family": COMBINATION, "method": method, "members": [configs[i] for _, i in ranked]}


def held_out_combination(
    configs: list[dict], preds: list[list[np.ndarray]], actual: list[np.ndarray]
) -> list[np.ndarray] | None:
    """Fold paths of the combination rule with its members chosen without the fold they forecast.

    For each fold k the members are ranked by their pooled WAPE on the other folds (as
    ``combination_of`` ranks them on all folds) and their fold-k paths combined. Why: the selection
    compares the combination with the per-series rule by leave-one-fold-out error; a combination whose
    members were picked on every fold, the held-out one included, would win that comparison on
    hindsight (e.g. a weekly series where one family was best by 20% on all three folds got the
    combination). None with fewer than two folds.
    """
    n_folds = len(actual)
    if n_folds < 2:
        return None
    err = np.zeros((len(configs), n_folds))
    den = np.zeros((len(configs), n_folds))
    for c, fold_preds in enumerate(preds):
        for k, (a, p) in enumerate(zip(actual, fold_preds, strict=True)):
            mask = ~np.isnan(a) & ~np.isnan(p)
            err[c, k] = np.abs(p[mask] - a[mask]).sum()
            den[c, k] = np.abs(a[mask]).sum()
    out = []
    for k in range(n_folds):
        rest = [j for j in range(n_folds) if j != k]
        with np.errstate(all="ignore"):
            wape = err[:, rest].sum(axis=1) / den[:, rest].sum(axis=1)
        combo = combination_of(configs, [{"wape": float(w)} for w in wape])
        if combo is None:
            return None
        members = [configs.index(m) for m in combo["members"]]
        out.append(combine([preds[i][k] for i in members], combo))
    return out
