"""LightGBM gives the same trees whatever the thread count and the machine's timing.

Left to itself LightGBM times row-wise against column-wise histograms on every fit and keeps the
faster; with two or more threads row-wise sums in another order, so the same data could give another
model from run to run. The engine forces column-wise (``models.candidates.mlf.make_regressor``).
"""

from __future__ import annotations

import numpy as np

from models.candidates.mlf import MLForecastGlobal, make_regressor
from models.series import level_panel
from tests.models.conftest import make_sales


def test_the_regressor_builds_column_wise_histograms() -> None:
    params = make_regressor("lightgbm", random_state=0, threads=2).get_params()
    assert params["force_col_wise"] is True
    assert params.get("force_row_wise") in (None, False)


def test_one_and_two_threads_fit_the_same_trees() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(60_000, 12))
    y = 2.0 * x[:, 0] + np.sin(x[:, 1]) + rng.normal(scale=0.5, size=len(x))
    one = make_regressor("lightgbm", random_state=0, threads=1).fit(x, y).predict(x[:500])
    two = make_regressor("lightgbm", random_state=0, threads=2).fit(x, y).predict(x[:500])
    np.testing.assert_array_equal(one, two)


def test_a_global_model_forecasts_the_same_with_two_threads() -> None:
    panel = level_panel(make_sales("D", periods=200, n_stores=3, n_products=6, seed=4), "product", "D", "BR")
    single = MLForecastGlobal(threads=1).fit(panel, 28).predict()
    double = MLForecastGlobal(threads=2).fit(panel, 28).predict()
    assert np.isfinite(single).any()
    np.testing.assert_array_equal(single, double)
