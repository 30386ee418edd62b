"""A local configuration's CV back-test is held for its own series only, and reads as the dense folds.

Real statsforecast fits on a small panel: the CV's compact folds (``ScopedFolds``) must give exactly the
arrays the dense back-test gives, and the selection's assembly of them the rows stacking gave.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.backtest import backtest, cross_validate
from models.compute import LocalCompute
from models.evaluation import make_folds
from models.scoped import ScopedFolds, merge_folds
from models.selection import assemble
from models.series import Panel
from models.training import TrainingConfig

CONFIGS = [
    {"family": "seasonal_naive"},
    {"family": "simple", "model": "RandomWalkWithDrift"},
    {"family": "intermittent", "model": "TSB"},
]


def _panel(n: int = 20) -> Panel:
    """n daily series: noisy weekly cycles, every third one sparse, two starting late."""
    rng = np.random.default_rng(11)
    dates = pd.date_range("2024-01-01", periods=120, freq="D")
    values = (
        50 + 20 * np.sin(np.arange(len(dates)) * 2 * np.pi / 7)[None, :] + rng.normal(0, 5, (n, len(dates)))
    )
    values[::3] = np.where(rng.random((len(values[::3]), len(dates))) < 0.6, 0.0, values[::3])
    values[4, :70] = np.nan
    values[9, :100] = np.nan
    return Panel(tuple(f"s{i}" for i in range(n)), dates, np.round(values, 1), "D", "D")


def test_a_scoped_configuration_holds_its_rows_only_and_reads_as_the_dense_backtest() -> None:
    panel = _panel()
    folds = make_folds(panel.dates, "D", 14, 3, 56)
    positions = folds.positions(panel.dates)
    scopes = {1: np.array([1, 2, 4, 7, 8, 13, 19]), 2: np.arange(0, 20, 3)}
    config = TrainingConfig(families=("seasonal_naive", "simple", "intermittent"))
    preds = cross_validate(panel, CONFIGS, scopes, positions, folds, config, lambda _: None, LocalCompute(1))
    for ci, rows in scopes.items():
        held = preds[ci]
        assert isinstance(held, ScopedFolds)
        assert [p.shape for p in held.parts] == [(len(rows), 14)] * 3  # nothing held for other series
        dense = backtest(panel, CONFIGS[ci], positions, 14, 0, rows, LocalCompute(1))
        assert len(held) == len(dense) == 3
        for k in range(3):
            assert np.array_equal(held[k], dense[k], equal_nan=True)
            assert held[k].shape == (panel.n_series, 14) and np.isnan(np.delete(held[k], rows, axis=0)).all()
        assert np.isfinite(held[2][rows]).all()
    assert np.isnan(preds[2][0][9]).all()  # series 9 starts after the first cutoff: no path there


def test_assembly_and_merge_give_the_rows_stacking_and_nan_filling_gave() -> None:
    rng = np.random.default_rng(3)
    n, h = 30, 5
    dense = [[rng.normal(size=(n, h)) for _ in range(2)]]
    rows_a, rows_b = np.array([0, 3, 5, 8, 29]), np.array([1, 2, 10])
    scoped = []
    for rows in (rows_a, rows_b):
        folds = [np.full((n, h), np.nan) for _ in range(2)]
        for f in folds:
            f[rows] = rng.normal(size=(len(rows), h))
        scoped.append((folds, ScopedFolds.compact(rows, folds)))
    preds = dense + [s for _, s in scoped]
    as_dense = dense + [f for f, _ in scoped]
    choice = rng.integers(0, 3, n)
    got = assemble(choice, preds)
    for k in range(2):
        want = np.stack([p[k] for p in as_dense])[choice, np.arange(n)]
        assert np.array_equal(got[k], want, equal_nan=True) and got[k].dtype == want.dtype
    merged = merge_folds(scoped[0][1], scoped[1][1])
    assert isinstance(merged, ScopedFolds) and merged.rows.tolist() == sorted([*rows_a, *rows_b])
    for k in range(2):
        a, b = scoped[0][0][k], scoped[1][0][k]
        assert np.array_equal(merged[k], np.where(np.isnan(a), b, a), equal_nan=True)
