"""Admin › Audit: every admin action with who, when and what; exportable as CSV."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.admin.common import grid, section, time_column
from components.i18n import N_, _

AUDIT_EXPORT_URL = "/admin/audit.csv"
AUDIT_COLUMNS = [
    time_column("at", headerName=N_("When"), minWidth=175, flex=0.6, sort="desc"),
    {"field": "actor", "headerName": N_("Who"), "minWidth": 120, "flex": 0.5},
    {"field": "action_text", "headerName": N_("Action"), "minWidth": 200, "flex": 0.7},
    {"field": "summary", "headerName": N_("What"), "minWidth": 260, "flex": 3, "tooltipField": "summary"},
]


def audit_section() -> dbc.Card:
    """The audit grid with a CSV export link."""
    export = html.A(
        [html.I(className="bi bi-download me-1"), _("Export CSV")],
        href=AUDIT_EXPORT_URL,
        className="btn btn-sm btn-outline-secondary mb-2",
    )
    return section(
        _("Audit log"),
        [export, grid(ids.ADMIN_AUDIT_GRID, AUDIT_COLUMNS, height="420px")],
        icon="bi-journal-text",
    )
