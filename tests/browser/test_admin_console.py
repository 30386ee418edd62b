"""The admin console in real headless Chromium against gunicorn (2 workers, scheduler on).

Covers the issue's browser scenarios: upload a good file (preview, then new rows) and a bad one
(row/column errors, nothing written); retrain with a live progress bar to completion and the new
MASTER served by every worker without a restart; roll back; and a manager created in the console
who, in a second browser context, has no admin tab and is refused every admin action.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from data.db import make_engine
from data.demo import generate_demo_sales
from data.schema import Sale
from models.registry import list_versions, master_versions
from tests.browser.conftest import login_in_browser
from tests.support.apps import fast_training_env
from tests.support.live_server import (
    LiveServer,
    app_environment,
    flask_cli,
    start_server,
    wait_all_workers,
    wait_for,
)

pytestmark = pytest.mark.browser
ADMIN = ("admin", "admin-pass-123")
NEW_MANAGER = ("mario", "mario-pass-123")
SLOW_MACHINE_MS = 60_000  # generous waits: the 2 shared cores are often busy with other suites
START, SPLIT, END = dt.date(2025, 1, 1), dt.date(2025, 10, 31), dt.date(2025, 11, 30)


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.assign(date=pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    """gunicorn (2 workers, scheduler on) on a database with 10 months of demo sales and trained MASTERs."""
    instance: Path = tmp_path_factory.mktemp("admin-console")
    env = app_environment(
        instance,
        TRENDSALES_ADMIN_PASSWORD=ADMIN[1],
        TRENDSALES_SCHEDULER_ENABLED="1",
        TRENDSALES_MODEL_POLL_SECONDS="1",
        TRENDSALES_RETRAIN_POLL_SECONDS="1",
        **fast_training_env(),  # the console is under test, not the engine
    )
    sales = generate_demo_sales(5, n_stores=3, n_products=8, start=START, end=END)
    old = sales[sales["date"] <= pd.Timestamp(SPLIT)]
    _csv(old, instance / "history.csv")
    _csv(sales[sales["date"] > pd.Timestamp(SPLIT)], instance / "november.csv")
    (instance / "bad.csv").write_text(
        "date,store,category,product,revenue\n2025-11-01,S01,Bebidas,P1,10\n2025-11-31,S01,Bebidas,P1,-3\n"
    )
    flask_cli(env, "init")
    flask_cli(env, "data", "import", str(instance / "history.csv"))
    flask_cli(env, "train")
    server = start_server(env, workers=2)
    yield server, instance
    server.stop()


def _engine(instance: Path):
    return make_engine(f"sqlite:///{instance / 'trendsales.db'}")


def _sales_rows(instance: Path) -> int:
    engine = _engine(instance)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Sale))
    finally:
        engine.dispose()


def _masters(instance: Path) -> dict[str, str]:
    engine = _engine(instance)
    try:
        return master_versions(engine)
    finally:
        engine.dispose()


def _served_everywhere(server: LiveServer, level: str, version: str, *, what: str) -> None:
    """Wait until every worker (each pid, not whichever the kernel picks) serves ``version``."""
    wait_all_workers(server, lambda h: h["masters"].get(level) == version, timeout=30, what=what)


def _open_admin(page, url: str, tab: str) -> None:
    page.set_default_timeout(SLOW_MACHINE_MS)
    login_in_browser(page, url, *ADMIN)
    _admin_tab(page, tab)


def _admin_tab(page, tab: str) -> None:
    page.click("#tab-admin")
    page.wait_for_selector("#admin-tabs")
    page.get_by_role("tab", name=tab).click()


def test_upload_good_file_previews_then_imports_and_bad_file_writes_nothing(page, console):
    server, instance = console
    before = _sales_rows(instance)
    _open_admin(page, server.url, "Data")
    page.wait_for_selector("#admin-uploads table")
    page.set_input_files("#admin-upload input[type=file]", str(instance / "november.csv"))
    card = page.wait_for_selector(".admin-preview-card")
    text = card.inner_text()
    assert "november.csv" in text and "Frequency: D" in text and "2025-11-30" in text
    new_rows = int(text.split("New rows:")[1].split()[0].replace(",", ""))
    assert new_rows > 0 and _sales_rows(instance) == before  # the preview wrote nothing
    page.click("#admin-upload-confirm")
    page.wait_for_selector(".admin-import-ok")
    assert _sales_rows(instance) == before + new_rows
    page.wait_for_function(
        "() => document.querySelector('#admin-uploads table')?.innerText.includes('november.csv')"
    )

    page.set_input_files("#admin-upload input[type=file]", str(instance / "bad.csv"))
    problems = page.wait_for_selector(".admin-problems").inner_text()
    assert "3" in problems and "date" in problems and "revenue" in problems
    assert "nothing was written" in page.inner_text("#admin-upload-preview")
    assert page.is_disabled("#admin-upload-confirm")
    assert _sales_rows(instance) == before + new_rows
    assert not [e for e in page.console_errors if "favicon" not in e]


def test_retrain_shows_progress_to_completion_then_rollback_is_served(page, console):
    server, instance = console
    old_master = _masters(instance)["store"]
    _open_admin(page, server.url, "Models")
    page.wait_for_selector("#admin-registry-grid .ag-row")
    page.click("#admin-retrain")
    page.click("#admin-retrain-confirm")
    queued = page.wait_for_selector("#admin-retrain-message .alert").inner_text()
    job = re.search(r"\d+", queued).group()
    widths: list[str] = []

    def finished() -> bool:
        # Until the poll answers, the status line still shows the previous job (succeeded, 100%):
        # read the bar only once it follows the job just queued.
        status = page.inner_text("#admin-job-status")
        if f"Job {job} " not in status:
            return False
        widths.append(page.eval_on_selector("#admin-job-progress .progress-bar", "e => e.style.width"))
        return "succeeded" in status

    wait_for(finished, timeout=120, interval=0.2, what="the retrain job to succeed in the page")
    seen = [float(w.rstrip("%") or 0) for w in widths]
    assert any(v < 100 for v in seen) and seen[-1] == 100, seen
    assert page.is_enabled("#admin-retrain")
    outcome = page.inner_text("#admin-job-outcome")
    assert all(level in outcome for level in ("store:", "category:", "product:"))

    new_master = _masters(instance)["store"]
    engine = _engine(instance)
    newest = list_versions(engine, "store")[0].id
    engine.dispose()
    page.wait_for_function(
        "id => document.querySelector('#admin-registry-grid').innerText.includes(id)", arg=newest
    )
    _served_everywhere(server, "store", new_master, what="new MASTER served")
    _model_card_shows(page, new_master)
    _admin_tab(page, "Models")
    page.wait_for_selector("#admin-registry-grid .ag-row")

    target = (
        old_master
        if new_master != old_master
        else next(v for v in _versions(instance, "store") if v != new_master)
    )
    row = _registry_row(page, target)
    page.locator("#admin-registry-grid").get_by_text(target, exact=True).first.click()
    page.click("#admin-promote")
    page.wait_for_selector("#admin-promote-modal.show, .modal.show #admin-promote-text")
    assert target in page.inner_text("#admin-promote-text")
    page.fill("#admin-promote-reason", "browser test rollback")
    page.click("#admin-promote-confirm")
    page.wait_for_function(
        "id => document.querySelector('#admin-registry-message')?.innerText.includes(id + ' is now MASTER')",
        arg=target,
    )
    assert _masters(instance)["store"] == target
    _served_everywhere(server, "store", target, what="rolled-back MASTER served")
    wait_for(lambda: "MASTER" in row.inner_text(), timeout=10, what="grid shows the rollback")
    _model_card_shows(page, target)
    assert not [e for e in page.console_errors if "favicon" not in e]


def _registry_row(page, version: str):
    """The registry grid row whose Version cell is exactly ``version`` (decisions mention other ids)."""
    cell = page.locator("#admin-registry-grid").get_by_text(version, exact=True).first
    return cell.locator("xpath=ancestor::div[contains(@class, 'ag-row ')][1]")


def _model_card_shows(page, version: str) -> None:
    """The store tab's model card names ``version`` (served by whichever worker answers, no restart)."""
    page.click("#tab-store")
    page.wait_for_function("v => document.querySelector('#model-card')?.innerText.includes(v)", arg=version)


def _versions(instance: Path, level: str) -> list[str]:
    engine = _engine(instance)
    try:
        return [v.id for v in list_versions(engine, level)]
    finally:
        engine.dispose()


def test_manager_created_in_the_console_has_no_admin_tab_nor_action(page, browser, console):
    server, _ = console
    _open_admin(page, server.url, "Users")
    page.fill("#admin-user-name", NEW_MANAGER[0])
    page.fill("#admin-user-password", NEW_MANAGER[1])
    page.click("#admin-user-create")
    page.wait_for_selector(".admin-user-result.alert-success")
    page.wait_for_function(
        "name => document.querySelector('#admin-users-grid').innerText.includes(name)", arg=NEW_MANAGER[0]
    )

    context = browser.new_context()
    try:
        other = context.new_page()
        other.set_default_timeout(SLOW_MACHINE_MS)
        login_in_browser(other, server.url, *NEW_MANAGER)
        assert other.query_selector("#tab-admin") is None
        other.goto(server.url + "/admin")
        other.wait_for_selector("text=reserved to administrators")
        assert (
            other.query_selector("#admin-retrain") is None and other.query_selector("#admin-upload") is None
        )
        token = next(c["value"] for c in context.cookies() if c["name"] == "_csrf_token")
        payload = {
            "output": "admin-compare-out.children",
            "outputs": {"id": "admin-compare-out", "property": "children"},
            "inputs": [{"id": "admin-compare", "property": "n_clicks", "value": 1}],
            "state": [{"id": "admin-registry-grid", "property": "selectedRows", "value": []}],
            "changedPropIds": ["admin-compare.n_clicks"],
        }
        refused = other.request.post(
            server.url + "/_dash-update-component", data=payload, headers={"X-CSRFToken": token}
        )
        assert refused.status == 403
        assert other.request.get(server.url + "/admin/audit.csv").status == 403
    finally:
        context.close()
