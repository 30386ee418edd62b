"""Admin › Audit: every admin action with who, when and what; exportable as CSV."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.admin.common import grid, section

AUDIT_EXPORT_URL = "/admin/audit.csv"
AUDIT_COLUMNS = [
    {"field": "at", "headerName": "When (UTC)", "minWidth": 175, "flex": 0.6, "sort": "desc"},
    {"field": "actor", "headerName": "Who", "minWidth": 120, "flex": 0.5},
    {"field": "action_text", "headerName": "Action", "minWidth": 170, "flex": 0.6},
    {"field": "summary", "headerName": "What", "minWidth": 260, "flex": 3, "tooltipField": "summary"},
]


def audit_section() -> dbc.Card:
    """The audit grid with a CSV export link."""
    export = html.A(
        [html.I(className="bi bi-download me-1"), "Export CSV"],
        href=AUDIT_EXPORT_URL,
        className="btn btn-sm btn-outline-secondary mb-2",
    )
    return section(
        "Audit log",
        [export, grid(ids.ADMIN_AUDIT_GRID, AUDIT_COLUMNS, height="420px")],
        icon="bi-journal-text",
    )
