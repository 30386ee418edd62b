"""The serving arrays of a snapshot: one fixed-width float32 row per series, written part by part in
the ids' order, read back by position; bad shapes refused with nothing left behind."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.array_rows import ArrayRows
from data.forecast_store import (
    POINT_COLUMNS,
    open_arrays,
    open_series_ids,
    register_snapshots,
    stage_snapshot_parts,
)

ARGS = {"level": "product", "model_version": "v1", "origin": dt.date(2023, 12, 31), "freq": "D"}


def _points(series: list[str], steps: int = 3) -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=steps, freq="D")
    rows = [(sid, d, 1.0, 0.0, 2.0, 0.0, 3.0) for sid in series for d in dates]
    return pd.DataFrame(rows, columns=list(POINT_COLUMNS))


def _rows(first: int, n: int, width: int = 5) -> np.ndarray:
    """Rows whose values name their series (``first + i``) and column, NaN in the last column."""
    block = np.arange(first, first + n, dtype=np.float32)[:, None] * 100 + np.arange(width, dtype=np.float32)
    block[:, -1] = np.nan
    return block


def test_rows_written_in_parts_are_read_back_by_series_position(engine, tmp_path) -> None:
    series = [f"store=S{i}|product=p" for i in range(5)]
    parts = [
        (_points(series[:2]), None, None, _rows(0, 2)),
        (_points([]), None, None, _rows(0, 0)),
        (_points(series[2:]), None, None, _rows(2, 3)),
    ]
    staged = stage_snapshot_parts(tmp_path, reason="promotion", parts=parts, serving=True, **ARGS)
    (info,) = register_snapshots(engine, [staged])
    assert open_series_ids(info) == tuple(series)
    rows = open_arrays(info, info.n_series, 5)
    assert isinstance(rows, ArrayRows)
    for position in (4, 0, 2):
        got = rows.row(position)
        np.testing.assert_array_equal(got, _rows(position, 1)[0])  # NaN compares equal here
        got[0] = -1.0  # the caller owns its copy: a second read is unchanged
        assert rows.row(position)[0] == position * 100
    with pytest.raises(IndexError, match=r"outside 0\.\.4"):
        rows.row(5)
    with pytest.raises(ValueError, match="expected 5 series"):  # the layout the reader expects differs
        open_arrays(info, info.n_series, 6)
    rows.close()


def test_a_snapshot_without_arrays_has_none(engine, tmp_path) -> None:
    staged = stage_snapshot_parts(
        tmp_path, reason="promotion", parts=[(_points(["store=A|product=p"]), None)], serving=True, **ARGS
    )
    (info,) = register_snapshots(engine, [staged])
    assert open_arrays(info, 1, 5) is None


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ([_rows(0, 2), _rows(2, 3, width=4)], "4 wide after parts 5 wide"),
        ([_rows(0, 2), _rows(2, 2)], r"shape \(2, 5\) for a part of 3 series"),
    ],
)
def test_arrays_of_the_wrong_shape_are_refused_and_leave_no_file(engine, tmp_path, arrays, message) -> None:
    series = [f"store=S{i}|product=p" for i in range(5)]
    parts = [
        (_points(series[:2]), None, None, arrays[0]),
        (_points(series[2:]), None, None, arrays[1]),
    ]
    with pytest.raises(ValueError, match=message):
        stage_snapshot_parts(tmp_path, reason="promotion", parts=parts, serving=True, **ARGS)
    assert not [p for p in (tmp_path / "forecasts").rglob("*") if p.is_file()]
