"""Real headless Chromium against a real gunicorn: log in, see the tabs and a rendered Plotly chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from data.demo import generate_demo_sales
from tests.browser.conftest import login_in_browser
from tests.support.live_server import LiveServer, app_environment, flask_cli, start_server

pytestmark = pytest.mark.browser
MANAGER = ("maria", "maria-pass-123")
STORE_DROPDOWN = """[id='{"name":"store","type":"ts-filter"}']"""


@pytest.fixture(scope="module")
def shell_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn on a fresh database with a small demo dataset imported through the CLI and one manager."""
    instance: Path = tmp_path_factory.mktemp("browser-instance")
    env = app_environment(instance, TRENDSALES_ADMIN_PASSWORD="admin-pass-123")
    sales = generate_demo_sales(
        5, n_stores=3, n_products=8, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)
    )
    csv_path = instance / "sales.csv"
    sales.assign(date=sales["date"].dt.strftime("%Y-%m-%d")).to_csv(csv_path, index=False)
    flask_cli(env, "init")
    flask_cli(env, "data", "import", str(csv_path))
    flask_cli(
        env,
        "users",
        "create",
        MANAGER[0],
        "--role",
        "manager",
        "--password-stdin",
        input_text=MANAGER[1] + "\n",
    )
    server = start_server(env, workers=1)
    yield server
    server.stop()


def test_manager_logs_in_and_sees_tabs_and_a_chart(page, shell_server):
    login_in_browser(page, shell_server.url, *MANAGER)
    for tab in ("#tab-store", "#tab-category", "#tab-product"):
        assert page.is_visible(tab)
    assert page.query_selector("#tab-admin") is None
    assert page.inner_text("#nav-user").strip() == MANAGER[0]
    # Without a trained model the store tab still draws the recorded history from the database.
    page.wait_for_selector("#forecast-graph .js-plotly-plot .scatterlayer path.js-line")
    assert "All stores" in page.inner_text("#forecast-title")
    assert "No store forecasting model yet" in page.inner_text("#view-message")
    # Switching the store redraws the chart with that store's title.
    page.click(STORE_DROPDOWN)
    option = page.locator(".dash-dropdown-option, [role=option]").nth(1)
    label = option.inner_text().strip()
    option.click()
    page.wait_for_function(
        "label => document.querySelector('#forecast-title')?.textContent.includes(label)",
        arg=label,
    )
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_tabs_are_reachable_by_url_and_anonymous_users_go_to_login(page, shell_server):
    page.goto(shell_server.url + "/product")
    assert "/login" in page.url
    page.fill("#username", MANAGER[0])
    page.fill("#password", MANAGER[1])
    page.click("#login-submit")
    page.wait_for_selector("#tab-product.active")
    assert urlparse(page.url).path == "/product"  # filters may follow in the query string


def test_expired_session_on_an_open_page_returns_to_login(page, shell_server):
    login_in_browser(page, shell_server.url, *MANAGER)
    page.wait_for_selector("#forecast-graph .js-plotly-plot")
    page.context.clear_cookies()  # the session ends while the page stays open
    page.click("#tab-category")
    page.wait_for_url("**/login**")
    assert "next=" in page.url
