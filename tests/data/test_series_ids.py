"""Series ids served from a snapshot: sorted, compact, memory-mapped, answering like a tuple of ids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import update

from data import series_ids as series_ids_module
from data.forecast_store import (
    IDS_SUFFIX,
    META_SUFFIX,
    companion,
    open_series_ids,
    prune_snapshots,
    write_snapshot,
)
from data.schema import ForecastSnapshot
from data.series_ids import SeriesIds
from tests.data.test_forecast_store import _points

NAMES = [
    "store=Loja B|product=Água 1L",
    "store=*|product=Zebra",
    "store=Loja A|product=Açúcar",
    "store=*|product=Arroz",
]


def test_ids_are_sorted_distinct_and_answer_like_a_sorted_tuple():
    ids = SeriesIds.from_values([*NAMES, NAMES[0]])
    expected = tuple(sorted(set(NAMES)))  # Python's order, accents included (UTF-8 byte order agrees)
    assert ids == expected and list(ids) == list(expected) and len(ids) == 4
    assert ids[0] == expected[0] and ids[-1] == expected[-1]
    assert ids[1:3] == expected[1:3] and isinstance(ids[1:3], SeriesIds)
    assert ids[::2] == expected[::2]
    assert all(name in ids for name in NAMES)
    assert "store=Loja C|product=Arroz" not in ids and 42 not in ids
    assert ids.index(expected[2]) == 2 and ids.count(expected[2]) == 1 and ids.count("x") == 0
    with pytest.raises(ValueError, match="not a served series id"):
        ids.index("store=Loja C|product=Arroz")
    assert ids.is_sorted()
    assert not SeriesIds(pa.array(["b", "a"])).is_sorted()
    assert not SeriesIds(pa.array(["a", "a"])).is_sorted()  # duplicates are not "sorted distinct"


def test_iteration_and_hints_cover_many_ids_without_listing_them_all(monkeypatch):
    monkeypatch.setattr(series_ids_module, "ITER_CHUNK", 7)
    names = [f"store=Loja {i:04d}|product=Arroz" for i in range(1000)]
    ids = SeriesIds.from_values(reversed(names))
    assert list(ids) == names  # iterated 7 at a time
    assert ids.close_matches("store=Loja 0500|product=Aroz")[0] == "store=Loja 0500|product=Arroz"
    assert len(ids.close_matches("store=Loja 0500|product=Aroz", n=3)) == 3


def test_positions_of_many_ids_at_once_are_their_index_or_minus_one():
    names = [f"store=Loja {i:04d}|product=Arroz" for i in range(0, 2000, 2)] + NAMES
    ids = SeriesIds.from_values(names)
    asked = [
        *reversed(NAMES),
        "store=Loja 0001|product=Arroz",  # between two ids
        "store=Loja 1998|product=Arroz",  # the last of its kind
        "",  # before every id
        "zzz",  # after every id
        "store=Loja 0000|product=Arroz",
        NAMES[0],  # asked twice
    ]
    expected = [ids.index(a) if a in ids else -1 for a in asked]
    assert ids.positions(asked).tolist() == expected
    assert expected.count(-1) == 3
    assert ids.positions([]).tolist() == []
    assert SeriesIds.from_values([]).positions(["a"]).tolist() == [-1]
    assert SeriesIds.from_values(["only"]).positions(["only", "other"]).tolist() == [0, -1]


def test_wrong_inputs_are_refused():
    with pytest.raises(ValueError, match="must be strings"):
        SeriesIds(pa.array([1, 2]))
    with pytest.raises(ValueError, match="must not be null"):
        SeriesIds(pa.array(["a", None]))


def test_a_file_of_ids_maps_back_without_copying(tmp_path):
    ids = SeriesIds.from_values(f"store=S{i:05d}|product=P" for i in range(20_000))
    ids.write(tmp_path / "x.ids.arrow")
    before = pa.total_allocated_bytes()
    mapped = SeriesIds.open(tmp_path / "x.ids.arrow")
    assert pa.total_allocated_bytes() - before < 4096 < mapped.nbytes()  # a map of the file, not a copy
    assert mapped == ids and "store=S12345|product=P" in mapped


def _serving_snapshot(engine, folder, series, meta=None):
    return write_snapshot(
        engine,
        folder,
        level="product",
        model_version="v1",
        origin=dt.date(2023, 12, 31),
        freq="D",
        reason="promotion",
        points=_points(series),
        meta={"meta_format": 1} if meta is None else meta,
    )


def test_a_serving_snapshot_carries_its_ids_file_and_older_ones_still_open(engine, tmp_path):
    series = ["store=B|product=y", "store=A|product=x", "store=*|product=x"]
    info = _serving_snapshot(engine, tmp_path, series)
    assert companion(info, IDS_SUFFIX).is_file()
    assert open_series_ids(info) == tuple(sorted(series))
    # Published before the ids file existed: the ids listed in the meta, else read from the points.
    companion(info, IDS_SUFFIX).unlink()
    assert open_series_ids(info, {"series_ids": sorted(series)}) == tuple(sorted(series))
    assert open_series_ids(info) == tuple(sorted(series))
    # A points-only snapshot (the archive of a bench, say) writes no ids file.
    bare = write_snapshot(
        engine, tmp_path, level="store", model_version="v2", origin=dt.date(2023, 12, 31), freq="D",
        reason="promotion", points=_points(["store=*"]),
    )  # fmt: skip
    assert not companion(bare, IDS_SUFFIX).exists() and not companion(bare, META_SUFFIX).exists()


def test_retention_removes_the_ids_file_with_its_snapshot(engine, tmp_path):
    old = _serving_snapshot(engine, tmp_path, ["store=A|product=x"])
    new = _serving_snapshot(engine, tmp_path, ["store=A|product=x"])
    with engine.begin() as conn:
        conn.execute(
            update(ForecastSnapshot)
            .where(ForecastSnapshot.id == old.id)
            .values(created_at=dt.datetime(2020, 1, 1))
        )
    assert prune_snapshots(engine, tmp_path, older_than=dt.datetime(2021, 1, 1)) == 1
    assert not companion(old, IDS_SUFFIX).exists() and not Path(old.path).exists()
    assert companion(new, IDS_SUFFIX).is_file()
