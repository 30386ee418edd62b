"""Small hand-made cases shared by the SQLite and PostgreSQL monitoring tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from data.forecast_store import POINT_COLUMNS, SnapshotInfo, write_snapshot
from tests.monitoring.conftest import T

# Actuals of the all-stores series for T+1..T+7 (S1 + S2 below) and a flat forecast of 100
# with 80% range 90..110 and 95% range 80..120.
ACTUAL = [100.0, 110.0, 90.0, 120.0, 80.0, 100.0, 105.0]
S1 = [60.0, 60.0, 50.0, 70.0, 40.0, 60.0, 65.0]
S2 = [a - b for a, b in zip(ACTUAL, S1, strict=True)]


def week_sales(days_before: int = 14) -> pd.DataFrame:
    """Daily sales of one product in two stores: flat history up to T, then the week T+1..T+7."""
    dates = pd.date_range(pd.Timestamp(T) - pd.Timedelta(days=days_before - 1), periods=days_before, freq="D")
    future = pd.date_range(pd.Timestamp(T) + pd.Timedelta(days=1), periods=7, freq="D")
    rows = []
    for store, week in (("S1", S1), ("S2", S2)):
        rows += [(d, store, "C", "P", 50.0) for d in dates]
        rows += [(d, store, "C", "P", v) for d, v in zip(future, week, strict=True)]
    return pd.DataFrame(rows, columns=["date", "store", "category", "product", "revenue"])


def flat_points(series: list[str], steps: int = 10) -> pd.DataFrame:
    """A flat forecast of 100 (80%: 90..110, 95%: 80..120) for T+1.. of each series."""
    dates = pd.date_range(pd.Timestamp(T) + pd.Timedelta(days=1), periods=steps, freq="D")
    return pd.DataFrame(
        [(sid, d, 100.0, 90.0, 110.0, 80.0, 120.0) for sid in series for d in dates],
        columns=list(POINT_COLUMNS),
    )


def archive_flat(
    engine: Engine, folder: Path, series: list[str], *, reason: str = "promotion", steps: int = 10
) -> SnapshotInfo:
    """Archive ``flat_points(series, steps)`` as store-level version ``v1`` published at ``T`` (daily)."""
    return write_snapshot(
        engine,
        folder,
        level="store",
        model_version="v1",
        origin=T,
        freq="D",
        reason=reason,
        points=flat_points(series, steps=steps),
    )
