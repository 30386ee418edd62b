"""Shared fixtures: an isolated, migrated SQLite database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from data.db import make_engine, make_session_factory, upgrade_database


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite database in a temporary folder, upgraded to the newest schema."""
    eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade_database(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine):
    """A session factory on the test database."""
    return make_session_factory(engine)
