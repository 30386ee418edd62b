"""Users card actions (through data.accounts' rules) and the audit rows and CSV export."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from callbacks.admin.users import pending_rows, user_action, user_rows
from components import ids
from data.accounts import find_user, request_access
from data.db import session_scope
from data.schema import AuditEvent
from services import accounts
from services.audit import action_text, audit_csv, audit_log, detail_text, summary_text


def act(services, action, **kwargs):
    return user_action(services.sessions, action, actor="admin", **kwargs)


def test_create_user_with_a_temporary_password_shown_once(services):
    text, color = act(services, ids.ADMIN_USER_CREATE, name="carla", role="manager", password=None)
    assert color == "success" and "Temporary password" in text
    with services.sessions() as session:
        user = find_user(session, "carla")
        assert user.role == "manager" and user.must_change_password
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "user_created" in actions


def test_bad_input_gives_the_account_rule_message(services):
    assert act(services, ids.ADMIN_USER_CREATE, name="x y", role="manager", password="long-enough-1") == (
        "The user name must be 1–80 characters without spaces.",
        "danger",
    )
    assert act(services, ids.ADMIN_USER_CREATE, name="manager", password="long-enough-1")[0].startswith(
        "A user named 'manager' already exists"
    )
    assert act(services, ids.ADMIN_USER_DEACTIVATE, target=None) == ("Choose a user first.", "danger")


def test_an_admin_cannot_deactivate_themselves(services):
    text, color = act(services, ids.ADMIN_USER_DEACTIVATE, target="admin")
    assert color == "danger" and text == "You cannot deactivate your own account; ask another administrator."
    assert act(services, ids.ADMIN_USER_DEACTIVATE, target="manager")[1] == "success"
    rows = {r["username"]: r["state"] for r in _rows(services)}
    assert rows == {"admin": "active", "manager": "deactivated"}
    assert act(services, ids.ADMIN_USER_ACTIVATE, target="manager")[1] == "success"


def test_reset_password_returns_a_temporary_one(services):
    text, color = act(services, ids.ADMIN_USER_RESET, target="manager")
    assert color == "success" and text.startswith("Temporary password for manager")
    with services.sessions() as session:
        assert find_user(session, "manager").must_change_password


def test_approve_and_reject_access_requests(services):
    with session_scope(services.sessions) as session:
        request_access(session, "ana", "ana-pass-123", "store S01")
        request_access(session, "bruno", "bruno-pass-123")
    assert [p["username"] for p in pending_rows(accounts.pending_requests(services.sessions))] == [
        "ana",
        "bruno",
    ]
    assert act(services, ids.ADMIN_REQUEST_APPROVE, request="ana", request_role="manager")[1] == "success"
    assert act(services, ids.ADMIN_REQUEST_REJECT, request="bruno") == (
        "Access request of bruno rejected.",
        "success",
    )
    assert act(services, ids.ADMIN_REQUEST_REJECT, request="ana")[1] == "danger"  # no longer pending
    with services.sessions() as session:
        assert find_user(session, "bruno") is None and find_user(session, "ana").active
    assert accounts.pending_requests(services.sessions) == []
    actions = [e.action for e in audit_log(services.sessions)]
    assert {"access_approved", "access_rejected"} <= set(actions)


def test_audit_rows_and_csv_export(services):
    act(services, ids.ADMIN_USER_CREATE, name="dora", role="admin", password="dora-pass-123")
    rows = audit_log(services.sessions)
    exported = list(csv.DictReader(io.StringIO(audit_csv(services.sessions))))
    assert rows[0].action == "user_created" and rows[0].actor == "admin"
    assert "user=dora" in rows[0].detail and "role=admin" in rows[0].detail
    assert exported[0]["action"] == "user_created" and exported[0]["actor"] == "admin"
    assert detail_text({"files": ["a.csv"], "n": 2}) == 'files=["a.csv"], n=2'
    assert rows[0].action_text == "Account created" and rows[0].summary == "user: dora; role: admin"
    assert exported[0]["summary"] == "user: dora; role: admin"


def test_audit_entries_read_as_sentences():
    """No internal codes or empty values in what the grid shows (``model_promote``, ``previous=None``)."""
    first = {"level": "store", "version": "store-v1", "previous": None, "reason": "first model"}
    assert action_text("model_promote") == "Model made MASTER"
    assert summary_text("model_promote", first) == (
        "store model store-v1 now serves (the first model of this level). Why: first model"
    )
    later = {"level": "store", "version": "store-v2", "previous": "store-v1", "reason": None}
    assert summary_text("model_promote", later) == "store model store-v2 now serves, replacing store-v1"
    upload = {"files": ["jan.csv", "feb.csv"], "rows_new": 12, "rows_replaced": 0, "note": None}
    assert summary_text("upload", upload) == "files: jan.csv, feb.csv; new rows: 12; replaced rows: 0"
    assert action_text("something_new") == "Something new"


def _rows(services):
    return user_rows(accounts.list_accounts(services.sessions))


def test_a_training_runs_promotion_reads_in_the_readers_language(trained):
    """The training pipeline's promotion keeps its decision in the audit row: the grid says who and why in
    Portuguese (the CSV and the stored reason stay English)."""
    services, first, _second = trained
    promoted = next(r for r in audit_log(services.sessions, language="pt_BR") if r.action == "model_promote")
    english = next(r for r in audit_log(services.sessions) if r.action == "model_promote")
    assert promoted.actor == "pipeline de treino" and english.actor == "training pipeline"
    assert first in promoted.summary and "Motivo: primeiro modelo do nível loja" in promoted.summary
    assert "first model" not in promoted.summary and "Why: first model of level store" in english.summary
    exported = next(r for r in csv.DictReader(io.StringIO(audit_csv(services.sessions))))
    assert exported["actor"] == "training pipeline" and "decision=" in exported["detail"]
