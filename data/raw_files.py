"""Content hashes of uploaded files and frames, and the atomic copy kept under the upload folder."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pandas as pd

from data.files import write_atomic

_SAFE_SUFFIXES = {".csv", ".txt", ".xlsx"}


def is_file_inside(path: str | Path, folder: str | Path) -> bool:
    """True when ``path`` resolves to a file under ``folder`` (no escape through links or ``..``)."""
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return Path(path).is_file()


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in blocks (identical files are recognised by it)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def frame_sha256(frame: pd.DataFrame) -> str:
    """Hex sha256 of a frame's content (column names and values), for frames imported without a file."""
    digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def keep_raw_file(path: str | Path, sha256: str, upload_dir: str | Path) -> Path:
    """Keep a copy of an uploaded file as ``<upload_dir>/<sha256>.<ext>`` (atomic; no-op if present)."""
    path = Path(path)
    suffix = path.suffix.lower() if path.suffix.lower() in _SAFE_SUFFIXES else ".bin"
    target = _folder(upload_dir) / f"{sha256}{suffix}"

    def copy(fh: IO[bytes]) -> None:
        with open(path, "rb") as src:
            while block := src.read(1 << 20):
                fh.write(block)

    return _write_once(target, copy)


def keep_raw_frame(frame: pd.DataFrame, sha256: str, upload_dir: str | Path) -> Path:
    """Keep an imported frame as CSV ``<upload_dir>/<sha256>.csv`` (atomic; no-op if present)."""
    target = _folder(upload_dir) / f"{sha256}.csv"
    return _write_once(target, lambda fh: frame.to_csv(fh, index=False, date_format="%Y-%m-%d"))


def _folder(upload_dir: str | Path) -> Path:
    """The upload folder; an empty one is refused (``Path("")`` is the working directory: raw files
    landed in whatever folder the process ran from, e.g. a checkout, when settings were built without
    ``load_config``)."""
    if not str(upload_dir).strip():
        raise ValueError("no upload folder is set (TRENDSALES_UPLOAD_DIR is empty); raw files are not kept")
    return Path(upload_dir)


def _write_once(target: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Content-addressed files never change: keep an existing one, else write atomically."""
    return target if target.exists() else write_atomic(target, write)
