"""Reading the audit log: the rows of the Admin › Audit grid and the CSV download (the same rows)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from data.audit import audit_events
from data.cells import spreadsheet_safe

GRID_LIMIT = 500
CSV_FIELDS = ("at", "actor", "action", "detail", "summary")
# What each recorded action means, for people (the stored codes stay as they are: tools filter on them).
ACTION_TEXT = {
    "access_approved": "Access request approved",
    "access_rejected": "Access request rejected",
    "access_requested": "Access requested",
    "admin_bootstrapped": "First administrator created",
    "model_promote": "Model made MASTER",
    "model_refused": "Model refused at loading",
    "password_changed": "Password changed",
    "password_reset": "Password reset",
    "retrain_cancelled": "Training cancelled",
    "retrain_requested": "Training requested",
    "token_created": "API token created",
    "token_revoked": "API token revoked",
    "upload": "Sales imported",
    "upload_rejected": "Sales file refused",
    "upload_undo": "Upload undone",
    "upload_undo_refused": "Undo refused",
    "user_activated": "Account activated",
    "user_created": "Account created",
    "user_deactivated": "Account deactivated",
    "user_scope": "Stores of an account changed",
}
# Readable names of detail keys; a key not listed is shown with its underscores as spaces.
DETAIL_TEXT = {
    "previous": "replacing",
    "rows_new": "new rows",
    "rows_replaced": "replaced rows",
    "rows_restored": "rows restored",
    "rows_deleted": "rows deleted",
    "upload_id": "upload",
    "token_id": "token",
    "was": "while",
}


@dataclass(frozen=True)
class AuditEntry:
    """One audit event as shown: when (UTC, to the second), who, which action, and what (as text)."""

    id: int
    at: str
    actor: str
    action: str  # the stored code (``model_promote``)
    detail: str  # the stored details as ``key=value`` text
    action_text: str = ""  # the action for people ("Model made MASTER")
    summary: str = ""  # the details for people ("store model v2, replacing v1")


def detail_text(detail: dict[str, Any] | None) -> str:
    """An audit event's details as compact ``key=value`` text (JSON for nested values)."""
    if not detail:
        return ""
    return ", ".join(
        f"{k}={v if isinstance(v, str | int | float | bool) or v is None else json.dumps(v, sort_keys=True)}"
        for k, v in detail.items()
    )


def action_text(action: str) -> str:
    """The action for people: ``model_promote`` → "Model made MASTER" (unknown codes: words)."""
    return ACTION_TEXT.get(action, action.replace("_", " ").capitalize())


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value_text(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def summary_text(action: str, detail: dict[str, Any] | None) -> str:
    """An event's details in plain words: no empty values (``previous=None``), no code keys."""
    detail = dict(detail or {})
    if action == "model_promote":
        level, version = detail.pop("level", ""), detail.pop("version", "")
        previous = detail.pop("previous", None)
        reason = detail.pop("reason", None)
        text = f"{level} model {version} now serves"
        text += f", replacing {previous}" if previous else " (the first model of this level)"
        return text + (f". Why: {reason}" if reason else "") + _rest(detail)
    return _rest(detail).lstrip(". ")


def _rest(detail: dict[str, Any]) -> str:
    parts = [
        f"{DETAIL_TEXT.get(key, key.replace('_', ' '))}: {_value_text(value)}"
        for key, value in detail.items()
        if value not in (None, "", [], {})
    ]
    return (". " + "; ".join(parts)) if parts else ""


def audit_log(sessions: sessionmaker[Session], *, limit: int | None = GRID_LIMIT) -> list[AuditEntry]:
    """Audit events, newest first (every event when ``limit`` is None)."""
    with sessions() as session:
        return [
            AuditEntry(
                id=e.id,
                at=f"{e.at:%Y-%m-%d %H:%M:%S}",
                actor=e.actor,
                action=e.action,
                detail=detail_text(e.detail),
                action_text=action_text(e.action),
                summary=summary_text(e.action, e.detail),
            )
            for e in audit_events(session, limit=limit)
        ]


def audit_csv(sessions: sessionmaker[Session]) -> str:
    """The whole audit log as CSV (newest first), with a header row; text cannot run as a formula."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for entry in audit_log(sessions, limit=None):
        row = dataclasses.asdict(entry)
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()
