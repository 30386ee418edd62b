"""No leakage: changing y at or after a cutoff changes no feature and no prediction of that fold."""

from __future__ import annotations

import numpy as np
import pytest

from models.backtest import fold_predict as _fold_predict
from models.backtest import global_backtest as _global_backtest
from models.features import origin_rows
from models.series import level_panel

FAST = {
    "theta": {"theta": 2.0},
    "ridge": {"alpha": 1.0},
    "hgb": {"max_iter": 15, "max_rows": 5000},
}


def _perturbed(panel, cutoff: int):
    values = panel.values.copy()
    rng = np.random.default_rng(5)
    values[:, cutoff + 1 :] = rng.uniform(0, 1e4, size=values[:, cutoff + 1 :].shape)
    return type(panel)(panel.ids, panel.dates, values, panel.freq, panel.alias)


def test_features_of_an_origin_read_nothing_after_it(daily_sales) -> None:
    panel = level_panel(daily_sales, "product", "D")
    origin = panel.length - 60
    other = _perturbed(panel, origin)
    steps = np.arange(1, 29)
    a = origin_rows(panel, np.array([origin - 20, origin]), steps, 28)
    b = origin_rows(other, np.array([origin - 20, origin]), steps, 28)
    for name in a:
        assert np.array_equal(a[name], b[name], equal_nan=True), name


@pytest.mark.parametrize("family", ["seasonal_naive", "theta", "ets", "ridge", "hgb"])
def test_fold_predictions_ignore_data_after_the_cutoff(daily_sales, family: str) -> None:
    panel = level_panel(daily_sales, "store", "D")
    cutoff = panel.length - 29
    config = {"family": family, **FAST.get(family, {})}
    before = _fold_predict(panel, config, cutoff, 28, 0)
    after = _fold_predict(_perturbed(panel, cutoff), config, cutoff, 28, 0)
    assert np.isfinite(before).all()
    assert np.array_equal(before, after)


def test_fit_once_backtest_reads_nothing_after_each_cutoff(daily_sales) -> None:
    """LightGBM fits at the first cutoff only; each later fold forecasts from its own cutoff's history."""
    panel = level_panel(daily_sales, "store", "D")
    positions = [panel.length - 57, panel.length - 29]
    config = {"family": "lgbm", "regressor": "lightgbm"}
    base = _global_backtest(panel, config, positions, 28, 0)
    assert all(np.isfinite(p).all() for p in base)
    assert not np.array_equal(base[0], base[1])
    first = _global_backtest(_perturbed(panel, positions[0]), config, positions, 28, 0)
    assert np.array_equal(base[0], first[0])  # the fit and fold 0 see nothing after the first cutoff
    second = _global_backtest(_perturbed(panel, positions[1]), config, positions, 28, 0)
    assert all(np.array_equal(b, s) for b, s in zip(base, second, strict=True))
    assert np.allclose(base[0], _fold_predict(panel, config, positions[0], 28, 0))
