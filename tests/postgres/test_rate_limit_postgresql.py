"""On PostgreSQL the per-token API rate limit is counted in the database, so processes on different
hosts (here: two processes with their own connections and no shared folder) together get the limit."""

from __future__ import annotations

from sqlalchemy import Engine

from services import tokens
from tests.support.races import requests_allowed_by_two_processes


def _hammer(url: str, start, results) -> None:
    from data.db import make_engine

    engine = make_engine(url)
    limiter = tokens.rate_limiter(30, engine, folder=None)  # no folder: nothing is shared on disk
    start.wait()
    results.put(sum(limiter.allow(7) for _ in range(40)))
    engine.dispose()


def test_two_hosts_share_one_limit_through_postgresql(pg_engine: Engine):
    assert isinstance(tokens.rate_limiter(30, pg_engine, folder=None), tokens.DatabaseRateLimiter)
    url = pg_engine.url.render_as_string(hide_password=False)
    allowed = requests_allowed_by_two_processes(_hammer, url)
    assert sum(allowed) == 30, allowed  # a per-host count would allow 60
