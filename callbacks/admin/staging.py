"""Uploaded files waiting for the admin's confirmation: decoded once into a private folder per token.

The browser sends each file base64-encoded in the callback payload; the bytes are written to
``INSTANCE_DIR/upload-staging/<token>/<name>`` and only the random token travels back to the page
(in a ``dcc.Store``), so large content never round-trips through the browser again.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from data.i18n import N_, Message, Size, message
from data.ingest import check_file_name
from data.validation import SalesFileError

STAGING_DIRNAME = "upload-staging"
MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_UNSAFE = re.compile(r"[^\w\-. ()]+")


class _Readable(Protocol):
    def text(self, language: str) -> str: ...


class UploadError(ValueError):
    """An uploaded file cannot be staged (too large, not base64, bad name); the message says which.

    ``str()`` is English; ``text(language)`` the same in the reader's language (the upload panel).
    """

    def __init__(self, why: _Readable) -> None:
        self.why = why
        super().__init__(str(why))

    def text(self, language: str) -> str:
        """Why, in ``language``."""
        return self.why.text(language)


def _about(filename: str, why: Message) -> Message:
    """``file: why`` (the importer's way of naming the file a refusal is about)."""
    return message(N_("%(file)s: %(reason)s"), file=filename, reason=why)


def staging_root(instance_dir: str | Path) -> Path:
    """The folder holding staged uploads, inside the instance folder (never served as static files)."""
    return Path(instance_dir) / STAGING_DIRNAME


def base_name(filename: str) -> str:
    """The file's own name, without any folder part a browser may send."""
    return re.split(r"[\\/]", filename or "")[-1].strip()


def safe_name(filename: str, index: int = 0) -> str:
    """The file's own name without unsafe characters (accents are kept), at most 200 characters with
    its extension kept."""
    cleaned = _UNSAFE.sub("_", base_name(filename)).strip(" .")
    if len(cleaned) > 200:
        stem, dot, suffix = cleaned.rpartition(".")
        cleaned = f"{stem[: 199 - len(suffix)]}.{suffix}" if dot and len(suffix) <= 10 else cleaned[:200]
    return cleaned or f"upload-{index + 1}.csv"


def check_upload_name(filename: str) -> None:
    """Refuse a name the importer would refuse (too long, unsupported type) before decoding the file,
    with the importer's own words, so every refused file gets a visible answer in the upload panel."""
    try:
        check_file_name(base_name(filename))
    except SalesFileError as err:
        raise UploadError(err.problems[0]) from None


def decode_upload(contents: str, filename: str, *, max_bytes: int | None) -> bytes:
    """Bytes of one ``dcc.Upload`` data URL; refuses files above ``max_bytes`` before decoding them."""
    if not isinstance(contents, str) or "," not in contents:
        raise UploadError(_about(filename, message(N_("the browser sent no file content"))))
    header, payload = contents.split(",", 1)
    if ";base64" not in header:
        raise UploadError(_about(filename, message(N_("the file content is not base64-encoded"))))
    estimated = len(payload) * 3 // 4
    if max_bytes is not None and estimated > max_bytes + 3:
        raise UploadError(_too_large(filename, estimated, max_bytes))
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        why = message(N_("the file content is not valid base64 (%(error)s)"), error=str(exc))
        raise UploadError(_about(filename, why)) from None
    if not data:
        raise UploadError(_about(filename, message(N_("the file is empty"))))
    if max_bytes is not None and len(data) > max_bytes:
        raise UploadError(_too_large(filename, len(data), max_bytes))
    return data


def _too_large(filename: str, size: int, max_bytes: int) -> Message:
    """The size refusal in the CLI importer's words (``data.i18n.Size``: MB = 1024² bytes)."""
    why = message(
        N_("file is %(size)s, over the upload limit of %(max)s"), size=Size(size), max=Size(max_bytes)
    )
    return _about(filename, why)


def stage_files(
    root: Path, contents: Sequence[str], filenames: Sequence[str], *, max_bytes: int | None
) -> tuple[str, list[Path]]:
    """Decode and write the uploaded files under a new random token; return (token, paths).

    Names are checked first (length, type); nothing is kept when any file fails: the folder is removed
    and ``UploadError`` raised.
    """
    if not contents:
        raise UploadError(message(N_("no file was uploaded")))
    if len(contents) != len(filenames):
        raise UploadError(message(N_("the browser sent file contents and names that do not match")))
    for filename in filenames:
        check_upload_name(filename)
    purge_old(root)
    token = secrets.token_urlsafe(18)
    folder = root / token
    folder.mkdir(parents=True)
    paths: list[Path] = []
    try:
        for index, (content, filename) in enumerate(zip(contents, filenames, strict=True)):
            name = safe_name(filename, index)
            path = folder / f"{index:03d}" / name  # one sub-folder per file keeps the order and the name
            path.parent.mkdir()
            path.write_bytes(decode_upload(content, name, max_bytes=max_bytes))
            paths.append(path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return token, paths


def staged_paths(root: Path, token: str | None) -> list[Path]:
    """The staged files of ``token`` (in upload order); ``UploadError`` for an unknown or expired token."""
    if not token or not _TOKEN.match(str(token)):
        raise UploadError(message(N_("no upload is waiting for confirmation; upload the files again")))
    folder = root / token
    if not folder.is_dir():
        raise UploadError(message(N_("this upload expired or was already imported; upload the files again")))
    return [
        f for sub in sorted(folder.iterdir()) if sub.is_dir() for f in sorted(sub.iterdir()) if f.is_file()
    ]


def discard(root: Path, token: str | None) -> None:
    """Remove a staged upload (after import or cancel); unknown tokens are ignored."""
    if token and _TOKEN.match(str(token)):
        shutil.rmtree(root / token, ignore_errors=True)


def purge_old(root: Path, *, max_age: float = MAX_AGE_SECONDS, now: float | None = None) -> int:
    """Delete staged uploads older than ``max_age`` seconds (abandoned previews); returns how many."""
    if not root.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - max_age
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
