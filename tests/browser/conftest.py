"""Browser-test fixtures: Debian's Chromium driven by Playwright against a real gunicorn.

No browser download: Playwright launches ``/usr/bin/chromium``. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live_server import PROJECT_ROOT

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def chromium_path() -> str:
    """Debian's Chromium; fails (never skips) when missing, as `make test` installs it."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Chromium is missing: run `make test` (installs Debian's chromium) or set CHROMIUM_PATH")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request) -> Iterator[object]:
    """A fresh browser context and page; console errors are collected on ``page.console_errors``."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    context.set_default_timeout(20_000)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    new_page.on("pageerror", lambda exc: errors.append(str(exc)))
    new_page.console_errors = errors
    yield new_page
    ARTIFACTS.mkdir(exist_ok=True)
    new_page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def login_in_browser(page, base_url: str, username: str, password: str) -> None:
    """Log in through the real form and wait for the dashboard's tab bar."""
    page.goto(base_url + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_selector("#tab-store")


DASH_IDLE_JS = """() => {
    const state = window.store && window.store.getState();
    if (!state || !state.callbacks) return false;
    const queues = Object.assign({}, state.callbacks);
    delete queues.stored;
    delete queues.completed;
    return Object.values(queues).every(queue => queue.length === 0);
}"""


def wait_for_dash_idle(page) -> None:
    """Wait until Dash's renderer has no callback requested, waiting or in flight.

    The same check as dash.testing's: after it, no callback answer can still change the page or its cookies.
    """
    page.wait_for_function(DASH_IDLE_JS)
