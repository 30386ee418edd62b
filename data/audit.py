"""The audit log: recording an admin or account action, and reading the log back.

An event is written in the same session (so the same transaction) as the action it records;
``detail`` is a small JSON object of what the action touched.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.schema import AuditEvent


def audit(session: Session, actor: str, action: str, **detail: object) -> None:
    """Record an account or admin action in the audit log (same transaction as the action)."""
    session.add(AuditEvent(actor=actor, action=action, detail=detail or None))


def audit_events(session: Session, *, limit: int | None = None) -> list[AuditEvent]:
    """Audit events, newest first (all of them when ``limit`` is None)."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))
