"""URL query strings of the forecast views: parsing, checking against the catalogue, serialising."""

from __future__ import annotations

import pytest

from components.state import (
    ALL,
    ViewState,
    freq_choices,
    horizon_options,
    parse_query,
    state_from_controls,
    to_query,
)
from tests.support.catalogues import TWO_STORES

CATALOGUE = TWO_STORES


def test_round_trip_keeps_every_filter():
    state = ViewState("product", "Loja A", "Bebidas", "Cola 2L", "M", 6, 730, True)
    parsed, problems = parse_query(to_query(state), "product", CATALOGUE)
    assert problems == []
    assert parsed == state


def test_query_is_readable_and_encodes_spaces():
    query = to_query(ViewState("category", store="Loja A", category="Bebidas", freq="W", horizon=13))
    assert query == "?store=Loja+A&category=Bebidas&freq=W&horizon=13&history=365"


def test_defaults_for_an_empty_query():
    state, problems = parse_query("", "category", CATALOGUE)
    assert problems == []
    assert (state.store, state.category, state.freq, state.horizon, state.history) == (
        None,
        "Bebidas",
        "W",
        13,
        365,
    )


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("?store=Nowhere", "Unknown store 'Nowhere'"),
        ("?freq=X", "freq='X'"),
        ("?horizon=abc", "horizon='abc'"),
        ("?horizon=999", "between 1 and 52"),
        ("?history=12", "history=12"),
        ("?category=Toys", "Unknown category 'Toys'"),
    ],
)
def test_bad_links_fall_back_and_say_why(query, fragment):
    state, problems = parse_query(query, "category", CATALOGUE)
    assert len(problems) == 1 and fragment in problems[0]
    assert state.freq in freq_choices("D")


def test_horizon_is_bounded_by_what_the_model_serves():
    state, problems = parse_query("?freq=M&horizon=13", "store", CATALOGUE, {"M": 12})
    assert state.horizon == 3 and "between 1 and 12" in problems[0]


def test_product_tab_picks_the_category_of_the_product():
    state, _ = parse_query("?product=Ventilador&category=Bebidas", "product", CATALOGUE)
    assert (state.product, state.category) == ("Ventilador", "Eletro")


def test_product_default_is_one_the_store_carries():
    state, _ = parse_query("?store=Loja+B&category=Bebidas", "product", CATALOGUE)
    assert state.product in CATALOGUE.carried["Loja B"]


def test_granularities_never_finer_than_the_data():
    assert freq_choices("D") == ["D", "W", "M"]
    assert freq_choices("W") == ["W", "M"]
    assert freq_choices("M") == ["M", "Q"]
    assert freq_choices("Q") == ["Q"]


def test_horizon_options_keep_a_custom_valid_value():
    assert horizon_options("W", 57, 20) == [4, 8, 13, 20, 26, 52]
    assert horizon_options("M", 13) == [1, 3, 6, 12]
    assert horizon_options("Q", 0 + 1) == [1]


def test_controls_name_the_tab_and_all_means_none():
    state = state_from_controls(
        {"store": ALL, "category": ALL, "product": "Suco", "freq": "D", "horizon": 7, "history": 0}
    )
    assert (state.tab, state.store, state.category, state.product) == ("product", None, None, "Suco")
    assert state_from_controls({"store": "Loja A", "freq": "W"}).tab == "store"
    with pytest.raises(ValueError, match="unknown granularity"):
        state_from_controls({"freq": "Y"})


def test_catalogue_lookups():
    assert CATALOGUE.store_categories("Loja B") == ["Bebidas"]
    assert CATALOGUE.stores_carrying("Suco") == ["Loja B"]
    assert CATALOGUE.products("Bebidas", "Loja A") == ["Cola 2L"]


def test_tab_links_carry_the_shared_filters_and_the_category_between_its_tabs():
    from components.state import tab_links

    search = "?store=Loja+Centro&category=Bebidas&product=Agua&freq=W&horizon=8&history=365&backtest=1"
    links = tab_links("/product", search)
    assert links["store"] == "/store?store=Loja+Centro&freq=W&horizon=8&history=365"
    assert links["category"] == "/category?store=Loja+Centro&freq=W&horizon=8&history=365&category=Bebidas"
    assert links["product"].endswith("&category=Bebidas") and "product=" not in links["product"]
    assert tab_links("/store", "?store=S1&category=Stale")["category"] == "/category?store=S1"
    assert tab_links("/", None) == {"store": "/store", "category": "/category", "product": "/product"}
