"""Fixtures for live-operations tests: a small seeded monthly panel trained with a fast config.

Real SQLite through the migrated ``engine`` fixture, real engine fits (seasonal naive + one theta)
that take well under a second, so tests can train as often as they need to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from app.config import Settings
from data.storage import import_sales_frame
from models.pipeline import run_training
from tests.ops.sample import monthly_sales
from tests.support.apps import FAST_TRAINING


def ops_config(tmp_path: Path, database_url: str, **extra: Any) -> Settings:
    """The settings job functions read: fast training, models and uploads under ``tmp_path``."""
    return Settings().with_overrides(
        {
            "DATABASE_URL": database_url,
            "MODEL_DIR": str(tmp_path / "models"),
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "TRAIN_TIMEOUT_SECONDS": 120,
            "JOB_HEARTBEAT_SECONDS": 0.5,
            "RETRAIN_MIN_NEW_ROWS": 30,
            "RETRAIN_MIN_NEW_DAYS": 60,
            "OFFPEAK_START": "00:00",
            "OFFPEAK_END": "06:00",
            **FAST_TRAINING,
            **extra,
        }
    )


class OpsServices:
    """What job functions and the retraining use cases read from ``app.services.Services``."""

    def __init__(self, engine: Engine, config: Settings) -> None:
        self.engine = engine
        self.config = config
        self.sessions = sessionmaker(engine)


@pytest.fixture
def services(engine: Engine, tmp_path: Path) -> OpsServices:
    """Services on the migrated test database with monthly sales imported (no model yet)."""
    import_sales_frame(engine, monthly_sales(), filename="monthly.csv", uploaded_by="test")
    return OpsServices(engine, ops_config(tmp_path, engine.url.render_as_string(hide_password=False)))


@pytest.fixture
def trained(services: OpsServices) -> OpsServices:
    """``services`` after one fast training: every level has a MASTER."""
    outcomes = run_training(services.engine, services.config, source="test")
    assert all(o.promoted for o in outcomes.values()), {lv: o.reason for lv, o in outcomes.items()}
    return services
