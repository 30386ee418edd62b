"""A private PostgreSQL server for the session; each test gets a fresh, migrated database."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from data.db import make_engine, upgrade_database
from tests.support.postgres import PostgresServer, start_postgres

_names = itertools.count()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start PostgreSQL once per test session (fails, never skips, when it is not installed)."""
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture
def pg_engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    """A new database on the private server, upgraded to the newest schema."""
    engine = make_engine(postgres_server.create_database(f"ts_test_{next(_names)}"))
    upgrade_database(engine)
    yield engine
    engine.dispose()
