"""Admin › Users callbacks: list, create, (de)activate, reset password, approve/reject access requests.

Each button calls one account action of ``services.accounts`` (which applies the rules, including
"the last active admin cannot be deactivated" and "nobody deactivates themselves", and audits);
these functions only pick the action and turn its result or refusal into a message. Deactivating and
resetting a password are asked first in a dialog that names the user, and are refused at once for the
admin's own account.
"""

from __future__ import annotations

import time
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update
from flask_login import current_user

from callbacks.guards import admin_only
from components import ids
from components.admin.common import message
from components.admin.users import requests_list
from components.i18n import N_, _, text_language, timestamp
from data.i18n import readable_text
from services import accounts
from services.accounts import OWN_ACCOUNT_REFUSED, Account, AccountError
from services.scoping import ALL_STORES, ScopeError, StoreScope, scopes_by_user, set_user_scope, store_names


def _when(value: Any) -> str:
    return timestamp(value, zone=False) if value else ""


def _iso(value: Any) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if value else ""


# Account states (services.accounts.Account.state), translated where shown.
ACCOUNT_STATES = (N_("active"), N_("active (must change password)"), N_("pending request"), N_("deactivated"))


def user_rows(users: list[Account], scopes: dict[str, StoreScope] | None = None) -> list[dict[str, Any]]:
    """The accounts as rows of the users grid (with the stores each may see)."""
    scopes = scopes or {}
    return [
        {
            "username": u.username,
            "role": _(u.role),
            "state": _(u.state),
            "stores": _(scopes.get(u.username, ALL_STORES).describe()),
            "created_at": _iso(u.created_at),
            "created_at_text": _when(u.created_at),
            "last_login_at": _iso(u.last_login_at),
            "last_login_at_text": _when(u.last_login_at),
            "note": u.note,
        }
        for u in users
    ]


def pending_rows(pending: list[Account]) -> list[dict[str, Any]]:
    """Pending access requests as rows of the requests list."""
    return [{"username": u.username, "created_at": timestamp(u.created_at), "note": u.note} for u in pending]


SELF_RESET = N_("To change your own password, use the Password link at the top of the page.")
CONFIRM_FIRST = {ids.ADMIN_USER_DEACTIVATE, ids.ADMIN_USER_RESET}


def _same_user(a: str | None, b: str | None) -> bool:
    return bool(a and b) and a.strip().lower() == b.strip().lower()


def confirmation(action: str, target: str | None, *, actor: str) -> tuple[dict[str, str] | None, str]:
    """What a Deactivate / Reset password click asks: (pending action, question), or (None, refusal).

    Refused at once, before any dialog: no user chosen, and the admin's own account (deactivating it
    would log them out with no message; resetting it would end their session too).
    """
    if not target:
        return None, _("Choose a user first.")
    if _same_user(target, actor):
        return None, _(OWN_ACCOUNT_REFUSED) if action == ids.ADMIN_USER_DEACTIVATE else _(SELF_RESET)
    if action == ids.ADMIN_USER_DEACTIVATE:
        question = _(
            "Deactivate %(user)s? They are logged out and can no longer log in until an administrator "
            "activates the account again.",
            user=target,
        )
    else:
        question = _(
            "Reset the password of %(user)s? Their current password stops working and their sessions "
            "end; a temporary password is shown once, to be changed at their next login.",
            user=target,
        )
    return {"action": action, "target": target}, question


def _need(value: str | None, what: str) -> str:
    if not value:
        raise AccountError(
            N_("Choose a request first.") if what == "a request" else N_("Choose a user first.")
        )
    return value


def user_action(
    sessions: Any,
    action: str,
    *,
    actor: str,
    name: str | None = None,
    role: str | None = None,
    password: str | None = None,
    target: str | None = None,
    request: str | None = None,
    request_role: str | None = None,
) -> tuple[str, str]:
    """Carry out one users-card action (one account action, its own transaction); returns (message, color).

    Refusals (``AccountError``, e.g. the last active admin) come back as a red message, nothing changed.
    """
    try:
        if action == ids.ADMIN_USER_CREATE:
            new = accounts.create_account(
                sessions, name or "", password or None, role=role or "manager", actor=actor
            )
            text = _("User %(user)s created as %(role)s.", user=new.username, role=_(new.role))
            if new.temporary_password:
                text += " " + _(
                    "Temporary password (shown once, must be changed at first login): %(password)s",
                    password=new.temporary_password,
                )
        elif action == ids.ADMIN_USER_DEACTIVATE:
            user = accounts.set_active(sessions, _need(target, "a user"), False, actor=actor)
            text = _("User %(user)s deactivated.", user=user.username)
        elif action == ids.ADMIN_USER_ACTIVATE:
            user = accounts.set_active(sessions, _need(target, "a user"), True, actor=actor)
            text = _("User %(user)s activated.", user=user.username)
        elif action == ids.ADMIN_USER_RESET:
            user_name = _need(target, "a user")
            temporary = accounts.reset_password(sessions, user_name, actor=actor)
            text = _(
                "Temporary password for %(user)s (shown once, must be changed at next login): %(password)s",
                user=user_name,
                password=temporary,
            )
        elif action == ids.ADMIN_REQUEST_APPROVE:
            user = accounts.approve_request(
                sessions, _need(request, "a request"), actor=actor, role=request_role or "manager"
            )
            text = _("Access for %(user)s approved as %(role)s.", user=user.username, role=_(user.role))
        elif action == ids.ADMIN_REQUEST_REJECT:
            accounts.reject_request(sessions, _need(request, "a request"), actor=actor)
            text = _("Access request of %(user)s rejected.", user=request)
        else:
            raise AccountError(N_("Unknown action %(action)s."), action=repr(action))
    except AccountError as exc:
        return readable_text(exc, text_language()), "danger"
    return text, "success"


def users_step(
    sessions: Any, trigger: str, *, actor: str, pending: dict | None = None, **fields: Any
) -> tuple:
    """One click in the users card; returns the callback's outputs:
    (message, users-changed stamp, password field, dialog open, dialog question, pending action).

    Deactivate and Reset password open the dialog (or are refused); Confirm carries out the pending
    action exactly as the dialog named it; Cancel closes it; the other buttons act at once.
    """
    if trigger in CONFIRM_FIRST:
        waiting, text = confirmation(trigger, fields.get("target"), actor=actor)
        if waiting is None:
            refused = message(text, "danger", extra_class="admin-user-result")
            return refused, no_update, no_update, False, no_update, None
        return None, no_update, no_update, True, text, waiting
    if trigger == ids.ADMIN_USER_CONFIRM_CANCEL:
        return no_update, no_update, no_update, False, no_update, None
    if trigger == ids.ADMIN_USER_CONFIRM:
        if not pending:
            return no_update, no_update, no_update, False, no_update, None
        text, color = user_action(sessions, pending["action"], actor=actor, target=pending["target"])
        changed = time.time() if color == "success" else no_update
        return (
            message(text, color, extra_class="admin-user-result"),
            changed,
            no_update,
            False,
            no_update,
            None,
        )
    text, color = user_action(sessions, trigger, actor=actor, **fields)
    changed = time.time() if color == "success" else no_update
    return message(text, color, extra_class="admin-user-result"), changed, "", no_update, no_update, no_update


def scope_action(
    sessions: Any, trigger: str, *, target: str | None, stores: list[str] | None, known: list[str], actor: str
) -> tuple[str, str]:
    """Limit the chosen user to the chosen stores, or give them every store; returns (message, color)."""
    if not target:
        return _("Choose a user first."), "danger"
    everything = trigger == ids.ADMIN_USER_SCOPE_ALL
    try:
        scope = set_user_scope(
            sessions, target, None if everything else (stores or []), known_stores=known, actor=actor
        )
    except ScopeError as exc:
        said = readable_text(exc, text_language())
        return f"{said[0].upper()}{said[1:]}.", "danger"
    return _("%(user)s now sees %(stores)s.", user=target, stores=_(scope.describe())), "success"


def register(app: Dash, services: Any) -> None:
    """Register the users callbacks (admin-only on the server)."""

    @app.callback(
        Output(ids.ADMIN_USER_MESSAGE, "children"),
        Output(ids.ADMIN_USERS_CHANGED, "data"),
        Output(ids.ADMIN_USER_PASSWORD, "value"),
        Output(ids.ADMIN_USER_CONFIRM_MODAL, "is_open"),
        Output(ids.ADMIN_USER_CONFIRM_TEXT, "children"),
        Output(ids.ADMIN_USER_PENDING, "data"),
        Input(ids.ADMIN_USER_CREATE, "n_clicks"),
        Input(ids.ADMIN_USER_DEACTIVATE, "n_clicks"),
        Input(ids.ADMIN_USER_ACTIVATE, "n_clicks"),
        Input(ids.ADMIN_USER_RESET, "n_clicks"),
        Input(ids.ADMIN_REQUEST_APPROVE, "n_clicks"),
        Input(ids.ADMIN_REQUEST_REJECT, "n_clicks"),
        Input(ids.ADMIN_USER_CONFIRM, "n_clicks"),
        Input(ids.ADMIN_USER_CONFIRM_CANCEL, "n_clicks"),
        State(ids.ADMIN_USER_NAME, "value"),
        State(ids.ADMIN_USER_ROLE, "value"),
        State(ids.ADMIN_USER_PASSWORD, "value"),
        State(ids.ADMIN_USER_TARGET, "value"),
        State(ids.ADMIN_REQUEST_TARGET, "value"),
        State(ids.ADMIN_REQUEST_ROLE, "value"),
        State(ids.ADMIN_USER_PENDING, "data"),
        prevent_initial_call=True,
    )
    @admin_only
    def act(  # one click argument per button above (which one fired is ctx.triggered_id), then the fields
        _create: Any,
        _deactivate: Any,
        _activate: Any,
        _reset: Any,
        _approve: Any,
        _reject: Any,
        _confirm: Any,
        _cancel: Any,
        name: str | None,
        role: str | None,
        password: str | None,
        target: str | None,
        request: str | None,
        request_role: str | None,
        pending: dict | None,
    ) -> tuple:
        return users_step(
            services.sessions,
            str(ctx.triggered_id),
            actor=current_user.username,
            pending=pending,
            name=name,
            role=role,
            password=password,
            target=target,
            request=request,
            request_role=request_role,
        )

    @app.callback(
        Output(ids.ADMIN_USERS_GRID, "rowData"),
        Output(ids.ADMIN_USER_TARGET, "options"),
        Output(ids.ADMIN_REQUEST_TARGET, "options"),
        Output(ids.ADMIN_REQUESTS, "children"),
        Input(ids.ADMIN_USERS_CHANGED, "data"),
        Input(ids.ADMIN_REFRESH, "n_clicks"),
    )
    @admin_only
    def view(_changed: Any, _clicks: Any) -> tuple:
        users = user_rows(accounts.list_accounts(services.sessions), scopes_by_user(services.sessions))
        pending = pending_rows(accounts.pending_requests(services.sessions))
        targets = [
            {"label": f"{u['username']} ({u['role']}, {u['state']})", "value": u["username"]}
            for u in users
            if u["state"] != _("pending request")
        ]
        requests = [{"label": p["username"], "value": p["username"]} for p in pending]
        return users, targets, requests, requests_list(pending)

    @app.callback(
        Output(ids.ADMIN_USER_MESSAGE, "children", allow_duplicate=True),
        Output(ids.ADMIN_USERS_CHANGED, "data", allow_duplicate=True),
        Input(ids.ADMIN_USER_SCOPE_SAVE, "n_clicks"),
        Input(ids.ADMIN_USER_SCOPE_ALL, "n_clicks"),
        State(ids.ADMIN_USER_TARGET, "value"),
        State(ids.ADMIN_USER_SCOPE_STORES, "value"),
        prevent_initial_call=True,
    )
    @admin_only
    def scope(_save: Any, _all: Any, target: str | None, stores: list[str] | None) -> tuple:
        text, color = scope_action(
            services.sessions,
            str(ctx.triggered_id),
            target=target,
            stores=stores,
            known=store_names(services.engine),
            actor=current_user.username,
        )
        changed = time.time() if color == "success" else no_update
        return message(text, color, extra_class="admin-user-result"), changed

    @app.callback(
        Output(ids.ADMIN_USER_SCOPE_STORES, "options"),
        Output(ids.ADMIN_USER_SCOPE_STORES, "value"),
        Input(ids.ADMIN_USER_TARGET, "value"),
        Input(ids.ADMIN_USERS_CHANGED, "data"),
    )
    @admin_only
    def scope_choices(target: str | None, _changed: Any) -> tuple:
        chosen = scopes_by_user(services.sessions).get(target or "", ALL_STORES)
        return store_names(services.engine), sorted(chosen.stores or ())
