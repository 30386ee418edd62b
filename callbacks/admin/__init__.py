"""Admin-tab callbacks, one module per concern; every callback is ``@admin_only`` on the server."""

from __future__ import annotations

from typing import Any

from dash import Dash

from callbacks.admin import audit, events, registry, training, uploads, users


def register(app: Dash, services: Any) -> None:
    """Register every admin-tab callback on ``app``."""
    uploads.register(app, services)
    events.register(app, services)
    training.register(app, services)
    registry.register(app, services)
    users.register(app, services)
    audit.register(app, services)
