"""Requests per key over the last minute, counted by every process that shares the data.

gunicorn's workers share no memory, and a per-process count lets a token make N times its limit with
N workers. So the times of the requests still inside the window are kept where every counting
process sees them, and read and written under a lock:
- ``allow_request`` (SQLite deployments: one host by design): a locked file per key
  (``fcntl.flock``) in the instance folder; a request costs one small read and write, no database
  write on the request path.
- ``allow_request_in_database`` (PostgreSQL: several hosts behind a load balancer): one
  ``rate_windows`` row per key, locked with ``SELECT … FOR UPDATE``, so the workers of every host
  count together (a per-host count let N hosts make N times the limit).
Both keep the exact sliding window (not fixed minute buckets, which allow twice the limit across a
bucket boundary).
"""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

from sqlalchemy import Engine, select, update

from data.schema import RateWindow

WINDOW_SECONDS = 60.0
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _times(text: str) -> list[float]:
    """The request times in a window file (a damaged line is skipped, never an error)."""
    out = []
    for item in text.split():
        try:
            out.append(float(item))
        except ValueError:
            continue
    return out


def allow_request(folder: Path, key: str, limit: int, *, now: float, window: float = WINDOW_SECONDS) -> bool:
    """Count one request of ``key`` at ``now`` (epoch seconds); False when ``limit`` requests already
    fall inside the last ``window`` seconds (the refused request is not counted)."""
    _check_key(key)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{key}.window", os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        allowed, kept = _admit(handle.read(), limit, now=now, window=window)
        handle.seek(0)
        handle.truncate()
        handle.write(kept)
    return allowed


def allow_request_in_database(
    engine: Engine, key: str, limit: int, *, now: float, window: float = WINDOW_SECONDS
) -> bool:
    """``allow_request`` counted in the database's ``rate_windows`` row of ``key``, under a row lock
    (PostgreSQL: every host together; the first request of a key creates its row)."""
    _check_key(key)
    with engine.begin() as conn:
        insert = _insert_if_missing(engine.dialect.name)
        conn.execute(
            insert(RateWindow).values(key=key, times="").on_conflict_do_nothing(index_elements=["key"])
        )
        text = conn.execute(
            select(RateWindow.times).where(RateWindow.key == key).with_for_update()
        ).scalar_one()
        allowed, kept = _admit(text, limit, now=now, window=window)
        conn.execute(update(RateWindow).where(RateWindow.key == key).values(times=kept))
    return allowed


def _insert_if_missing(dialect: str):
    """The dialect's INSERT that has ``on_conflict_do_nothing`` (PostgreSQL and SQLite both do)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _check_key(key: str) -> None:
    if not _KEY.match(key):
        raise ValueError(f"a rate-limit key is 1-64 letters, digits, '_', '.' or '-', got {key!r}")


def _admit(stored: str, limit: int, *, now: float, window: float) -> tuple[bool, str]:
    """Whether one more request at ``now`` fits under ``limit``, and the times to store back (those
    still inside the window, plus ``now`` when admitted; a refused request is not counted)."""
    seen = [t for t in _times(stored) if now - window < t <= now + window]
    allowed = len(seen) < limit
    if allowed:
        seen.append(now)
    return allowed, "\n".join(f"{t:.6f}" for t in seen)
