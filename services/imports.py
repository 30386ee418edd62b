"""Import sales files: preview, import and audit, the one use case behind Admin › Data and ``data import``.

Every attempt leaves an audit row, whichever adapter made it: ``upload`` for a batch that was written
(its files imported or unchanged), ``upload_rejected`` for a refused batch (at the preview or at the
import), naming the files and the number of problems. Loading the demo dataset is an import too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from data import demo, queries, storage
from data.audit import audit
from data.db import session_scope
from data.limits import SalesLimits
from data.problems import first_problem
from data.progress import Progress
from data.raw_files import is_file_inside
from data.storage import ImportPreview, ImportResult
from data.validation import Problem, SalesFileError
from services.publishing import Published, publish_after

HISTORY_LIMIT = 50


class ImportSettings(Protocol):
    """The settings an import reads (from ``app.config.Settings``)."""

    upload_dir: str

    @property
    def max_upload_bytes(self) -> int:
        """The per-file size limit in bytes."""
        ...

    @property
    def sales_limits(self) -> SalesLimits:
        """Dates, values, rows and XLSX expansion a sales file may have (preview and import alike)."""
        ...


class ImportServices(Protocol):
    """What the import use cases need from ``app.services.Services``."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def config(self) -> ImportSettings:
        """The app's settings."""
        ...


class RawFileMissing(LookupError):
    """An upload has no raw file to download; the message says why."""


@dataclass(frozen=True)
class Rejection:
    """Why a batch was refused: the listed problems and how many more were found but not listed."""

    problems: tuple[Problem, ...]
    omitted: int = 0

    @classmethod
    def of(cls, err: SalesFileError) -> Rejection:
        """The rejection carried by a ``SalesFileError``."""
        return cls(problems=tuple(err.problems), omitted=err.omitted)

    @property
    def total(self) -> int:
        """Every problem found, listed or not."""
        return len(self.problems) + self.omitted

    @property
    def files(self) -> list[str]:
        """The files with a listed problem, sorted."""
        return sorted({p.file for p in self.problems})


@dataclass(frozen=True)
class PreviewOutcome:
    """What importing a batch would do (one preview per file), or why it would be refused."""

    previews: list[ImportPreview] = field(default_factory=list)
    rejection: Rejection | None = None


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did (one result per file), or why it was refused (then no sales data changed)."""

    results: list[ImportResult] = field(default_factory=list)
    rejection: Rejection | None = None
    published: tuple[Published, ...] = ()  # the forecasts re-published on the new data


@dataclass(frozen=True)
class UploadRecord:
    """One row of the upload history; ``error`` is the stored rejection message ("" when none)."""

    id: int
    uploaded_at: dt.datetime
    filename: str
    uploaded_by: str
    status: str
    rows_read: int
    rows_new: int
    rows_replaced: int
    error: str
    has_raw_file: bool
    undone_at: dt.datetime | None = None
    undone_by: str = ""
    # The rejection in each translated language ({language: {"first", "full"}}); empty for uploads
    # recorded before migration 0013, which show ``error`` (English).
    error_texts: dict[str, dict[str, str]] = field(default_factory=dict)

    def error_in(self, language: str) -> tuple[str, str]:
        """(history cell, tooltip) of the rejection in ``language``: the first problem and how many
        more, and the whole message; the English record for uploads stored without translations."""
        texts = self.error_texts.get(language)
        if texts:
            return texts["first"], texts["full"]
        return first_problem(self.error), self.error


def preview_import(services: ImportServices, paths: Sequence[Path], *, actor: str) -> PreviewOutcome:
    """Check the batch as the import will and say what it would do; writes no sales data.

    A batch the import would refuse is audited (``upload_rejected``, ``stage="preview"``) so that the
    attempt is kept although nothing else is written.
    """
    max_bytes = services.config.max_upload_bytes
    try:
        previews = storage.preview_sales_files(
            services.engine, paths, max_bytes=max_bytes, limits=services.config.sales_limits
        )
    except SalesFileError as err:
        rejection = Rejection.of(err)
        with session_scope(services.sessions) as session:
            audit(
                session,
                actor,
                "upload_rejected",
                files=rejection.files,
                problems=rejection.total,
                stage="preview",
            )
        return PreviewOutcome(rejection=rejection)
    return PreviewOutcome(previews=previews)


def import_sales(
    services: ImportServices, paths: Sequence[Path], *, actor: str, progress: Progress | None = None
) -> ImportOutcome:
    """Import the files all-or-nothing in one transaction (``actor`` is recorded as the uploader) and
    audit the outcome: ``upload`` with the counts, or ``upload_rejected`` (then no sales data changed).

    ``progress(step, total, label)`` follows the import. Errors other than a refused file (e.g. the
    upload folder cannot be written) propagate after the importer recorded them in ``uploads``.
    """
    try:
        results = storage.import_sales_files(
            services.engine,
            paths,
            uploaded_by=actor,
            upload_dir=services.config.upload_dir,
            max_bytes=services.config.max_upload_bytes,
            progress=progress,
            limits=services.config.sales_limits,
        )
    except SalesFileError as err:
        rejection = Rejection.of(err)
        with session_scope(services.sessions) as session:
            audit(session, actor, "upload_rejected", files=[p.name for p in paths], problems=rejection.total)
        return ImportOutcome(rejection=rejection)
    _audit_upload(services, actor, results)
    published = ()
    if any(r.rows_new or r.rows_replaced for r in results):
        published = publish_after(services, reason="data")
    return ImportOutcome(results=results, published=published)


def load_demo(
    services: ImportServices, *, actor: str, seed: int = 7, progress: Progress | None = None
) -> ImportResult:
    """Generate the demo dataset (from ``seed``), import it like an uploaded file and audit it as one."""
    result = demo.load_demo_data(
        services.engine, seed=seed, upload_dir=services.config.upload_dir, progress=progress
    )
    _audit_upload(services, actor, [result], source="demo")
    if result.rows_new or result.rows_replaced:
        publish_after(services, reason="data")
    return result


def _audit_upload(services: ImportServices, actor: str, results: list[ImportResult], **extra: object) -> None:
    with session_scope(services.sessions) as session:
        audit(
            session,
            actor,
            "upload",
            files=[r.filename for r in results],
            rows_new=sum(r.rows_new for r in results),
            rows_replaced=sum(r.rows_replaced for r in results),
            statuses={r.filename: r.status for r in results},
            **extra,
        )


def upload_history(services: ImportServices, *, limit: int = HISTORY_LIMIT) -> list[UploadRecord]:
    """The latest uploads, newest first, for the history table."""
    return [
        UploadRecord(
            id=row.id,
            uploaded_at=row.uploaded_at,
            filename=row.filename,
            uploaded_by=row.uploaded_by,
            status=row.status,
            rows_read=row.rows_read,
            rows_new=row.rows_new,
            rows_replaced=row.rows_replaced,
            error=row.error or "",
            has_raw_file=bool(row.stored_path),
            undone_at=row.undone_at,
            undone_by=row.undone_by or "",
            error_texts=row.error_texts or {},
        )
        for row in queries.recent_uploads(services.engine, limit=limit)
    ]


def sales_overview(services: ImportServices) -> dict[str, Any]:
    """Counts and span of the stored sales and the time of the last import (the Data tab's cards)."""
    return storage.sales_summary(services.engine)


def raw_upload_file(services: ImportServices, upload_id: int) -> tuple[Path, str]:
    """The kept raw file of an upload and the name it was uploaded under.

    Raises ``RawFileMissing`` (its message says why) when no file is kept for that upload, or when the
    kept file is gone or lies outside ``UPLOAD_DIR``.
    """
    row = queries.upload_row(services.engine, upload_id)
    if row is None or not row.stored_path:
        raise RawFileMissing(f"upload {upload_id} has no kept file")
    path = Path(row.stored_path)
    if not is_file_inside(path, services.config.upload_dir):
        raise RawFileMissing(f"the file of upload {upload_id} is no longer available")
    return path, row.filename
