"""Admin-only downloads: raw uploaded files, training reports, and the audit log as CSV.

Every view is wrapped in ``admin_only`` (HTTP 403 for managers); the access guard already answers
anonymous requests. Files are only served from the folders the app itself writes to.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, send_file
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import get_services
from callbacks.admin.audit import audit_rows
from callbacks.guards import admin_only
from data.cells import spreadsheet_safe
from data.schema import Upload
from models.registry import UnknownVersionError, get_version
from models.reports import REPORT_JSON, REPORT_MD

bp = Blueprint("admin_files", __name__, url_prefix="/admin")
REPORT_FILES = {"md": (REPORT_MD, "text/markdown; charset=utf-8"), "json": (REPORT_JSON, "application/json")}
AUDIT_FIELDS = ("at", "actor", "action", "detail")


def _inside(path: Path, folder: str | Path) -> bool:
    """True when ``path`` resolves to a file under ``folder`` (no escape through links or ``..``)."""
    try:
        path.resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return path.is_file()


def audit_csv(session: Session) -> str:
    """The whole audit log as CSV (newest first), with a header row; text cannot run as a formula."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=AUDIT_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in audit_rows(session, limit=None):
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()


@bp.get("/uploads/<int:upload_id>/raw")
@admin_only
def raw_upload(upload_id: int) -> Response:
    """The raw file of one upload, as it was received."""
    services = get_services()
    with services.sessions() as session:
        upload = session.scalar(select(Upload).where(Upload.id == upload_id))
    if upload is None or not upload.stored_path:
        abort(404, description=f"upload {upload_id} has no kept file")
    path = Path(upload.stored_path)
    if not _inside(path, services.config.upload_dir):
        abort(404, description=f"the file of upload {upload_id} is no longer available")
    return send_file(path, as_attachment=True, download_name=upload.filename)


@bp.get("/models/<version_id>/report.<ext>")
@admin_only
def model_report(version_id: str, ext: str) -> Response:
    """A version's training report as Markdown or JSON."""
    if ext not in REPORT_FILES:
        abort(404, description="reports exist as .md and .json")
    try:
        info = get_version(get_services().engine, version_id)
    except UnknownVersionError as exc:
        abort(404, description=str(exc))
    name, mimetype = REPORT_FILES[ext]
    folder = Path(info.report_path).parent if info.report_path else None
    model_dir = get_services().config.model_dir
    if folder is None or not _inside(folder / name, model_dir):
        abort(404, description=f"version {version_id} has no {name}")
    return send_file(
        folder / name, mimetype=mimetype, as_attachment=True, download_name=f"{version_id}-{name}"
    )


@bp.get("/audit.csv")
@admin_only
def audit_export() -> Response:
    """The audit log as a CSV download."""
    with get_services().sessions() as session:
        body = audit_csv(session)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=trendsales-audit.csv"},
    )


def register_admin_routes(server: Flask) -> None:
    """Attach the admin download routes to ``server`` (a step of ``create_app``)."""
    server.register_blueprint(bp)
