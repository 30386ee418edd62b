"""Admin › Users: the user list, create, (de)activate, reset password, store scopes, access requests."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.admin.common import grid, section, time_column
from components.i18n import N_, _

ROLE_OPTIONS = [{"label": N_("Manager"), "value": "manager"}, {"label": N_("Admin"), "value": "admin"}]
USER_COLUMNS = [
    {"field": "username", "headerName": N_("User"), "minWidth": 150, "flex": 1.2},
    {"field": "role", "headerName": N_("Role"), "minWidth": 140, "flex": 0.5},  # "administrador" whole
    {"field": "state", "headerName": N_("State"), "minWidth": 230, "flex": 1},
    {"field": "stores", "headerName": N_("Stores"), "minWidth": 160, "flex": 1, "tooltipField": "stores"},
    time_column("created_at", headerName=N_("Created"), minWidth=165, flex=1),
    time_column("last_login_at", headerName=N_("Last login"), minWidth=175, flex=1),
    {"field": "note", "headerName": N_("Request note"), "minWidth": 180, "flex": 1.5, "tooltipField": "note"},
]


def _create_form() -> dbc.Form:
    return dbc.Row(
        [
            dbc.Col(
                dbc.Input(id=ids.ADMIN_USER_NAME, placeholder=_("new user name"), autocomplete="off"), md=3
            ),
            dbc.Col(
                dcc.Dropdown(
                    id=ids.ADMIN_USER_ROLE,
                    options=[{**option, "label": _(option["label"])} for option in ROLE_OPTIONS],
                    value="manager",
                    clearable=False,
                ),
                md=2,
            ),
            dbc.Col(
                dbc.Input(
                    id=ids.ADMIN_USER_PASSWORD,
                    type="password",
                    autocomplete="new-password",
                    placeholder=_("password (empty: temporary one)"),
                ),
                md=4,
            ),
            dbc.Col(
                dbc.Button(
                    [html.I(className="bi bi-person-plus me-1"), _("Create user")],
                    id=ids.ADMIN_USER_CREATE,
                    color="primary",
                ),
                md=3,
            ),
        ],
        className="g-2 mb-3",
    )


def _account_actions() -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(dcc.Dropdown(id=ids.ADMIN_USER_TARGET, placeholder=_("choose a user…")), md=4),
            dbc.Col(
                [
                    dbc.Button(
                        _("Deactivate"),
                        id=ids.ADMIN_USER_DEACTIVATE,
                        color="danger",
                        outline=True,
                        className="me-2",
                    ),
                    dbc.Button(
                        _("Activate"),
                        id=ids.ADMIN_USER_ACTIVATE,
                        color="success",
                        outline=True,
                        className="me-2",
                    ),
                    dbc.Button(_("Reset password"), id=ids.ADMIN_USER_RESET, color="secondary", outline=True),
                ],
                md=8,
            ),
        ],
        className="g-2 mb-3",
    )


def _scope_actions() -> dbc.Row:
    """The stores the chosen manager may see: some stores, or all of them (the default)."""
    return dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=ids.ADMIN_USER_SCOPE_STORES,
                    multi=True,
                    placeholder=_("stores the chosen manager may see…"),
                ),
                md=6,
            ),
            dbc.Col(
                [
                    dbc.Button(
                        [html.I(className="bi bi-shop me-1"), _("Limit to these stores")],
                        id=ids.ADMIN_USER_SCOPE_SAVE,
                        color="primary",
                        outline=True,
                        className="me-2",
                    ),
                    dbc.Button(_("All stores"), id=ids.ADMIN_USER_SCOPE_ALL, color="secondary", outline=True),
                ],
                md=6,
            ),
        ],
        className="g-2 mb-3",
    )


def _request_actions() -> html.Div:
    return html.Div(
        [
            html.H6(_("Access requests"), className="mt-2"),
            html.Div(id=ids.ADMIN_REQUESTS, className="small mb-2"),
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(id=ids.ADMIN_REQUEST_TARGET, placeholder=_("choose a request…")), md=4
                    ),
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.ADMIN_REQUEST_ROLE,
                            options=[{**option, "label": _(option["label"])} for option in ROLE_OPTIONS],
                            value="manager",
                            clearable=False,
                        ),
                        md=2,
                    ),
                    dbc.Col(
                        [
                            dbc.Button(
                                _("Approve"), id=ids.ADMIN_REQUEST_APPROVE, color="success", className="me-2"
                            ),
                            dbc.Button(
                                _("Reject"), id=ids.ADMIN_REQUEST_REJECT, color="danger", outline=True
                            ),
                        ],
                        md=6,
                    ),
                ],
                className="g-2",
            ),
        ]
    )


def _confirm_modal() -> dbc.Modal:
    """Asks before a deactivation or a password reset (the question names the user and the effect)."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(_("Please confirm"))),
            dbc.ModalBody(html.Div(id=ids.ADMIN_USER_CONFIRM_TEXT)),
            dbc.ModalFooter(
                [
                    dbc.Button(
                        _("Cancel"), id=ids.ADMIN_USER_CONFIRM_CANCEL, color="secondary", outline=True
                    ),
                    dbc.Button(_("Confirm"), id=ids.ADMIN_USER_CONFIRM, color="danger"),
                ]
            ),
        ],
        id=ids.ADMIN_USER_CONFIRM_MODAL,
        is_open=False,
    )


def users_section() -> dbc.Card:
    """The users card: message area, create form, account actions, grid, access requests."""
    return section(
        _("Users"),
        [
            html.Div(id=ids.ADMIN_USER_MESSAGE),
            _create_form(),
            _account_actions(),
            _scope_actions(),
            grid(ids.ADMIN_USERS_GRID, USER_COLUMNS, height="300px", row_id="username"),
            _request_actions(),
            _confirm_modal(),
            dcc.Store(id=ids.ADMIN_USERS_CHANGED, data=0),
            dcc.Store(id=ids.ADMIN_USER_PENDING),  # the action waiting for confirmation
        ],
        icon="bi-people",
    )


def requests_list(pending: list[dict]) -> html.Div:
    """Pending access requests, oldest first, with the note each requester left."""
    if not pending:
        return html.Div(_("No pending access requests."), className="text-body-secondary")
    return html.Ul(
        [
            html.Li(
                [
                    html.Strong(p["username"]),
                    " — " + _("asked %(when)s", when=p["created_at"]),
                    f": {p['note']}" if p["note"] else "",
                ]
            )
            for p in pending
        ],
        className="mb-0",
    )
