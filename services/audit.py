"""Reading the audit log: the rows of the Admin › Audit grid and the CSV download (the same rows)."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from data.audit import audit_events
from data.cells import spreadsheet_safe
from data.i18n import N_, translate
from models.pipeline import PROMOTION_ACTOR
from models.promotion import decision_from_dict, describe

GRID_LIMIT = 500
CSV_FIELDS = ("at", "actor", "action", "detail", "summary")
# What each recorded action means, for people (the stored codes stay as they are: tools filter on them).
ACTION_TEXT = {
    "access_approved": N_("Access request approved"),
    "access_rejected": N_("Access request rejected"),
    "access_requested": N_("Access requested"),
    "admin_bootstrapped": N_("First administrator created"),
    "model_promote": N_("Model made MASTER"),
    "model_refused": N_("Model refused at loading"),
    "password_changed": N_("Password changed"),
    "password_reset": N_("Password reset"),
    "retrain_cancelled": N_("Training cancelled"),
    "retrain_requested": N_("Training requested"),
    "token_created": N_("API token created"),
    "token_revoked": N_("API token revoked"),
    "upload": N_("Sales imported"),
    "upload_rejected": N_("Sales file refused"),
    "upload_undo": N_("Upload undone"),
    "upload_undo_refused": N_("Undo refused"),
    "user_activated": N_("Account activated"),
    "user_created": N_("Account created"),
    "user_deactivated": N_("Account deactivated"),
    "user_scope": N_("Stores of an account changed"),
}
# Readable names of detail keys; a key not listed is shown with its underscores as spaces.
DETAIL_TEXT = {
    "previous": N_("replacing"),
    "rows_new": N_("new rows"),
    "rows_replaced": N_("replaced rows"),
    "rows_restored": N_("rows restored"),
    "rows_deleted": N_("rows deleted"),
    "upload_id": N_("upload"),
    "token_id": N_("token"),
    "was": N_("while"),
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


def action_text(action: str, language: str = "en") -> str:
    """The action for people in ``language``: ``model_promote`` → "Model made MASTER" (unknown codes:
    words). English (the CSV's language) unless a language is given."""
    if action in ACTION_TEXT:
        return translate(language, ACTION_TEXT[action])
    return action.replace("_", " ").capitalize()


SYSTEM_ACTORS = {PROMOTION_ACTOR: N_("training pipeline")}  # who acted when no person did


def actor_text(actor: str, language: str = "en") -> str:
    """Who acted, for people: a user's name as is, the training pipeline named in ``language``."""
    return translate(language, SYSTEM_ACTORS[actor]) if actor in SYSTEM_ACTORS else actor


def _value_text(value: Any, language: str) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(v, language) for v in value) or translate(language, "none")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value_text(v, language)}" for k, v in value.items())
    if isinstance(value, bool):
        return translate(language, "yes") if value else translate(language, "no")
    return str(value)


def summary_text(action: str, detail: dict[str, Any] | None, language: str = "en") -> str:
    """An event's details in plain words (in ``language``): no empty values (``previous=None``), no
    code keys."""
    detail = dict(detail or {})
    if action == "model_promote":
        level, version = detail.pop("level", ""), detail.pop("version", "")
        previous = detail.pop("previous", None)
        reason = detail.pop("reason", None)
        decision = detail.pop("decision", None)  # training runs' promotions: the decision itself
        if decision:
            # A record this version cannot read is shown as stored.
            with contextlib.suppress(TypeError, ValueError, KeyError):
                reason = describe(decision_from_dict(decision), language)
        level_name = translate(language, level) if level else ""
        text = (
            translate(
                language,
                "%(level)s model %(version)s now serves, replacing %(previous)s",
                level=level_name,
                version=version,
                previous=previous,
            )
            if previous
            else translate(
                language,
                "%(level)s model %(version)s now serves (the first model of this level)",
                level=level_name,
                version=version,
            )
        )
        why = ". " + translate(language, "Why: %(reason)s", reason=reason) if reason else ""
        return text + why + _rest(detail, language)
    return _rest(detail, language).lstrip(". ")


def _rest(detail: dict[str, Any], language: str) -> str:
    parts = [
        f"{_key_text(key, language)}: {_value_text(value, language)}"
        for key, value in detail.items()
        if value not in (None, "", [], {})
    ]
    return (". " + "; ".join(parts)) if parts else ""


def _key_text(key: str, language: str) -> str:
    return translate(language, DETAIL_TEXT[key]) if key in DETAIL_TEXT else key.replace("_", " ")


def audit_log(
    sessions: sessionmaker[Session], *, limit: int | None = GRID_LIMIT, language: str = "en"
) -> list[AuditEntry]:
    """Audit events, newest first (every event when ``limit`` is None), the action and summary in
    ``language`` (the CSV keeps English, the grid shows the reader's language)."""
    with sessions() as session:
        return [
            AuditEntry(
                id=e.id,
                at=f"{e.at:%Y-%m-%d %H:%M:%S}",
                actor=actor_text(e.actor, language),
                action=e.action,
                detail=detail_text(e.detail),
                action_text=action_text(e.action, language),
                summary=summary_text(e.action, e.detail, language),
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
