"""Admin › Data callbacks: stage → preview → confirm/cancel an upload; the overview with the reporting
heat-map and the history; undo an upload after a confirmation dialog."""

from __future__ import annotations

import time
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from flask_login import current_user

from callbacks.admin.staging import UploadError, discard, stage_files, staged_paths, staging_root
from callbacks.guards import admin_only
from components import ids
from components.admin.common import message, summary_cards
from components.admin.reporting import reporting_panel
from components.admin.uploads import import_results, limit_text, preview_card, problems_table, uploads_table
from components.formatting import format_number
from components.i18n import _, text_language, timestamp
from services import imports, undo
from services.data_status import DataStatus, data_status
from services.imports import UploadRecord

RAW_DOWNLOAD_URL = "/admin/uploads/{id}/raw"


def history_rows(records: list[UploadRecord]) -> list[dict]:
    """The upload history as plain rows for the table (with the raw-file download link).

    ``error`` is the first problem of a rejection (file, row, column, reason, and how many more);
    ``error_full`` the whole message, for the cell's tooltip; both in the reader's language.
    """
    language = text_language()
    return [
        {
            "id": u.id,
            "uploaded_at": timestamp(u.uploaded_at),
            "filename": u.filename,
            "uploaded_by": u.uploaded_by,
            "status": u.status,
            "rows_read": u.rows_read,
            "rows_new": u.rows_new,
            "rows_replaced": u.rows_replaced,
            "error": _note(u, language),
            "error_full": u.error_in(language)[1],
            "download": RAW_DOWNLOAD_URL.format(id=u.id) if u.has_raw_file else None,
            "can_undo": u.status == "imported",
        }
        for u in records
    ]


def _note(u: UploadRecord, language: str) -> str:
    if u.status == "undone" and u.undone_at is not None:
        return _("undone %(when)s by %(who)s", when=timestamp(u.undone_at), who=u.undone_by)
    return u.error_in(language)[0]


def status_panel(status: DataStatus) -> Any:
    """The reporting heat-map of the Data tab for a ``DataStatus``."""
    return reporting_panel(
        freq=status.frequency,
        periods=status.periods,
        stores=[s.store for s in status.stores],
        reported=[s.reported for s in status.stores],
        complete_through=status.complete_through,
        behind=[(s.store, s.last_date) for s in status.behind],
        silent=[(s.store, s.last_date) for s in status.silent],
    )


def undo_question(plan: undo.UndoPlan) -> str:
    """The confirmation question of an undo: which upload, and what changes."""
    return _(
        "Undo upload %(id)s (%(file)s)? It puts back the %(restores)s values it replaced (the earlier "
        "uploads' values) and deletes the %(deletes)s rows it added. The upload stays in the history, "
        "marked undone.",
        id=plan.upload_id,
        file=plan.filename,
        restores=format_number(plan.restores),
        deletes=format_number(plan.deletes),
    )


def undo_step(services: Any, trigger: Any, clicked: bool, *, actor: str, pending: dict | None) -> tuple:
    """One click of the undo flow; returns (message, dialog open, question, pending, refresh stamp).

    An Undo button asks first (or is refused at once, e.g. a later upload changed its keys); Confirm
    undoes the upload the dialog named; Cancel closes the dialog.
    """
    if isinstance(trigger, dict) and trigger.get("type") == ids.ADMIN_UNDO:
        if not clicked:  # the history table was drawn again: no click
            return no_update, no_update, no_update, no_update, no_update
        check = undo.undo_preview(services, int(trigger["upload"]))
        if check.done is None:
            refused = message(
                _("Cannot undo: %(why)s.", why=check.refusal_text(text_language())),
                "danger",
                extra_class="admin-undo-result",
            )
            return refused, False, no_update, None, no_update
        return None, True, undo_question(check.done), {"upload": check.done.upload_id}, no_update
    if trigger == ids.ADMIN_UNDO_CONFIRM and pending:
        outcome = undo.undo_upload(services, int(pending["upload"]), actor=actor)
        if outcome.done is None:
            refused = message(
                _("Cannot undo: %(why)s.", why=outcome.refusal_text(text_language())),
                "danger",
                extra_class="admin-undo-result",
            )
            return refused, False, no_update, None, no_update
        done = outcome.done
        text = _(
            "Upload %(id)s (%(file)s) undone: %(restores)s values restored, %(deletes)s rows deleted.",
            id=done.upload_id,
            file=done.filename,
            restores=format_number(done.restores),
            deletes=format_number(done.deletes),
        )
        return message(text, "success", extra_class="admin-undo-result"), False, no_update, None, time.time()
    return no_update, False, no_update, None, no_update


def stage_and_preview(
    services: Any, contents: list[str], filenames: list[str], *, actor: str = "admin"
) -> tuple[Any, str | None, bool]:
    """Stage the uploaded files and build the preview; returns (panel, token or None, can confirm)."""
    root = staging_root(services.config.instance_dir)
    try:
        token, paths = stage_files(root, contents, filenames, max_bytes=services.config.max_upload_bytes)
    except UploadError as err:
        return message(err.text(text_language()), "danger"), None, False
    outcome = imports.preview_import(services, paths, actor=actor)
    cards: list[Any] = [preview_card(p) for p in outcome.previews]
    if outcome.rejection is not None:
        discard(root, token)
        rejection = outcome.rejection
        title = _(
            "%(count)s problem(s) in %(files)s; nothing was written. Fix the file(s) and upload again.",
            count=format_number(rejection.total),
            files=", ".join(rejection.files),
        )
        table = problems_table(rejection.problems, rejection.omitted, title=title)
        return html.Div([table, *cards]), None, False
    order = (
        " " + _("(in this order: a later file replaces the same keys of an earlier one)")
        if len(outcome.previews) > 1
        else ""
    )
    intro = message(
        _("Preview of %(count)s file(s)%(order)s.", count=len(outcome.previews), order=order)
        + " "
        + _("Nothing is written until you press “Import these rows”."),
        "info",
    )
    return html.Div([intro, *cards]), token, True


def confirm_import(services: Any, token: str | None, actor: str) -> Any:
    """Import the staged files of ``token``; returns the result panel (success or the problems)."""
    root = staging_root(services.config.instance_dir)
    try:
        outcome = imports.import_sales(services, staged_paths(root, token), actor=actor)
    except UploadError as err:
        return message(err.text(text_language()), "warning")
    finally:
        discard(root, token)
    if outcome.rejection is not None:
        rejection = outcome.rejection
        title = _("The import was refused; nothing was written.")
        return problems_table(rejection.problems, rejection.omitted, title=title)
    return import_results(outcome.results)


def register(app: Dash, services: Any) -> None:
    """Register the upload and overview callbacks (admin-only on the server)."""

    @app.callback(
        Output(ids.ADMIN_SUMMARY, "children"),
        Output(ids.ADMIN_UPLOADS, "children"),
        Output(ids.ADMIN_DATA_STATUS, "children"),
        Input(ids.ADMIN_REFRESH, "n_clicks"),
        Input(ids.ADMIN_UNDO_DONE, "data"),
    )
    @admin_only
    def overview(_clicks: int | None, _undone: Any) -> tuple[Any, Any, Any]:
        rows = history_rows(imports.upload_history(services))
        status = status_panel(data_status(services.engine, silent_days=services.config.store_silent_days))
        return summary_cards(imports.sales_overview(services)), uploads_table(rows), status

    @app.callback(
        Output(ids.ADMIN_UNDO_MESSAGE, "children"),
        Output(ids.ADMIN_UNDO_MODAL, "is_open"),
        Output(ids.ADMIN_UNDO_TEXT, "children"),
        Output(ids.ADMIN_UNDO_PENDING, "data"),
        Output(ids.ADMIN_UNDO_DONE, "data"),
        Input({"type": ids.ADMIN_UNDO, "upload": ALL}, "n_clicks"),
        Input(ids.ADMIN_UNDO_CONFIRM, "n_clicks"),
        Input(ids.ADMIN_UNDO_CANCEL, "n_clicks"),
        State(ids.ADMIN_UNDO_PENDING, "data"),
        prevent_initial_call=True,
    )
    @admin_only
    def undo_flow(_undo: Any, _confirm: Any, _cancel: Any, pending: dict | None) -> tuple:
        clicked = bool(ctx.triggered and ctx.triggered[0].get("value"))
        return undo_step(services, ctx.triggered_id, clicked, actor=current_user.username, pending=pending)

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
        note = message(_("Upload cancelled; nothing was written."), "secondary") if token else no_update
        return None, None, True, True, note, no_update, no_update
