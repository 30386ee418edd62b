"""Requests per key over the last minute, counted by every process of one host together.

Why a file: gunicorn's workers share no memory, and a per-process count lets a token make N times its
limit with N workers. A locked file per key (``fcntl.flock``) holds the times of the requests still
inside the window, so the workers of one host (one container) count together; the count needs no
table, and a request costs one small read and write under the lock. Hosts behind one load balancer
each count their own share (documented with ``API_RATE_PER_MINUTE``).
"""

from __future__ import annotations

import fcntl
import os
import re
from pathlib import Path

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
    if not _KEY.match(key):
        raise ValueError(f"a rate-limit key is 1-64 letters, digits, '_', '.' or '-', got {key!r}")
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{key}.window", os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        seen = [t for t in _times(handle.read()) if now - window < t <= now + window]
        allowed = len(seen) < limit
        if allowed:
            seen.append(now)
        handle.seek(0)
        handle.truncate()
        handle.write("\n".join(f"{t:.6f}" for t in seen))
    return allowed
