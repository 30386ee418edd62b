"""LevelForecaster serving: lookups, display frequencies, errors, history/backtest, speed, validation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from models.training import TrainingConfig, train_level


@pytest.fixture(scope="module")
def forecaster(daily_sales):
    cfg = TrainingConfig(n_folds=2, families=("theta",), grids={"theta": [{"theta": 2.0}]})
    return train_level(daily_sales, "store", freq="D", config=cfg).forecaster


def test_attributes_and_version_copy(forecaster, daily_sales) -> None:
    f = forecaster
    assert f.level == "store" and f.freq == "D" and f.version is None
    assert f.series_ids == ("store=*", "store=S01", "store=S02")
    assert f.data_range == (daily_sales["date"].min(), daily_sales["date"].max())
    assert f.max_horizon == 400
    v = f.with_version("v1")
    assert v.version == "v1" and f.version is None
    pd.testing.assert_frame_equal(v.forecast("store=*", 5), f.forecast("store=*", 5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.level = "product"


def test_unknown_ids_and_bad_arguments_get_specific_errors(forecaster) -> None:
    f = forecaster
    with pytest.raises(KeyError, match=r"3 valid ids.*did you mean .*store=S01"):
        f.forecast("store=S0l", 7)
    with pytest.raises(ValueError, match=r"not calibrated; choose one of 0\.8, 0\.95"):
        f.forecast("store=*", 7, interval=0.9)
    with pytest.raises(ValueError, match="exceeds the longest served forecast"):
        f.forecast("store=*", 401)
    with pytest.raises(ValueError, match="exceeds the longest served forecast"):
        f.forecast("store=*", 16, freq="M")
    with pytest.raises(ValueError, match="positive integer"):
        f.forecast("store=*", 0)
    with pytest.raises(ValueError, match="unknown frequency"):
        f.forecast("store=*", 3, freq="Y")


def test_finer_display_frequency_is_refused(monthly_sales) -> None:
    cfg = TrainingConfig(n_folds=1, families=("theta",), grids={"theta": [{"theta": 2.0}]})
    f = train_level(monthly_sales, "store", freq="M", config=cfg).forecaster
    with pytest.raises(ValueError, match="finer frequency"):
        f.forecast("store=*", 3, freq="W")
    last = f.data_range[1]
    assert last.month == 1  # the first quarter is one-third observed
    quarterly = f.forecast("store=*", 4, freq="Q")
    monthly = f.forecast("store=*", 11)["forecast"].to_numpy()
    jan = f.history("store=*").iloc[-1]
    expected = [jan + monthly[:2].sum(), *monthly[2:].reshape(3, 3).sum(axis=1)]
    assert np.allclose(quarterly["forecast"], expected)
    assert quarterly["date"].iloc[0] == pd.Timestamp(last.year, 1, 1)


def test_monthly_view_of_daily_data_counts_the_observed_part_of_the_first_month(
    forecaster, daily_sales
) -> None:
    f = forecaster
    last = f.data_range[1]
    out = f.forecast("store=*", 3, freq="M")
    first = last.to_period("M").start_time
    assert out["date"].tolist() == list(pd.date_range(first, periods=3, freq="MS"))
    history = f.history("store=*")
    observed = history[history.index >= first].sum()
    rest = pd.date_range(last + pd.Timedelta(days=1), first + pd.offsets.MonthEnd(0))
    daily = f.forecast("store=*", len(rest))
    assert out["forecast"].iloc[0] == pytest.approx(observed + daily["forecast"].sum())
    assert out["lower"].iloc[0] >= observed


def test_history_and_backtest(forecaster, daily_sales) -> None:
    f = forecaster
    hist = f.history("store=S01")
    expected = daily_sales[daily_sales.store == "S01"].groupby("date")["revenue"].sum()
    assert np.allclose(hist.to_numpy(), expected.to_numpy(), rtol=1e-6)
    bt = f.backtest("store=S01")
    assert list(bt.columns) == ["date", "actual", "forecast", "fold"]
    assert len(bt) == 2 * 91 and bt["date"].max() == f.data_range[1]  # 2 folds of 13 weeks
    assert np.allclose(bt["actual"], hist.loc[bt["date"]].to_numpy())


def test_forecast_is_a_lookup_of_the_precomputed_paths(forecaster) -> None:
    """Serving reads the paths computed at training (no model runs per request): change the table and
    the answer changes with it. Its latency is measured in bench/bench_training.py."""
    row = forecaster.series_ids.index("store=S02")
    served = forecaster.forecast("store=S02", 90)["forecast"].to_numpy()
    np.testing.assert_allclose(served, forecaster.tables.points[row, :90].astype(float))
    tables = forecaster.tables
    doubled = dataclasses.replace(forecaster, tables=dataclasses.replace(tables, points=tables.points * 2))
    np.testing.assert_allclose(doubled.forecast("store=S02", 90)["forecast"].to_numpy(), 2 * served)


def test_validate_catches_inconsistency(forecaster) -> None:
    forecaster.validate()
    tables = forecaster.tables
    broken = dataclasses.replace(forecaster, tables=dataclasses.replace(tables, points=-tables.points))
    with pytest.raises(ValueError, match="non-negative"):
        broken.validate()
