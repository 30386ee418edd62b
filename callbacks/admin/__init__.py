"""Admin-tab callbacks, one module per concern; every callback is ``@admin_only`` on the server."""

from __future__ import annotations

from typing import Any

from dash import ClientsideFunction, Dash, Input, Output

from callbacks.admin import audit, events, registry, training, uploads, users
from components.admin import ADMIN_TAB_IDS


def register(app: Dash, services: Any) -> None:
    """Register every admin-tab callback on ``app``."""
    uploads.register(app, services)
    events.register(app, services)
    training.register(app, services)
    registry.register(app, services)
    users.register(app, services)
    audit.register(app, services)
    # Switching sub-tabs only shows and hides panels already on the page: done in the browser.
    app.clientside_callback(
        ClientsideFunction(namespace="trendsales", function_name="adminTab"),
        *[Output(tab, "className") for tab in ADMIN_TAB_IDS],
        *[Output(tab, "aria-selected") for tab in ADMIN_TAB_IDS],
        *[Output(f"{tab}-panel", "hidden") for tab in ADMIN_TAB_IDS],
        *[Input(tab, "n_clicks") for tab in ADMIN_TAB_IDS],
        prevent_initial_call=True,
    )
