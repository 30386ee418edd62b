"""Account › API tokens page and Admin › Users store scopes (the pure action of the scope buttons)."""

from __future__ import annotations

import re

from callbacks.admin.users import scope_action
from components import ids
from services import tokens
from services.scoping import scopes_by_user
from tests.app.conftest import ADMIN_PASSWORD, MANAGER_PASSWORD, csrf_from, login


def test_a_manager_creates_sees_once_and_revokes_a_token(client, server):
    assert login(client, "manager", MANAGER_PASSWORD).status_code == 302
    page = client.get("/account/tokens").get_data(as_text=True)
    created = client.post("/account/tokens", data={"name": "bi", "days": "3", "csrf_token": csrf_from(page)})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token-secret">([^<]+)<', created.get_data(as_text=True)).group(1)
    assert secret.startswith("ts_") and "Acts as user" not in created.get_data(as_text=True)
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and "bi" in again
    token_id = tokens.list_tokens(server.extensions["trendsales"].sessions, "manager")[0].id
    revoked = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(again)})
    assert revoked.status_code == 302
    assert tokens.list_tokens(server.extensions["trendsales"].sessions, "manager")[0].state() == "revoked"


def test_the_token_forms_need_csrf_and_a_session(client):
    assert client.get("/account/tokens").status_code == 302
    assert login(client, "manager", MANAGER_PASSWORD).status_code == 302
    assert client.post("/account/tokens", data={"name": "x"}).status_code == 400


def test_a_manager_cannot_act_for_another_user_but_an_admin_can(client, server):
    assert login(client, "manager", MANAGER_PASSWORD).status_code == 302
    page = client.get("/account/tokens").get_data(as_text=True)
    client.post("/account/tokens", data={"name": "x", "owner": "admin", "csrf_token": csrf_from(page)})
    sessions = server.extensions["trendsales"].sessions
    assert [t.owner for t in tokens.list_tokens(sessions)] == ["manager"]  # the owner field is ignored
    admin = server.test_client()
    assert login(admin, "admin", ADMIN_PASSWORD).status_code == 302
    page = admin.get("/account/tokens").get_data(as_text=True)
    assert "Acts as user" in page and "manager" in page  # admins see every token
    admin.post("/account/tokens", data={"name": "svc", "owner": "manager", "csrf_token": csrf_from(page)})
    assert sorted(t.name for t in tokens.list_tokens(sessions, "manager")) == ["svc", "x"]


def test_admin_scope_buttons(server):
    sessions = server.extensions["trendsales"].sessions
    known = ["Loja Centro", "Loja Praia"]
    text, color = scope_action(
        sessions,
        ids.ADMIN_USER_SCOPE_SAVE,
        target="manager",
        stores=["Loja Praia"],
        known=known,
        actor="admin",
    )
    assert color == "success" and "Loja Praia" in text
    assert scopes_by_user(sessions)["manager"].stores == {"Loja Praia"}
    _, refused = scope_action(
        sessions, ids.ADMIN_USER_SCOPE_SAVE, target="manager", stores=[], known=known, actor="a"
    )
    assert refused == "danger"
    _, refused = scope_action(
        sessions, ids.ADMIN_USER_SCOPE_SAVE, target=None, stores=known, known=known, actor="a"
    )
    assert refused == "danger"
    text, color = scope_action(
        sessions, ids.ADMIN_USER_SCOPE_ALL, target="manager", stores=None, known=known, actor="a"
    )
    assert color == "success" and "all stores" in text
    assert scopes_by_user(sessions)["manager"].everything
