"""Admin › Data callbacks: stage → preview → confirm/cancel an upload, and the overview with its history."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, ctx, html, no_update
from flask_login import current_user

from callbacks.admin.staging import UploadError, discard, stage_files, staged_paths, staging_root
from callbacks.guards import admin_only
from components import ids
from components.admin.common import message, summary_cards
from components.admin.uploads import import_results, limit_text, preview_card, problems_table, uploads_table
from data.validation import first_problem
from services import imports
from services.imports import UploadRecord

RAW_DOWNLOAD_URL = "/admin/uploads/{id}/raw"


def history_rows(records: list[UploadRecord]) -> list[dict]:
    """The upload history as plain rows for the table (with the raw-file download link).

    ``error`` is the first problem of a rejection (file, row, column, reason, and how many more);
    ``error_full`` the whole message, for the cell's tooltip.
    """
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
            "error": first_problem(u.error),
            "error_full": u.error,
            "download": RAW_DOWNLOAD_URL.format(id=u.id) if u.has_raw_file else None,
        }
        for u in records
    ]


def stage_and_preview(
    services: Any, contents: list[str], filenames: list[str], *, actor: str = "admin"
) -> tuple[Any, str | None, bool]:
    """Stage the uploaded files and build the preview; returns (panel, token or None, can confirm)."""
    root = staging_root(services.config.instance_dir)
    try:
        token, paths = stage_files(root, contents, filenames, max_bytes=services.config.max_upload_bytes)
    except UploadError as err:
        return message(str(err), "danger"), None, False
    outcome = imports.preview_import(services, paths, actor=actor)
    cards: list[Any] = [preview_card(p) for p in outcome.previews]
    if outcome.rejection is not None:
        discard(root, token)
        rejection = outcome.rejection
        title = (
            f"{rejection.total} problem(s) in {', '.join(rejection.files)}; nothing was written. "
            "Fix the file(s) and upload again."
        )
        table = problems_table(rejection.problems, rejection.omitted, title=title)
        return html.Div([table, *cards]), None, False
    order = (
        " (in this order: a later file replaces the same keys of an earlier one)"
        if len(outcome.previews) > 1
        else ""
    )
    intro = message(
        f"Preview of {len(outcome.previews)} file(s){order}. "
        "Nothing is written until you press “Import these rows”.",
        "info",
    )
    return html.Div([intro, *cards]), token, True


def confirm_import(services: Any, token: str | None, actor: str) -> Any:
    """Import the staged files of ``token``; returns the result panel (success or the problems)."""
    root = staging_root(services.config.instance_dir)
    try:
        outcome = imports.import_sales(services, staged_paths(root, token), actor=actor)
    except UploadError as err:
        return message(str(err), "warning")
    finally:
        discard(root, token)
    if outcome.rejection is not None:
        rejection = outcome.rejection
        title = "The import was refused; nothing was written."
        return problems_table(rejection.problems, rejection.omitted, title=title)
    return import_results(outcome.results)


def register(app: Dash, services: Any) -> None:
    """Register the upload and overview callbacks (admin-only on the server)."""

    @app.callback(
        Output(ids.ADMIN_SUMMARY, "children"),
        Output(ids.ADMIN_UPLOADS, "children"),
        Input(ids.ADMIN_REFRESH, "n_clicks"),
    )
    @admin_only
    def overview(_clicks: int | None) -> tuple[Any, Any]:
        rows = history_rows(imports.upload_history(services))
        return summary_cards(imports.sales_overview(services)), uploads_table(rows)

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
