"""Drift flags: the stored live-accuracy verdict per level, changed (and audited) only when it changes.

The verdict is computed in ``models.live``; this module only persists it. A flag is raised once: the
audit log gets ``drift_flagged`` when a level becomes drifted (or its serving version changes while
drifted) and ``drift_cleared`` when it stops, not an entry every night.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from data.schema import AuditEvent, DriftFlag, utc_now

MONITOR_ACTOR = "monitor"


@dataclass(frozen=True)
class DriftState:
    """The stored verdict of one level."""

    level: str
    version: str
    flagged: bool
    since: dt.datetime | None
    checked_at: dt.datetime
    reason: str
    detail: dict[str, Any]


def _state(row: Any) -> DriftState:
    return DriftState(
        level=row.level,
        version=row.version,
        flagged=bool(row.flagged),
        since=row.since,
        checked_at=row.checked_at,
        reason=row.reason,
        detail=dict(row.detail or {}),
    )


def drift_states(bind: Engine | Connection) -> dict[str, DriftState]:
    """``{level: DriftState}`` of every level checked so far (one small query)."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return drift_states(conn)
    return {row.level: _state(row) for row in bind.execute(select(DriftFlag))}


def record_drift(
    engine: Engine,
    *,
    level: str,
    version: str,
    flagged: bool,
    reason: str,
    detail: dict[str, Any],
    now: dt.datetime | None = None,
) -> str | None:
    """Store the verdict of ``level`` and audit a change; return ``"flagged"``, ``"cleared"`` or None.

    A flagged level stays flagged ``since`` its first flagged check of the same version, so the
    nightly gate can tell whether a training has run since.
    """
    now = now or utc_now()
    with engine.begin() as conn:
        row = conn.execute(select(DriftFlag).where(DriftFlag.level == level).with_for_update()).first()
        before = _state(row) if row is not None else None
        was = before is not None and before.flagged and before.version == version
        change = None
        if flagged and not was:
            change = "flagged"
        elif not flagged and before is not None and before.flagged:
            change = "cleared"
        since = (before.since if was else now) if flagged else None
        values = {
            "version": version,
            "flagged": flagged,
            "since": since,
            "checked_at": now,
            "reason": reason,
            "detail": detail,
        }
        if row is None:
            conn.execute(insert(DriftFlag).values(level=level, **values))
        else:
            conn.execute(update(DriftFlag).where(DriftFlag.level == level).values(**values))
        if change is not None:
            conn.execute(
                insert(AuditEvent).values(
                    at=now,
                    actor=MONITOR_ACTOR,
                    action=f"drift_{change}",
                    detail={"level": level, "version": version, "reason": reason, **detail},
                )
            )
    return change
