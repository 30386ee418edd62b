"""Screening of the expensive local families in the CV (real statsforecast fits on small panels).

A screened family runs first on the largest series of its sample; clearly worse there than the best
configuration covering every series, it stops before the rest of its sample; otherwise the whole sample
decides, as before, whether it runs on the remaining series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.backtest import EARLY_STOP, cross_validate, task_count
from models.evaluation import make_folds
from models.series import Panel
from models.training import TrainingConfig

CONFIGS = [{"family": "seasonal_naive"}, {"family": "ets"}]


def _panel(kind: str, n: int = 50) -> Panel:
    """n daily series, the largest first: exact weekly cycles ("weekly") or random walks ("walk")."""
    rng = np.random.default_rng(4)
    dates = pd.date_range("2024-01-01", periods=150, freq="D")
    size = np.linspace(400, 100, n)[:, None]
    if kind == "weekly":
        cycle = rng.uniform(0.5, 1.5, 7)  # one shape for all: the volumes keep the size order
        values = size * cycle[np.arange(len(dates)) % 7][None, :]
    else:
        values = size + np.cumsum(rng.normal(0, 10, (n, len(dates))), axis=1)
    return Panel(tuple(f"s{i}" for i in range(n)), dates, values, "D", "D")


def _run(panel: Panel) -> tuple[np.ndarray, int, int]:
    """Series ETS was back-tested on, the CV tasks reported and the progress total announced."""
    folds = make_folds(panel.dates, "D", 14, 2, 56)
    positions = folds.positions(panel.dates)
    scopes = {1: np.arange(panel.n_series)}
    reported: list[str] = []
    config = TrainingConfig()
    preds = cross_validate(panel, CONFIGS, scopes, positions, folds, config, reported.append)
    total = task_count(panel, CONFIGS, scopes, len(positions), config, workers=1)
    ran = np.flatnonzero(np.isfinite(preds[1][0]).all(axis=1))
    return ran, len(reported), total


def test_a_family_clearly_worse_on_its_largest_series_stops_there() -> None:
    ran, reported, total = _run(_panel("weekly"))  # seasonal naive is exact: ETS cannot be within 10%
    assert EARLY_STOP > 1.02
    assert ran.tolist() == list(range(8))  # the 8 largest of its 10-series sample, nothing more
    assert reported <= total


def test_a_family_that_pays_on_its_sample_runs_on_every_series() -> None:
    ran, reported, total = _run(_panel("walk"))  # random walks: ETS beats a weekly seasonal naive
    assert ran.tolist() == list(range(50))
    assert reported == total  # sample head, sample tail and the rest: every task announced
