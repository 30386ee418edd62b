"""Filter callbacks of the forecast tabs: URL sync, dependent dropdowns, horizon units, drill-down,
and the store/product pickers' server-side search (the first matches of what the user types).

The URL query string is the state: controls write it (no page re-render, so no flicker), the
navigation callback reads it when a page is opened, and a drill-down writes path and query at once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from callbacks.catalogue import CatalogueCache
from callbacks.forecast import filter_values
from callbacks.guards import current_scope
from callbacks.inputs import click_data, freq_code, text, view_state
from components import ids
from components.forecast_page import (
    horizon_dropdown_options,
    product_options,
    product_search_options,
    store_options,
)
from components.formatting import FREQ_TEXT
from components.state import (
    ALL as ALL_VALUE,
)
from components.state import (
    Catalogue,
    ViewState,
    drill_target,
    horizon_options,
    max_preset,
    parse_query,
    tab_of,
    to_query,
)
from services import catalogue_search, forecast_view
from services.forecast_view import HolderSource


def horizon_limits(holder: Any, level: str) -> dict[str, int]:
    """Longest horizon per display frequency served by the MASTER of ``level`` (presets without a model)."""
    return forecast_view.horizon_limits(HolderSource.of(holder), level) if holder is not None else {}


def horizon_for_freq(freq: str, limits: dict[str, int]) -> tuple[list[dict[str, object]], int]:
    """Horizon options and the default value after the granularity changed to ``freq``."""
    limit = limits.get(freq) or max_preset(freq)
    values = horizon_options(freq, limit)
    return horizon_dropdown_options(values, freq), min(FREQ_TEXT[freq].default_horizon, limit)


def products_for(catalogue: Catalogue, state: ViewState) -> tuple[list[dict[str, object]], str | None]:
    """Product options for the chosen store/category and the product to show.

    A product of another category is replaced by the category's first product (the user asked for
    that category); a product of the category that the store does not sell is kept, so the page can
    say so.
    """
    product = state.product
    if state.category and product and catalogue.product_category.get(product) != state.category:
        choices = catalogue.products(state.category, state.store) or catalogue.products(state.category)
        product = choices[0] if choices else None
    return product_options(catalogue, ViewState(**{**state.__dict__, "product": product})), product


def with_option(options: Any, value: str | None) -> Any:
    """``options`` plus one for ``value`` when it is missing (``no_update`` when nothing changes)."""
    options = options if isinstance(options, list) else []
    if value in (None, "") or any(isinstance(o, dict) and o.get("value") == value for o in options):
        return no_update
    return [*options, {"label": value, "value": value}]


def names_view(search: str | None, shown: ViewState, catalogue: Catalogue, limits: dict[str, int]) -> bool:
    """True when the query string ``search`` opens the view ``shown`` (same text, or same values once
    parsed: ``/store`` names the default view as well as its written-out query does)."""
    if parse_qs((search or "").lstrip("?")) == parse_qs(to_query(shown).lstrip("?")):
        return True
    return parse_query(search, shown.tab, catalogue, limits)[0] == shown


def register(app: Dash, services: Any, cache: CatalogueCache) -> None:
    """Register the filter callbacks."""

    def visible() -> Catalogue:
        return cache.get().within(current_scope(services).stores)

    @app.callback(
        Output(ids.URL, "search"),
        Input({"type": ids.FILTER, "name": ALL}, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def sync_url(_values: list[Any], search: str | None) -> Any:
        # Dash also calls this when a page's controls appear (the URL is outside the new page). The
        # URL then already names the view: writing it again would push a second history entry for
        # the same view (Back would seem to do nothing, and Forward would be lost after Back).
        shown = view_state(filter_values(ctx.inputs_list[0]))
        search = text(search, "search")
        if names_view(search, shown, visible(), horizon_limits(services.holder, shown.tab)):
            return no_update
        return to_query(shown)

    @app.callback(
        Output(ids.filter_id("product"), "options"),
        Output(ids.filter_id("product"), "value"),
        Input(ids.filter_id("store"), "value"),
        Input(ids.filter_id("category"), "value"),
        State(ids.filter_id("product"), "value"),
        prevent_initial_call=True,
    )
    def update_products(store: str | None, category: str | None, product: str | None) -> tuple[Any, Any]:
        state = view_state({"store": store, "category": category, "product": product})
        options, chosen = products_for(visible(), state)
        return options, chosen if chosen != product else no_update

    @app.callback(
        Output(ids.filter_id("store"), "options"),
        Input(ids.filter_id("store"), "search_value"),
        Input(ids.filter_id("store"), "value"),
        State(ids.filter_id("store"), "options"),
        prevent_initial_call=True,
    )
    def search_stores(term: str | None, store: str | None, options: Any) -> Any:
        term, store = text(term, "search_value"), text(store, "store")
        if any(t["prop_id"].endswith(".value") for t in ctx.triggered):
            # A drill-down may choose a store beyond the listed ones: add it, never remove options.
            return with_option(options, store)
        if not term:  # the menu closed: keep the options (the chosen store is among them)
            return no_update
        catalogue = visible()
        found = catalogue_search.find_stores(services.engine, term, current_scope(services))
        return store_options(found, catalogue.all_stores_label, store)

    @app.callback(
        Output(ids.filter_id("product"), "options", allow_duplicate=True),
        Input(ids.filter_id("product"), "search_value"),
        State(ids.filter_id("product"), "value"),
        State(ids.filter_id("store"), "value"),
        State(ids.filter_id("category"), "value"),
        prevent_initial_call=True,
    )
    def search_products(term: str | None, product: str | None, store: Any, category: Any) -> Any:
        term = text(term, "search_value")
        if not term:  # the menu closed: keep the options (the chosen product is among them)
            return no_update
        state = view_state({"store": store, "category": category, "product": product})
        found = catalogue_search.find_products(
            services.engine, term, current_scope(services), store=state.store, category=state.category
        )
        return product_search_options(found, state.product)

    @app.callback(
        Output(ids.filter_id("horizon"), "options"),
        Output(ids.filter_id("horizon"), "value"),
        Input(ids.filter_id("freq"), "value"),
        State(ids.URL, "pathname"),
        prevent_initial_call=True,
    )
    def update_horizon(freq: str, pathname: str | None) -> tuple[Any, Any]:
        freq, pathname = freq_code(freq), text(pathname, "pathname")
        return horizon_for_freq(freq, horizon_limits(services.holder, tab_of(pathname)))

    @app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.filter_id("store"), "value"),
        Input(ids.BREAKDOWN_GRAPH, "clickData"),
        State({"type": ids.FILTER, "name": ALL}, "value"),
        prevent_initial_call=True,
    )
    def drill_down(click: dict | None, _values: list[Any]) -> tuple[Any, Any, Any]:
        points = click_data(click).get("points") or []
        if not points or points[0].get("customdata") in (None, ""):
            return no_update, no_update, no_update
        state = view_state(filter_values(ctx.states_list[0]))
        path, target = drill_target(state, str(points[0]["customdata"]))
        if state.tab == "product":  # same tab: switch the store control; the view follows
            return no_update, no_update, target.store or ALL_VALUE
        return path, to_query(target), no_update
