"""Routing: the URL path decides which tab is shown; the query string sets a forecast tab's filters."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, html
from flask_login import current_user

from callbacks.catalogue import CatalogueCache
from callbacks.filters import horizon_limits
from components import ids
from components.admin import admin_page
from components.forecast_page import forecast_page, no_data_page
from components.layout import not_found_page, placeholder_page
from components.state import (
    HORIZON_PRESETS,
    TABS,
    Catalogue,
    freq_choices,
    horizon_options,
    parse_query,
    tab_links,
)


def forecast_tab(
    tab: str, search: str | None, catalogue: Catalogue, limits: dict[str, int], *, is_admin: bool
) -> Any:
    """The forecast tab ``tab`` with its filters set from the query string ``search``."""
    if catalogue.empty:
        return no_data_page(tab, is_admin=is_admin)
    state, problems = parse_query(search, tab, catalogue, limits)
    limit = limits.get(state.freq) or max(HORIZON_PRESETS[state.freq])
    return forecast_page(
        state,
        catalogue,
        freqs=freq_choices(catalogue.freq),
        horizons=horizon_options(state.freq, limit, state.horizon),
        problems=problems,
    )


def page_for_path(
    pathname: str | None,
    search: str | None = None,
    *,
    is_admin: bool,
    catalogue: Catalogue | None = None,
    limits: dict[str, int] | None = None,
) -> Any:
    """The content of the tab named by the URL path (``/`` is the store tab)."""
    path = (pathname or "/").rstrip("/") or "/store"
    tab = path.lstrip("/")
    if tab in TABS:
        return forecast_tab(tab, search, catalogue or Catalogue(), limits or {}, is_admin=is_admin)
    if path == "/admin":
        if not is_admin:
            return placeholder_page("Administration", "This tab is reserved to administrators.")
        return admin_page()
    return not_found_page(path)


def register(app: Dash, services: Any, cache: CatalogueCache) -> None:
    """Register the routing callback."""

    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"), State(ids.URL, "search"))
    def route(pathname: str | None, search: str | None) -> html.Div:
        path = (pathname or "/").rstrip("/") or "/store"
        tab = path.lstrip("/")
        forecast = tab in TABS
        return page_for_path(
            pathname,
            search,
            is_admin=bool(current_user.is_admin),
            catalogue=cache.get() if forecast else None,
            limits=horizon_limits(services.holder, tab) if forecast else None,
        )

    @app.callback(
        *[Output(ids.tab_link(tab), "href") for tab in TABS],
        *[Output(ids.tab_link(tab), "active") for tab in TABS],
        Input(ids.URL, "pathname"),
        Input(ids.URL, "search"),
    )
    def keep_filters_across_tabs(pathname: str | None, search: str | None) -> tuple[str | bool, ...]:
        links = tab_links(pathname, search)
        current = (pathname or "/").strip("/") or "store"
        return (*[links[tab] for tab in TABS], *[tab == current for tab in TABS])
