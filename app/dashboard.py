"""Mount the Dash app on the Flask server: assets, per-user layout, callbacks."""

from __future__ import annotations

from pathlib import Path

from dash import Dash, html
from flask import Flask, has_request_context
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.services import Services
from callbacks import register_callbacks
from components.admin import admin_page
from components.forecast_page import validation_pages
from components.layout import page_frame

ASSETS_DIR = Path(__file__).with_name("assets")


def _layout() -> html.Div:
    """The page for whoever is logged in (the server guard already refused anonymous requests)."""
    if not has_request_context() or not current_user.is_authenticated:
        return html.Div("Login required.")  # Dash's start-up check, or a bypassed guard
    return page_frame(current_user.username, current_user.role, current_user.is_admin, generate_csrf())


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
