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
CSV_FIELDS = ("at", "actor", "action", "detail")


@dataclass(frozen=True)
class AuditEntry:
    """One audit event as shown: when (UTC, to the second), who, which action, and what (as text)."""

    id: int
    at: str
    actor: str
    action: str
    detail: str


def detail_text(detail: dict[str, Any] | None) -> str:
    """An audit event's details as compact ``key=value`` text (JSON for nested values)."""
    if not detail:
        return ""
    return ", ".join(
        f"{k}={v if isinstance(v, str | int | float | bool) or v is None else json.dumps(v, sort_keys=True)}"
        for k, v in detail.items()
    )


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
