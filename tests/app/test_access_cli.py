"""``users scope`` and ``tokens create|list|revoke``: what they change, what they refuse, the audit."""

from __future__ import annotations

import pandas as pd

from data.schema import AuditEvent
from data.storage import import_sales_frame
from services.scoping import scopes_by_user


def _sales(server) -> None:
    frame = pd.DataFrame(
        {
            "date": ["2025-01-01", "2025-01-01", "2025-01-02", "2025-01-02"],
            "store": ["Loja Centro", "Loja Praia"] * 2,
            "category": ["Bebidas"] * 4,
            "product": ["Agua"] * 4,
            "revenue": [10.0, 20.0, 11.0, 21.0],
        }
    )
    import_sales_frame(server.extensions["trendsales"].engine, frame, filename="t.csv", uploaded_by="test")


def _audit(server, action: str) -> list[dict]:
    with server.extensions["trendsales"].sessions() as session:
        return [e.detail for e in session.query(AuditEvent).filter_by(action=action)]


def test_users_scope_limits_a_manager_and_is_audited(server):
    _sales(server)
    runner = server.test_cli_runner()
    done = runner.invoke(args=["users", "scope", "manager", "--stores", "Loja Centro"])
    assert done.exit_code == 0, done.output
    assert scopes_by_user(server.extensions["trendsales"].sessions)["manager"].stores == {"Loja Centro"}
    assert "Loja Centro" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "scope", "manager", "--all"]).exit_code == 0
    assert scopes_by_user(server.extensions["trendsales"].sessions)["manager"].everything
    assert _audit(server, "user_scope") == [
        {"user": "manager", "stores": ["Loja Centro"]},
        {"user": "manager", "stores": "all"},
    ]


def test_users_scope_refuses_unknown_stores_admins_and_bad_options(server):
    _sales(server)
    runner = server.test_cli_runner()
    unknown = runner.invoke(args=["users", "scope", "manager", "--stores", "Loja Lua"])
    assert unknown.exit_code == 1 and "Loja Lua" in unknown.output
    admin = runner.invoke(args=["users", "scope", "admin", "--stores", "Loja Centro"])
    assert admin.exit_code == 1 and "administrator" in admin.output
    assert runner.invoke(args=["users", "scope", "manager"]).exit_code == 1
    assert (
        runner.invoke(args=["users", "scope", "manager", "--all", "--stores", "Loja Centro"]).exit_code == 1
    )
    assert _audit(server, "user_scope") == []


def test_tokens_create_list_revoke(server, client):
    runner = server.test_cli_runner()
    created = runner.invoke(args=["tokens", "create", "manager", "--label", "bi", "--expires", "7"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("ts_")
    listing = runner.invoke(args=["tokens", "list"]).output
    assert "manager" in listing and "active" in listing and secret not in listing
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/openapi.json", headers=headers).status_code == 200
    token_id = listing.splitlines()[1].split()[0]
    assert runner.invoke(args=["tokens", "revoke", token_id]).exit_code == 0
    assert "revoked" in runner.invoke(args=["tokens", "list", "--user", "manager"]).output
    assert client.get("/api/openapi.json", headers=headers).status_code == 401
    assert runner.invoke(args=["tokens", "revoke", "999"]).exit_code == 1
    assert runner.invoke(args=["tokens", "create", "nobody"]).exit_code == 1
    assert [d["owner"] for d in _audit(server, "token_created")] == ["manager"]
    assert [d["owner"] for d in _audit(server, "token_revoked")] == ["manager"]
