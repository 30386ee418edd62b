"""Each documented fallback for short or odd histories, and training on such data without a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.fallbacks import Fallbacks, apply_fallbacks, pooled_profile
from models.series import Panel
from models.training import TrainingConfig, train_level


def _panel(rows: list[list[float]], freq: str = "D") -> Panel:
    values = np.array(rows, dtype=float)
    dates = pd.date_range("2024-01-01", periods=values.shape[1], freq="D")
    return Panel(tuple(f"s{i}" for i in range(len(rows))), dates, values, freq, "D")


def test_each_history_gets_its_documented_fallback() -> None:
    nan = np.nan
    weekly = [10, 20, 30, 40, 50, 60, 70] * 3
    rows = [
        weekly,  # plenty of history: the model's forecast stays
        [0.0] * 21,  # all zero
        [5.0] * 21,  # constant
        [nan] * 18 + [7.0, 9.0, 8.0],  # brand new: three points
        [nan] * 11 + [1, 2, 3, 4, 5, 6, 7, 1, 2, 3],  # between one and two seasons
    ]
    panel = _panel(rows)
    model = np.full((5, 7), 100.0)
    out, labels = apply_fallbacks(panel, model)
    assert labels.tolist() == ["model", "zero", "constant", "short_profile", "one_season"]
    assert np.array_equal(out[0], model[0])
    assert np.array_equal(out[1], np.zeros(7))
    assert np.array_equal(out[2], np.full(7, 5.0))
    # short: mean level (8) times the level's pooled weekly shape (mean one over a week)
    profile = pooled_profile(panel.values, 7, 7)
    assert profile.mean() == pytest.approx(1.0)
    assert not np.allclose(profile, 1.0)
    assert np.allclose(out[3], 8.0 * profile)
    # one season: halfway between the model and the short-history profile forecast
    assert np.allclose(out[4], 0.5 * (100 + np.mean(rows[4][11:]) * profile))


def test_a_series_that_stopped_selling_forecasts_zero_but_seasonal_quiet_spells_do_not() -> None:
    nan = np.nan
    rows = [
        [10.0] * 24 + [0.0] * 4,  # stopped selling 4 months ago: dormant
        [0.0] * 8 + [5.0] * 4 + [0.0] * 8 + [5.0] * 3 + [0.0] * 5,  # quiet 5 months; off-seasons were 8
        [nan] * 4 + [5.0, 6.0, 7.0, 8.0] * 6,  # launched late (no zeros before it), selling now
        [10.0] * 24 + [11.0, 12.0] + [0.0] * 2,  # two quiet months: too soon to call
        [10.0, 0.0] * 12 + [0.0] * 4,  # gaps of one month before, now four: dormant
        [nan] * 10
        + [5.0] * 14
        + [0.0] * 4,  # launched, then stopped: the months before launch are no quiet spell
    ]
    panel = _panel(rows, freq="M")
    out, labels = apply_fallbacks(panel, np.full((6, 6), 50.0))
    assert labels.tolist() == ["dormant", "model", "model", "model", "dormant", "dormant"]
    assert np.array_equal(out[0], np.zeros(6)) and np.array_equal(out[4], np.zeros(6))
    assert np.array_equal(out[1], np.full(6, 50.0))


def test_undefined_model_output_is_replaced_and_negatives_clipped() -> None:
    panel = _panel([[float(i % 7) + 1 for i in range(21)]])
    model = np.array([[np.nan, np.inf, -5.0, 3.0, 3.0, 3.0, 3.0]])
    out, _ = apply_fallbacks(panel, model)
    assert np.isfinite(out).all() and (out >= 0).all()
    assert out[0, 0] == pytest.approx(4.0)  # mean of the last season
    assert out[0, 2] == 0.0


def test_odd_histories_train_and_forecast_without_crashing(daily_sales) -> None:
    sales = daily_sales.copy()
    last = sales["date"].max()
    extra = pd.DataFrame(
        {
            "date": [last - pd.Timedelta(days=d) for d in (2, 1, 0)]
            + list(pd.date_range(end=last, periods=40)),
            "store": "S01",
            "category": ["C9"] * 3 + ["C8"] * 40,
            "product": ["NEW"] * 3 + ["FLAT"] * 40,
            "revenue": [3.0, 4.0, 5.0] + [0.0] * 40,
        }
    )
    gappy = sales[(sales["product"] != "P00") | (sales["date"].dt.day % 3 != 0)]
    data = pd.concat([gappy, extra], ignore_index=True)
    cfg = TrainingConfig(n_folds=2, families=("theta",), grids={"theta": [{"theta": 2.0}]})
    tl = train_level(data, "product", freq="D", config=cfg)
    f = tl.forecaster
    assert f.forecast("store=S01|product=FLAT", 10)["forecast"].eq(0).all()
    new = f.forecast("store=S01|product=NEW", 14)
    assert (new["forecast"] > 0).all() and new["forecast"].mean() == pytest.approx(4.0, rel=0.5)
    assert f.fallbacks.get("zero", 0) >= 1 and f.fallbacks.get("short_profile", 0) >= 1
    assert (f.history("store=S01|product=P00") == 0).sum() > 50  # gaps are zero sales


def test_a_tiny_dataset_still_trains_with_one_short_fold() -> None:
    sales = pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=20, freq="D"),
            "store": "S01",
            "category": "C",
            "product": "P",
            "revenue": np.arange(20, dtype=float),
        }
    )
    tl = train_level(sales, "store", freq="D", config=TrainingConfig(families=("theta",)))
    assert len(tl.folds.cutoffs) == 1 and tl.folds.horizon < 28
    assert (tl.forecaster.forecast("store=S01", 7)["forecast"] >= 0).all()


def test_fallbacks_computed_once_serve_every_candidates_paths() -> None:
    """One ``Fallbacks`` per cutoff (what the CV reuses for every configuration) gives what a fresh
    call gives for each set of paths, undefined steps filled from each series' recent mean."""
    nan = np.nan
    weekly = [10, 20, 30, 40, 50, 60, 70] * 3
    panel = _panel([weekly, [nan] * 18 + [7.0, 9.0, 8.0], [nan] * 16 + [3.0, 0, 4, 0, 5], [0.0] * 21])
    plan = Fallbacks(panel)
    for paths in (np.full((4, 5), 100.0), np.full((4, 5), np.nan), np.array([[1, nan, 3, np.inf, 5]] * 4)):
        got, labels = plan.apply(paths)
        want, want_labels = apply_fallbacks(panel, paths)
        np.testing.assert_array_equal(got, want)
        assert labels.tolist() == want_labels.tolist()
    undefined, _ = plan.apply(np.full((4, 5), np.nan))
    assert np.array_equal(undefined[0], np.full(5, 40.0))  # the last week's mean fills the model's gaps
