"""The accessibility tour shared by the per-language test files (one file per language so that the
two served instances are built on different pytest-xdist workers): every page and tab at a width in real
Chromium, no axe-core violation of critical or serious impact, no console error, no failed request, no
sideways page scroll."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tests.browser.conftest import ARTIFACTS, login_in_browser, wait_for_dash_idle
from tests.browser.forecast_server import serve_instance
from tests.support.a11y import PageWatch, axe_violations, sideways_scroll
from tests.support.live_server import LiveServer

ADMIN = ("admin", "admin-pass-123")
WIDTHS = {"laptop": 1366, "tablet": 820, "phone": 390}
FORECAST_PAGES = ("/store", "/category", "/product")
ADMIN_TABS = ("admin-tab-data", "admin-tab-models", "admin-tab-users", "admin-tab-audit")
# AG Grid draws a shown grid's header cells after it is laid out (a ResizeObserver, once a tab makes it
# visible; the root keeps ``ag-delay-render`` until then): until then its header row is an empty
# role=row, which axe rightly reports. A reader never meets that frame, so the check waits until every
# visible grid has drawn its column headers.
GRIDS_DRAWN = """() => {
  const shown = sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null);
  return shown('.ag-delay-render').length === 0
    && shown('.ag-header-row-column').every(r => r.querySelector('[role=columnheader]')); }"""
FORECAST_DRAWN = """() => { const g = document.querySelector('#forecast-graph .js-plotly-plot');
  return g && g.data && g.data.some(t => t.name === 'Forecast' || t.name === 'Previsão'); }"""


def serve_in_language(instance: Path, language: str) -> Iterator[LiveServer]:
    """gunicorn on a small trained demo instance with an admin, in ``language``: translated labels
    must keep every rule (names, contrast, fit)."""
    yield from serve_instance(instance, admin=ADMIN, TRENDSALES_LANGUAGE=language)


def check(page, watch: PageWatch, where: str, problems: list[str]) -> None:
    """Record what is wrong with the page as it is now (and save a screenshot of it)."""
    if page.evaluate("() => !!window.store"):  # a Dash page: wait until no callback is pending
        wait_for_dash_idle(page)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(GRIDS_DRAWN)
    for violation in axe_violations(page):
        problems.append(
            f"{where}: axe {violation['impact']} {violation['id']} ({violation['help']}) "
            f"at {violation['targets']}"
        )
    scroll = sideways_scroll(page)
    if scroll > 0:
        problems.append(f"{where}: the page scrolls {scroll}px sideways")
    problems += [f"{where}: console error {e}" for e in watch.errors]
    problems += [f"{where}: failed request {r}" for r in watch.failed]
    watch.errors.clear()
    watch.failed.clear()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"a11y_{where.replace('/', '_').replace(' ', '_')}.png"))


def tour_every_page(browser, server: LiveServer, width: int) -> None:
    """Open every page and admin tab at ``width`` and fail listing everything wrong with them."""
    problems: list[str] = []
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    watch = PageWatch.on(page)
    try:
        for path in ("/login", "/request-access"):
            page.goto(server.url + path)
            page.wait_for_load_state("networkidle")
            check(page, watch, f"{width}{path}", problems)
        login_in_browser(page, server.url, *ADMIN)
        # The landing page's own loads end before the next page is opened (else they are aborted).
        wait_for_dash_idle(page)
        page.wait_for_load_state("networkidle")
        watch.errors.clear()
        watch.failed.clear()
        for path in FORECAST_PAGES:
            page.goto(server.url + path)
            page.wait_for_function(FORECAST_DRAWN)
            check(page, watch, f"{width}{path}", problems)
        page.goto(server.url + "/admin")
        for tab in ADMIN_TABS:  # by id: the tabs' names are in the server's language
            page.click(f"#{tab}")
            page.wait_for_selector(f"#{tab}[role=tab][aria-selected=true]")
            check(page, watch, f"{width}/admin {tab}", problems)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
