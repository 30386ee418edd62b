"""Admin-only downloads: raw uploaded files, training reports, and the audit log as CSV.

Every view is wrapped in ``admin_required`` (HTTP 403 for managers); the access guard already answers
anonymous requests. Files are only served from the folders the app itself writes to.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, send_file

from app.security import admin_required
from app.services import get_services
from data.raw_files import is_file_inside
from models.registry import UnknownVersionError, get_version
from models.reports import REPORT_JSON, REPORT_MD
from services.audit import audit_csv
from services.imports import RawFileMissing, raw_upload_file

bp = Blueprint("admin_files", __name__, url_prefix="/admin")
REPORT_FILES = {"md": (REPORT_MD, "text/markdown; charset=utf-8"), "json": (REPORT_JSON, "application/json")}


@bp.get("/uploads/<int:upload_id>/raw")
@admin_required
def raw_upload(upload_id: int) -> Response:
    """The raw file of one upload, as it was received."""
    try:
        path, filename = raw_upload_file(get_services(), upload_id)
    except RawFileMissing as exc:
        abort(404, description=str(exc))
    return send_file(path, as_attachment=True, download_name=filename)


@bp.get("/models/<version_id>/report.<ext>")
@admin_required
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
    if folder is None or not is_file_inside(folder / name, model_dir):
        abort(404, description=f"version {version_id} has no {name}")
    return send_file(
        folder / name, mimetype=mimetype, as_attachment=True, download_name=f"{version_id}-{name}"
    )


@bp.get("/audit.csv")
@admin_required
def audit_export() -> Response:
    """The audit log as a CSV download."""
    return Response(
        audit_csv(get_services().sessions),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=trendsales-audit.csv"},
    )


def register_admin_routes(server: Flask) -> None:
    """Attach the admin download routes to ``server`` (a step of ``create_app``)."""
    server.register_blueprint(bp)
