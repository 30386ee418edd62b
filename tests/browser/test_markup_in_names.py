"""A store named with HTML is drawn as text in the charts: no link, no bold (real Chromium, gunicorn)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace
from urllib.parse import quote_plus

import pytest

from app.config import Settings
from data.db import make_engine, make_session_factory
from data.queries import list_products
from services.events import import_events
from tests.browser.conftest import login_in_browser
from tests.browser.forecast_server import MANAGER, build_trained_instance
from tests.browser.test_forecast_tabs import traces
from tests.support.live_server import app_environment, start_server

pytestmark = pytest.mark.browser
LINK_STORE = '<a href="https://evil.example/login">Loja <b>Centro</b></a>'
LINK_EVENT = '<a href="https://evil.example/promo">Promo <b>Dia</b></a>'


@pytest.fixture(scope="module")
def markup_server(tmp_path_factory: pytest.TempPathFactory):
    """gunicorn on a small trained instance, "Loja Centro" renamed to a link; yields (server, product)."""
    instance = tmp_path_factory.mktemp("markup-instance")
    build_trained_instance(
        instance, n_stores=2, n_products=6, start=dt.date(2024, 6, 1), store_names={"Loja Centro": LINK_STORE}
    )
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    product = list_products(engine)[0][0]
    calendar = io.StringIO()
    csv.writer(calendar).writerows(
        [["date", "name", "store"], ["2025-06-11", LINK_EVENT, ""], ["2025-06-18", "Inventario", LINK_STORE]]
    )
    services = SimpleNamespace(engine=engine, sessions=make_session_factory(engine), config=Settings())
    import_events(services, calendar.getvalue().encode(), "events.csv", actor="test")
    engine.dispose()
    server = start_server(app_environment(instance, TRENDSALES_SCHEDULER_ENABLED="0"), workers=1)
    yield server, product
    server.stop()


def test_store_name_with_a_link_is_text_in_the_by_store_chart(page, markup_server):
    server, product = markup_server
    login_in_browser(page, server.url, *MANAGER)
    page.goto(f"{server.url}/product?product={quote_plus(product)}")
    page.wait_for_selector("#breakdown-graph .barlayer .point path", state="attached")
    labels = page.locator("#breakdown-graph .ytick text").all_text_contents()
    assert LINK_STORE in labels, labels  # the name drawn character for character
    for graph in ("#breakdown-graph", "#forecast-graph"):
        assert page.locator(f"{graph} svg a").count() == 0
        assert page.locator(f"{graph} svg tspan[style*='bold']").count() == 0


def no_markup_drawn(page) -> None:
    """No chart of the page draws a link or bold text (SVG ``<a>``, a bold ``tspan``)."""
    assert page.locator(".js-plotly-plot").count() >= 2
    assert page.locator(".js-plotly-plot svg a").count() == 0
    assert page.locator(".js-plotly-plot svg tspan[style*='bold']").count() == 0


def test_a_store_and_an_event_named_with_html_are_text_in_every_chart(page, markup_server):
    """The store's own tab (chart with event markers, category breakdown) and the stores together,
    with the event marker's hover label shown: every chart and hover is text."""
    server, _ = markup_server
    login_in_browser(page, server.url, *MANAGER)
    for path in (f"/store?store={quote_plus(LINK_STORE)}", "/store"):
        page.goto(server.url + path)
        assert "Events" in traces(page)
        marked = page.evaluate(
            "() => document.querySelector('#forecast-graph .js-plotly-plot').data"
            ".find(t => t.name === 'Events').text"
        )
        assert any(LINK_EVENT.replace("<", "&lt;").replace(">", "&gt;") in text for text in marked), marked
        page.wait_for_selector("#breakdown-graph .barlayer .point path", state="attached")
        no_markup_drawn(page)
        # The event marker's hover label, as a pointer over it would show it (plotly.js's Fx.hover).
        page.evaluate(
            "() => { const g = document.querySelector('#forecast-graph .js-plotly-plot');"
            " const i = g.data.findIndex(t => t.name === 'Events');"
            " Plotly.Fx.hover(g, [{curveNumber: i, pointNumber: 0}]); }"
        )
        page.wait_for_selector("#forecast-graph .hoverlayer .hovertext", state="attached")
        assert "Promo" in page.locator("#forecast-graph .hoverlayer").text_content()
        assert page.locator(".hoverlayer a").count() == 0
        assert page.locator(".hoverlayer tspan[style*='bold']").count() == 0
