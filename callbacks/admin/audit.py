"""Admin › Audit callback: the newest audit events in the grid (the rows come from ``services.audit``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from dash import Dash, Input, Output

from callbacks.guards import admin_only
from components import ids
from components.i18n import text_language, timestamp
from services.audit import audit_log


def register(app: Dash, services: Any) -> None:
    """Register the audit-grid callback (admin-only on the server); it refreshes after every admin action."""

    @app.callback(
        Output(ids.ADMIN_AUDIT_GRID, "rowData"),
        Input(ids.ADMIN_REFRESH, "n_clicks"),
        Input(ids.ADMIN_USERS_CHANGED, "data"),
        Input(ids.ADMIN_MODELS_CHANGED, "data"),
        Input(ids.ADMIN_RETRAIN_REQUESTED, "data"),
        Input(ids.ADMIN_JOB_STATE, "data"),
    )
    @admin_only
    def grid(*_triggers: Any) -> list[dict[str, Any]]:
        return [
            audit_row(dataclasses.asdict(entry))
            for entry in audit_log(services.sessions, language=text_language())
        ]


def audit_row(entry: dict[str, Any]) -> dict[str, Any]:
    """An audit event as a grid row: ``at`` (UTC, sorts) and ``at_text`` (the configured zone, named)."""
    return {**entry, "at_text": timestamp(dt.datetime.fromisoformat(entry["at"]), zone=False)}
