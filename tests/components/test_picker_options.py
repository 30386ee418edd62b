"""The pickers hold a bounded list that always contains the chosen value (a Dash dropdown drops a
value missing from its options)."""

from __future__ import annotations

from dash import no_update

from callbacks.filters import with_option
from components.forecast_page import product_options, product_search_options, store_options
from components.state import ALL, Catalogue, ViewState
from data.queries import SEARCH_LIMIT

STORES = tuple(f"Loja {i:03d}" for i in range(200))
PRODUCTS = [f"P{i:03d}" for i in range(120)]
CATALOGUE = Catalogue(
    stores=STORES,
    categories=("C",),
    product_category={p: "C" for p in PRODUCTS},
    carried={s: frozenset(PRODUCTS) for s in STORES[:2]},
)


def values(options: list[dict]) -> list:
    return [o["value"] for o in options]


def test_store_options_are_bounded_and_keep_the_chosen_store():
    options = store_options(STORES, "All stores", "Loja 150")
    assert values(options) == [ALL, *STORES[:SEARCH_LIMIT], "Loja 150"]
    assert values(store_options(STORES, "All stores", "Loja 001")) == [ALL, *STORES[:SEARCH_LIMIT]]


def test_product_options_are_bounded_and_keep_the_chosen_product():
    state = ViewState("product", store="Loja 000", category="C", product="P100")
    assert values(product_options(CATALOGUE, state)) == [*PRODUCTS[:SEARCH_LIMIT], "P100"]
    unsold = ViewState("product", store="Loja 199", category="C", product="P100")
    assert product_options(CATALOGUE, unsold)[0] == {"label": "P100 (not sold in Loja 199)", "value": "P100"}
    assert values(product_search_options(["P007", "P070"], "P100")) == ["P007", "P070", "P100"]
    assert values(product_search_options(["P100"], "P100")) == ["P100"]


def test_a_store_chosen_elsewhere_is_added_to_the_options_once():
    options = [{"label": "All stores", "value": ALL}, {"label": "Loja 000", "value": "Loja 000"}]
    assert with_option(options, "Loja 000") is no_update
    assert with_option(options, None) is no_update
    assert values(with_option(options, "Loja 150")) == [ALL, "Loja 000", "Loja 150"]
