"""Admin › Data › Events: import an uploaded events file, show the stored calendar (admin-only)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update
from flask_login import current_user

from callbacks.guards import admin_only
from callbacks.inputs import text
from components import ids
from components.admin.events import events_result, events_table
from components.i18n import _, text_language
from services.events import EventsFileError, import_events, list_events


def import_upload(services: Any, contents: str, filename: str, *, actor: str) -> tuple[str, bool]:
    """Decode the upload and import it; return the sentence to show and whether it was imported."""
    try:
        payload = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, ValueError, binascii.Error):
        return _("%(file)s: the upload could not be read; nothing was imported.", file=filename), False
    if len(payload) > services.config.max_upload_bytes:
        return _("%(file)s: larger than the upload limit; nothing was imported.", file=filename), False
    try:
        result = import_events(services, payload, filename, actor=actor)
    except EventsFileError as exc:
        return exc.text(text_language()), False
    return (
        _(
            "%(file)s: %(events)s events stored (%(replaced)s previous events replaced). "
            "The models use them from the next training.",
            file=result.file,
            events=result.events,
            replaced=result.replaced,
        ),
        True,
    )


def register(app: Dash, services: Any) -> None:
    """Register the events callback (admin-only on the server)."""

    @app.callback(
        Output(ids.ADMIN_EVENTS_RESULT, "children"),
        Output(ids.ADMIN_EVENTS_LIST, "children"),
        Output(ids.ADMIN_EVENTS_UPLOAD, "contents"),
        Input(ids.ADMIN_EVENTS_UPLOAD, "contents"),
        Input(ids.ADMIN_REFRESH, "n_clicks"),
        State(ids.ADMIN_EVENTS_UPLOAD, "filename"),
    )
    @admin_only
    def events_flow(contents: str | None, _refresh: int | None, filename: str | None) -> tuple:
        contents, filename = text(contents, "contents"), text(filename, "filename")  # else a 400
        note: Any = no_update
        if ctx.triggered_id == ids.ADMIN_EVENTS_UPLOAD and contents:
            sentence, ok = import_upload(
                services, contents, filename or "events.csv", actor=current_user.username
            )
            note = events_result(sentence, ok)
        return note, events_table(list_events(services)), None
