"""The forecast store: snapshots written atomically, registered, read per series, pruned by age."""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlalchemy import update

from data.forecast_store import (
    POINT_COLUMNS,
    SeriesReader,
    latest_snapshot,
    list_snapshots,
    open_series_ids,
    prune_snapshots,
    read_points,
    register_snapshots,
    stage_snapshot,
    stage_snapshot_parts,
    write_snapshot,
)
from data.schema import ForecastSnapshot


def _points(series: list[str], start: str = "2024-01-01", steps: int = 7) -> pd.DataFrame:
    dates = pd.date_range(start, periods=steps, freq="D")
    rows = [
        (sid, d, 100.0 + i + k, 90.0 + i, 110.0 + i, 80.0 + i, 120.0 + i)
        for k, sid in enumerate(series)
        for i, d in enumerate(dates)
    ]
    return pd.DataFrame(rows, columns=list(POINT_COLUMNS))


def _snapshot(engine, folder, level="product", series=("store=A|product=x", "store=B|product=y"), **kw):
    args = {"model_version": "v1", "origin": dt.date(2023, 12, 31), "freq": "D", "reason": "promotion"}
    args.update(kw)
    return write_snapshot(engine, folder, level=level, points=_points(list(series)), **args)


def test_a_snapshot_round_trips_and_is_registered(engine, tmp_path):
    info = _snapshot(engine, tmp_path)
    assert (info.level, info.model_version, info.origin, info.n_series, info.n_rows) == (
        "product",
        "v1",
        dt.date(2023, 12, 31),
        2,
        14,
    )
    assert [i.id for i in list_snapshots(engine)] == [info.id]
    back = read_points(info)
    expected = _points(["store=A|product=x", "store=B|product=y"])
    pd.testing.assert_frame_equal(back, expected)


def test_snapshots_published_together_are_registered_all_or_none(engine, tmp_path):
    """Levels reconciled together become visible in one transaction; a failed registration leaves
    no row and no file of any of them."""
    args = {"model_version": "v1", "origin": dt.date(2023, 12, 31), "freq": "D", "reason": "coherence"}
    staged = [
        stage_snapshot(tmp_path, level=lv, points=_points([f"{lv}-series"]), **args)
        for lv in ("store", "category")
    ]
    assert list_snapshots(engine) == []  # files written, nothing visible yet
    infos = register_snapshots(engine, staged)
    assert [i.level for i in infos] == ["store", "category"]
    assert [i.id for i in list_snapshots(engine)] == [i.id for i in infos]
    good = stage_snapshot(tmp_path, level="product", points=_points(["p"]), **args)
    bad = stage_snapshot(tmp_path, level="store", points=_points(["s"]), **args)
    bad.values["model_version"] = None  # NOT NULL: the insert fails after the first row of the batch
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error
        register_snapshots(engine, [good, bad])
    assert [i.id for i in list_snapshots(engine)] == [i.id for i in infos]
    assert not os.path.exists(good.values["path"]) and not os.path.exists(bad.values["path"])


def test_reading_some_series_returns_only_those(engine, tmp_path):
    series = [f"store=S{i:03d}|product=p" for i in range(300)]
    info = _snapshot(engine, tmp_path, series=series)
    back = read_points(info, ["store=S007|product=p", "store=S250|product=p", "unknown"])
    assert sorted(back["series_id"].unique()) == ["store=S007|product=p", "store=S250|product=p"]
    assert np.allclose(back.loc[back.series_id == "store=S250|product=p", "forecast"].iloc[0], 350.0)


def test_latest_snapshot_is_per_level(engine, tmp_path):
    first = _snapshot(engine, tmp_path, model_version="v1")
    second = _snapshot(engine, tmp_path, model_version="v2", reason="data")
    store = _snapshot(engine, tmp_path, level="store", series=["store=*"])
    assert latest_snapshot(engine, "product").id == second.id != first.id
    assert latest_snapshot(engine, "store").id == store.id
    assert latest_snapshot(engine, "category") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="hi95"), "lack column"),
        (lambda f: pd.concat([f, f.iloc[:1]]), "repeat"),
    ],
)
def test_malformed_points_register_nothing(engine, tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        write_snapshot(
            engine,
            tmp_path,
            level="store",
            model_version="v1",
            origin=dt.date(2024, 1, 1),
            freq="D",
            reason="promotion",
            points=change(_points(["store=*"])),
        )
    assert list_snapshots(engine) == []
    assert (
        not list((tmp_path / "forecasts").glob("*/*.parquet")) if (tmp_path / "forecasts").exists() else True
    )


def test_retention_deletes_old_snapshots_but_keeps_the_newest_of_each_level(engine, tmp_path):
    old_store = _snapshot(engine, tmp_path, level="store", series=["store=*"])
    old = _snapshot(engine, tmp_path)
    new = _snapshot(engine, tmp_path, model_version="v2")
    long_ago = dt.datetime(2020, 1, 1)
    with engine.begin() as conn:
        conn.execute(
            update(ForecastSnapshot)
            .where(ForecastSnapshot.id.in_([old_store.id, old.id]))
            .values(created_at=long_ago)
        )
    orphan = tmp_path / "forecasts" / "product" / "orphan.parquet"
    orphan.write_bytes(b"not registered")
    os.utime(orphan, (0, 0))
    deleted = prune_snapshots(engine, tmp_path, older_than=dt.datetime(2021, 1, 1))
    assert deleted == 1
    assert {i.id for i in list_snapshots(engine)} == {old_store.id, new.id}
    assert not orphan.exists()
    assert not (tmp_path / "forecasts" / "product").joinpath(old.path.rsplit("/", 1)[1]).exists()


def test_a_series_reader_finds_series_that_straddle_row_groups(engine, tmp_path):
    series = [f"store=S{i:03d}|product=p" for i in range(300)]
    info = write_snapshot(
        engine,
        tmp_path,
        level="product",
        model_version="v1",
        origin=dt.date(2023, 12, 31),
        freq="D",
        reason="promotion",
        points=_points(series, steps=500),  # 150,000 rows: three row groups, boundaries inside series
    )
    reader = SeriesReader(info.path)
    straddling = [series[65_536 // 500], series[131_072 // 500], series[0], series[-1]]
    for sid in straddling:
        rows = reader.rows(sid).to_pandas()
        assert len(rows) == 500 and set(rows["series_id"]) == {sid}
        assert np.allclose(rows["forecast"], read_points(info, [sid])["forecast"])
    assert reader.rows("store=S999|product=p").num_rows == 0
    # Statistics of the series id only: they prune by series; a date range still reads right.
    meta = pq.ParquetFile(info.path).metadata
    names = meta.schema.names
    for group in range(meta.num_row_groups):
        for i, name in enumerate(names):
            stats = meta.row_group(group).column(i).statistics
            assert (stats is not None and stats.has_min_max) == (name == "series_id"), name
    window = read_points(info, [series[7]], dates=(dt.date(2024, 1, 3), dt.date(2024, 1, 5)))
    assert window["date"].dt.day.tolist() == [3, 4, 5]


def test_a_snapshot_written_in_parts_equals_the_one_written_whole(engine, tmp_path):
    """Publishing writes a level a part of series at a time (bounded memory): same rows, same ids."""
    series = [f"store=S{i}|product=p" for i in range(5)]
    args = {"level": "product", "model_version": "v1", "origin": dt.date(2023, 12, 31), "freq": "D"}
    points = _points(series)
    whole = write_snapshot(engine, tmp_path, reason="promotion", points=points, **args)
    first = points["series_id"].isin(series[:2])
    staged = stage_snapshot_parts(
        tmp_path,
        reason="promotion",
        parts=[(points[first], None), (points.iloc[:0], None), (points[~first], None)],
        serving=True,
        row_group_rows=4,
        **args,
    )
    (parted,) = register_snapshots(engine, [staged])
    assert (parted.n_series, parted.n_rows) == (whole.n_series, whole.n_rows) == (5, 35)
    back = read_points(parted)
    pd.testing.assert_frame_equal(back, read_points(whole))
    assert open_series_ids(parted) == tuple(series)


def test_parts_out_of_series_order_are_refused_and_leave_no_file(engine, tmp_path):
    args = {"level": "product", "model_version": "v1", "origin": dt.date(2023, 12, 31), "freq": "D"}
    parts = [(_points(["store=B|product=p"]), None), (_points(["store=A|product=p"]), None)]
    with pytest.raises(ValueError, match="increasing series order"):
        stage_snapshot_parts(tmp_path, reason="promotion", parts=parts, serving=True, **args)
    assert not [p for p in (tmp_path / "forecasts").rglob("*") if p.is_file()]
