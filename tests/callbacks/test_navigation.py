"""Back/Forward: when the query string names another view than the controls show, the page follows it."""

from __future__ import annotations

import pytest

from callbacks.filters import names_view
from callbacks.navigation import query_left_controls
from components.state import ViewState, to_query
from tests.support.catalogues import TWO_STORES

CATALOGUE = TWO_STORES
STORE_CONTROLS = {"store": "Loja A", "freq": "M", "horizon": 3, "history": 365, "backtest": False}


def test_a_query_written_by_the_controls_leaves_the_page_alone():
    query = "?store=Loja+A&freq=M&horizon=3&history=365"
    assert not query_left_controls("store", query, STORE_CONTROLS, CATALOGUE, {})
    # Key order and encoding do not matter.
    assert not query_left_controls(
        "store", "?history=365&horizon=3&freq=M&store=Loja%20A", STORE_CONTROLS, CATALOGUE, {}
    )


def test_back_to_an_earlier_query_makes_the_page_follow_the_url():
    # The reviewer's case: Monthly chosen, then Back to the weekly query.
    earlier = "?store=Loja+A&freq=W&horizon=13&history=365"
    assert query_left_controls("store", earlier, STORE_CONTROLS, CATALOGUE, {})
    assert query_left_controls("store", "", STORE_CONTROLS, CATALOGUE, {})


def test_another_tab_or_page_is_left_to_the_routing_callback():
    query = "?store=Loja+B&freq=W&horizon=13&history=365"
    assert not query_left_controls("category", query, STORE_CONTROLS, CATALOGUE, {})
    assert not query_left_controls("store", query, {}, CATALOGUE, {})


def test_product_tab_after_a_drill_down_to_one_store():
    controls = {
        "store": "Loja B",
        "category": "Bebidas",
        "product": "Suco",
        "freq": "W",
        "horizon": 13,
        "history": 365,
        "backtest": False,
    }
    assert query_left_controls("product", "?category=Bebidas&product=Suco", controls, CATALOGUE, {})
    assert not query_left_controls(
        "product", "?store=Loja+B&category=Bebidas&product=Suco", controls, CATALOGUE, {}
    )


@pytest.mark.parametrize(
    ("search", "state", "named"),
    [
        ("", ViewState("store"), True),  # /store opens the default view: nothing to write
        ("?freq=W", ViewState("store"), True),
        ("?freq=M", ViewState("store"), False),
        ("?store=Nowhere", ViewState("store"), True),  # ignored value (the page says so)
        ("?category=Bebidas", ViewState("category", category="Bebidas"), True),
        ("?category=Eletro", ViewState("category", category="Bebidas"), False),
        ("?product=Suco", ViewState("product", product="Suco"), True),
        ("?product=Suco", ViewState("product", category="Bebidas", product="Suco"), False),
        ("?store=Loja+A", ViewState("store"), False),
    ],
)
def test_names_view_compares_the_parsed_view(search, state, named):
    assert names_view(search, state, CATALOGUE, {}) is named


def test_names_view_of_the_written_query_is_true_for_every_state():
    state = ViewState("product", "Loja A", "Bebidas", "Cola 2L", "M", 6, 730, True)
    assert names_view(to_query(state), state, CATALOGUE, {})
