"""A store named with HTML is drawn as text in the charts: no link, no bold (real Chromium, gunicorn)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote_plus

import pytest

from data.db import make_engine
from data.queries import list_products
from tests.browser.conftest import login_in_browser
from tests.browser.forecast_server import MANAGER, build_trained_instance
from tests.support.live_server import app_environment, start_server

pytestmark = pytest.mark.browser
LINK_STORE = '<a href="https://evil.example/login">Loja <b>Centro</b></a>'


@pytest.fixture(scope="module")
def markup_server(tmp_path_factory: pytest.TempPathFactory):
    """gunicorn on a small trained instance, "Loja Centro" renamed to a link; yields (server, product)."""
    instance = tmp_path_factory.mktemp("markup-instance")
    build_trained_instance(
        instance, n_stores=2, n_products=6, start=dt.date(2024, 6, 1), store_names={"Loja Centro": LINK_STORE}
    )
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    product = list_products(engine)[0][0]
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
