"""The LightGBM candidate's features built part by part of whole series: the same matrix, the same model.

A large training set's features are built a few hundred thousand values at a time
(``models.candidates.mlf.feature_matrix``) instead of in one mlforecast frame; these tests pin that
nothing else changes — the matrix, the fitted regressor's forecasts and back-tests (real fits).
"""

from __future__ import annotations

import warnings
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from models.candidates.mlf import MLForecastGlobal, _series_parts, feature_matrix
from models.features import event_features
from models.series import level_panel
from tests.models.conftest import make_sales

EVENTS = ((pd.Timestamp("2021-03-01"), None), (pd.Timestamp("2021-06-07"), "S01"))


@pytest.fixture(scope="module")
def panel():
    """Daily product panel: 4 stores x 6 products (one launching late) and their all-store totals."""
    sales = make_sales("D", periods=260, n_stores=4, n_products=6, seed=5)
    return level_panel(sales, "product", "D", "BR", EVENTS)


def _training_frame(panel, horizon: int = 14) -> pd.DataFrame:
    candidate = MLForecastGlobal()
    long = candidate._long(panel)
    long, _ = event_features(panel, long, horizon)
    return long


def test_the_parts_hold_whole_series_and_every_row(panel) -> None:
    long = _training_frame(panel)
    bounds = _series_parts(long, 900)
    assert len(bounds) > 3
    assert bounds[0][0] == 0 and bounds[-1][1] == len(long)
    assert all(a[1] == b[0] for a, b in pairwise(bounds))  # contiguous
    owner = {}
    for k, (lo, hi) in enumerate(bounds):
        for sid in long["unique_id"].iloc[lo:hi].unique():
            assert owner.setdefault(sid, k) == k  # no series split over two parts
    assert _series_parts(long, len(long)) == [(0, len(long))]
    shuffled = long.iloc[np.r_[0:10, len(long) - 10 : len(long), 10 : len(long) - 10]]
    assert _series_parts(shuffled, 900) == [(0, len(shuffled))]  # a series not in one run: one part
    with pytest.raises(ValueError, match="feature_rows"):
        _series_parts(long, 0)


def test_the_part_by_part_matrix_is_mlforecasts_own(panel) -> None:
    """Rows, columns, values and layout equal ``preprocess``'s one-shot matrix and target."""
    long = _training_frame(panel)
    kwargs = {"dropna": False, "weight_col": "weight", "static_features": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        whole_x, whole_y = (
            MLForecastGlobal()._pipeline(panel).preprocess(long, return_X_y=True, as_numpy=True, **kwargs)
        )
        parts_x, parts_y = feature_matrix(
            MLForecastGlobal()._pipeline(panel), long, _series_parts(long, 700), kwargs
        )
    assert parts_x.shape == whole_x.shape and parts_x.dtype == whole_x.dtype
    np.testing.assert_array_equal(parts_x, whole_x)
    np.testing.assert_array_equal(parts_y, whole_y)
    assert parts_x.flags.f_contiguous and whole_x.flags.f_contiguous  # the regressor reads it uncopied


def test_forecasts_and_back_tests_are_bit_identical_with_the_features_in_parts(panel) -> None:
    """Fit, forecast and back-test (with the events feature) give the same numbers to the bit."""
    horizon, positions = 21, [180, 201, 222]
    whole = MLForecastGlobal(random_state=3)
    parts = MLForecastGlobal(random_state=3, feature_rows=800)
    assert len(_series_parts(_training_frame(panel), 800)) > 3  # the split happens
    np.testing.assert_array_equal(parts.fit(panel, horizon).predict(), whole.fit(panel, horizon).predict())
    for a, b in zip(
        parts.backtest(panel, positions, horizon), whole.backtest(panel, positions, horizon), strict=True
    ):
        np.testing.assert_array_equal(a, b)
    assert np.isfinite(whole.predict()).any()


def test_a_sampled_fit_builds_its_features_in_parts_with_the_same_forecasts(panel) -> None:
    """Above ``max_rows`` the fit trains on a seeded sample of series; in parts, the same forecasts."""
    whole = MLForecastGlobal(max_rows=3_000)
    parts = MLForecastGlobal(max_rows=3_000, feature_rows=500)
    np.testing.assert_array_equal(parts.fit(panel, 30).predict(), whole.fit(panel, 30).predict())


def test_differences_are_fitted_in_one_piece_by_mlforecast(panel) -> None:
    """With ``Differences`` mlforecast forecasts itself and needs its whole series state: no split."""
    whole = MLForecastGlobal(differences=True)
    parts = MLForecastGlobal(differences=True, feature_rows=500)
    np.testing.assert_array_equal(parts.fit(panel, 14).predict(), whole.fit(panel, 14).predict())
