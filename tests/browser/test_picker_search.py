"""The store and product pickers search on the server as the user types (issue 15 item 4), and typing
right after opening a dropdown searches (issue 17 item 11), in headless Chromium against gunicorn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest

from data.accounts import create_user
from data.db import make_engine, make_session_factory, session_scope, upgrade_database
from data.queries import SEARCH_LIMIT
from data.storage import import_sales_frame
from tests.browser.conftest import login_in_browser, wait_for_dash_idle
from tests.browser.test_forecast_tabs import control, wait_for_query
from tests.support.live_server import LiveServer, app_environment, start_server

pytestmark = pytest.mark.browser
USER = ("paula", "paula-pass-123")
BIG_STORE = "Loja 00"
# Sorted after the first SEARCH_LIMIT names: only a server-side search can offer them.
LAST_PRODUCT, LAST_STORE = "Zebra Café", "Vila Zeta"
OPTIONS = ".dash-dropdown-content .dash-dropdown-option"


def picker_sales() -> pd.DataFrame:
    """60 stores and 120 products of one category: two stores carry every product, the others three."""
    products = [f"Produto {i:03d}" for i in range(119)] + [LAST_PRODUCT]
    stores = [f"Loja {i:02d}" for i in range(59)] + [LAST_STORE]
    days = pd.date_range(dt.date(2025, 3, 1), periods=14, freq="D")
    rows = []
    for n, store in enumerate(stores):
        carried = products if store in (BIG_STORE, LAST_STORE) else products[n % 100 : n % 100 + 3]
        rows += [(day, store, "Mercearia", product, 10.0 + n) for product in carried for day in days]
    return pd.DataFrame(rows, columns=["date", "store", "category", "product", "revenue"])


@pytest.fixture(scope="module")
def picker_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn on a catalogue larger than a picker's list (no model needed: the pages show history)."""
    instance = tmp_path_factory.mktemp("picker-instance")
    engine = make_engine(f"sqlite:///{instance / 'trendsales.db'}")
    upgrade_database(engine)
    import_sales_frame(engine, picker_sales(), filename="catalogue.csv", uploaded_by="test")
    with session_scope(make_session_factory(engine)) as session:
        create_user(session, USER[0], USER[1], role="manager")
    engine.dispose()
    env = app_environment(instance, TRENDSALES_ADMIN_PASSWORD="admin-pass-123")
    server = start_server(env, workers=1)
    yield server
    server.stop()


def open_and_type(page, name: str, typed: str) -> None:
    """Click the picker ``name`` and type at once, as a user does (no click into the search box)."""
    page.click(control(name))
    page.wait_for_selector(OPTIONS)
    page.keyboard.type(typed)


def test_typing_right_after_opening_the_product_picker_searches_the_server(page, picker_server):
    login_in_browser(page, picker_server.url, *USER)
    page.goto(f"{picker_server.url}/product?store={BIG_STORE}&category=Mercearia&product=Produto+000")
    page.wait_for_selector(control("product"))
    wait_for_dash_idle(page)
    page.click(control("product"))
    page.wait_for_selector(OPTIONS)
    assert page.locator(OPTIONS).count() <= SEARCH_LIMIT + 1  # the list is bounded, not the catalogue
    assert not page.locator(OPTIONS, has_text=LAST_PRODUCT).count()
    page.keyboard.press("Escape")

    open_and_type(page, "product", "zebra")
    match = page.locator(OPTIONS, has_text=LAST_PRODUCT)
    match.wait_for()
    assert page.locator(".dash-dropdown-content input.dash-dropdown-search").input_value() == "zebra"
    assert page.locator(OPTIONS).all_inner_texts()[0].strip() == LAST_PRODUCT
    match.click()
    wait_for_query(page, product=LAST_PRODUCT, store=BIG_STORE)
    wait_for_dash_idle(page)
    assert page.console_errors == []


def test_the_store_picker_finds_a_store_beyond_its_list_by_any_word(page, picker_server):
    login_in_browser(page, picker_server.url, *USER)
    page.goto(f"{picker_server.url}/store")
    page.wait_for_selector(control("store"))
    wait_for_dash_idle(page)
    open_and_type(page, "store", "ZETA vi")
    match = page.locator(OPTIONS, has_text=LAST_STORE)
    match.wait_for()
    assert [t.strip() for t in page.locator(OPTIONS).all_inner_texts()] == [LAST_STORE]
    match.click()
    wait_for_query(page, store=LAST_STORE)
    wait_for_dash_idle(page)
    page.click(control("store"))
    page.wait_for_selector(OPTIONS)
    assert page.locator(OPTIONS, has_text=LAST_STORE).count() == 1  # the choice stays on the list
    assert page.console_errors == []
