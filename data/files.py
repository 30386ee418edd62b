"""Atomic file writes: a reader sees the old file or the new one, never a torn write.

Used for the raw copies of uploaded files and for model artifacts and reports (disk full, a crash or a
permission error mid-way must leave nothing half-written under the final name).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def fsync_dir(folder: Path) -> None:
    """Persist a rename: fsync the folder entry (a no-op where the OS does not allow it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> Path:
    """Write through ``write(fileobj)`` into a same-folder temp file, fsync, rename over ``path``.

    On any error the temp file is removed and the error re-raised; ``path`` keeps its old content
    (or stays absent).
    """
    final = Path(path)
    folder = final.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(folder)
    return final
