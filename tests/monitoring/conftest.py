"""Fixtures for the monitoring tests: services on a migrated database, snapshots from a real MASTER."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from app.config import Settings
from data.forecast_store import SnapshotInfo, write_snapshot
from data.schema import AuditEvent
from tests.support.apps import FAST_TRAINING


class MonitorServices:
    """What the monitoring use cases and the nightly gate read from ``app.services.Services``."""

    def __init__(self, engine: Engine, config: Settings) -> None:
        self.engine = engine
        self.config = config
        self.sessions = sessionmaker(engine)


def monitor_config(tmp_path: Path, database_url: str, **extra: Any) -> Settings:
    """Fast training, models under ``tmp_path``, a data gate that would never train on its own."""
    return Settings().with_overrides(
        {
            "DATABASE_URL": database_url,
            "MODEL_DIR": str(tmp_path / "models"),
            "RETRAIN_MIN_NEW_ROWS": 10**9,
            "RETRAIN_MIN_NEW_DAYS": 10**6,
            "OFFPEAK_START": "00:00",
            "OFFPEAK_END": "06:00",
            **FAST_TRAINING,
            **extra,
        }
    )


@pytest.fixture
def make_services(tmp_path: Path):
    """``make_services(engine, **settings)``: the services bundle on ``engine``."""

    def make(engine: Engine, **extra: Any) -> MonitorServices:
        url = engine.url.render_as_string(hide_password=False)
        return MonitorServices(engine, monitor_config(tmp_path, url, **extra))

    return make


def archive_master(engine: Engine, folder: Path, model: Any, *, horizon: int) -> SnapshotInfo:
    """Archive ``model``'s forecasts of every series (80% and 95% bounds) as a snapshot at its origin."""
    rows = []
    for sid in model.series_ids:
        f80 = model.forecast(sid, horizon, interval=0.8)
        f95 = model.forecast(sid, horizon, interval=0.95)
        rows.append(
            pd.DataFrame(
                {
                    "series_id": sid,
                    "date": f80["date"],
                    "forecast": f80["forecast"],
                    "lo80": f80["lower"],
                    "hi80": f80["upper"],
                    "lo95": f95["lower"],
                    "hi95": f95["upper"],
                }
            )
        )
    return write_snapshot(
        engine,
        folder,
        level=model.level,
        model_version=model.version,
        origin=model.data_range[1],
        freq=model.freq,
        reason="promotion",
        points=pd.concat(rows, ignore_index=True),
    )


def train_and_archive(services: MonitorServices, folder: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """Import 48 of 50 months of the ops sample, train every level, archive the store and product
    MASTERs' forecasts at their origin; return the models and the 2 later months (not imported)."""
    from data.storage import import_sales_frame
    from models.artifacts import load_artifact
    from models.pipeline import run_training
    from models.registry import master_version
    from tests.ops.sample import monthly_sales

    sales = monthly_sales(months=50)
    history = sales.loc[sales["date"] < "2023-01-01"]
    import_sales_frame(services.engine, history, filename="history.csv", uploaded_by="test")
    outcomes = run_training(services.engine, services.config, source="test")
    assert all(o.promoted for o in outcomes.values())
    models = {}
    for level in ("store", "product"):
        info = master_version(services.engine, level)
        models[level] = load_artifact(info.artifact_path).with_version(info.id)
        archive_master(services.engine, folder, models[level], horizon=12)
    return models, sales.loc[sales["date"] >= "2023-01-01"]


def audit_actions(engine: Engine) -> list[tuple[str, str, dict]]:
    """The audit log as (actor, action, detail), oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)
        ).all()
    return [(a, b, c or {}) for a, b, c in rows]


T = dt.date(2024, 3, 10)  # a Sunday; the tests never read today's date
