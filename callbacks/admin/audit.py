"""Admin › Audit callback and the rows shared by the grid and the CSV export."""

from __future__ import annotations

import json
from typing import Any

from dash import Dash, Input, Output
from sqlalchemy import select
from sqlalchemy.orm import Session

from callbacks.guards import admin_only
from components import ids
from data.schema import AuditEvent

GRID_LIMIT = 500


def detail_text(detail: dict[str, Any] | None) -> str:
    """An audit event's details as compact ``key=value`` text (JSON for nested values)."""
    if not detail:
        return ""
    return ", ".join(
        f"{k}={v if isinstance(v, str | int | float | bool) or v is None else json.dumps(v, sort_keys=True)}"
        for k, v in detail.items()
    )


def audit_rows(session: Session, *, limit: int | None = GRID_LIMIT) -> list[dict[str, Any]]:
    """Audit events, newest first: when (UTC), who, action, what."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "id": e.id,
            "at": f"{e.at:%Y-%m-%d %H:%M:%S}",
            "actor": e.actor,
            "action": e.action,
            "detail": detail_text(e.detail),
        }
        for e in session.scalars(query)
    ]


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
        with services.sessions() as session:
            return audit_rows(session)
