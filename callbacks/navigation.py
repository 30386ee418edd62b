"""Routing: the URL path decides which tab is shown; the query string sets a forecast tab's filters.

The page is rendered again when the path changes and when the query string stops describing what
the controls show (the Back and Forward buttons, a link followed inside the app); a query string
written by the controls themselves (``sync_url``) leaves the page alone, so choosing a filter never
re-renders the tab.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from flask_login import current_user

from callbacks.catalogue import CatalogueCache
from callbacks.filters import horizon_limits, names_view
from callbacks.forecast import filter_values
from callbacks.guards import current_scope
from callbacks.inputs import text, view_state
from components import ids
from components.admin import admin_page
from components.forecast_page import forecast_page, no_data_page
from components.i18n import _
from components.layout import not_found_page, placeholder_page
from components.state import (
    TABS,
    Catalogue,
    freq_choices,
    horizon_options,
    max_preset,
    page_of,
    parse_query,
    state_from_controls,
    tab_links,
    to_query,
)


def forecast_tab(
    tab: str, search: str | None, catalogue: Catalogue, limits: dict[str, int], *, is_admin: bool
) -> Any:
    """The forecast tab ``tab`` with its filters set from the query string ``search``."""
    if catalogue.empty:
        return no_data_page(tab, is_admin=is_admin)
    state, problems = parse_query(search, tab, catalogue, limits)
    limit = limits.get(state.freq) or max_preset(state.freq)
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
    page = page_of(pathname)
    if page in TABS:
        return forecast_tab(page, search, catalogue or Catalogue(), limits or {}, is_admin=is_admin)
    if page == "admin":
        if not is_admin:
            return placeholder_page(_("Administration"), _("This tab is reserved to administrators."))
        return admin_page()
    return not_found_page(f"/{page}")


def query_left_controls(
    tab: str,
    search: str | None,
    controls: Mapping[str, Any],
    catalogue: Catalogue,
    limits: dict[str, int],
) -> bool:
    """True when the page of forecast ``tab`` must follow the query ``search``: its controls show
    another view (Back/Forward). False for a query the controls wrote, and when the controls are
    another tab's (the path changed too; the routing callback renders that page)."""
    if not controls:
        return False
    shown = state_from_controls(controls)
    return shown.tab == tab and not names_view(search, shown, catalogue, limits)


def register(app: Dash, services: Any, cache: CatalogueCache) -> None:
    """Register the routing callbacks: the page of the path, the view of the query, the tab links."""

    def visible() -> Catalogue:
        return cache.get().within(current_scope(services).stores)

    def render(pathname: str | None, search: str | None) -> Any:
        pathname, search = text(pathname, "pathname"), text(search, "search")
        tab = page_of(pathname)
        forecast = tab in TABS
        return page_for_path(
            pathname,
            search,
            is_admin=bool(current_user.is_admin),
            catalogue=visible() if forecast else None,
            limits=horizon_limits(services.holder, tab) if forecast else None,
        )

    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"), State(ids.URL, "search"))
    def route(pathname: str | None, search: str | None) -> Any:
        return render(pathname, search)

    @app.callback(
        Output(ids.PAGE, "children", allow_duplicate=True),
        Input(ids.URL, "search"),
        State(ids.URL, "pathname"),
        State({"type": ids.FILTER, "name": ALL}, "value"),
        prevent_initial_call=True,
    )
    def follow_query(search: str | None, pathname: str | None, _values: list[Any]) -> Any:
        """Back/Forward within a tab: render the view of the URL when the controls show another one."""
        pathname, search = text(pathname, "pathname"), text(search, "search")
        tab = page_of(pathname)
        controls = filter_values(ctx.states_list[1])  # [0] is the pathname
        if controls:
            view_state(controls)
        if tab in TABS and query_left_controls(
            tab, search, controls, visible(), horizon_limits(services.holder, tab)
        ):
            return render(pathname, search)
        return no_update

    @app.callback(
        *[Output(ids.tab_link(tab), "href") for tab in TABS],
        *[Output(ids.tab_link(tab), "active") for tab in TABS],
        Input(ids.URL, "pathname"),
        Input({"type": ids.FILTER, "name": ALL}, "value"),
        State(ids.URL, "search"),
    )
    def keep_filters_across_tabs(
        pathname: str | None, _values: list[Any], search: str | None
    ) -> tuple[str | bool, ...]:
        # From the view the controls show (the URL may leave defaults out, e.g. /store), else the URL.
        pathname, search = text(pathname, "pathname"), text(search, "search")
        controls = filter_values(ctx.inputs_list[1])
        query = to_query(view_state(controls)) if controls else search
        links = tab_links(pathname, query)
        current = page_of(pathname)
        return (*[links[tab] for tab in TABS], *[tab == current for tab in TABS])
