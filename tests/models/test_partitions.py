"""Training input read per partition of stores: the same panels and fingerprint as one whole frame.

Real SQLite through SQLAlchemy; the PostgreSQL twin is in ``tests/postgres/test_scale_training.py``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from data.queries import load_sales
from data.storage import import_sales_frame
from models.partitions import PartitionedSales, store_partitions
from models.series import fingerprint, level_panel
from models.training import TrainingConfig, train_level
from tests.models.conftest import make_sales


def _stored(engine: Engine, frame: pd.DataFrame) -> None:
    assert import_sales_frame(engine, frame, filename="s.csv", uploaded_by="t").status == "imported"


def assert_same_panels(engine: Engine, source: PartitionedSales, freq: str, through=None) -> None:
    """Every level's partitioned panel equals ``level_panel`` of the whole (cut) frame."""
    whole = load_sales(engine, end=through)
    for level in ("store", "category", "product"):
        expected = level_panel(whole, level, freq)
        got = source.panel(level, freq, "BR")
        assert got.ids == expected.ids
        assert got.alias == expected.alias
        assert got.dates.equals(expected.dates)
        np.testing.assert_allclose(got.values, expected.values, rtol=1e-12, equal_nan=True)
        assert np.array_equal(np.isnan(got.values), np.isnan(expected.values))
    assert source.fingerprint(freq, 7) == fingerprint(whole, freq, 7)


def test_store_partitions_group_whole_stores_up_to_the_row_budget() -> None:
    counts = [("A", 40), ("B", 50), ("C", 20), ("D", 200), ("E", 10)]
    assert store_partitions(counts, 100) == [["A", "B"], ["C"], ["D"], ["E"]]
    assert store_partitions(counts, 1_000) == [["A", "B", "C", "D", "E"]]
    assert store_partitions([], 10) == []
    with pytest.raises(ValueError, match="max_rows must be >= 1"):
        store_partitions(counts, 0)


def test_daily_panels_built_per_partition_equal_the_whole_frame(engine: Engine) -> None:
    # stores starting at different dates and a product launched late: totals must start at the first store
    sales = make_sales("D", periods=120, n_stores=5, n_products=4, seed=2)
    sales = sales[~((sales["store"] == "S01") & (sales["date"] < "2021-02-01"))]
    _stored(engine, sales)
    source = PartitionedSales(engine, max_rows=500)
    assert len(source.partitions) == 5  # 440 rows per store (fewer in S01): one store per partition
    assert max(len(frame) for frame in source.frames()) <= 500
    assert_same_panels(engine, source, "D")


def test_weekly_panels_and_the_reporting_cut(engine: Engine) -> None:
    _stored(engine, make_sales("W", periods=80, n_stores=4, n_products=3, seed=4))
    through = dt.date(2022, 3, 7)
    source = PartitionedSales(engine, through=through, max_rows=500)
    assert len(source.partitions) == 2  # 240 rows per store: two stores per partition
    assert source.panel("store", "W", "BR").dates[-1] <= pd.Timestamp(through)
    assert_same_panels(engine, source, "W", through=through)


def test_a_level_trained_from_partitions_matches_training_on_the_frame(engine: Engine) -> None:
    sales = make_sales("M", periods=60, n_stores=3, n_products=3, seed=1)
    _stored(engine, sales)
    config = TrainingConfig(n_folds=2, families=("seasonal_naive", "theta"))
    whole = train_level(load_sales(engine), "category", freq="M", config=config)
    parts = train_level(PartitionedSales(engine, max_rows=100), "category", freq="M", config=config)
    assert parts.fingerprint == whole.fingerprint
    assert parts.best_params == whole.best_params
    np.testing.assert_allclose(parts.forecaster.tables.points, whole.forecaster.tables.points, rtol=1e-9)


def test_an_empty_cut_fails_the_level_clearly(engine: Engine) -> None:
    _stored(engine, make_sales("M", periods=24, n_stores=2, n_products=2))
    source = PartitionedSales(engine, through=dt.date(2000, 1, 1))
    assert source.empty
    with pytest.raises(ValueError, match="nothing to forecast"):
        source.panel("store", "M", "BR")


def test_a_global_model_over_its_row_budget_fits_a_sample_and_forecasts_every_series() -> None:
    from models.candidates.mlf import MLForecastGlobal, _row_parts

    panel = level_panel(make_sales("D", periods=200, n_stores=6, n_products=4, seed=3), "product", "D")
    assert len(_row_parts(panel, 1_500)) == 4  # 5,138 observed values
    whole = MLForecastGlobal().fit(panel, 14).predict()
    bounded = MLForecastGlobal(max_rows=1_500).fit(panel, 14).predict()
    assert np.isfinite(whole).all() and np.isfinite(bounded).all()
    assert not np.allclose(whole, bounded)  # a different training set: a sample of the series
    assert np.median(np.abs(bounded - whole) / whole) < 0.2  # ... forecasting the same series alike


def test_a_global_model_over_its_row_budget_backtests_every_series_from_a_sampled_fit() -> None:
    """The back-test's fit obeys the same budget as the final fit: a sample above it, every series
    forecast at every cutoff; under it (the demo's levels) the back-test is the whole-panel one."""
    from models.candidates.mlf import MLForecastGlobal

    panel = level_panel(make_sales("D", periods=200, n_stores=6, n_products=4, seed=3), "product", "D")
    positions = [150, 164, 178]  # first cutoff: 150 days × 24 series, ~3,500 observed values
    whole = MLForecastGlobal().backtest(panel, positions, 14)
    bounded = MLForecastGlobal(max_rows=1_500).backtest(panel, positions, 14)
    roomy = MLForecastGlobal(max_rows=10_000).backtest(panel, positions, 14)
    for w, b, r in zip(whole, bounded, roomy, strict=True):
        assert w.shape == b.shape == (panel.n_series, 14)
        assert np.isfinite(b).all() and np.array_equal(np.isfinite(w), np.isfinite(b))
        np.testing.assert_array_equal(r, w)  # under the budget: the same fit, bit for bit
    assert not all(np.allclose(w, b) for w, b in zip(whole, bounded, strict=True))  # a sampled fit
