"""Admin tab: dataset summary and upload history (admin-only on the server)."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, html
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from callbacks.guards import admin_only
from components import ids
from components.admin import summary_cards, uploads_table
from data import storage
from data.schema import Upload


def recent_uploads(session: Session, limit: int = 50) -> list[dict]:
    """The latest uploads as plain rows for the table."""
    uploads = session.scalars(select(Upload).order_by(Upload.uploaded_at.desc()).limit(limit))
    return [
        {
            "uploaded_at": f"{u.uploaded_at:%Y-%m-%d %H:%M}",
            "filename": u.filename,
            "uploaded_by": u.uploaded_by,
            "status": u.status,
            "rows_read": u.rows_read,
            "rows_new": u.rows_new,
            "rows_replaced": u.rows_replaced,
        }
        for u in uploads
    ]


def admin_overview(engine: Engine, sessions: Any) -> tuple[Any, Any]:
    """Summary cards and upload table for the admin tab."""
    with sessions() as session:
        uploads = recent_uploads(session)
    return summary_cards(storage.sales_summary(engine)), uploads_table(uploads)


def register(app: Dash, services: Any) -> None:
    """Register the admin-tab callbacks."""

    @app.callback(
        Output(ids.ADMIN_SUMMARY, "children"),
        Output(ids.ADMIN_UPLOADS, "children"),
        Input(ids.ADMIN_REFRESH, "n_clicks"),
    )
    @admin_only
    def refresh(_clicks: int | None) -> tuple[html.Div, html.Div]:
        return admin_overview(services.engine, services.sessions)
