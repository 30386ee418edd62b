"""Admin › Data in headless Chromium: the reporting heat-map, the preview's coverage warning, and
undoing an upload through its confirmation dialog (gunicorn, real SQLite database)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from data.db import make_engine
from data.demo import generate_demo_sales
from data.schema import Sale, Upload
from tests.browser.conftest import login_in_browser, wait_for_dash_idle
from tests.support.live_server import LiveServer, app_environment, flask_cli, start_server

pytestmark = pytest.mark.browser
ADMIN = ("admin", "admin-pass-123")
SLOW_MACHINE_MS = 60_000


@pytest.fixture(scope="module")
def data_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    """gunicorn on two months of a 3-store demo chain, and a 6-row file of one store over 3 new days."""
    instance: Path = tmp_path_factory.mktemp("data-console")
    env = app_environment(instance, TRENDSALES_ADMIN_PASSWORD=ADMIN[1])
    sales = generate_demo_sales(
        5, n_stores=3, n_products=8, start=dt.date(2025, 9, 1), end=dt.date(2025, 10, 31)
    )
    sales.assign(date=sales["date"].dt.strftime("%Y-%m-%d")).to_csv(instance / "history.csv", index=False)
    first = sales[sales["store"] == sales["store"].iloc[0]].drop_duplicates("product").head(2)
    days = pd.DataFrame({"date": ["2025-11-01", "2025-11-02", "2025-11-03"]})
    partial = first[["store", "category", "product"]].merge(days, how="cross").assign(revenue=120.5)
    partial[["date", "store", "category", "product", "revenue"]].to_csv(
        instance / "one-store.csv", index=False
    )
    flask_cli(env, "init")
    flask_cli(env, "data", "import", str(instance / "history.csv"))
    server = start_server(env, workers=1)
    yield server, instance
    server.stop()


def _sales(instance: Path) -> list[tuple]:
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(select(Sale.store, Sale.product, Sale.date, Sale.revenue)).all())
    finally:
        engine.dispose()


def _upload_id(instance: Path, filename: str) -> int:
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    try:
        with engine.connect() as conn:
            return conn.scalar(
                select(Upload.id).where(Upload.filename == filename).order_by(Upload.id.desc())
            )
    finally:
        engine.dispose()


def _open_data_tab(page, url: str) -> None:
    page.set_default_timeout(SLOW_MACHINE_MS)
    login_in_browser(page, url, *ADMIN)
    page.click("#tab-admin")
    page.wait_for_selector("#admin-tabs")
    page.get_by_role("tab", name="Data").click()


def test_heat_map_coverage_warning_and_undo_with_confirmation(page, data_console):
    server, instance = data_console
    _open_data_tab(page, server.url)

    heat = page.wait_for_selector("#admin-data-status .admin-reporting .main-svg")
    title = page.text_content("#admin-data-status .gtitle")
    assert title == "Reporting by store — 56 days to 10/31/2025"  # the page is in English: month/day/year
    caption = page.inner_text("#admin-data-status figcaption")
    assert caption.startswith("Complete through 10/31/2025")
    label = page.get_attribute("#admin-data-status figure", "aria-label")
    assert label.startswith("Reporting by store — 56 days to 10/31/2025. Complete through")
    assert len(page.query_selector_all("#admin-data-status .barlayer .point")) == 3 * 56  # a cell each
    box = heat.bounding_box()
    assert box["width"] <= 1366 and box["height"] <= 300

    before = _sales(instance)
    page.set_input_files("#admin-upload input[type=file]", str(instance / "one-store.csv"))
    warning = page.wait_for_selector(".admin-coverage-warning").inner_text()
    assert "Covers 1 of 3 stores for 2025-11-01..03; the other 2 will show as not yet reported" in warning
    page.click("#admin-upload-confirm")
    page.wait_for_selector(".admin-import-ok")
    assert len(_sales(instance)) == len(before) + 6
    upload_id = _upload_id(instance, "one-store.csv")
    page.wait_for_function(
        "() => document.querySelector('#admin-data-status figcaption')?.innerText.includes('Behind:')"
    )

    row = page.locator("#admin-uploads tr", has_text="one-store.csv")
    row.locator(".admin-undo-button").click()
    page.wait_for_selector("#admin-undo-modal.show, .modal.show #admin-undo-text")
    question = page.inner_text("#admin-undo-text")
    assert (
        question.startswith(f"Undo upload {upload_id} (one-store.csv)?") and "deletes the 6 rows" in question
    )
    page.click("#admin-undo-cancel")
    page.wait_for_selector("#admin-undo-text", state="hidden")
    wait_for_dash_idle(page)
    assert len(_sales(instance)) == len(before) + 6  # cancelled: nothing changed

    row.locator(".admin-undo-button").click()
    page.wait_for_selector(".modal.show #admin-undo-text")
    page.click("#admin-undo-confirm")
    result = page.wait_for_selector(".admin-undo-result").inner_text()
    assert f"Upload {upload_id} (one-store.csv) undone: 0 values restored, 6 rows deleted." in result
    assert _sales(instance) == before
    page.wait_for_function(
        "() => [...document.querySelectorAll('#admin-uploads tr')]"
        ".some(r => r.innerText.includes('one-store.csv') && r.innerText.includes('undone'))"
    )
    assert (
        page.locator("#admin-uploads tr", has_text="one-store.csv").locator(".admin-undo-button").count() == 0
    )
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_heat_map_fits_a_phone_screen(page, data_console):
    server, _ = data_console
    page.set_viewport_size({"width": 390, "height": 844})
    _open_data_tab(page, server.url)
    heat = page.wait_for_selector("#admin-data-status .admin-reporting .main-svg")
    box = heat.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width} px)"
