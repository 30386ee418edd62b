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


ADMIN_TAB_IDS = ("admin-tab-data", "admin-tab-models", "admin-tab-users", "admin-tab-audit")


def admin_tab_list(sections: list[tuple[str, str, list]]) -> html.Div:
    """The sub-tab buttons (ARIA tabs: each a focusable button naming its panel; the first selected).

    Plain buttons rather than ``dbc.Tabs``, whose links rendered every tab with the same id, an
    ``aria-controls`` naming no element and ``tabindex=-1`` (out of reach of the keyboard).
    """
    return html.Div(
        [
            html.Button(
                label,
                id=tab_id,
                type="button",
                role="tab",
                className="nav-link" + (" active" if i == 0 else ""),
                **{"aria-selected": "true" if i == 0 else "false", "aria-controls": f"{tab_id}-panel"},
            )
            for i, (tab_id, label, _) in enumerate(sections)
        ],
        role="tablist",
        id=ids.ADMIN_TABS,
        className="nav nav-tabs mb-3",
        **{"aria-label": _("Administration sections")},
    )


def admin_panels(sections: list[tuple[str, str, list]]) -> list[html.Div]:
    """One panel per sub-tab, always in the layout (only hidden), labelled by its tab button."""
    return [
        html.Div(
            children,
            id=f"{tab_id}-panel",
            role="tabpanel",
            hidden=i != 0,
            **{"aria-labelledby": tab_id},
        )
        for i, (tab_id, _, children) in enumerate(sections)
    ]


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
    sections = [
        (
            "admin-tab-data",
            _("Data"),
            [
                html.Div(id=ids.ADMIN_SUMMARY, className="mb-3"),
                reporting_section(),
                upload_section(),
                events_section(),
                history_section(),
            ],
        ),
        ("admin-tab-models", _("Models"), [retrain_section(), registry_section(), jobs_section()]),
        ("admin-tab-users", _("Users"), [users_section()]),
        ("admin-tab-audit", _("Audit log"), [audit_section()]),
    ]
    tabs = html.Div([admin_tab_list(sections), *admin_panels(sections)])
    return html.Div([header, tabs])
