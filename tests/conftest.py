"""Shared fixtures: an isolated, migrated SQLite database per test."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failure: a missing browser or service must never pass silently."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"
    if report.failed and call.when == "call":
        for server in _live_servers(getattr(item, "funcargs", {}).values()):
            report.sections.append((f"gunicorn log {server.url} (last lines)", _tail(server.log(), 60)))


def _live_servers(values: Iterable[Any]) -> list[Any]:
    """The live gunicorn servers among a test's fixture values (also inside tuples and objects)."""
    found: list[Any] = []
    for value in values:
        candidates = value if isinstance(value, tuple | list) else [value, getattr(value, "server", None)]
        found += [c for c in candidates if hasattr(c, "log_path") and hasattr(c, "log")]
    return found


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])
