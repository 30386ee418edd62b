"""Account actions write the same audit rows whichever adapter calls them: CLI, Admin › Users, auth views."""

from __future__ import annotations

import pytest

from callbacks.admin.users import user_action
from components import ids
from services import accounts
from tests.app.conftest import MANAGER_PASSWORD, csrf_from


def _cli(server, *args: str, stdin: str | None = None) -> str:
    result = server.test_cli_runner().invoke(args=list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_users_commands_audit_as_cli(server, audit_events):
    _cli(server, "users", "create", "ana", "--password-stdin", stdin="ana-password-1\n")
    _cli(server, "users", "reset-password", "ana")
    _cli(server, "users", "deactivate", "ana")
    accounts.request_access(
        server.extensions["trendsales"].sessions, "bea", "bea-password-1", address="10.0.0.1", limit=5,
        window_minutes=15,
    )  # fmt: skip
    _cli(server, "users", "approve", "bea", "--role", "admin")
    assert audit_events() == [
        ("cli", "user_created", {"user": "ana", "role": "manager"}),
        ("cli", "password_reset", {"user": "ana"}),
        ("cli", "user_deactivated", {"user": "ana"}),
        ("bea", "access_requested", {}),
        ("cli", "access_approved", {"user": "bea", "role": "admin"}),
    ]


def test_console_actions_audit_as_the_admin(services, audit_events):
    def act(action: str, **fields: str | None) -> str:
        text, color = user_action(services.sessions, action, actor="admin", **fields)
        assert color == "success", text
        return text

    assert "Temporary password" in act(ids.ADMIN_USER_CREATE, name="ana", role="manager", password="")
    act(ids.ADMIN_USER_RESET, target="ana")
    act(ids.ADMIN_USER_DEACTIVATE, target="ana")
    act(ids.ADMIN_USER_ACTIVATE, target="ana")
    for name in ("bea", "caio"):
        accounts.request_access(
            services.sessions, name, f"{name}-password-1", address="10.0.0.1", limit=5, window_minutes=15
        )
    act(ids.ADMIN_REQUEST_APPROVE, request="bea", request_role="manager")
    act(ids.ADMIN_REQUEST_REJECT, request="caio")
    assert audit_events() == [
        ("admin", "user_created", {"user": "ana", "role": "manager"}),
        ("admin", "password_reset", {"user": "ana"}),
        ("admin", "user_deactivated", {"user": "ana"}),
        ("admin", "user_activated", {"user": "ana"}),
        ("bea", "access_requested", {}),
        ("caio", "access_requested", {}),
        ("admin", "access_approved", {"user": "bea", "role": "manager"}),
        ("admin", "access_rejected", {"user": "caio"}),
    ]


def test_auth_views_audit_requests_and_password_changes(client, manager_client, audit_events):
    token = csrf_from(client.get("/request-access").get_data(as_text=True))
    form = {"username": "dani", "password": "dani-pass-123", "confirm_password": "dani-pass-123"}
    assert client.post("/request-access", data={**form, "csrf_token": token}).status_code == 302
    token = csrf_from(manager_client.get("/account/password").get_data(as_text=True))
    changed = manager_client.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current_password": MANAGER_PASSWORD,
            "new_password": "manager-new-pass-1",
            "confirm_password": "manager-new-pass-1",
        },
    )
    assert changed.status_code == 302
    assert audit_events() == [("dani", "access_requested", {}), ("manager", "password_changed", {})]


def test_a_refused_action_changes_and_audits_nothing(services, audit_events):
    with pytest.raises(accounts.AccountError, match="last active administrator"):
        accounts.set_active(services.sessions, "admin", False, actor="someone-else")
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create_account(services.sessions, "manager", "long-enough-1", actor="admin")
    with pytest.raises(accounts.AccountError, match="at least 8"):
        accounts.create_account(services.sessions, "eva", "", actor="cli")  # given empty: not generated
    assert audit_events() == []
    assert [a.username for a in accounts.list_accounts(services.sessions)] == ["admin", "manager"]
