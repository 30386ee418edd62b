"""Every route and every Dash endpoint is closed to anonymous users; admin callbacks refuse managers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.app.conftest import dash_post
from tests.support.apps import make_test_app

ROUTER_PAYLOAD = {
    "output": "page-content.children",
    "outputs": {"id": "page-content", "property": "children"},
    "inputs": [{"id": "url", "property": "pathname", "value": "/store"}],
    "changedPropIds": ["url.pathname"],
    "state": [{"id": "url", "property": "search", "value": ""}],
}
ADMIN_PAYLOAD = {
    "output": "..admin-summary.children...admin-uploads.children...admin-data-status.children..",
    "outputs": [
        {"id": "admin-summary", "property": "children"},
        {"id": "admin-uploads", "property": "children"},
        {"id": "admin-data-status", "property": "children"},
    ],
    "inputs": [
        {"id": "admin-refresh", "property": "n_clicks", "value": 1},
        {"id": "admin-undo-done", "property": "data", "value": None},
    ],
    "changedPropIds": ["admin-refresh.n_clicks"],
    "state": [],
}
PAGES = ["/", "/store", "/category", "/product", "/admin", "/some/unknown/page", "/account/password"]
DASH_GETS = [
    "/_dash-layout",
    "/_dash-dependencies",
    "/_reload-hash",
    "/_favicon.ico",
    "/_dash-component-suites/dash/dcc/dash_core_components.js",
    "/_dash-component-suites/dash/deps/polyfill@7.v4_4_1m1.min.js",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_anonymous_users_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", DASH_GETS)
def test_dash_endpoints_answer_401_without_session(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json()["login_url"] == "/login"


@pytest.mark.parametrize("payload", [ROUTER_PAYLOAD, ADMIN_PAYLOAD, {}])
def test_callback_post_without_session_is_refused_and_runs_nothing(client, payload):
    response = client.post("/_dash-update-component", json=payload)
    assert response.status_code == 401


def test_public_endpoints_stay_open(client):
    assert client.get("/login").status_code == 200
    assert client.get("/request-access").status_code == 200
    assert client.get("/assets/00-bootstrap.min.css").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json()["status"] == "ok"


def test_logged_in_user_gets_the_dashboard_and_layout(manager_client):
    assert manager_client.get("/").headers["Location"] == "/store"
    store = manager_client.get("/store")
    assert store.status_code == 200 and store.headers["Cache-Control"] == "no-store"
    bundle = manager_client.get("/_dash-component-suites/dash/dcc/dash_core_components.js")
    assert bundle.status_code == 200 and "private" in bundle.headers["Cache-Control"]
    layout = manager_client.get("/_dash-layout")
    assert layout.status_code == 200
    text = layout.get_data(as_text=True)
    assert "manager" in text and "tab-store" in text
    assert "tab-admin" not in text  # managers get no admin tab


def test_admin_layout_has_the_admin_tab(admin_client):
    assert "tab-admin" in admin_client.get("/_dash-layout").get_data(as_text=True)


def test_csrf_cookie_comes_with_pages_not_with_callback_answers(manager_client):
    page = manager_client.get("/store")
    assert "_csrf_token=" in page.headers.get("Set-Cookie", "")
    answer = dash_post(manager_client, ROUTER_PAYLOAD)
    assert answer.status_code == 200 and "_csrf_token=" not in answer.headers.get("Set-Cookie", "")
    assert dash_post(manager_client, ROUTER_PAYLOAD).status_code == 200  # the page's token keeps working


def test_callback_without_csrf_header_is_rejected(manager_client):
    refused = dash_post(manager_client, ROUTER_PAYLOAD, with_csrf=False)
    assert refused.status_code == 400
    # JSON that tells the page to reload (session.js does), which re-issues the token cookie.
    assert refused.get_json()["reload"] is True and "CSRF" in refused.get_json()["error"]
    assert dash_post(manager_client, ROUTER_PAYLOAD).status_code == 200


def test_admin_callback_refuses_a_manager_on_the_server(manager_client):
    response = dash_post(manager_client, ADMIN_PAYLOAD)
    assert response.status_code == 403


def test_admin_callback_serves_an_admin(admin_client):
    response = dash_post(admin_client, ADMIN_PAYLOAD)
    assert response.status_code == 200
    assert "Sales rows" in response.get_data(as_text=True)


def test_security_headers_and_cookie_flags(admin_client):
    response = admin_client.get("/store")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    session_cookie = admin_client.get_cookie("session")
    assert session_cookie.http_only and session_cookie.same_site == "Lax"


def test_component_suites_are_served_by_a_worker_s_first_concurrent_requests(manager_client, tmp_path):
    """Like a second gunicorn worker: a session made on one app, then concurrent bundle requests as the
    very first requests of another app on the same database. Dash's lazy first-request set-up used to
    race with them ("dash is not a registered library", a blank page); the factory now does it up front."""
    worker = make_test_app(tmp_path)  # same folder: same database and secret key, no request served yet
    assert {"dash", "dash_bootstrap_components", "dash_ag_grid"} <= set(worker.registered_paths)
    session_cookie = manager_client.get_cookie("session").value
    bundles = [
        "/_dash-component-suites/dash/deps/react@18.v4_4_1m1.3.1.min.js",
        "/_dash-component-suites/dash/deps/react-dom@18.v4_4_1m1.3.1.min.js",
        "/_dash-component-suites/dash/deps/polyfill@7.v4_4_1m1.12.1.min.js",
        "/_dash-component-suites/dash/dcc/dash_core_components.js",
    ] * 2

    def fetch(path: str) -> int:
        client = worker.server.test_client()
        client.set_cookie("session", session_cookie)
        return client.get(path).status_code

    try:
        with ThreadPoolExecutor(max_workers=len(bundles)) as pool:
            assert list(pool.map(fetch, bundles)) == [200] * len(bundles)
    finally:
        worker.server.extensions["trendsales"].engine.dispose()
