"""Fixtures for app-level tests: an isolated app from the factory on a temporary database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from data.accounts import create_user
from data.db import session_scope
from tests.support.apps import make_test_app

ADMIN_PASSWORD = "admin-pass-123"
MANAGER_PASSWORD = "manager-pass-123"


@pytest.fixture
def dash_app(tmp_path: Path):
    """A fresh app with its own instance folder, migrated database, one admin and one manager."""
    app = make_test_app(tmp_path)
    services = app.server.extensions["trendsales"]
    with session_scope(services.sessions) as session:
        create_user(session, "admin", ADMIN_PASSWORD, role="admin")
        create_user(session, "manager", MANAGER_PASSWORD, role="manager")
    yield app
    services.engine.dispose()


@pytest.fixture
def server(dash_app):
    """The Flask server of the test app."""
    return dash_app.server


@pytest.fixture
def client(server) -> FlaskClient:
    """A test client without a session."""
    return server.test_client()


def csrf_from(html: str) -> str:
    """The CSRF token of a server-rendered form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str):
    """Log in through the real form (with its CSRF token); returns the response."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def logout(client: FlaskClient):
    """Log out the way the page does: the confirmation form's POST with its CSRF token."""
    token = csrf_from(client.get("/logout").get_data(as_text=True))
    return client.post("/logout", data={"csrf_token": token})


def dash_post(client: FlaskClient, payload: dict, *, with_csrf: bool = True):
    """POST a callback payload to Dash the way the renderer does (CSRF header from the cookie)."""
    headers = {}
    if with_csrf:
        cookie = client.get_cookie("_csrf_token")
        assert cookie is not None, "no CSRF cookie set"
        headers["X-CSRFToken"] = cookie.value
    return client.post("/_dash-update-component", json=payload, headers=headers)


@pytest.fixture
def admin_client(client: FlaskClient) -> FlaskClient:
    """A client logged in as the admin."""
    assert login(client, "admin", ADMIN_PASSWORD).status_code == 302
    return client


@pytest.fixture
def manager_client(client: FlaskClient) -> FlaskClient:
    """A client logged in as a manager."""
    assert login(client, "manager", MANAGER_PASSWORD).status_code == 302
    return client
