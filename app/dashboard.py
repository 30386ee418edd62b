"""Mount the Dash app on the Flask server: assets, per-user layout, callbacks."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dash import Dash, html
from flask import Flask, Response, has_request_context, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.services import Services
from callbacks import register_callbacks
from callbacks.inputs import MalformedCallback, refuse
from components.admin import admin_page
from components.forecast_page import validation_pages
from components.layout import page_frame

ASSETS_DIR = Path(__file__).with_name("assets")
CALLBACK_ROUTE = "_dash-update-component"
log = logging.getLogger("trendsales.callbacks")


def _layout() -> html.Div:
    """The page for whoever is logged in (the server guard already refused anonymous requests)."""
    if not has_request_context() or not current_user.is_authenticated:
        return html.Div("Login required.")  # Dash's start-up check, or a bypassed guard
    return page_frame(current_user.username, current_user.role, current_user.is_admin, generate_csrf())


# Dash's page template with the document language set (screen readers pick their voice from it).
INDEX_HTML = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>
"""


def create_dash(server: Flask, services: Services) -> Dash:
    """Build the Dash app on ``server`` with locally served assets and every callback registered."""
    app = Dash(
        __name__,
        server=server,
        url_base_pathname="/",
        assets_folder=str(ASSETS_DIR),
        title="Trend Sales",
        update_title=None,
        serve_locally=True,
        compress=False,
        index_string=INDEX_HTML,
    )
    app.layout = _layout
    app.validation_layout = html.Div([page_frame("user", "admin", True), *validation_pages(), admin_page()])
    register_callbacks(app, services)
    return app


def finish_dash_setup(app: Dash) -> None:
    """Run the server's first-request hooks now, in the factory, so Dash is set up before it serves.

    Dash sets itself up (component suites, assets, layout and callback checks) in a ``before_request``
    hook that marks itself done *before* registering the component suites; under gunicorn's threaded
    workers a JS bundle requested concurrently with a worker's first request then found no registered
    library and got a 500 (a blank page in the browser). Flask's public ``preprocess_request`` runs the
    before-request hooks of a test request, Dash's among them, once, before any real request (about
    2 ms). Call it last: the access guard and flask-login are then in place, so the anonymous test
    request is simply refused (its response is discarded) after Dash's hook, which runs first.
    """
    server = app.server
    with server.test_request_context("/"):
        server.preprocess_request()


def _check_entries(items: Any, expected: list[Any], what: str) -> None:
    if not isinstance(items, list) or len(items) != len(expected):
        raise refuse(f"{what} do not match the callback")
    for item in items:
        for entry in item if isinstance(item, list) else [item]:
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("id"), str | dict)
                and isinstance(entry.get("property"), str)
            ):
                raise refuse(f"{what} must be lists of {{id, property, value}}")


def check_callback_body(body: Any, callbacks: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse (400) a callback body that Dash's renderer would not send: not an object, an unknown
    output, or inputs and state that are not the callback's list of ``{id, property, value}``."""
    if not isinstance(body, dict):
        raise refuse("the body must be a JSON object")
    output = body.get("output")
    if not isinstance(output, str) or output not in callbacks:
        raise refuse("unknown callback output")
    if not isinstance(body.get("outputs"), dict | list):
        raise refuse("outputs must be an object or a list")
    spec = callbacks[output]
    _check_entries(body.get("inputs"), spec["inputs"], "inputs")
    _check_entries(body.get("state", []), spec["state"], "state")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(item, str) for item in changed):
        raise refuse("changedPropIds must be a list of text")


def malformed_callback(error: MalformedCallback) -> tuple[Response, int]:
    """Answer 400 with the reason; log one line (who, which callback, why) and no traceback."""
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    user = current_user.username if current_user.is_authenticated else "anonymous"
    log.warning("refused a malformed callback from %s (%s): %s", user, str(output)[:120], error.description)
    return jsonify(error=error.description), 400


def install_callback_checks(app: Dash) -> None:
    """Check every callback body before Dash reads it, and answer malformed ones (and malformed values
    found by the callbacks, ``callbacks.inputs``) with a 400 instead of a 500.

    Register after the access guard and CSRF protection, so those refuse first."""
    route = app.config.routes_pathname_prefix + CALLBACK_ROUTE

    def _check() -> None:
        if request.endpoint == route:
            check_callback_body(request.get_json(silent=True), app.callback_map)

    app.server.before_request(_check)
    app.server.register_error_handler(MalformedCallback, malformed_callback)
