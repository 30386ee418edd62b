"""Real headless Chromium against a real gunicorn: log in, see the tabs and a rendered Plotly chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from data.demo import generate_demo_sales
from tests.browser.conftest import login_in_browser, wait_for_dash_idle
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
    choose_another_store(page)
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_tabs_are_reachable_by_url_and_anonymous_users_go_to_login(page, shell_server):
    page.goto(shell_server.url + "/product")
    assert "/login" in page.url
    page.fill("#username", MANAGER[0])
    page.fill("#password", MANAGER[1])
    page.click("#login-submit")
    page.wait_for_selector("#tab-product.active")
    assert urlparse(page.url).path == "/product"  # filters may follow in the query string


def choose_another_store(page) -> None:
    """Pick the store dropdown's second option and wait until the chart's title names it."""
    page.click(STORE_DROPDOWN)
    option = page.locator(".dash-dropdown-option, [role=option]").nth(1)
    label = option.inner_text().strip()
    option.click()
    page.wait_for_function(
        "label => document.querySelector('#forecast-title')?.textContent.includes(label)",
        arg=label,
    )


def wait_until_page_settled(page) -> None:
    """Wait until the page is drawn and no callback is in flight.

    A callback answer still in flight would renew the session cookie after it was cleared.
    """
    page.wait_for_selector("#forecast-graph .js-plotly-plot")
    page.wait_for_function(
        "() => (document.querySelector('#tab-category')?.getAttribute('href') || '').includes('freq=')"
    )
    wait_for_dash_idle(page)


def test_expired_session_on_an_open_page_returns_to_login(page, shell_server):
    login_in_browser(page, shell_server.url, *MANAGER)
    wait_until_page_settled(page)
    page.context.clear_cookies()  # the session ends while the page stays open
    page.click("#tab-category")
    page.wait_for_url("**/login**")
    assert "next=" in page.url


def test_lost_csrf_cookie_reloads_the_page_instead_of_dead_controls(page, shell_server):
    login_in_browser(page, shell_server.url, *MANAGER)
    wait_until_page_settled(page)
    page.context.clear_cookies(name="_csrf_token")  # the session stays; the page's token is gone
    page.evaluate("() => { window.tsBeforeReload = true; }")
    page.click("#tab-category")
    # The refused callback (400 with "reload") reloads the page: the marker set above disappears.
    page.wait_for_function("() => window.tsBeforeReload === undefined")
    wait_until_page_settled(page)
    assert urlparse(page.url).path == "/category"
    assert any(c["name"] == "_csrf_token" for c in page.context.cookies())  # the reload re-issued it
    # The controls work again: choosing a store redraws the chart.
    choose_another_store(page)


def test_navbar_log_out_button_posts_the_form_and_ends_the_session(page, shell_server):
    login_in_browser(page, shell_server.url, *MANAGER)
    wait_until_page_settled(page)
    page.click("#nav-logout")
    page.wait_for_url("**/login**")
    assert "You are logged out" in page.inner_text("body")
    page.goto(shell_server.url + "/store")
    assert "/login" in page.url
