"""Training on a Dask cluster (``TRENDSALES_DASK_ADDRESS``) gives the forecasts of in-process training.

A real ``distributed.LocalCluster`` (2 worker processes) and real fits on small seeded data: the
engine's CV, per-series selection and refit run as tasks on the workers, and every number that is
served (paths, bounds, backtests, CV table) equals what joblib in this process computes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.config import ConfigError, Settings, load_config
from data.db import make_engine, upgrade_database
from data.storage import import_sales_frame
from models.artifacts import load_artifact
from models.compute import ClusterUnavailable, DaskCompute, LocalCompute, compute_backend
from models.pipeline import TrainingError, run_training
from models.registry import get_version, master_versions
from models.training import TrainedLevel, TrainingConfig, train_level
from tests.models.conftest import make_sales
from tests.support.apps import FAST_TRAINING
from tests.support.dask_cluster import closed_port_address, local_cluster

MIXED = TrainingConfig(
    n_folds=2,
    horizon=14,
    max_horizon=30,
    families=("seasonal_naive", "lgbm", "theta", "simple"),
)


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    """A 2-worker LocalCluster for this module's tests."""
    with local_cluster(2) as address:
        yield address


def _same_served(a: TrainedLevel, b: TrainedLevel) -> None:
    ta, tb = a.forecaster.tables, b.forecaster.tables
    assert a.forecaster.series_ids == b.forecaster.series_ids
    assert a.best_params == b.best_params
    np.testing.assert_array_equal(ta.points, tb.points)
    np.testing.assert_array_equal(ta.backtest, tb.backtest)
    for level in ta.lo:
        np.testing.assert_array_equal(ta.lo[level], tb.lo[level])
        np.testing.assert_array_equal(ta.hi[level], tb.hi[level])
    pd.testing.assert_frame_equal(a.cv_table, b.cv_table)


def test_a_level_trained_on_the_cluster_serves_the_in_process_forecasts(dask_address: str) -> None:
    sales = make_sales("D", periods=200, n_stores=3, n_products=4, seed=5)
    here = train_level(sales, "product", freq="D", config=MIXED)
    there = train_level(
        sales, "product", freq="D", config=dataclasses.replace(MIXED, dask_address=dask_address)
    )
    assert here.n_series == there.n_series == 16
    assert set(there.cv_table["family"]) >= {"seasonal_naive", "lgbm", "theta", "simple"}
    assert np.isfinite(there.forecaster.tables.points).all()
    _same_served(here, there)


def test_the_cluster_backend_spreads_chunks_over_its_workers(dask_address: str) -> None:
    with compute_backend(1, dask_address) as compute:
        assert isinstance(compute, DaskCompute)
        assert compute.workers == 2
        out = list(compute.run([(pow, (k, 2)) for k in range(5)]))
        workers_used = compute.client.run(lambda: 1)  # every worker answers
    assert out == [0, 1, 4, 9, 16]
    assert len(workers_used) == 2
    with compute_backend(2, None) as compute:
        assert isinstance(compute, LocalCompute)
        assert list(compute.run([(pow, (k, 2)) for k in range(5)])) == [0, 1, 4, 9, 16]


def _pipeline_forecasts(
    tmp_path: Path, sales: pd.DataFrame, name: str, **extra: object
) -> dict[str, np.ndarray]:
    engine = make_engine(f"sqlite:///{tmp_path / f'{name}.db'}")
    upgrade_database(engine)
    assert import_sales_frame(engine, sales, filename="s.csv", uploaded_by="t").status == "imported"
    settings = Settings().with_overrides(
        {"MODEL_DIR": str(tmp_path / f"models-{name}"), **FAST_TRAINING, "TRAIN_PARTITION_ROWS": 300, **extra}
    )
    outcomes = run_training(engine, settings, levels=["store", "product"], source="test")
    assert all(o.promoted for o in outcomes.values()), {k: o.reason for k, o in outcomes.items()}
    masters = master_versions(engine)
    out = {}
    for level in ("store", "product"):
        forecaster = load_artifact(get_version(engine, masters[level]).artifact_path, expected_level=level)
        out[level] = forecaster.tables.points
    engine.dispose()
    return out


def test_the_pipeline_trains_on_the_cluster_named_by_the_setting(tmp_path: Path, dask_address: str) -> None:
    sales = make_sales("D", periods=150, n_stores=3, n_products=3, seed=9)
    here = _pipeline_forecasts(tmp_path, sales, "here")
    there = _pipeline_forecasts(tmp_path, sales, "there", DASK_ADDRESS=dask_address)
    for level in here:
        np.testing.assert_array_equal(here[level], there[level])


def test_an_unreachable_scheduler_stops_the_run_before_any_level(tmp_path: Path, engine) -> None:
    sales = make_sales("D", periods=120, n_stores=2, n_products=2)
    assert import_sales_frame(engine, sales, filename="s.csv", uploaded_by="t").status == "imported"
    address = closed_port_address()
    settings = Settings().with_overrides(
        {"MODEL_DIR": str(tmp_path / "m"), **FAST_TRAINING, "DASK_ADDRESS": address}
        | {"DASK_CONNECT_SECONDS": 1.5}
    )
    started = time.perf_counter()
    with pytest.raises(TrainingError, match=f"cannot reach the Dask scheduler at {address} within 1.5 s"):
        run_training(engine, settings, source="test")
    assert time.perf_counter() - started < 30  # a bound only: the message shows which wait was used
    assert master_versions(engine) == {}
    with pytest.raises(ClusterUnavailable, match="within 1 s"), compute_backend(1, address, 1.0):
        pass


@pytest.mark.parametrize("raw", ["localhost:8786", "http://h:8786", "tcp://h", "tcp://:8786", "tcp://h:port"])
def test_a_malformed_dask_address_is_a_config_error(raw: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TRENDSALES_DASK_ADDRESS"):
        load_config({"INSTANCE_DIR": str(tmp_path), "ENV": "demo"}, environ={"TRENDSALES_DASK_ADDRESS": raw})


def test_dask_address_unset_or_empty_means_in_process(tmp_path: Path) -> None:
    base = {"INSTANCE_DIR": str(tmp_path), "ENV": "demo"}
    assert load_config(base, environ={}).dask_address is None
    assert load_config(base, environ={"TRENDSALES_DASK_ADDRESS": " "}).dask_address is None
    good = load_config(base, environ={"TRENDSALES_DASK_ADDRESS": "tcp://scheduler:8786"})
    assert good.dask_address == "tcp://scheduler:8786"
