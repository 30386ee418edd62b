"""Metrics against hand-computed values and rolling-origin folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.evaluation import Folds, make_folds, point_metrics, seasonal_scale


def test_point_metrics_match_hand_computation() -> None:
    actual = np.array([[10.0, 20.0], [0.0, 4.0]])
    forecast = np.array([[12.0, 15.0], [1.0, 4.0]])
    scale = np.array([2.0, 1.0])
    m = point_metrics(actual, forecast, scale)
    # errors: +2, -5, +1, 0 ; sum|e| = 8 ; sum|y| = 34
    assert m["wape"] == pytest.approx(8 / 34)
    assert m["bias"] == pytest.approx(-2 / 34)
    # MASE: series 1 MAE 3.5 / 2 ; series 2 MAE 0.5 / 1 -> mean
    assert m["mase"] == pytest.approx((1.75 + 0.5) / 2)
    smape = np.mean([2 * 2 / 22, 2 * 5 / 35, 2 * 1 / 1, 0.0])
    assert m["smape"] == pytest.approx(smape)


def test_nan_actuals_are_skipped_and_zero_over_zero_is_perfect() -> None:
    actual = np.array([[np.nan, 0.0, 5.0]])
    forecast = np.array([[100.0, 0.0, 4.0]])
    m = point_metrics(actual, forecast, np.array([1.0]))
    assert m["wape"] == pytest.approx(1 / 5)
    assert m["smape"] == pytest.approx((0 + 2 / 9) / 2)


def test_seasonal_scale_is_the_in_sample_seasonal_naive_mae() -> None:
    train = np.array([[1.0, 2.0, 3.0, 5.0, 2.0, 3.0], [np.nan, np.nan, 1, 1, 1, 1]])
    scale = seasonal_scale(train, 3)
    assert scale[0] == pytest.approx(np.mean([4, 0, 0]))
    assert np.isnan(scale[1])  # a constant series has no error scale


def test_folds_end_at_the_last_date_and_round_trip() -> None:
    dates = pd.date_range("2024-01-01", periods=200, freq="D")
    folds = make_folds(dates, "D", 28, 3, 56)
    assert folds.cutoffs[-1] == dates[-1 - 28]
    assert [dates.get_loc(c) for c in folds.cutoffs] == [199 - 84, 199 - 56, 199 - 28]
    assert Folds.from_dict(folds.to_dict()) == folds
    short = make_folds(dates[:100], "D", 28, 3, 56)
    assert len(short.cutoffs) == 1  # too short for three folds: fewer folds, same horizon
    with pytest.raises(ValueError, match="too short"):
        make_folds(dates[:1], "D", 28, 3, 56)
