"""Days only some stores have reported, in headless Chromium: the chart marks them and the tab says so."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.db import make_engine
from data.storage import import_sales_frame, load_sales
from tests.browser.conftest import ARTIFACTS, login_in_browser
from tests.browser.forecast_server import MANAGER, build_trained_instance
from tests.support.live_server import app_environment, start_server

pytestmark = pytest.mark.browser
END = dt.date(2025, 6, 29)  # a Sunday
TRACE_NAMES = """() => {
  const g = document.querySelector('#forecast-graph .js-plotly-plot');
  return g && g.data ? g.data.map(t => t.name) : [];
}"""


@pytest.fixture(scope="module")
def partial_server(tmp_path_factory: pytest.TempPathFactory):
    """gunicorn on trained demo data plus 6 rows of one store on the 3 days after ``END``."""
    instance = tmp_path_factory.mktemp("partial-instance")
    build_trained_instance(instance, end=END)
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    try:
        last = load_sales(engine, start=END, end=END)
        store = sorted(last["store"].unique())[0]
        products = last[last["store"] == store].drop_duplicates("product").head(2)
        rows = [
            {"date": day, "store": store, "category": p.category, "product": p.product, "revenue": 150.0}
            for day in pd.date_range(END + dt.timedelta(days=1), periods=3)
            for p in products.itertuples()
        ]
        import_sales_frame(engine, pd.DataFrame(rows), filename="partial.csv", uploaded_by="admin")
    finally:
        engine.dispose()
    env = app_environment(
        instance, TRENDSALES_ADMIN_PASSWORD="admin-pass-123", TRENDSALES_SCHEDULER_ENABLED="0"
    )
    server = start_server(env, workers=1)
    yield server
    server.stop()


def test_partially_reported_days_are_marked_and_explained(page, partial_server):
    login_in_browser(page, partial_server.url, *MANAGER)
    page.goto(partial_server.url + "/store?freq=D&history=91")
    page.wait_for_function(f"() => ({TRACE_NAMES})().includes('Partially reported')")
    legend = page.locator("#forecast-graph .legendtext", has_text="Partially reported")
    assert legend.is_visible()
    note = page.locator("#reporting-note")
    note.wait_for()
    assert note.is_visible()
    text = note.inner_text()
    assert "Sales complete through 29 Jun 2025; 1 store has reported later days (to 02 Jul 2025)" in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "partially-reported.png"), full_page=True)
    assert not page.console_errors
