"""Fixtures for the admin-console tests: the factory app (admin + manager) and a trained registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from data.demo import generate_demo_sales
from data.storage import import_sales_frame
from models.pipeline import run_training
from tests.app.conftest import admin_client, client, dash_app, manager_client, server  # noqa: F401
from tests.support.apps import FAST_TRAINING


def small_sales(start: dt.date = dt.date(2025, 1, 1), end: dt.date = dt.date(2025, 6, 30)) -> pd.DataFrame:
    """A small seeded demo slice: 2 stores x 4 products in 2 categories, daily."""
    return generate_demo_sales(5, n_stores=2, n_categories=2, n_products=4, start=start, end=end)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """The frame as a sales CSV file with ISO dates."""
    frame.assign(date=pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    return path


@pytest.fixture
def services(dash_app):  # noqa: F811
    """The Services bundle of the test app."""
    return dash_app.server.extensions["trendsales"]


@pytest.fixture
def trained(services):
    """The test app's database with sales and two trainings of the store level (two versions)."""
    import_sales_frame(services.engine, small_sales(), filename="seed.csv", uploaded_by="test")
    config = services.config.with_overrides(FAST_TRAINING)
    first = run_training(services.engine, config, levels=["store"], source="test")["store"]
    second = run_training(services.engine, config, levels=["store"], source="test", promote=False)["store"]
    return services, first.version_id, second.version_id
