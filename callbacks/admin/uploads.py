"""Admin › Data callbacks: stage → preview → confirm/cancel an upload, and the overview with its history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dash import Dash, Input, Output, State, ctx, html, no_update
from flask_login import current_user
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from callbacks.admin.staging import UploadError, discard, stage_files, staged_paths, staging_root
from callbacks.guards import admin_only
from components import ids
from components.admin.common import message, summary_cards
from components.admin.uploads import import_results, limit_text, preview_card, problems_table, uploads_table
from data import storage
from data.accounts import audit
from data.db import session_scope
from data.schema import Upload
from data.storage import ImportPreview, ImportResult
from data.validation import Problem, SalesFileError, first_problem

RAW_DOWNLOAD_URL = "/admin/uploads/{id}/raw"


def recent_uploads(session: Session, limit: int = 50) -> list[dict]:
    """The latest uploads as plain rows for the history table (with the raw-file download link).

    ``error`` is the first problem of a rejection (file, row, column, reason, and how many more);
    ``error_full`` the whole message, for the cell's tooltip.
    """
    uploads = session.scalars(
        select(Upload).order_by(Upload.uploaded_at.desc(), Upload.id.desc()).limit(limit)
    )
    return [
        {
            "id": u.id,
            "uploaded_at": f"{u.uploaded_at:%Y-%m-%d %H:%M}",
            "filename": u.filename,
            "uploaded_by": u.uploaded_by,
            "status": u.status,
            "rows_read": u.rows_read,
            "rows_new": u.rows_new,
            "rows_replaced": u.rows_replaced,
            "error": first_problem(u.error or ""),
            "error_full": u.error or "",
            "download": RAW_DOWNLOAD_URL.format(id=u.id) if u.stored_path else None,
        }
        for u in uploads
    ]


def preview_files(
    engine: Engine, paths: list[Path], *, max_bytes: int | None
) -> tuple[list[ImportPreview], list[Problem], int]:
    """Preview the staged files as one batch, checked as the import will check it.

    Returns (one preview per file, no problems, 0), or (no previews, every problem, omitted count)
    when the import would refuse the batch.
    """
    try:
        return storage.preview_sales_files(engine, paths, max_bytes=max_bytes), [], 0
    except SalesFileError as err:
        return [], err.problems, err.omitted


def import_files(
    engine: Engine, sessions: Any, paths: list[Path], *, actor: str, upload_dir: str, max_bytes: int | None
) -> list[ImportResult]:
    """Import the staged files in one transaction and audit it; a rejection is audited and re-raised."""
    names = [p.name for p in paths]
    try:
        results = storage.import_sales_files(
            engine, paths, uploaded_by=actor, upload_dir=upload_dir, max_bytes=max_bytes
        )
    except SalesFileError as err:
        with session_scope(sessions) as session:
            audit(session, actor, "upload_rejected", files=names, problems=err.total)
        raise
    with session_scope(sessions) as session:
        audit(
            session,
            actor,
            "upload",
            files=names,
            rows_new=sum(r.rows_new for r in results),
            rows_replaced=sum(r.rows_replaced for r in results),
            statuses={r.filename: r.status for r in results},
        )
    return results


def stage_and_preview(
    services: Any, contents: list[str], filenames: list[str], *, actor: str = "admin"
) -> tuple[Any, str | None, bool]:
    """Stage the uploaded files and build the preview; returns (panel, token or None, can confirm)."""
    config = services.config
    max_bytes = config.max_upload_bytes
    root = staging_root(config.instance_dir)
    try:
        token, paths = stage_files(root, contents, filenames, max_bytes=max_bytes)
    except UploadError as err:
        return message(str(err), "danger"), None, False
    previews, problems, omitted = preview_files(services.engine, paths, max_bytes=max_bytes)
    cards: list[Any] = [preview_card(p) for p in previews]
    if problems:
        discard(root, token)
        bad = sorted({p.file for p in problems})
        with session_scope(services.sessions) as session:  # the sales data is untouched; the attempt is kept
            audit(
                session,
                actor,
                "upload_rejected",
                files=bad,
                problems=len(problems) + omitted,
                stage="preview",
            )
        title = (
            f"{len(problems) + omitted} problem(s) in {', '.join(bad)}; nothing was written. "
            "Fix the file(s) and upload again."
        )
        return html.Div([problems_table(problems, omitted, title=title), *cards]), None, False
    order = (
        " (in this order: a later file replaces the same keys of an earlier one)" if len(previews) > 1 else ""
    )
    intro = message(
        f"Preview of {len(previews)} file(s){order}. Nothing is written until you press “Import these rows”.",
        "info",
    )
    return html.Div([intro, *cards]), token, True


def confirm_import(services: Any, token: str | None, actor: str) -> Any:
    """Import the staged files of ``token``; returns the result panel (success or the problems)."""
    config = services.config
    root = staging_root(config.instance_dir)
    try:
        paths = staged_paths(root, token)
        results = import_files(
            services.engine,
            services.sessions,
            paths,
            actor=actor,
            upload_dir=config.upload_dir,
            max_bytes=config.max_upload_bytes,
        )
    except UploadError as err:
        return message(str(err), "warning")
    except SalesFileError as err:
        return problems_table(err.problems, err.omitted, title="The import was refused; nothing was written.")
    finally:
        discard(root, token)
    return import_results(results)


def register(app: Dash, services: Any) -> None:
    """Register the upload and overview callbacks (admin-only on the server)."""

    @app.callback(
        Output(ids.ADMIN_SUMMARY, "children"),
        Output(ids.ADMIN_UPLOADS, "children"),
        Input(ids.ADMIN_REFRESH, "n_clicks"),
    )
    @admin_only
    def overview(_clicks: int | None) -> tuple[Any, Any]:
        with services.sessions() as session:
            rows = recent_uploads(session)
        return summary_cards(storage.sales_summary(services.engine)), uploads_table(rows)

    @app.callback(Output(ids.ADMIN_UPLOAD_LIMIT, "children"), Input(ids.ADMIN_REFRESH, "n_clicks"))
    @admin_only
    def upload_limit(_clicks: int | None) -> str:
        return limit_text(services.config.max_upload_mb)

    @app.callback(
        Output(ids.ADMIN_UPLOAD_PREVIEW, "children"),
        Output(ids.ADMIN_UPLOAD_STAGED, "data"),
        Output(ids.ADMIN_UPLOAD_CONFIRM, "disabled"),
        Output(ids.ADMIN_UPLOAD_CANCEL, "disabled"),
        Output(ids.ADMIN_UPLOAD_RESULT, "children"),
        Output(ids.ADMIN_REFRESH, "n_clicks"),
        Output(ids.ADMIN_UPLOAD, "contents"),
        Input(ids.ADMIN_UPLOAD, "contents"),
        Input(ids.ADMIN_UPLOAD_CONFIRM, "n_clicks"),
        Input(ids.ADMIN_UPLOAD_CANCEL, "n_clicks"),
        State(ids.ADMIN_UPLOAD, "filename"),
        State(ids.ADMIN_UPLOAD_STAGED, "data"),
        State(ids.ADMIN_REFRESH, "n_clicks"),
        prevent_initial_call=True,
    )
    @admin_only
    def upload_flow(
        contents: list[str] | None,
        _confirm: Any,
        _cancel: Any,
        filenames: list[str] | None,
        token: str | None,
        refreshes: int | None,
    ) -> tuple:
        """Upload → staged preview; confirm → import (then refresh the whole tab); cancel → discard."""
        trigger = ctx.triggered_id
        root = staging_root(services.config.instance_dir)
        if trigger == ids.ADMIN_UPLOAD:
            if not contents:
                return (no_update,) * 7
            discard(root, token)  # a new upload replaces a preview that was not confirmed
            panel, new_token, ok = stage_and_preview(
                services, contents, filenames or [], actor=current_user.username
            )
            return panel, new_token, not ok, new_token is None, None, no_update, None
        if trigger == ids.ADMIN_UPLOAD_CONFIRM and token:
            result = confirm_import(services, token, current_user.username)
            return None, None, True, True, result, (refreshes or 0) + 1, no_update
        discard(root, token)
        note = message("Upload cancelled; nothing was written.", "secondary") if token else no_update
        return None, None, True, True, note, no_update, no_update
