"""Undo an upload: the use case behind ``data undo UPLOAD_ID`` and the history's Undo button.

The undo (values put back, added keys deleted, the upload marked ``undone``) and its audit row
(``upload_undo``) are one transaction; a refusal changes nothing and is audited as
``upload_undo_refused`` with the reason, like a refused import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from data import undo
from data.audit import audit
from data.db import session_scope
from data.schema import utc_now
from data.undo import UndoPlan, UndoRefused
from services.publishing import Published, PublishSettings, publish_after

__all__ = ["UndoOutcome", "UndoPlan", "UndoRefused", "undo_preview", "undo_upload"]


@dataclass(frozen=True)
class UndoOutcome:
    """What an undo did (``done``), or why it was refused (``refusal``; then nothing changed)."""

    done: UndoPlan | None = None
    refusal: str = ""  # why, in English (as audited)
    published: tuple[Published, ...] = ()  # the forecasts re-published on the changed data
    refused: UndoRefused | None = None

    def refusal_text(self, language: str) -> str:
        """Why the undo was refused, in ``language`` (empty when it was not)."""
        return self.refused.text(language) if self.refused is not None else self.refusal


class UndoServices(Protocol):
    """What the undo needs from ``app.services.Services``."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def config(self) -> PublishSettings:
        """The app's settings (publishing reads them)."""
        ...


def undo_preview(services: UndoServices, upload_id: int) -> UndoOutcome:
    """What undoing ``upload_id`` would do (for the confirmation), or why it would be refused."""
    try:
        with services.engine.connect() as conn:
            return UndoOutcome(done=undo.plan_undo(conn, upload_id))
    except UndoRefused as err:
        return UndoOutcome(refusal=str(err), refused=err)


def undo_upload(services: UndoServices, upload_id: int, *, actor: str) -> UndoOutcome:
    """Undo ``upload_id`` and audit it in one transaction; a refusal is audited and changes nothing."""
    try:
        with session_scope(services.sessions) as session:
            done = undo.undo_upload(session.connection(), upload_id, actor=actor, now=utc_now())
            audit(
                session,
                actor,
                "upload_undo",
                upload_id=upload_id,
                file=done.filename,
                rows_restored=done.restores,
                rows_deleted=done.deletes,
            )
    except UndoRefused as err:
        with session_scope(services.sessions) as session:
            audit(session, actor, "upload_undo_refused", upload_id=upload_id, reason=str(err))
        return UndoOutcome(refusal=str(err), refused=err)
    return UndoOutcome(done=done, published=publish_after(services, reason="data"))
