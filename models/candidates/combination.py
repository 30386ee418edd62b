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
