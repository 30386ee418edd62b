"""The "Make MASTER" dialog: the reason typed for one promotion is never recorded for the next one."""

from __future__ import annotations

from dash import no_update
from sqlalchemy import select

from callbacks.admin.registry import promote_step
from components import ids
from data.schema import AuditEvent
from models.registry import master_versions


def promotion_reasons(services) -> list[str]:
    with services.sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "model_promote").order_by(AuditEvent.id)
        )
        return [e.detail["reason"] for e in events]


def test_the_reason_is_emptied_when_the_dialog_opens_and_after_confirming(trained):
    services, first, second = trained
    engine = services.engine
    before = len(promotion_reasons(services))
    # Promote the candidate with a reason: the dialog opens with an empty reason field.
    opened = promote_step(engine, ids.ADMIN_PROMOTE, [{"id": second}], "left over", actor="admin")
    assert opened[0] is True and second in opened[1] and opened[4] == ""
    done = promote_step(engine, ids.ADMIN_PROMOTE_CONFIRM, [{"id": second}], "better model", actor="admin")
    assert done[0] is False and "is now MASTER" in done[2].children and done[4] == ""
    assert master_versions(engine)["store"] == second
    # Roll back without typing a reason: the field was emptied, so the default reason is recorded.
    reopened = promote_step(engine, ids.ADMIN_PROMOTE, [{"id": first}], "better model", actor="admin")
    assert reopened[4] == ""
    promote_step(engine, ids.ADMIN_PROMOTE_CONFIRM, [{"id": first}], reopened[4], actor="admin")
    assert master_versions(engine)["store"] == first
    assert promotion_reasons(services)[before:] == [
        "better model (by admin)",
        "manual promotion from the admin console (by admin)",
    ]


def test_cancel_and_a_wrong_selection_close_the_dialog_and_empty_the_reason(trained):
    services, _, second = trained
    cancelled = promote_step(
        services.engine, ids.ADMIN_PROMOTE_CANCEL, [{"id": second}], "typed", actor="admin"
    )
    assert cancelled == (False, no_update, no_update, no_update, "")
    refused = promote_step(services.engine, ids.ADMIN_PROMOTE, [], "typed", actor="admin")
    assert refused[0] is False and "exactly one" in refused[2].children and refused[4] == ""
