"""Admin › Audit: every admin action with who, when and what; exportable as CSV."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.admin.common import grid, section

AUDIT_EXPORT_URL = "/admin/audit.csv"
AUDIT_COLUMNS = [
    {"field": "at", "headerName": "When (UTC)", "maxWidth": 190, "sort": "desc"},
    {"field": "actor", "headerName": "Who", "maxWidth": 160},
    {"field": "action", "headerName": "Action", "maxWidth": 200},
    {"field": "detail", "headerName": "What", "flex": 3, "tooltipField": "detail"},
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
