"""Dashboard fixtures: one small trained database per test session (real import, real training)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.config import Settings
from callbacks.catalogue import CatalogueCache
from data.db import make_engine
from models.holder import ModelHolder
from tests.browser.forecast_server import build_trained_instance


@pytest.fixture(scope="session")
def trained_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database with 2 stores x 6 products of demo sales (2024-01 → 2025-06) and MASTERs of every level."""
    instance: Path = tmp_path_factory.mktemp("dashboard-instance")
    build_trained_instance(
        instance, seed=11, n_stores=2, n_products=6, start=dt.date(2024, 1, 1), end=dt.date(2025, 6, 30)
    )
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def holder(trained_engine: Engine) -> ModelHolder:
    """The MASTER holder over the trained database."""
    return ModelHolder(trained_engine, poll_seconds=3600)


@pytest.fixture(scope="session")
def cache(trained_engine: Engine) -> CatalogueCache:
    """The catalogue cache over the trained database."""
    return CatalogueCache(trained_engine, ttl=3600, silent_days=Settings().store_silent_days)
