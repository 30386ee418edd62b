"""Routing: the URL path decides which tab's content is shown."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, html
from flask_login import current_user

from components import ids
from components.admin import admin_page
from components.layout import not_found_page, placeholder_page
from components.store import store_page
from data import storage


def page_for_path(pathname: str | None, *, is_admin: bool, stores: list[str]) -> html.Div:
    """The content of the tab named by the URL path (``/`` is the store tab)."""
    path = (pathname or "/").rstrip("/") or "/store"
    if path == "/store":
        return store_page(stores)
    if path == "/category":
        return placeholder_page("Category", "Category forecasts arrive with the forecasting release.")
    if path == "/product":
        return placeholder_page("Product", "Product forecasts arrive with the forecasting release.")
    if path == "/admin":
        if not is_admin:
            return placeholder_page("Administration", "This tab is reserved to administrators.")
        return admin_page()
    return not_found_page(path)


def register(app: Dash, services: Any) -> None:
    """Register the routing callback."""

    @app.callback(Output(ids.PAGE, "children"), Input(ids.URL, "pathname"))
    def route(pathname: str | None) -> html.Div:
        stores = (
            storage.list_stores(services.engine) if (pathname or "/").rstrip("/") in ("", "/store") else []
        )
        return page_for_path(pathname, is_admin=bool(current_user.is_admin), stores=stores)
