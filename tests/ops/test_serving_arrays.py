"""Serving from the fixed-width arrays published with a snapshot: the same numbers to the last bit as
the Parquet companions give (what older snapshots are served from), read without the Parquet files;
an arrays file of the wrong size is refused before it serves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from data.forecast_store import ARRAYS_SUFFIX, SERIES_SUFFIX, companion, served_snapshots
from models.holder import ModelHolder
from models.registry import master_versions
from models.stored import StoredForecaster
from tests.ops.conftest import OpsServices
from tests.ops.test_publishing import trained_daily

LEVELS = ("store", "category", "product")


@pytest.fixture
def daily(engine, tmp_path: Path) -> OpsServices:
    """Daily sales of 2 stores × 3 products, every level trained, promoted and published."""
    return trained_daily(engine, tmp_path)


def _served(model: StoredForecaster) -> dict[str, object]:
    """Everything a view reads of every series, one series in the LRU at a time (every call reads)."""
    out: dict[str, object] = {}
    for sid in model.series_ids:
        for freq, horizon in (("D", 30), ("D", model.max_horizon), ("W", 8), ("M", 3)):
            for interval in (0.8, 0.95):
                out[f"{sid} {freq}{horizon} {interval}"] = model.forecast(
                    sid, horizon, freq=freq, interval=interval
                )
            out[f"{sid} total {freq}{horizon}"] = model.horizon_total(sid, horizon, freq=freq)
        out[f"{sid} history"] = model.history(sid)
        out[f"{sid} backtest"] = model.backtest(sid)
    return out


def _assert_same(ours: dict[str, object], theirs: dict[str, object]) -> None:
    assert ours.keys() == theirs.keys()
    for key, value in ours.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, theirs[key], check_exact=True, obj=key)
        elif isinstance(value, pd.Series):
            pd.testing.assert_series_equal(value, theirs[key], check_exact=True, obj=key)
        else:
            assert value == theirs[key], key


def test_the_arrays_serve_what_the_parquet_companions_serve(daily: OpsServices) -> None:
    served = served_snapshots(daily.engine, master_versions(daily.engine))
    for level in LEVELS:
        snapshot = served[level]
        arrays = companion(snapshot, ARRAYS_SUFFIX)
        assert arrays.is_file()
        from_arrays = _served(StoredForecaster.open(snapshot, cache_series=1))
        hidden = arrays.with_name(arrays.name + ".hidden")
        arrays.rename(hidden)  # a snapshot published before the arrays existed: read from Parquet
        try:
            from_parquet = _served(StoredForecaster.open(snapshot, cache_series=1))
        finally:
            hidden.rename(arrays)
        _assert_same(from_arrays, from_parquet)


def test_a_worker_serves_from_the_arrays_without_the_parquet_files(
    daily: OpsServices, tmp_path: Path
) -> None:
    served = served_snapshots(daily.engine, master_versions(daily.engine))
    expected = {lv: _served(StoredForecaster.open(s, cache_series=1)) for lv, s in served.items()}
    holder = ModelHolder(daily.engine, poll_seconds=3600, cache_series=1)
    snap = holder.snapshot()
    aside = tmp_path / "aside"
    aside.mkdir()
    for snapshot in served.values():  # the points and companion rows gone: only the arrays are read
        for file in (Path(snapshot.path), companion(snapshot, SERIES_SUFFIX)):
            shutil.move(file, aside / file.name)
    for level in LEVELS:
        model = snap.get(level)
        assert isinstance(model, StoredForecaster) and model.cached_series() <= 1
        _assert_same(_served(model), expected[level])


def test_an_arrays_file_of_the_wrong_size_is_refused_and_the_artifact_serves(daily: OpsServices) -> None:
    served = served_snapshots(daily.engine, master_versions(daily.engine))
    arrays = companion(served["product"], ARRAYS_SUFFIX)
    with arrays.open("r+b") as handle:
        handle.truncate(arrays.stat().st_size - 4)
    with pytest.raises(ValueError, match="bytes, expected"):
        StoredForecaster.open(served["product"])
    holder = ModelHolder(daily.engine, poll_seconds=3600)
    snap = holder.snapshot()
    assert snap.served["product"] is None and snap.served["store"] == served["store"].id
    assert not isinstance(snap.get("product"), StoredForecaster)
    sid = next(iter(snap.get("product").series_ids))
    assert len(holder.forecast("product", sid, 5)) == 5
