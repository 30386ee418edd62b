"""The admin tab: data uploads, training and the model registry, users, and the audit log.

Every piece is always present in the layout (sub-tabs only hide them), so each callback's
components exist whenever the admin page is shown; all content is filled by admin-only callbacks.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.admin.audit import audit_section
from components.admin.common import summary_cards
from components.admin.events import events_section
from components.admin.registry import registry_section
from components.admin.reporting import reporting_section
from components.admin.training import jobs_section, retrain_section
from components.admin.uploads import history_section, upload_section, uploads_table
from components.admin.users import users_section
from components.i18n import _

__all__ = ["admin_page", "summary_cards", "uploads_table"]


def admin_page() -> html.Div:
    """Layout of the admin tab (sub-tabs: Data, Models, Users, Audit)."""
    header = html.Div(
        [
            html.H2(_("Administration"), className="h4 mb-0"),
            dbc.Button(
                [html.I(className="bi bi-arrow-clockwise me-1"), _("Refresh")],
                id=ids.ADMIN_REFRESH,
                size="sm",
                color="secondary",
                outline=True,
            ),
        ],
        className="d-flex justify-content-between align-items-center mb-3",
    )
    tabs = dbc.Tabs(
        [
            dbc.Tab(
                [
                    html.Div(id=ids.ADMIN_SUMMARY, className="mb-3"),
                    reporting_section(),
                    upload_section(),
                    events_section(),
                    history_section(),
                ],
                label=_("Data"),
                tab_id="admin-tab-data",
            ),
            dbc.Tab(
                [retrain_section(), registry_section(), jobs_section()],
                label=_("Models"),
                tab_id="admin-tab-models",
            ),
            dbc.Tab(users_section(), label=_("Users"), tab_id="admin-tab-users"),
            dbc.Tab(audit_section(), label=_("Audit log"), tab_id="admin-tab-audit"),
        ],
        id=ids.ADMIN_TABS,
        active_tab="admin-tab-data",
        className="mb-3",
    )
    return html.Div([header, tabs])
