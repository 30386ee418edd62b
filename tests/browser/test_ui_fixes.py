"""The dashboard defects a new user hit in the first hour, checked in real Chromium against gunicorn:
no cloud button, a toolbar clear of the legend, labels clear of each other, an empty state for a product
not sold in a store, drill-down and admin tabs by keyboard, labelled filters, PNG, copied link, and an
answer to an unsupported upload."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from callbacks.catalogue import CatalogueCache
from data.db import make_engine
from tests.browser.conftest import ARTIFACTS, login_in_browser, wait_for_dash_idle
from tests.browser.forecast_server import MANAGER, serve_instance
from tests.support.a11y import PageWatch
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser
ADMIN = ("admin", "admin-pass-123")
FORECAST_DRAWN = """() => { const g = document.querySelector('#forecast-graph .js-plotly-plot');
  return g && g.data && g.data.some(t => t.name === 'Forecast'); }"""
BOX = """(sel) => [...document.querySelectorAll(sel)].map(e => { const r = e.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: e.textContent}; })"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn on a small trained demo instance with an admin and a manager."""
    yield from serve_instance(tmp_path_factory.mktemp("ui-fixes"), admin=ADMIN)


@pytest.fixture
def open_page(browser, server):
    """``open_page(path, width=1366, user=MANAGER)``: a logged-in page at ``path`` with its chart drawn."""
    contexts = []

    def opener(path: str, *, width: int = 1366, user: tuple[str, str] = MANAGER, drawn: bool = True):
        context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.watch = PageWatch.on(page)
        login_in_browser(page, server.url, *user)
        wait_for_dash_idle(page)
        page.goto(server.url + path)
        if drawn:
            page.wait_for_function(FORECAST_DRAWN)
        wait_for_dash_idle(page)
        return page

    yield opener
    for context in contexts:
        context.close()


def overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def unsold(server: LiveServer) -> tuple[str, str, str]:
    """(store, category, product) of a product that store does not sell."""
    engine = make_engine(server.env["TRENDSALES_DATABASE_URL"])
    try:
        catalogue = CatalogueCache(engine, silent_days=Settings().store_silent_days).get()
    finally:
        engine.dispose()
    for store in catalogue.stores:
        missing = sorted(set(catalogue.product_category) - catalogue.carried[store])
        if missing:
            return store, catalogue.product_category[missing[0]], missing[0]
    pytest.fail("the demo data must have a store that does not sell some product")


def test_toolbar_has_no_cloud_button_or_logo_and_keeps_clear_of_the_legend(open_page):
    """Item 1 (cloud upload offer) and item 6 (the toolbar covered the legend on a tablet)."""
    page = open_page("/store?freq=W&backtest=1", width=820)
    page.hover("#forecast-graph .nsewdrag")
    page.wait_for_selector("#forecast-graph .modebar-btn", state="visible")
    titles = page.eval_on_selector_all("#forecast-graph .modebar-btn", "bs => bs.map(b => b.dataset.title)")
    assert titles and not any(re.search("cloud|share|chart studio", t or "", re.I) for t in titles)
    assert page.locator("#forecast-graph .modebar-btn--logo").count() == 0
    toolbar = page.evaluate(BOX, "#forecast-graph .modebar")[0]
    entries = page.evaluate(BOX, "#forecast-graph .legend .traces")
    assert entries and not [e["text"] for e in entries if overlap(toolbar, e)]


def test_zero_tick_and_the_first_date_label_do_not_overlap(open_page):
    """Item 10: "R$ 0" overlapped the first x label on every chart."""
    page = open_page("/store?freq=M&horizon=12&history=730")
    ticks = page.evaluate(BOX, "#forecast-graph .yaxislayer-above .ytick text")
    zero = next(t for t in ticks if t["text"] == "R$ 0")
    first_date = min(
        page.evaluate(BOX, "#forecast-graph .xaxislayer-above .xtick text"), key=lambda t: t["left"]
    )
    assert not overlap(zero, first_date), (zero, first_date)
    breakdown = page.eval_on_selector_all("#breakdown-graph .xtick text", "ts => ts.map(t => t.textContent)")
    # the short money form of every chart (the test server speaks English: R$ 1.5 M; pt-BR: R$ 1,5 mi)
    assert breakdown and all(re.fullmatch(r"R\$ \d+(\.\d+)?( k| M| bn)?", t) for t in breakdown), breakdown


def test_product_not_sold_in_the_store_is_an_empty_state(open_page, server):
    """Item 3: a short message, a KPI card saying why, exports disabled, the stores that sell it."""
    store, category, product = unsold(server)
    page = open_page(f"/product?store={store}&category={category}&product={product}", drawn=False)
    page.wait_for_selector("#kpi-empty")
    assert "is not sold in" in page.inner_text("#kpi-empty")
    for button in ("#export-csv", "#export-xlsx", "#export-png"):
        assert page.is_disabled(button), button
    assert (
        page.evaluate("() => document.querySelector('#forecast-graph').getBoundingClientRect().height") <= 200
    )
    assert page.locator("#breakdown-list a").count() >= 1
    assert page.watch.errors == [] and page.watch.failed == []


def test_breakdown_drill_down_works_from_the_keyboard(open_page):
    """Item 13: the breakdown's bars were mouse-only; the list beside them takes the focus."""
    page = open_page("/store?freq=M")
    label = page.eval_on_selector("#breakdown-list a", "a => a.textContent")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('#breakdown-list')"):
            break
    else:
        pytest.fail("Tab never reached the breakdown list")
    assert page.evaluate("() => document.activeElement.textContent") == label
    page.keyboard.press("Enter")
    page.wait_for_function("c => new URLSearchParams(location.search).get('category') === c", arg=label)
    assert page.url.split("?")[0].endswith("/category")
    page.wait_for_function(FORECAST_DRAWN)


def test_filters_are_named_by_their_labels_and_reachable_by_tab(open_page):
    """Item 13: a screen reader announced only the value of a filter."""
    page = open_page("/product")
    for label in ("Store", "Category", "Product", "Granularity", "Horizon", "History shown"):
        control = page.get_by_role("button", name=re.compile(f"^{label} "))
        assert control.count() == 1, label
        assert control.get_attribute("tabindex") == "0", label
    assert page.locator(".dash-dropdown-focus-target[tabindex='0']").count() == 0


def test_chart_png_and_copied_link(open_page):
    """What to build 4: a picture of the chart and a link to the view."""
    page = open_page("/category?freq=W&horizon=8")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    with page.expect_download() as download:
        page.click("#export-png")
    path = Path(download.value.path())
    assert (
        download.value.suggested_filename.endswith(".png") and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    )
    page.click("#copy-link")
    page.wait_for_function(
        "() => document.querySelector('#copy-link-status').textContent.includes('Link copied')"
    )
    assert page.evaluate("() => navigator.clipboard.readText()") == page.url
    with page.expect_download() as csv_download:
        page.click("#export-csv")
    text = Path(csv_download.value.path()).read_text()
    assert text.splitlines()[0].endswith("actual,kind,store,category,product,granularity,model_version")
    assert ",actual," in text and ",forecast," in text


def test_unsupported_upload_gets_an_answer_and_admin_tabs_work_by_keyboard(open_page, tmp_path):
    """Item 12 (a .txt upload got no feedback) and the admin sub-tabs (unreachable by keyboard)."""
    page = open_page("/admin", user=ADMIN, drawn=False)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    page.set_input_files("#admin-upload input[type=file]", str(notes))
    page.wait_for_function(
        # innerText: the answer as drawn (dcc.Loading keeps it hidden while the callbacks run)
        "() => document.querySelector('#admin-upload-preview').innerText.includes('.txt')"
    )
    assert "expected .csv or .xlsx" in page.inner_text("#admin-upload-preview")
    models = page.get_by_role("tab", name="Models")
    models.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#admin-tab-models-panel:not([hidden])")
    assert models.get_attribute("aria-selected") == "true"
    assert page.get_by_role("tab", name="Data").get_attribute("aria-selected") == "false"
    assert page.is_hidden("#admin-tab-data-panel")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui_fixes_admin_models.png"), full_page=True)
