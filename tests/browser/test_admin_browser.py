"""Admin console dialogs and grids in real headless Chromium: the promotion reason starts empty, user
deactivation and password resets ask first (and an admin's own account is refused with a message),
and the grids show their key columns whole with no AG Grid warning in the console.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from data.accounts import create_user
from data.db import make_engine, make_session_factory, session_scope
from models.pipeline import run_training
from tests.browser.conftest import ARTIFACTS, login_in_browser, wait_for_dash_idle
from tests.browser.forecast_server import MANAGER, TINY_TRAINING, build_trained_instance
from tests.support.live_server import LiveServer, app_environment, start_server

pytestmark = pytest.mark.browser
ADMIN = ("admin", "admin-pass-123")
TRUNCATED_JS = """(selector) => [...document.querySelectorAll(selector)]
    .filter(el => el.offsetParent !== null
                  && [el, ...el.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth))
    .map(el => el.textContent)"""


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn on a trained demo instance with a second (candidate) store version and an admin."""
    instance: Path = tmp_path_factory.mktemp("admin-browser")
    build_trained_instance(instance)
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    try:
        config = Settings().with_overrides({**TINY_TRAINING, "MODEL_DIR": str(instance / "models")})
        run_training(engine, config, levels=["store"], source="test", promote=False)
        with session_scope(make_session_factory(engine)) as session:
            create_user(session, ADMIN[0], ADMIN[1], role="admin")
    finally:
        engine.dispose()
    server = start_server(app_environment(instance, TRENDSALES_SCHEDULER_ENABLED="0"), workers=1)
    yield server
    server.stop()


@pytest.fixture
def admin_page(page, admin_server):
    """A page logged in as the admin, collecting console warnings as well as errors."""
    warnings: list[str] = []
    page.on("console", lambda msg: warnings.append(msg.text) if msg.type == "warning" else None)
    page.console_warnings = warnings
    login_in_browser(page, admin_server.url, *ADMIN)
    page.click("#tab-admin")
    page.wait_for_selector("#admin-tabs")
    return page


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def no_console_noise(page) -> None:
    assert not [e for e in page.console_errors if "favicon" not in e]
    assert not page.console_warnings, page.console_warnings


def choose(page, selector: str, label: str) -> None:
    page.click(selector)
    page.locator(".dash-dropdown-option, [role=option]", has_text=label).first.click()


def test_registry_grid_shows_key_columns_whole_and_the_console_stays_quiet(admin_page):
    page = admin_page
    open_tab(page, "Models")
    page.wait_for_selector("#admin-registry-grid .ag-row")
    wait_for_dash_idle(page)
    grid = "#admin-registry-grid"
    for column in ("id", "status", "wape", "mase", "baseline_wape"):
        cut = page.evaluate(TRUNCATED_JS, f"{grid} .ag-cell[col-id='{column}']")
        assert not cut, f"{column} cells cut off: {cut}"
        header = page.evaluate(
            TRUNCATED_JS, f"{grid} .ag-header-cell[col-id='{column}'] .ag-header-cell-text"
        )
        assert not header, f"{column} header cut off: {header}"
    assert "MASTER" in page.inner_text(grid) and "candidate" in page.inner_text(grid)
    # Numbers in the page's language like the dashboard (this server is in English: decimal point;
    # tests/browser/test_languages_browser.py reads the pt-BR comma), still sorted as numbers.
    wapes = page.locator(f"{grid} .ag-cell[col-id='wape']").all_inner_texts()
    assert wapes and all(re.fullmatch(r"\d{1,3}\.\d{2}", w) for w in wapes), wapes
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(grid).screenshot(path=str(ARTIFACTS / "admin_registry_grid_1366.png"))
    assert_whole(page, "#admin-jobs-grid", ("id", "trigger", "status", "created_at"))
    open_tab(page, "Users")
    page.wait_for_selector("#admin-users-grid .ag-row")
    assert_whole(page, "#admin-users-grid", ("username", "role", "state", "created_at", "last_login_at"))
    open_tab(page, "Audit log")
    page.wait_for_selector("#admin-audit-grid .ag-row")
    assert_whole(page, "#admin-audit-grid", ("at", "actor", "action"))
    open_tab(page, "Data")
    wait_for_dash_idle(page)
    no_console_noise(page)


def assert_whole(page, grid: str, columns: tuple[str, ...]) -> None:
    """No visible cell or header of ``columns`` in ``grid`` ends in an ellipsis."""
    for column in columns:
        cut = page.evaluate(TRUNCATED_JS, f"{grid} .ag-cell[col-id='{column}']")
        assert not cut, f"{grid} {column} cells cut off: {cut}"
        header = page.evaluate(
            TRUNCATED_JS, f"{grid} .ag-header-cell[col-id='{column}'] .ag-header-cell-text"
        )
        assert not header, f"{grid} {column} header cut off: {header}"


def test_promotion_reason_is_empty_each_time_the_dialog_opens(admin_page):
    page = admin_page
    open_tab(page, "Models")
    page.wait_for_selector("#admin-registry-grid .ag-row")
    grid = page.locator("#admin-registry-grid")
    grid.locator(".ag-cell[col-id='status']", has_text="candidate").first.click()
    page.click("#admin-promote")
    page.wait_for_selector("#admin-promote-modal.show, .modal.show #admin-promote-text")
    assert page.input_value("#admin-promote-reason") == ""
    page.fill("#admin-promote-reason", "better on the last folds")
    page.click("#admin-promote-confirm")
    page.wait_for_function(
        "() => document.querySelector('#admin-registry-message')?.innerText.includes('is now MASTER')"
    )
    # Roll back: the dialog opens with an empty reason, not the previous promotion's.
    page.wait_for_function(
        "() => document.querySelector('#admin-registry-grid').innerText.includes('archived')"
    )
    grid.locator(".ag-cell[col-id='status']", has_text="archived").first.click()
    page.click("#admin-promote")
    page.wait_for_selector(".modal.show #admin-promote-text")
    assert page.input_value("#admin-promote-reason") == ""
    page.click("#admin-promote-cancel")
    page.wait_for_selector(".modal.show", state="detached")
    no_console_noise(page)


def test_deactivate_asks_first_and_an_admin_cannot_deactivate_themselves(admin_page):
    page = admin_page
    open_tab(page, "Users")
    page.wait_for_selector("#admin-users-grid .ag-row")
    # Their own account: refused with a message, and the admin stays in the console.
    choose(page, "#admin-user-target", f"{ADMIN[0]} (admin")
    page.click("#admin-user-deactivate")
    page.wait_for_selector(".admin-user-result.alert-danger")
    assert "You cannot deactivate your own account" in page.inner_text("#admin-user-message")
    assert not page.is_visible(".modal.show")
    # Another user: the dialog names them; Cancel changes nothing, Confirm deactivates.
    choose(page, "#admin-user-target", f"{MANAGER[0]} (manager")
    page.click("#admin-user-deactivate")
    page.wait_for_selector(".modal.show #admin-user-confirm-text")
    assert page.inner_text("#admin-user-confirm-text").startswith(f"Deactivate {MANAGER[0]}?")
    page.click("#admin-user-confirm-cancel")
    page.wait_for_selector(".modal.show", state="detached")
    wait_for_dash_idle(page)
    row = page.locator("#admin-users-grid .ag-row", has_text=MANAGER[0])
    assert "deactivated" not in row.inner_text()
    page.click("#admin-user-deactivate")
    page.wait_for_selector(".modal.show #admin-user-confirm-text")
    page.click("#admin-user-confirm")
    page.wait_for_selector(".admin-user-result.alert-success")
    assert f"User {MANAGER[0]} deactivated." in page.inner_text("#admin-user-message")
    page.wait_for_function(
        "n => [...document.querySelectorAll('#admin-users-grid .ag-row')]"
        ".some(r => r.innerText.includes(n) && r.innerText.includes('deactivated'))",
        arg=MANAGER[0],
    )
    # Reset password asks too.
    page.click("#admin-user-reset")
    page.wait_for_selector(".modal.show #admin-user-confirm-text")
    assert page.inner_text("#admin-user-confirm-text").startswith(f"Reset the password of {MANAGER[0]}?")
    page.click("#admin-user-confirm")
    page.wait_for_function(
        "() => document.querySelector('#admin-user-message')?.innerText.includes('Temporary password for')"
    )
    assert page.url.endswith("/admin")
    no_console_noise(page)
