"""Scale features on a real PostgreSQL: partitioned training input and training on a Dask cluster."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from app.config import Settings
from data.storage import import_sales_frame
from models.artifacts import load_artifact
from models.partitions import PartitionedSales
from models.pipeline import run_training
from models.registry import get_version
from tests.models.conftest import make_sales
from tests.models.test_partitions import assert_same_panels
from tests.support.apps import FAST_TRAINING
from tests.support.dask_cluster import local_cluster


@pytest.fixture
def pg_sales(pg_engine):
    """Daily sales of 4 stores x 3 products on the private PostgreSQL."""
    sales = make_sales("D", periods=150, n_stores=4, n_products=3, seed=8)
    assert import_sales_frame(pg_engine, sales, filename="s.csv", uploaded_by="t").status == "imported"
    return pg_engine


def test_partitioned_panels_on_postgresql_equal_the_whole_frame(pg_sales) -> None:
    source = PartitionedSales(pg_sales, through=dt.date(2021, 5, 1), max_rows=500)
    assert len(source.partitions) == 4  # 450 rows per store
    assert_same_panels(pg_sales, source, "D", through=dt.date(2021, 5, 1))


def test_training_on_a_local_cluster_from_postgresql_matches_in_process(pg_sales, tmp_path: Path) -> None:
    base = {"MODEL_DIR": str(tmp_path / "models"), **FAST_TRAINING, "TRAIN_PARTITION_ROWS": 500}
    here = run_training(pg_sales, Settings().with_overrides(base), levels=["product"], promote=False)
    with local_cluster(2) as address:
        there = run_training(
            pg_sales,
            Settings().with_overrides({**base, "DASK_ADDRESS": address}),
            levels=["product"],
            promote=False,
        )
    paths = [
        load_artifact(get_version(pg_sales, o["product"].version_id).artifact_path).tables.points
        for o in (here, there)
    ]
    assert paths[0].shape[0] == 15  # 12 store-product series and 3 all-stores totals
    np.testing.assert_array_equal(paths[0], paths[1])
