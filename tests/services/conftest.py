"""Fixtures for the use-case tests: the factory app (admin + manager) and its Services bundle."""

from __future__ import annotations

import pytest

from tests.app.conftest import admin_client, client, dash_app, manager_client, server  # noqa: F401


@pytest.fixture
def services(dash_app):  # noqa: F811
    """The Services bundle of the test app."""
    return dash_app.server.extensions["trendsales"]


@pytest.fixture
def audit_events(services):
    """A reader of the audit log as (actor, action, detail) tuples, oldest first."""
    from sqlalchemy import select

    from data.schema import AuditEvent

    def read() -> list[tuple[str, str, dict]]:
        with services.sessions() as session:
            rows = session.execute(
                select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail).order_by(AuditEvent.id)
            ).all()
        return [(actor, action, detail or {}) for actor, action, detail in rows]

    return read
