"""Published forecasts: a promotion writes a snapshot that the holder, the views and the CLI then serve;
an upload moves the origin to the newest complete data without a training; undo moves it back; the
archive stays bounded by the retention; the leader's job publishes what is due."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select, update

from data.forecast_store import (
    META_SUFFIX,
    SERIES_SUFFIX,
    companion,
    list_snapshots,
    read_points,
    served_snapshots,
)
from data.queries import list_products
from data.reporting import load_reporting
from data.schema import ForecastSnapshot, ModelVersion
from data.storage import import_sales_frame
from models.artifacts import load_artifact
from models.holder import ModelHolder
from models.pipeline import run_training
from models.publishing import apply_retention, publish_due, publish_masters
from models.reconciliation import reconcile_masters
from models.registry import get_version, master_versions
from models.stored import StoredForecaster, load_served
from services import imports, undo
from services.forecast_view import HolderSource, RegistrySource, ViewQuery, forecast_view
from tests.models.conftest import make_sales
from tests.ops.conftest import OpsServices, ops_config

START = "2024-01-01"
DAYS = 150


def _daily(periods: int = DAYS) -> pd.DataFrame:
    return make_sales("D", periods=periods, n_stores=2, n_products=3, seed=3, start=START)


def trained_daily(engine: Engine, folder: Path) -> OpsServices:
    """Daily sales of 2 stores x 3 products, trained with the fast configuration (every level MASTER)."""
    import_sales_frame(engine, _daily(), filename="daily.csv", uploaded_by="test")
    services = OpsServices(engine, ops_config(folder, engine.url.render_as_string(hide_password=False)))
    outcomes = run_training(engine, services.config, source="test")
    assert all(o.promoted for o in outcomes.values())
    return services


@pytest.fixture
def daily(engine: Engine, tmp_path: Path) -> OpsServices:
    """``trained_daily`` on the test's SQLite database (tests/postgres runs the same on PostgreSQL)."""
    return trained_daily(engine, tmp_path)


def _n_versions(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(ModelVersion))


def _csv(folder: Path, frame: pd.DataFrame, name: str) -> Path:
    path = folder / name
    out = frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d"))
    out.to_csv(path, index=False)
    return path


def test_a_promotion_publishes_every_level_and_the_holder_serves_the_snapshot(daily: OpsServices) -> None:
    engine = daily.engine
    masters = master_versions(engine)
    served = served_snapshots(engine, masters)
    assert set(served) == {"store", "category", "product"}
    assert {s.reason for s in served.values()} == {"promotion"}
    holder = ModelHolder(engine, poll_seconds=3600, cache_series=2)
    snap = holder.snapshot()
    assert dict(snap.served) == {lv: s.id for lv, s in served.items()}
    # What is published (served and archived) is the three MASTERs reconciled together.
    reconciled = reconcile_masters(
        {lv: load_artifact(get_version(engine, v).artifact_path) for lv, v in masters.items()},
        dict(list_products(engine)),
    )
    assert reconciled.coherence.coherent, reconciled.coherence
    assert snap.coherence is not None and snap.coherence.method == reconciled.coherence.method
    for level, version in masters.items():
        model = snap.get(level)
        assert isinstance(model, StoredForecaster) and model.version == version
        assert model.coherence == snap.coherence
        artifact = reconciled.models[level]
        assert model.series_ids == tuple(sorted(artifact.series_ids))
        assert model.data_range == artifact.data_range
        for sid in artifact.series_ids:
            for freq, horizon in (("D", 30), ("W", 8), ("M", 3)):
                for interval in (0.8, 0.95):
                    pd.testing.assert_frame_equal(
                        holder.forecast(level, sid, horizon, freq=freq, interval=interval),
                        artifact.forecast(sid, horizon, freq=freq, interval=interval),
                    )
            pd.testing.assert_series_equal(model.history(sid), artifact.history(sid))
            archived = read_points(served[level], [sid])  # "what we said" is what is served
            for interval, lo, hi in ((0.8, "lo80", "hi80"), (0.95, "lo95", "hi95")):
                full = artifact.forecast(sid, artifact.max_horizon, interval=interval)
                assert archived["date"].tolist() == full["date"].tolist()
                for ours, theirs in (("forecast", "forecast"), (lo, "lower"), (hi, "upper")):
                    assert np.allclose(archived[ours], full[theirs], rtol=1e-6, atol=1e-3)
            pd.testing.assert_frame_equal(model.backtest(sid), artifact.backtest(sid))
        assert model.cached_series() <= 2  # the LRU bound, not the number of series
    view = forecast_view(HolderSource.of(holder), ViewQuery("store", "store=*", "W", 8, backtest=True))
    cli = RegistrySource(engine)
    assert isinstance(cli.model("store"), StoredForecaster)
    pd.testing.assert_frame_equal(
        view.forecast80, cli.forecast("store", "store=*", 8, freq="W", interval=0.8), check_dtype=False
    )


def test_an_upload_moves_the_origin_without_a_training(daily: OpsServices, tmp_path: Path) -> None:
    engine = daily.engine
    versions, n_versions = master_versions(engine), _n_versions(engine)
    before = {lv: s.id for lv, s in served_snapshots(engine, versions).items()}
    holder = ModelHolder(engine, poll_seconds=3600)
    first = holder.forecast("product", "store=S01|product=P00", 3)["date"].iloc[0]
    assert first == pd.Timestamp(START) + pd.Timedelta(days=DAYS)
    # Ten more days; store S02 reports two days fewer, so the complete data ends 8 days later.
    later = _daily(DAYS + 10)
    later = later[later["date"] >= pd.Timestamp(START) + pd.Timedelta(days=DAYS)]
    later = later[
        ~((later["store"] == "S02") & (later["date"] >= later["date"].max() - pd.Timedelta(days=1)))
    ]
    outcome = imports.import_sales(daily, [_csv(tmp_path, later, "more.csv")], actor="test")
    assert outcome.rejection is None and {p.level for p in outcome.published} == set(versions)
    assert all(p.moved for p in outcome.published)
    through = load_reporting(engine, silent_days=35).complete_through
    assert through == (pd.Timestamp(START) + pd.Timedelta(days=DAYS + 7)).date()
    assert master_versions(engine) == versions and _n_versions(engine) == n_versions  # no training
    now = served_snapshots(engine, versions)
    assert all(now[lv].id != before[lv] and now[lv].reason == "data" for lv in versions)
    assert {s.origin for s in now.values()} == {through}
    holder.refresh()
    for level, sid in (
        ("store", "store=*"),
        ("product", "store=S01|product=P00"),
        ("category", "store=S02|category=C1"),
    ):
        frame = holder.forecast(level, sid, 3)
        assert frame["date"].iloc[0] == pd.Timestamp(through) + pd.Timedelta(days=1)
        history = holder.get(level).history(sid)
        assert history.index[-1] == pd.Timestamp(through)
    # Undo the upload: the forecasts start after the old data again, still without a training.
    done = undo.undo_upload(daily, outcome.results[0].upload_id, actor="test")
    assert done.done is not None and {p.origin for p in done.published} == {
        (pd.Timestamp(START) + pd.Timedelta(days=DAYS - 1)).date()
    }
    holder.refresh()
    assert holder.forecast("product", "store=S01|product=P00", 3)["date"].iloc[0] == first
    assert _n_versions(engine) == n_versions


def test_the_archive_is_bounded_by_the_retention(daily: OpsServices) -> None:
    engine, config = daily.engine, daily.config.replace(forecast_retention_days=10)
    for _ in range(3):
        publish_masters(engine, config, reason="daily")
    snaps = list_snapshots(engine, level="store")
    assert len(snaps) == 4  # the promotion's and three daily ones
    now = dt.datetime(2030, 1, 31)
    ages = [40, 20, 9, 1]  # days before ``now``, the same for the snapshots of every level
    with engine.begin() as conn:
        for level in ("store", "category", "product"):
            for snap, age in zip(list_snapshots(engine, level=level), ages, strict=True):
                conn.execute(
                    update(ForecastSnapshot)
                    .where(ForecastSnapshot.id == snap.id)
                    .values(created_at=now - dt.timedelta(days=age))
                )
    removed = apply_retention(engine, config, now=now)
    assert removed == 2 * 3  # the two older than 10 days, of each of the three levels
    kept = list_snapshots(engine, level="store")
    assert [s.id for s in kept] == [s.id for s in snaps[2:]]
    for gone in snaps[:2]:
        for file in (Path(gone.path), companion(gone, SERIES_SUFFIX), companion(gone, META_SUFFIX)):
            assert not file.exists()
    assert all(Path(s.path).exists() and companion(s, SERIES_SUFFIX).exists() for s in kept)


def test_the_leader_publishes_what_is_missing_or_older_than_the_setting(daily: OpsServices) -> None:
    engine, config = daily.engine, daily.config.replace(forecast_publish_hours=24.0)
    now = max(s.created_at for s in list_snapshots(engine)) + dt.timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(ForecastSnapshot.__table__.delete().where(ForecastSnapshot.level == "category"))
        conn.execute(
            update(ForecastSnapshot)
            .where(ForecastSnapshot.level == "store")
            .values(created_at=now - dt.timedelta(hours=30))
        )
    done = publish_due(engine, config, now=now)
    # One reconciled run: the missing and the stale level, and the product level with them (its
    # reconciled numbers change too), all on one origin.
    assert sorted((p.level, p.moved) for p in done) == [
        ("category", False),
        ("product", False),
        ("store", True),
    ]
    assert len({p.origin for p in done}) == 1
    newest = served_snapshots(engine, master_versions(engine))
    assert (newest["category"].reason, newest["store"].reason, newest["product"].reason) == (
        "promotion",
        "daily",
        "coherence",
    )
    assert publish_due(engine, config, now=now) == []


def test_a_snapshot_that_cannot_be_opened_falls_back_to_the_artifact(daily: OpsServices) -> None:
    engine = daily.engine
    served = served_snapshots(engine, master_versions(engine))
    companion(served["store"], META_SUFFIX).write_text("{not json", encoding="utf-8")
    holder = ModelHolder(engine, poll_seconds=3600)
    snap = holder.snapshot()
    assert snap.served["store"] is None and snap.served["product"] == served["product"].id
    assert not isinstance(snap.get("store"), StoredForecaster)
    assert holder.refused_version("store") is None  # the version serves: only its snapshot was refused
    assert len(holder.forecast("store", "store=*", 5)) == 5
    assert not isinstance(load_served(engine, "store", master_versions(engine)["store"]), StoredForecaster)
