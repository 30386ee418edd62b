"""The per-token API rate limit is shared by the processes of a host: two processes (two gunicorn
servers on one instance) together get the limit, not twice it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from data.db import make_engine, upgrade_database
from data.rate_window import allow_request, allow_request_in_database
from services import tokens
from tests.browser.forecast_server import MANAGER, build_trained_instance
from tests.support.live_server import app_environment, start_server
from tests.support.races import requests_allowed_by_two_processes


def test_the_window_counts_a_minute_per_key(tmp_path):
    assert [allow_request(tmp_path, "k", 2, now=100.0 + i) for i in range(3)] == [True, True, False]
    assert allow_request(tmp_path, "other", 2, now=102.0)  # another key has its own count
    assert not allow_request(tmp_path, "k", 2, now=159.5)  # 100.0 and 101.0 still inside
    assert allow_request(tmp_path, "k", 2, now=160.5)  # 100.0 left the window
    with pytest.raises(ValueError, match="rate-limit key"):
        allow_request(tmp_path, "../escape", 2, now=1.0)


def test_the_database_window_counts_the_same_minute_per_key(tmp_path):
    """The cluster-wide count (a ``rate_windows`` row per key; PostgreSQL in production, checked here on
    SQLite for the rule and in tests/postgres for concurrency) keeps the same sliding window."""
    engine = make_engine(f"sqlite:///{tmp_path / 'rate.db'}")
    upgrade_database(engine)
    allow = [allow_request_in_database(engine, "k", 2, now=100.0 + i) for i in range(3)]
    assert allow == [True, True, False]
    assert allow_request_in_database(engine, "other", 2, now=102.0)
    assert not allow_request_in_database(engine, "k", 2, now=159.5)
    assert allow_request_in_database(engine, "k", 2, now=160.5)
    with pytest.raises(ValueError, match="rate-limit key"):
        allow_request_in_database(engine, "../escape", 2, now=1.0)
    assert isinstance(
        tokens.rate_limiter(5, engine, tmp_path), tokens.SharedRateLimiter
    )  # SQLite: host files


def test_a_damaged_window_file_is_read_as_empty_lines_skipped(tmp_path):
    (tmp_path / "k.window").write_text("garbage\n100.0\nnan-ish\n")
    assert allow_request(tmp_path, "k", 2, now=101.0)
    assert not allow_request(tmp_path, "k", 2, now=102.0)


def _hammer(folder: str, start, results) -> None:
    limiter = tokens.SharedRateLimiter(30, Path(folder))
    start.wait()
    results.put(sum(limiter.allow(7) for _ in range(40)))


def test_two_processes_share_one_limit(tmp_path):
    allowed = requests_allowed_by_two_processes(_hammer, str(tmp_path))
    assert sum(allowed) == 30, allowed  # a per-process count would allow 60


def serves_every_level(server) -> bool:
    """True once the worker that answers has loaded the MASTER of every level."""
    return len(json.loads(server.get("/healthz")[1])["masters"]) == 3


def test_two_gunicorn_processes_on_one_instance_answer_the_limit_then_429(tmp_path):
    """Two gunicorn servers on one instance folder stand for two workers of a host (which connection a
    worker accepts is up to the kernel; here each process gets every other request for certain)."""
    build_trained_instance(tmp_path)
    from data.db import make_engine, make_session_factory

    engine = make_engine(f"sqlite:///{tmp_path / 'trendsales.db'}")
    made = tokens.create_token(
        make_session_factory(engine), MANAGER[0], "bi", expires_days=1, actor="test", system=True
    )
    engine.dispose()
    env = app_environment(tmp_path, TRENDSALES_API_RATE_PER_MINUTE="12")
    servers = [start_server(env, workers=1, ready=serves_every_level) for _ in range(2)]
    statuses = []
    try:
        for i in range(30):
            url = servers[i % 2].url + "/api/forecast?level=store&series=store%3D*&horizon=2"
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {made.secret}"})
            try:
                with urllib.request.urlopen(request, timeout=30) as resp:
                    statuses.append(resp.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
    finally:
        for server in servers:
            server.stop()
    assert statuses[:12] == [200] * 12 and statuses[12:] == [429] * 18, statuses  # per process: 24 x 200
