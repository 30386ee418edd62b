"""Model artifacts on disk: atomic writes and validated loads.

A file under its final name is always complete: we write to a temporary file in the same folder,
flush and fsync it, ``os.replace`` it over the final name and fsync the folder. Loading checks the
object is a fitted ``LevelForecaster`` of the expected level, so a broken or foreign file is refused
with a clear ``ArtifactError`` instead of failing later inside a forecast.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import joblib

from data.files import write_atomic

__all__ = ["ArtifactError", "ArtifactFormatError", "load_artifact", "save_artifact", "write_json_atomic"]


class ArtifactError(RuntimeError):
    """A model artifact is missing, unreadable, of the wrong type or level, or fails validation."""


class ArtifactFormatError(ArtifactError):
    """A model artifact's format version is newer than (or unknown to) this engine: retraining fixes it."""

    def __init__(self, message: str, *, found: object, supported: int) -> None:
        super().__init__(message)
        self.found = found
        self.supported = supported


def save_artifact(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Dump ``obj`` with joblib to ``path`` atomically (temp file, fsync, rename, fsync folder).

    Why: a worker may load the artifact at any moment; it must see the old file or the new one,
    never a torn write (disk full, crash, permission error mid-way).
    """
    return write_atomic(path, lambda handle: joblib.dump(obj, handle, compress=3))


def write_json_atomic(data: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``data`` as indented UTF-8 JSON atomically; non-JSON values fail before anything is renamed."""
    payload = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False, sort_keys=False)
    return write_atomic(path, lambda handle: handle.write(payload.encode("utf-8") + b"\n"))


def write_text_atomic(text: str, path: str | os.PathLike[str]) -> Path:
    """Write ``text`` as UTF-8 atomically (used for the Markdown reports)."""
    return write_atomic(path, lambda handle: handle.write(text.encode("utf-8")))


def load_artifact(path: str | os.PathLike[str], *, expected_level: str | None = None) -> Any:
    """Load a ``LevelForecaster`` from ``path`` and validate it; raise ``ArtifactError`` otherwise.

    Checks, in order: the file exists and unpickles, the object is a ``LevelForecaster``, its format
    version is one this engine reads (older formats load: their tables are the same), its level matches
    ``expected_level`` (when given), and its own ``validate()`` passes.
    """
    from models.forecaster import FORMAT_VERSION, LevelForecaster

    file = Path(path)
    if not file.is_file():
        raise ArtifactError(f"model artifact {file} does not exist")
    try:
        obj = joblib.load(file)
    except Exception as exc:  # unpickling can raise almost anything on a corrupt file
        raise ArtifactError(f"model artifact {file} cannot be read: {type(exc).__name__}: {exc}") from exc
    if not isinstance(obj, LevelForecaster):
        raise ArtifactError(
            f"model artifact {file} holds a {type(obj).__module__}.{type(obj).__qualname__}, "
            "not a LevelForecaster"
        )
    version = getattr(obj, "format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        what = (
            f"newer than this engine reads (up to {FORMAT_VERSION})"
            if isinstance(version, int) and version > FORMAT_VERSION
            else f"not a format this engine reads (1 to {FORMAT_VERSION})"
        )
        raise ArtifactFormatError(
            f"model artifact {file} has format {version!r}, {what}: upgrade the application or "
            "retrain the level",
            found=version,
            supported=FORMAT_VERSION,
        )
    if expected_level is not None and obj.level != expected_level:
        raise ArtifactError(f"model artifact {file} is for level {obj.level!r}, expected {expected_level!r}")
    try:
        obj.validate()
    except Exception as exc:
        raise ArtifactError(f"model artifact {file} failed validation: {exc}") from exc
    return obj
