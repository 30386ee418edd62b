"""A live gunicorn with a small trained demo dataset, for the forecast-tab browser tests and the benchmark.

The instance is built in-process (import through ``import_sales_frame``, a tiny training grid through
``run_training``, a manager account), which takes a few seconds instead of several CLI start-ups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from data.accounts import create_user
from data.db import make_engine, make_session_factory, session_scope, upgrade_database
from data.demo import generate_demo_sales
from data.storage import import_sales_frame
from models.pipeline import run_training
from tests.support.live_server import LiveServer, app_environment, start_server

MANAGER = ("marta", "marta-pass-123")
TINY_TRAINING: dict[str, Any] = {
    "TRAIN_FAMILIES": ("seasonal_naive", "theta"),
    "TRAIN_GRIDS": {"theta": {"theta": [2.0], "seasonal": [True]}},
}


def build_trained_instance(
    instance: Path,
    *,
    seed: int = 5,
    n_stores: int = 3,
    n_products: int = 8,
    start: dt.date = dt.date(2024, 1, 1),
    end: dt.date = dt.date(2025, 6, 30),
    training: dict[str, Any] | None = None,
    store_names: dict[str, str] | None = None,
) -> None:
    """Create a database in ``instance`` with demo sales, MASTER models of every level and a manager;
    ``store_names`` renames demo stores (old name → new name) before the import."""
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    try:
        upgrade_database(engine)
        sales = generate_demo_sales(seed, n_stores=n_stores, n_products=n_products, start=start, end=end)
        if store_names:
            sales["store"] = sales["store"].replace(store_names)
        import_sales_frame(engine, sales, filename="demo.csv", uploaded_by="test")
        training = TINY_TRAINING if training is None else training
        config = Settings().with_overrides({**training, "MODEL_DIR": str(instance / "models")})
        outcomes = run_training(engine, config, source="test")
        failed = {level: o.error for level, o in outcomes.items() if o.error}
        if failed:
            raise RuntimeError(f"training failed: {failed}")
        with session_scope(make_session_factory(engine)) as session:
            create_user(session, MANAGER[0], MANAGER[1], role="manager")
    finally:
        engine.dispose()


def serve_trained_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn (1 worker) on a fresh instance with trained store/category/product models (for a fixture)."""
    yield from serve_instance(tmp_path_factory.mktemp("forecast-instance"))


def serve_instance(
    instance: Path, *, admin: tuple[str, str] | None = None, **extra: str
) -> Iterator[LiveServer]:
    """gunicorn (1 worker) on a trained instance built in ``instance``, with an ``admin`` (name, password)
    account too when given; ``extra`` environment variables override the test defaults (e.g.
    ``TRENDSALES_LANGUAGE="pt_BR"``, the product's default language)."""
    build_trained_instance(instance)
    if admin is not None:
        engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
        try:
            with session_scope(make_session_factory(engine)) as session:
                create_user(session, admin[0], admin[1], role="admin")
        finally:
            engine.dispose()
    env = app_environment(
        instance, TRENDSALES_ADMIN_PASSWORD="admin-pass-123", TRENDSALES_SCHEDULER_ENABLED="0", **extra
    )
    server = start_server(env, workers=1)
    yield server
    server.stop()
