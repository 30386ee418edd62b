"""Metrics against hand-computed values and rolling-origin folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.evaluation import (
    Folds,
    interval_metrics,
    make_folds,
    point_metrics,
    pooled_interval_metrics,
    seasonal_scale,
)


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


def test_scoring_in_place_and_per_fold_gives_the_stacked_metrics_to_the_bit() -> None:
    """The lean scoring (forecast overwritten, pooled intervals from each fold's cells) changes no bit."""
    rng = np.random.default_rng(5)
    for trial in range(20):
        n, h, folds = int(rng.integers(1, 80)), int(rng.integers(1, 20)), int(rng.integers(1, 4))
        actual = [rng.gamma(2.0, 10.0, (n, h)) for _ in range(folds)]
        for a in actual:
            a[rng.random((n, h)) < 0.2] = np.nan
        if trial == 0:
            actual = [np.full((n, h), np.nan) for _ in range(folds)]
        lo80 = [np.clip(a - rng.gamma(2.0, 3.0, (n, h)), 0, None) for a in actual]
        hi80 = [a + rng.normal(0.0, 4.0, (n, h)) for a in actual]
        lo95 = [lo - 1.0 for lo in lo80]
        hi95 = [hi + rng.normal(0.0, 2.0, (n, h)) for hi in hi80]
        stacked = [np.vstack(x) for x in (actual, lo80, hi80, lo95, hi95)]
        pooled: dict[str, list[np.ndarray]] = {"in80": [], "in95": [], "width80": []}
        for k, a in enumerate(actual):
            mask = ~np.isnan(a)
            pooled["in80"].append((a[mask] >= lo80[k][mask]) & (a[mask] <= hi80[k][mask]))
            pooled["in95"].append((a[mask] >= lo95[k][mask]) & (a[mask] <= hi95[k][mask]))
            pooled["width80"].append(hi80[k][mask] - lo80[k][mask])
        want, got = interval_metrics(*stacked), pooled_interval_metrics(stacked[0], pooled)
        assert want.keys() == got.keys()
        assert all(want[k] == got[k] or (np.isnan(want[k]) and np.isnan(got[k])) for k in want)
        forecast = np.nan_to_num(stacked[2], nan=0.0)
        scale = rng.random(n * folds)
        want = point_metrics(stacked[0], forecast, scale)
        got = point_metrics(stacked[0], forecast.copy(), scale, owned=True)
        assert all(want[k] == got[k] or (np.isnan(want[k]) and np.isnan(got[k])) for k in want)
